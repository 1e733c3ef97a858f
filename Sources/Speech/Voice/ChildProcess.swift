import Foundation

/// Runs the speech programs (flite, espeak-ng) the one way both need: no shell ever sees an
/// argument, standard input is /dev/null, and standard output and error go to temporary files
/// that are read once the program has ended. Files rather than pipes: no reader threads, and
/// nothing that depends on Foundation's child monitoring, which can stall inside an async command.
enum ChildProcess {
    /// What a program that ran to its end left behind.
    struct Finished {
        /// The raw wait status (see `exited`, `exitStatus`).
        var status: Int32
        var output: String
        var error: String

        // WIFEXITED, WEXITSTATUS and WTERMSIG are macros Swift cannot import.
        var exited: Bool { status & 0x7F == 0 }
        var exitStatus: Int32 { (status >> 8) & 0xFF }
        var succeeded: Bool { exited && exitStatus == 0 }

        /// The program's own first line of complaint, else how it ended.
        var complaint: String {
            if let line = error.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }) {
                return String(line)
            }
            return exited ? "exit status \(exitStatus)" : "killed by signal \(status & 0x7F)"
        }
    }

    /// The program to run: `executable` when given (it must be executable), else the first
    /// `name` on `PATH`. Either miss is `.io` saying which Debian package provides it.
    static func locate(_ name: String, at executable: String?, package: String) throws(SpeechError) -> String {
        let install = "install the Debian package `\(package)` (apt install \(package))"
        if let executable {
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw .io(path: executable, reason: "no \(name) program here; \(install)")
            }
            return executable
        }
        guard let found = onPath(name) else {
            throw .io(path: name, reason: "not found on PATH; \(install)")
        }
        return found
    }

    /// Runs `program` and fails unless it exits with status 0; the failure is `.io` carrying the
    /// program's own message. `name` is how messages call the program.
    static func run(_ program: String, _ arguments: [String], name: String) throws(SpeechError) -> Finished {
        let finished = try spawn(program, arguments, name: name)
        guard finished.succeeded else {
            throw .io(path: program, reason: "\(name) failed: \(finished.complaint)")
        }
        return finished
    }

    /// Runs `program` with `arguments` (posix_spawn, no shell) and waits for it, whatever its
    /// exit status. Only failing to start it or to wait for it is an error.
    static func spawn(_ program: String, _ arguments: [String], name: String) throws(SpeechError) -> Finished {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-\(name)-\(UUID().uuidString)")
        let outPath = base.path + ".out", errPath = base.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw .io(path: program, reason: "cannot run \(name): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        // A signal arriving while we wait interrupts waitpid; the child is still there to reap.
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else {
                throw .io(path: program, reason: "cannot wait for \(name): \(String(cString: strerror(errno)))")
            }
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Finished(status: status, output: output, error: error)
    }

    /// The first executable `name` in the directories of `PATH`.
    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs blocking work (a synthesis program: tens to hundreds of milliseconds) on a Dispatch
    /// thread instead of the cooperative pool, so a voice speaking never holds up the tasks that
    /// stream the answer or play the audio.
    static func offThePool<Value: Sendable>(
        _ work: @escaping @Sendable () throws(SpeechError) -> Value
    ) async throws(SpeechError) -> Value {
        let result: Result<Value, SpeechError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(SpeechError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
