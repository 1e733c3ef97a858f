import Foundation

/// A child process for the audio tests, started with posix_spawn and reaped with waitpid (no
/// Foundation.Process: its child monitoring can stall inside async tests). Output goes to
/// files, never to pipes, so a daemon that inherits them cannot keep a reader waiting.
final class SpawnedProcess {
    enum Failure: Error, CustomStringConvertible {
        case cannotStart(program: String, reason: String)
        var description: String {
            switch self {
            case .cannotStart(let program, let reason): "cannot start \(program): \(reason)"
            }
        }
    }

    let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    private var exitStatus: Int32?

    /// Starts `program` (a path, or a name looked up on PATH) with `arguments`.
    init(_ program: String, _ arguments: [String]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-child-\(UUID().uuidString)").path
        outputPath = base + ".out"
        errorPath = base + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Signals start at their defaults and unblocked: an ignored SIGINT or SIGPIPE (this
        // process ignores SIGPIPE for the fifo feeder) would otherwise be passed through exec,
        // and parecord would not end on SIGINT.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child = pid_t()
        let spawned = posix_spawnp(&child, program, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw Failure.cannotStart(program: program, reason: String(cString: strerror(spawned))) }
        pid = child
    }

    /// Runs `program` to the end: its exit status, standard output and standard error.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = try SpawnedProcess(program, arguments)
        let status = process.wait()
        return (status, process.output, process.errorOutput)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid { exitStatus = status }
        return reaped == 0
    }

    /// Waits for the process to end: its exit status (a signal's number plus 128 when killed).
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return Self.decode(exitStatus) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        exitStatus = status
        return Self.decode(status)
    }

    /// Sends `signal` and waits for the end (SIGKILL after 3 s).
    func stop(signal: Int32 = SIGTERM) {
        guard isRunning else { return }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(3)
        while isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if isRunning { kill(pid, SIGKILL) }
        wait()
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: errorPath)
    }

    /// WIFEXITED/WEXITSTATUS are macros Swift cannot import.
    private static func decode(_ status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// The first executable `name` on PATH.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
