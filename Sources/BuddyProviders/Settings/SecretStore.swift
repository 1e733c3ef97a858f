/// Finds and keeps the API keys (Anthropic, OpenAI-compatible, PostHog, ElevenLabs).
///
/// Lookup order: the environment variable (a power user's explicit choice for this run), then
/// the Secret Service keyring, then `secrets.toml` in the config directory. The file is a plain
/// text fallback for machines without a keyring, so it is used only when it is a regular file
/// owned by the user with no access for group or others; anything looser is refused with the
/// `chmod 600` that fixes it, rather than quietly trusting a key others may have read or swapped.
///
/// ```toml
/// # secrets.toml, mode 0600
/// anthropic = "sk-ant-…"
/// openai = "sk-…"
/// posthog = "phc_…"
/// elevenlabs = "sk_…"
/// ```
public struct SecretStore: Sendable {
    public var environment: [String: String]
    /// Path of `secrets.toml`.
    public var secretsFile: String
    /// Nil when this machine has no usable Secret Service.
    public var secretService: SecretServiceTool?

    public init(environment: [String: String], secretsFile: String, secretService: SecretServiceTool?) {
        self.environment = environment
        self.secretsFile = secretsFile
        self.secretService = secretService
    }

    /// The store as this machine and `environment` describe it: the config directory's
    /// `secrets.toml` and `secret-tool` if there is one with a session bus.
    public init(environment: [String: String]) throws(SettingsError) {
        self.init(environment: environment, secretsFile: try ConfigLocation(environment: environment).secretsFile,
                  secretService: SecretServiceTool.locate(environment: environment))
    }

    /// The key for `kind` and where it was found; nil when no place has one. Errors come only
    /// from the file (too open, not the user's, malformed): silently skipping it would hide why a
    /// key the user stored is not being used.
    public func lookup(_ kind: SecretKind) throws(SecretStoreError) -> FoundSecret? {
        if let text = environment[kind.environmentVariable], let secret = Secret(text) {
            return FoundSecret(secret: secret, source: .environment(variable: kind.environmentVariable))
        }
        if let secret = secretService?.lookup(kind) {
            return FoundSecret(secret: secret, source: .secretService)
        }
        guard let secret = try readFile()?[kind] else { return nil }
        return FoundSecret(secret: secret, source: .file(path: secretsFile))
    }

    /// Keeps `secret` for `kind` in `place`. The file is rewritten atomically and created with
    /// mode 0600, so there is no moment at which it is readable by others; its other keys stay.
    public func store(_ secret: Secret, for kind: SecretKind, in place: SecretPlace) throws(SecretStoreError) {
        switch place {
        case .secretService:
            guard let secretService else { throw .secretServiceUnavailable }
            try secretService.store(secret, for: kind)
        case .file:
            var keys = try readFile() ?? [:]
            keys[kind] = secret
            try writeFile(keys)
        }
    }

    /// The keys in `secrets.toml`, or nil when there is no such file. Unknown keys and tables are
    /// ignored (and never echoed: a typo'd name may sit next to a real key).
    func readFile() throws(SecretStoreError) -> [SecretKind: Secret]? {
        let file: ReadableFile
        let status: FileStatus
        do {
            guard let opened = try ReadableFile(path: secretsFile, followSymlinks: false) else { return nil }
            status = try opened.status()
            file = opened
        } catch {
            throw error.isSymbolicLink ? .notARegularFile(path: secretsFile) : .unreadable(path: secretsFile, reason: error.description)
        }
        // Checked on the open descriptor before a byte is read.
        guard status.isRegularFile else { throw .notARegularFile(path: secretsFile) }
        guard status.ownedByCurrentUser else { throw .fileNotOwned(path: secretsFile) }
        guard status.permissions & 0o077 == 0 else {
            throw .fileTooOpen(path: secretsFile, permissions: status.permissions)
        }
        let bytes: [UInt8]
        do {
            bytes = try file.readAll(limit: 65_536)
        } catch {
            throw .unreadable(path: secretsFile, reason: error.description)
        }
        let document: TOMLDocument
        do {
            document = try TOMLDocument(bytes: bytes, sourceName: ConfigLocation.fileName(secretsFile))
        } catch {
            throw .syntax(error)
        }
        var keys: [SecretKind: Secret] = [:]
        for entry in document.root.entries {
            guard let kind = SecretKind(rawValue: entry.key) else { continue }
            guard case .string(let text) = entry.value else { throw .notAString(kind: kind, line: entry.line) }
            keys[kind] = Secret(text)
        }
        return keys
    }

    private func writeFile(_ keys: [SecretKind: Secret]) throws(SecretStoreError) {
        var document = TOMLDocument()
        for kind in SecretKind.allCases {
            if let secret = keys[kind] { document.set(.string(secret.reveal()), forKey: kind.rawValue, inTable: nil) }
        }
        let text = document.rendered(comment: [
            "Clicky API keys, used when no Secret Service keyring is available.",
            "Keep this file private (chmod 600): Clicky refuses to read it otherwise.",
        ])
        do {
            try FileSystem.makeDirectories(ConfigLocation.parent(of: secretsFile), permissions: 0o700)
            try FileSystem.writeAtomically(Array(text.utf8), to: secretsFile, permissions: 0o600, exactPermissions: true)
        } catch {
            throw .writeFailed(path: secretsFile, reason: error.description)
        }
    }
}
