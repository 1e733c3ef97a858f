import Foundation

/// Text to speech with CMU Flite, run as a separate program (Debian package `flite`): the text
/// goes in as one argument (posix_spawn; no shell ever sees it), the audio comes back through a temporary
/// WAV file that is read with `WAVFile` and deleted.
public struct FliteVoice: Sendable {
    /// The flite program.
    public let executable: String
    /// The voice name (`flite -lv`: kal, kal16, awb, rms, slt, …) or a `.flitevox` path.
    public let voice: String

    /// Finds flite (`executable`, else the first `flite` on `PATH`) and checks that it has
    /// `voice`. A missing program or an unknown voice is `.io` with a line saying what to do.
    public init(voice: String = "slt", executable: String? = nil) throws(SpeechError) {
        let program: String
        if let executable {
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw .io(path: executable, reason: "no flite program here; install the Debian package `flite` (apt install flite)")
            }
            program = executable
        } else {
            guard let found = Self.onPath("flite") else {
                throw .io(path: "flite", reason: "not found on PATH; install the Debian package `flite` (apt install flite)")
            }
            program = found
        }
        self.executable = program
        self.voice = voice
        if !voice.contains("/") {
            let listing = try Self.run(program, ["-lv"]).output
            let voices = listing.split(separator: ":", maxSplits: 1).last.map { $0.split(whereSeparator: \.isWhitespace).map(String.init) } ?? []
            guard voices.contains(voice) else {
                throw .io(path: program, reason: "flite has no voice \"\(voice)\" (it has: \(voices.joined(separator: ", ")))")
            }
        }
    }

    /// Speaks `text` into a clip at the voice's own rate (16 kHz for slt, 8 kHz for kal).
    public func synthesize(_ text: String) throws(SpeechError) -> AudioClip {
        let wav = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-flite-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: wav) }
        _ = try Self.run(executable, ["-voice", voice, "-t", text, "-o", wav.path])
        return try WAVFile.read(path: wav.path)
    }

    /// Runs `program` with `arguments` (no shell, posix_spawn) and waits for it; its standard
    /// output and error go to temporary files (no pipes, no threads, nothing that depends on
    /// Foundation's child monitoring, which can stall inside an async command). A failure to
    /// start or a non-zero exit is `.io` carrying flite's own message.
    private static func run(_ program: String, _ arguments: [String]) throws(SpeechError) -> (output: String, error: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-flite-\(UUID().uuidString)")
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
            throw .io(path: program, reason: "cannot run flite: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw .io(path: program, reason: "cannot wait for flite: \(String(cString: strerror(errno)))") }
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS are macros Swift cannot import.
        let exited = status & 0x7F == 0, exitStatus = (status >> 8) & 0xFF
        guard exited, exitStatus == 0 else {
            let message = error.split(separator: "\n").first.map(String.init)
                ?? (exited ? "exit status \(exitStatus)" : "killed by signal \(status & 0x7F)")
            throw .io(path: program, reason: "flite failed: \(message)")
        }
        return (output, error)
    }

    /// The first executable `name` in the directories of `PATH`.
    private static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
