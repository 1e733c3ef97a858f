/// The freedesktop Secret Service (gnome-keyring, KWallet, KeePassXC) through `secret-tool`
/// from libsecret-tools. Running the tool keeps the package free of a libsecret/GLib link, and
/// a missing tool, a missing session bus, a locked keyring or any failure of the tool all read
/// as "not found": the keyring is one place a key may be, not a requirement.
///
/// Entries carry the attributes `service clicky key <kind>`, so
/// `secret-tool lookup service clicky key anthropic` finds what Clicky stored.
public struct SecretServiceTool: Sendable {
    /// Path to the `secret-tool` binary (a test can point this at a script).
    public var executable: String
    /// The environment the tool runs with; only the variables it needs are passed on (see
    /// `childEnvironment`), so API keys in our own environment never reach it.
    public var environment: [String: String]
    /// A lookup may meet a keyring that wants unlocking; at this deadline the tool is killed and
    /// the key counts as not found, so starting the buddy cannot hang on a prompt.
    public var lookupTimeout: Duration
    /// Storing is something the user asked for, so there is time to answer an unlock prompt.
    public var storeTimeout: Duration

    public init(executable: String, environment: [String: String],
                lookupTimeout: Duration = .seconds(3), storeTimeout: Duration = .seconds(60)) {
        self.executable = executable
        self.environment = environment
        self.lookupTimeout = lookupTimeout
        self.storeTimeout = storeTimeout
    }

    /// The tool as this machine offers it: `secret-tool` on `PATH` and a D-Bus session bus
    /// (`DBUS_SESSION_BUS_ADDRESS`, or the `bus` socket in `XDG_RUNTIME_DIR`). Nil without either,
    /// as on a headless server or a minimal window manager without a keyring.
    public static func locate(environment: [String: String]) -> SecretServiceTool? {
        guard hasSessionBus(environment) else { return nil }
        let directories = (environment["PATH"] ?? "").split(separator: ":").filter { $0.hasPrefix("/") }
        guard let path = directories.map({ ConfigLocation.join(String($0), "secret-tool") })
            .first(where: FileSystem.isExecutable) else { return nil }
        return SecretServiceTool(executable: path, environment: environment)
    }

    static func hasSessionBus(_ environment: [String: String]) -> Bool {
        if let address = environment["DBUS_SESSION_BUS_ADDRESS"], !address.isEmpty { return true }
        guard let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") else { return false }
        return FileSystem.isSocket(ConfigLocation.join(runtime, "bus"))
    }

    /// The stored key, or nil: not stored, no keyring, locked past the deadline, or the tool failed.
    public func lookup(_ kind: SecretKind) -> Secret? {
        guard let result = ChildProcess.run(executable, arguments: ["lookup"] + attributes(kind),
                                            environment: childEnvironment, input: [], timeout: lookupTimeout),
              result.exitStatus == 0, !result.killed,
              let text = String(validating: result.output, as: UTF8.self) else { return nil }
        return Secret(text)
    }

    /// Stores `secret` in the default collection. The key goes to the tool on its standard input,
    /// never on the command line, where other users could read it in `/proc`.
    public func store(_ secret: Secret, for kind: SecretKind) throws(SecretStoreError) {
        let arguments = ["store", "--label=\(kind.label)"] + attributes(kind)
        guard let result = ChildProcess.run(executable, arguments: arguments, environment: childEnvironment,
                                            input: Array(secret.reveal().utf8), timeout: storeTimeout) else {
            throw .secretServiceFailed(reason: "could not start \(executable)")
        }
        if result.killed {
            throw .secretServiceFailed(reason: "secret-tool did not finish within \(storeTimeout) (is the keyring locked?)")
        }
        guard result.exitStatus == 0 else {
            let status = result.exitStatus.map { "exit status \($0)" } ?? "killed by a signal"
            throw .secretServiceFailed(reason: "secret-tool ended with \(status)")
        }
    }

    private func attributes(_ kind: SecretKind) -> [String] { ["service", "clicky", "key", kind.rawValue] }

    /// What the tool needs to find the session bus and speak the user's language, and nothing else.
    var childEnvironment: [String: String] {
        let needed: Set = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_MESSAGES",
                           "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "DISPLAY", "WAYLAND_DISPLAY"]
        return environment.filter { needed.contains($0.key) }
    }
}
