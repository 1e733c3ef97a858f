import Foundation

/// A child process for the tests, started with posix_spawn and reaped with waitpid (no
/// Foundation.Process: its child monitoring can stall, and a script that leaves a daemon
/// behind kept `waitUntilExit` waiting forever). Output goes to files, never to pipes, so a
/// daemon that inherits them cannot keep a reader waiting; lines are read back as they land.
/// Standard input is /dev/null, or a pipe the test writes to (`send`).
public final class SpawnedProcess: @unchecked Sendable {
    // @unchecked: `exitStatus` and `inputFD` are only touched under `lock`.
    public enum Failure: Error, CustomStringConvertible {
        case cannotStart(program: String, reason: String)
        public var description: String {
            switch self {
            case .cannotStart(let program, let reason): "cannot start \(program): \(reason)"
            }
        }
    }

    public let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?
    private var inputFD: Int32 = -1

    /// Starts `program` (a path, or a name looked up on PATH) with `arguments`; `environment`
    /// is added to this process's own; `input`: give the child a pipe to write to.
    public init(_ program: String, _ arguments: [String], environment: [String: String] = [:], input: Bool = false) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-child-\(UUID().uuidString)").path
        outputPath = base + ".out"
        errorPath = base + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if input {
            signal(SIGPIPE, SIG_IGN)   // a child that has gone makes `send` fail, not kill us
            guard pipe(&pipeEnds) == 0 else { throw Failure.cannotStart(program: program, reason: "no pipe") }
            _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Signals start at their defaults and unblocked: an ignored SIGINT or SIGPIPE would
        // otherwise be passed through exec, and parecord would not end on SIGINT.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child = pid_t()
        let spawned = posix_spawnp(&child, program, &actions, &attributes, argv, envp)
        if input { close(pipeEnds[0]) }
        guard spawned == 0 else {
            if input { close(pipeEnds[1]) }
            throw Failure.cannotStart(program: program, reason: String(cString: strerror(spawned)))
        }
        pid = child
        inputFD = pipeEnds[1]
    }

    /// Runs `program` to the end: its exit status, standard output and standard error.
    public static func run(_ program: String, _ arguments: [String],
                           environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        let process = try SpawnedProcess(program, arguments, environment: environment)
        let status = process.wait()
        return (status, process.output, process.errorOutput)
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var errorOutput: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// The complete lines written to standard output so far.
    public var outputLines: [String] {
        let text = output
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()   // the part after the last newline is not a complete line yet
        return lines
    }

    /// Writes `text` to the child's standard input (started with `input: true`).
    public func send(_ text: String) {
        let fd = lock.withLock { inputFD }
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0 { if errno == EINTR { continue } else { return } }
            written += result
        }
    }

    /// Closes the child's standard input: it reads end of file.
    public func closeInput() {
        lock.withLock {
            if inputFD >= 0 { close(inputFD) }
            inputFD = -1
        }
    }

    /// The first complete output line from index `after` on that matches, waiting up to
    /// `timeout` seconds.
    public func waitForLine(after: Int = 0, timeout: Double, _ matches: (String) -> Bool) -> (index: Int, line: String)? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let lines = outputLines
            if after < lines.count, let index = lines[after...].firstIndex(where: matches) { return (index, lines[index]) }
            Thread.sleep(forTimeInterval: 0.01)
        } while Date() < deadline
        return nil
    }

    public var isRunning: Bool {
        lock.withLock {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { exitStatus = status }
            return reaped == 0
        }
    }

    /// Waits for the process to end: its exit status (a signal's number plus 128 when killed).
    @discardableResult
    public func wait() -> Int32 {
        if let status = lock.withLock({ exitStatus }) { return Self.decode(status) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        lock.withLock { exitStatus = status }
        return Self.decode(status)
    }

    /// Waits up to `timeout` seconds; nil (and the process killed) when it had not ended.
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        guard !isRunning else {
            stop(signal: SIGKILL)
            return nil
        }
        return wait()
    }

    /// Sends `signal` and waits for the end (SIGKILL after 3 s).
    public func stop(signal: Int32 = SIGTERM) {
        closeInput()
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
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
