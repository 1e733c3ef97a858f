import Foundation

/// An API key that cannot leak by being printed: `description`, `debugDescription`, string
/// interpolation, `dump` and mirrors all show `<redacted>`. The value comes out only through
/// `reveal()`, a call that is easy to find in review, made where a request header is built.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Surrounding whitespace and newlines are dropped (`echo key > file` adds one); nil when
    /// nothing is left, because an empty key is no key.
    public init?(_ value: String) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        self.value = trimmed
    }

    /// The key itself, for the one place that sends it.
    public func reveal() -> String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    /// No children, so `dump` and reflection have nothing to show but the description.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// The services Clicky keeps a key for, named as they are in the keyring and in `secrets.toml`.
public enum SecretKind: String, Sendable, CaseIterable {
    case anthropic
    case openai
    case posthog
    /// The cloud voice (not needed when a worker speaks for us).
    case elevenlabs

    /// The variable that overrides every stored key (DESIGN.md's list).
    public var environmentVariable: String {
        switch self {
        case .anthropic: "ANTHROPIC_API_KEY"
        case .openai: "OPENAI_API_KEY"
        case .posthog: "POSTHOG_API_KEY"
        case .elevenlabs: "ELEVENLABS_API_KEY"
        }
    }

    /// What a keyring manager shows for the entry.
    var label: String {
        switch self {
        case .anthropic: "Clicky: Anthropic API key"
        case .openai: "Clicky: OpenAI-compatible API key"
        case .posthog: "Clicky: PostHog project key"
        case .elevenlabs: "Clicky: ElevenLabs API key"
        }
    }
}

/// Where a key was found, so `clicky doctor` can say which one is in use.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
    case environment(variable: String)
    case secretService
    case file(path: String)

    public var description: String {
        switch self {
        case .environment(let variable): "the environment (\(variable))"
        case .secretService: "the Secret Service keyring"
        case .file(let path): path
        }
    }
}

/// A key and where it came from.
public struct FoundSecret: Sendable, Equatable {
    public var secret: Secret
    public var source: SecretSource
}

/// Where `SecretStore.store` puts a key. The caller chooses, so falling back from the keyring
/// to a file is a decision the user sees, never a silent one.
public enum SecretPlace: Sendable, Equatable {
    case secretService
    case file
}

/// Why a key could not be read or stored. No message ever contains a key.
public enum SecretStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Group or others may read or write the secrets file.
    case fileTooOpen(path: String, permissions: Int)
    case fileNotOwned(path: String)
    /// A symbolic link, a directory or a device where the secrets file should be.
    case notARegularFile(path: String)
    case unreadable(path: String, reason: String)
    case syntax(TOMLError)
    /// The entry for this key is a number or a boolean.
    case notAString(kind: SecretKind, line: Int)
    case writeFailed(path: String, reason: String)
    /// `secret-tool` is not installed or there is no D-Bus session bus.
    case secretServiceUnavailable
    case secretServiceFailed(reason: String)

    public var description: String {
        switch self {
        case .fileTooOpen(let path, let permissions):
            "\(path) can be read or changed by other users (mode \(Self.octal(permissions))), so its keys are not used; fix it with: chmod 600 '\(path)' (and replace any key that may have been seen)"
        case .fileNotOwned(let path):
            "\(path) belongs to another user, so its keys are not used; remove it or take it over with: chown \"$USER\" '\(path)'"
        case .notARegularFile(let path):
            "\(path) is not a regular file (a symbolic link or a directory), so its keys are not used"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .syntax(let error): error.description
        case .notAString(let kind, let line): "secrets.toml line \(line): \(kind.rawValue) must be a quoted string"
        case .writeFailed(let path, let reason): "cannot save the key to \(path): \(reason)"
        case .secretServiceUnavailable:
            "no Secret Service here: install secret-tool (Debian: libsecret-tools) and run a keyring such as gnome-keyring in a D-Bus session"
        case .secretServiceFailed(let reason): "the Secret Service did not store the key: \(reason)"
        }
    }

    private static func octal(_ permissions: Int) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
