import BuddyCore
import Foundation

/// One key of `config.toml`: where it sits, how a TOML value becomes the field (with the checks
/// that make a bad value an error instead of a surprise later), and how the field is written
/// back. Reading, writing, environment overrides and unknown-key warnings all go through this
/// one list, so a key cannot be readable but never written, or the other way round.
struct SettingsField {
    /// nil for a top-level key.
    let table: String?
    let key: String
    /// Sets the field from a value; throws a message without the source, which the caller adds.
    let read: (inout BuddySettings, TOMLValue) throws(FieldProblem) -> Void
    /// The field as TOML; nil when it is unset (an optional left at nil).
    let write: (BuddySettings) -> TOMLValue?

    /// `local.threads`, or `brain` for a top-level key.
    var qualifiedName: String { table.map { "\($0).\(key)" } ?? key }
}

/// Why a value does not fit its field, as a phrase: "local.threads must be …".
struct FieldProblem: Error {
    let message: String
}

extension SettingsField {
    /// Every key the buddy reads, in the order the file is written.
    static var all: [SettingsField] {
        [
            brain(),
            optionalString("local", "model", \.local.model),
            threads(),
            string("anthropic", "sonnet_model", \.anthropic.sonnetModel),
            string("anthropic", "opus_model", \.anthropic.opusModel),
            url("anthropic", "base_url", \.anthropic.baseURL),
            optionalURL("anthropic", "worker_url", \.anthropic.workerURL),
            url("openai", "base_url", \.openAI.baseURL),
            string("openai", "model", \.openAI.model),
            string("elevenlabs", "voice_id", \.elevenLabs.voiceID),
            string("elevenlabs", "model", \.elevenLabs.model),
            boolean("privacy", "share_local_history_with_cloud", \.privacy.shareLocalHistoryWithCloud),
            boolean("privacy", "analytics", \.privacy.analytics),
            boolean("privacy", "include_conversation_content", \.privacy.includeConversationContent),
            url("analytics", "posthog_host", \.analytics.posthogHost),
        ]
    }

    /// The tables the file may have, in the order they are written.
    static var tables: [String] { ["local", "anthropic", "openai", "elevenlabs", "privacy", "analytics"] }

    /// Environment variables that override a key, with the key they override (DESIGN.md's list,
    /// plus `CLICKY_BRAIN` to pick a brain for one run without touching the file).
    static var environmentOverrides: [(variable: String, table: String?, key: String)] {
        [
            ("CLICKY_BRAIN", nil, "brain"),
            ("ANTHROPIC_BASE_URL", "anthropic", "base_url"),
            ("CLICKY_WORKER_URL", "anthropic", "worker_url"),
            ("OPENAI_BASE_URL", "openai", "base_url"),
            ("ELEVENLABS_VOICE_ID", "elevenlabs", "voice_id"),
            ("POSTHOG_HOST", "analytics", "posthog_host"),
        ]
    }

    static func named(_ key: String, in table: String?) -> SettingsField? {
        all.first { $0.table == table && $0.key == key }
    }

    // MARK: - Field kinds

    private static func brain() -> SettingsField {
        let choices = BrainMode.allCases.map(\.rawValue).joined(separator: ", ")
        return SettingsField(table: nil, key: "brain", read: { (settings, value) throws(FieldProblem) in
            let text = try requireString(value, "brain")
            guard let mode = BrainMode(rawValue: text.lowercased()) else {
                throw FieldProblem(message: "brain must be one of \(choices), not \(TOMLValue.quoted(text))")
            }
            settings.brain = mode
        }, write: { .string($0.brain.rawValue) })
    }

    private static func threads() -> SettingsField {
        SettingsField(table: "local", key: "threads", read: { (settings, value) throws(FieldProblem) in
            guard case .integer(let count) = value else {
                throw FieldProblem(message: "local.threads must be an integer, not \(value.typeName)")
            }
            guard (1...1024).contains(count) else {
                throw FieldProblem(message: "local.threads must be between 1 and 1024")
            }
            settings.local.threads = count
        }, write: { $0.local.threads.map { .integer($0) } })
    }

    private static func string(_ table: String, _ key: String,
                               _ path: WritableKeyPath<BuddySettings, String>) -> SettingsField {
        SettingsField(table: table, key: key, read: { (settings, value) throws(FieldProblem) in
            let text = try requireString(value, "\(table).\(key)")
            guard !text.isEmpty else { throw FieldProblem(message: "\(table).\(key) must not be empty") }
            settings[keyPath: path] = text
        }, write: { .string($0[keyPath: path]) })
    }

    /// An empty string means "unset", so a user can write `model = ""` to get the default back.
    private static func optionalString(_ table: String, _ key: String,
                                       _ path: WritableKeyPath<BuddySettings, String?>) -> SettingsField {
        SettingsField(table: table, key: key, read: { (settings, value) throws(FieldProblem) in
            let text = try requireString(value, "\(table).\(key)")
            settings[keyPath: path] = text.isEmpty ? nil : text
        }, write: { $0[keyPath: path].map { .string($0) } })
    }

    private static func boolean(_ table: String, _ key: String,
                                _ path: WritableKeyPath<BuddySettings, Bool>) -> SettingsField {
        SettingsField(table: table, key: key, read: { (settings, value) throws(FieldProblem) in
            guard case .boolean(let flag) = value else {
                throw FieldProblem(message: "\(table).\(key) must be true or false, not \(value.typeName)")
            }
            settings[keyPath: path] = flag
        }, write: { .boolean($0[keyPath: path]) })
    }

    private static func url(_ table: String, _ key: String,
                            _ path: WritableKeyPath<BuddySettings, URL>) -> SettingsField {
        SettingsField(table: table, key: key, read: { (settings, value) throws(FieldProblem) in
            settings[keyPath: path] = try httpURL(try requireString(value, "\(table).\(key)"), "\(table).\(key)")
        }, write: { .string($0[keyPath: path].absoluteString) })
    }

    private static func optionalURL(_ table: String, _ key: String,
                                    _ path: WritableKeyPath<BuddySettings, URL?>) -> SettingsField {
        SettingsField(table: table, key: key, read: { (settings, value) throws(FieldProblem) in
            let text = try requireString(value, "\(table).\(key)")
            settings[keyPath: path] = text.isEmpty ? nil : try httpURL(text, "\(table).\(key)")
        }, write: { $0[keyPath: path].map { .string($0.absoluteString) } })
    }

    private static func requireString(_ value: TOMLValue, _ name: String) throws(FieldProblem) -> String {
        guard case .string(let text) = value else {
            throw FieldProblem(message: "\(name) must be a string, not \(value.typeName)")
        }
        return text
    }

    /// An http or https URL with a host, without a trailing slash, so clients can append
    /// `/v1/messages` or `/chat/completions` without doubling it.
    private static func httpURL(_ text: String, _ name: String) throws(FieldProblem) -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw FieldProblem(message: "\(name) must be an http:// or https:// URL, not \(TOMLValue.quoted(text))")
        }
        return url
    }
}
