import Foundation

/// Why the settings could not be loaded or saved. Each message names the file line or the
/// environment variable at fault, so the user knows what to edit.
public enum SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is an absolute path.
    case noConfigDirectory
    /// The file exists but could not be read (permissions, a directory in its place, too big).
    case unreadable(path: String, reason: String)
    /// The file is not TOML of the supported subset.
    case syntax(TOMLError)
    /// A known key has a value that does not fit; `source` is `config.toml line 3` or the
    /// environment variable that carried it.
    case invalidValue(source: String, message: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .noConfigDirectory: "no settings directory: neither XDG_CONFIG_HOME nor HOME is set to an absolute path"
        case .unreadable(let path, let reason): "cannot read the settings in \(path): \(reason)"
        case .syntax(let error): error.description
        case .invalidValue(let source, let message): "\(source): \(message)"
        case .writeFailed(let path, let reason): "cannot save the settings to \(path): \(reason)"
        }
    }
}

/// Something in the file that was ignored rather than refused (an unknown key or table: perhaps
/// a typo, perhaps a setting from a newer version). Returned to the caller, never printed here.
public struct SettingsWarning: Sendable, Equatable, CustomStringConvertible {
    public var sourceName: String
    public var line: Int
    public var message: String

    public var description: String { "\(sourceName) line \(line): \(message)" }
}

/// Settings as loaded, with what was ignored along the way.
public struct LoadedSettings: Sendable, Equatable {
    public var settings: BuddySettings
    public var warnings: [SettingsWarning]
    /// False when there was no file and the defaults were used.
    public var fileExists: Bool
}

extension BuddySettings {
    /// The buddy's settings for this run: `config.toml` from the config directory (no file means
    /// the defaults), then the environment overrides. Pass `ProcessInfo.processInfo.environment`.
    public static func load(environment: [String: String]) throws(SettingsError) -> LoadedSettings {
        let location = try ConfigLocation(environment: environment)
        var loaded = try read(path: location.settingsFile)
        loaded.settings = try loaded.settings.overridden(by: environment)
        return loaded
    }

    /// The file alone, without the environment: what `clicky mode` edits and saves, so a
    /// variable set for one run never ends up written to the file.
    public static func read(path: String) throws(SettingsError) -> LoadedSettings {
        let bytes: [UInt8]
        do {
            guard let file = try ReadableFile(path: path, followSymlinks: true) else {
                return LoadedSettings(settings: BuddySettings(), warnings: [], fileExists: false)
            }
            bytes = try file.readAll()
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        let (settings, warnings) = try parse(bytes, sourceName: ConfigLocation.fileName(path))
        return LoadedSettings(settings: settings, warnings: warnings, fileExists: true)
    }

    /// Settings from TOML text: unset keys keep their defaults, unknown keys and tables become
    /// warnings, a known key with a bad value is an error naming its line.
    public static func parse(_ bytes: [UInt8], sourceName: String = "config.toml")
        throws(SettingsError) -> (BuddySettings, [SettingsWarning]) {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(bytes: bytes, sourceName: sourceName)
        } catch {
            throw .syntax(error)
        }
        var settings = BuddySettings()
        var warnings: [SettingsWarning] = []
        for table in [document.root] + document.tables {
            if let name = table.name, !SettingsField.tables.contains(name) {
                warnings.append(SettingsWarning(sourceName: sourceName, line: table.line,
                                                message: "unknown table [\(name)] ignored"))
                continue
            }
            for entry in table.entries {
                guard let field = SettingsField.named(entry.key, in: table.name) else {
                    warnings.append(SettingsWarning(sourceName: sourceName, line: entry.line,
                                                    message: unknownKeyMessage(entry.key, in: table.name)))
                    continue
                }
                do {
                    try field.read(&settings, entry.value)
                } catch {
                    throw .invalidValue(source: "\(sourceName) line \(entry.line)", message: error.message)
                }
            }
        }
        return (settings, warnings)
    }

    /// These settings with the environment's overrides applied. An empty variable counts as unset;
    /// a malformed one is an error naming the variable.
    public func overridden(by environment: [String: String]) throws(SettingsError) -> BuddySettings {
        var settings = self
        for (variable, table, key) in SettingsField.environmentOverrides {
            guard let text = environment[variable], !text.isEmpty,
                  let field = SettingsField.named(key, in: table) else { continue }
            do {
                try field.read(&settings, .string(text))
            } catch {
                throw .invalidValue(source: variable, message: error.message)
            }
        }
        return settings
    }

    /// The settings as a TOML document with every known key (unset optional keys left out).
    public var document: TOMLDocument {
        var document = TOMLDocument(tables: SettingsField.tables.map { TOMLTable(name: $0) })
        for field in SettingsField.all {
            if let value = field.write(self) { document.set(value, forKey: field.key, inTable: field.table) }
        }
        return document
    }

    /// Writes the settings to `path` atomically (a reader sees the old file or the new one),
    /// creating the directory (mode 0700) if needed. Comments in an existing file are not kept.
    public func write(to path: String) throws(SettingsError) {
        let text = document.rendered(comment: [
            "Clicky settings. Rewritten by `clicky mode`, which does not keep comments.",
            "API keys do not belong here: they are read from the environment, the Secret Service or secrets.toml.",
        ])
        do {
            try FileSystem.makeDirectories(ConfigLocation.parent(of: path), permissions: 0o700)
            try FileSystem.writeAtomically(Array(text.utf8), to: path, permissions: 0o644, exactPermissions: false)
        } catch {
            throw .writeFailed(path: path, reason: error.description)
        }
    }

    /// Names only the key, never its value: a key that looks like it holds a secret is pointed
    /// at the right place instead.
    private static func unknownKeyMessage(_ key: String, in table: String?) -> String {
        let place = table.map { " in [\($0)]" } ?? ""
        let lowered = key.lowercased().replacingOccurrences(of: "-", with: "_")
        if lowered == "key" || ["api_key", "apikey", "token", "secret", "password"].contains(where: lowered.contains) {
            return "'\(key)'\(place) ignored: API keys are read from the environment, the Secret Service or secrets.toml, never from config.toml"
        }
        return "unknown key '\(key)'\(place) ignored"
    }
}

extension ConfigLocation {
    /// The last path component, as error messages name the file.
    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The directory part of `path` ("." for a bare name).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
