import Foundation
import GGUF
import LLMEngine

/// Where the models are and what a name means, for `--model` and `clicky models`: a path, a
/// file in our models directory, a catalogue name, or a Hub file `org/name/file.gguf[@revision]`.
/// Hub models live in the Hugging Face cache (shared with other tools, used as they left it);
/// resolving a name never touches the network.
public struct ModelStore: Sendable {
    /// `$XDG_DATA_HOME/clicky/models`: the set-up's models and imported files.
    public let modelsDirectory: String
    public let hub: HubCache

    public init(modelsDirectory: String, hub: HubCache) {
        self.modelsDirectory = modelsDirectory
        self.hub = hub
    }

    /// The Hub file a name stands for: a catalogue entry hosted on the Hub, or a spec
    /// `org/name/path/in/repo.gguf` with an optional `@revision`.
    public static func hubFile(for name: String) -> HubFile? {
        if let entry = ModelCatalog.model(named: name) {
            guard case .huggingFace(let repository, _) = entry.source else { return nil }
            return HubFile(repository: repository, path: entry.file)
        }
        var spec = Substring(name)
        var revision = "main"
        if let at = spec.lastIndex(of: "@") {
            revision = String(spec[spec.index(after: at)...])
            spec = spec[..<at]
        }
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, !revision.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else {
            return nil
        }
        return HubFile(repository: parts[0] + "/" + parts[1], revision: revision,
                       path: parts.dropFirst(2).joined(separator: "/"))
    }

    /// The file `name` means, if it is on this machine.
    public func resolve(_ name: String) -> String? {
        let files = FileManager.default
        if (name.hasPrefix("/") || name.hasPrefix("./") || name.hasPrefix("../")), files.fileExists(atPath: name) {
            return name
        }
        var candidates = [name, name + ".gguf"]
        if let entry = ModelCatalog.model(named: name) { candidates.insert(entry.file, at: 0) }
        for candidate in candidates where !candidate.contains("/") {
            let path = modelsDirectory + "/" + candidate
            if files.fileExists(atPath: path) { return path }
        }
        if let file = Self.hubFile(for: name), let path = hub.cachedPath(for: file) { return path }
        if files.fileExists(atPath: name) { return name }
        return nil
    }

    /// Copies the GGUF file at `path` into the models directory (atomically: a temporary name,
    /// then a rename), after checking that it is a model this engine can read. Returns the name
    /// to use with `--model`.
    public func importFile(at path: String) throws(ModelStoreError) -> String {
        do { _ = try GGUFFile(path: path) } catch { throw .invalidModel(path: path, reason: error.description) }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let target = modelsDirectory + "/" + name
        let files = FileManager.default
        guard !files.fileExists(atPath: target) else { throw .alreadyInstalled(name: name, path: target) }
        let temporary = modelsDirectory + "/.\(name).\(UUID().uuidString).importing"
        do {
            try files.createDirectory(atPath: modelsDirectory, withIntermediateDirectories: true)
            try files.copyItem(atPath: path, toPath: temporary)
            try files.moveItem(atPath: temporary, toPath: target)
        } catch {
            try? files.removeItem(atPath: temporary)
            throw .storage("could not copy \(path) into \(modelsDirectory): \(error.localizedDescription)")
        }
        return name
    }

    /// Removes what `name` means: a file of the models directory, or a Hub file from the
    /// cache (its blob too when no other snapshot uses it). Returns the path removed.
    public func remove(_ name: String) throws(ModelStoreError) -> String {
        if let file = Self.hubFile(for: name), let path = hub.cachedPath(for: file) {
            do { try hub.remove(file) } catch { throw .storage(error.description) }
            return path
        }
        guard let path = resolve(name), path.hasPrefix(modelsDirectory + "/") else { throw .notInstalled(name) }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw .storage("could not remove \(path): \(error.localizedDescription)")
        }
        return path
    }

    /// The `.gguf` files of the models directory.
    public func localFiles() -> [(name: String, path: String, bytes: Int64)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".gguf") && !$0.hasPrefix(".") }.sorted().map { name in
            let path = modelsDirectory + "/" + name
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
            return (name, path, size ?? 0)
        }
    }
}

/// Why a model command failed; `isInvalidInput` selects exit code 3.
public enum ModelStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notInstalled(String)
    case unknownModel(String)
    case invalidModel(path: String, reason: String)
    case alreadyInstalled(name: String, path: String)
    case notOnTheHub(String)
    case storage(String)

    public var isInvalidInput: Bool {
        switch self {
        case .invalidModel, .notInstalled, .unknownModel: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .notInstalled(let name): "model '\(name)' is not installed (clicky models pull \(name))"
        case .unknownModel(let name): "no model named '\(name)': use a catalogue name (clicky models list), a path, or org/name/file.gguf"
        case .invalidModel(let path, let reason): "\(path) is not a usable GGUF model: \(reason)"
        case .alreadyInstalled(let name, let path): "a model named \(name) is already installed at \(path)"
        case .notOnTheHub(let name): "'\(name)' is installed by scripts/setup.sh, not pulled from the Hub"
        case .storage(let detail): detail
        }
    }
}
