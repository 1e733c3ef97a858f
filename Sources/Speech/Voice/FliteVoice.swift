import Foundation

/// Text to speech with CMU Flite, run as a separate program (Debian package `flite`): the text
/// goes in as one argument (posix_spawn; no shell ever sees it), the audio comes back through a temporary
/// WAV file that is read with `WAVFile` and deleted.
public struct FliteVoice: SpeechSynthesizer {
    /// The flite program.
    public let executable: String
    /// The voice name (`flite -lv`: kal, kal16, awb, rms, slt, …) or a `.flitevox` path.
    public let voice: String

    /// Finds flite (`executable`, else the first `flite` on `PATH`) and checks that it has
    /// `voice`. A missing program or an unknown voice is `.io` with a line saying what to do.
    public init(voice: String = "slt", executable: String? = nil) throws(SpeechError) {
        let program = try ChildProcess.locate("flite", at: executable, package: "flite")
        self.executable = program
        self.voice = voice
        if !voice.contains("/") {
            let listing = try ChildProcess.run(program, ["-lv"], name: "flite").output
            let voices = listing.split(separator: ":", maxSplits: 1).last.map { $0.split(whereSeparator: \.isWhitespace).map(String.init) } ?? []
            guard voices.contains(voice) else {
                throw .io(path: program, reason: "flite has no voice \"\(voice)\" (it has: \(voices.joined(separator: ", ")))")
            }
        }
    }

    /// Speaking happens on this machine.
    public var needsInternet: Bool { false }

    /// The voice loop's entry: `synthesize(_:)` on a Dispatch thread (flite blocks while it
    /// runs), so the cooperative pool stays free.
    public func synthesize(_ text: String) async throws -> AudioClip {
        try await ChildProcess.offThePool { () throws(SpeechError) in try self.synthesize(text) }
    }

    /// Speaks `text` into a clip at the voice's own rate (16 kHz for slt, 8 kHz for kal).
    public func synthesize(_ text: String) throws(SpeechError) -> AudioClip {
        let wav = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-flite-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: wav) }
        _ = try ChildProcess.run(executable, ["-voice", voice, "-t", text, "-o", wav.path], name: "flite")
        return try WAVFile.read(path: wav.path)
    }
}
