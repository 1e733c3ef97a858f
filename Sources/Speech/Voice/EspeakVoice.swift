import Foundation

/// Text to speech with eSpeak NG, run as a separate program (Debian package `espeak-ng`): many
/// languages, robotic but small and always offline. The text is one argument after `--`, so a
/// sentence starting with "-" is spoken, not read as an option; the audio comes back through a
/// temporary WAV file (`-w`: unlike `--stdout`, its header carries the real sizes) that is read
/// with `WAVFile` and deleted.
public struct EspeakVoice: SpeechSynthesizer {
    /// The espeak-ng program.
    public let executable: String
    /// A language code or voice name as `espeak-ng --voices` lists them ("en-us", "fr", "de",
    /// "German"), optionally with a variant ("en-us+f3").
    public let voice: String
    /// Speaking speed; nil keeps espeak-ng's own (175).
    public let wordsPerMinute: Int?

    /// The speeds espeak-ng documents for `-s`.
    public static let speeds = 80...450

    /// Finds espeak-ng (`executable`, else the first `espeak-ng` on `PATH`) and checks that it
    /// can speak with `voice`. A missing program, an unknown voice, a voice that needs MBROLA
    /// which is not installed, or a speed outside `speeds` is `.io` with a line saying what to do.
    public init(voice: String = "en-us", wordsPerMinute: Int? = nil, executable: String? = nil) throws(SpeechError) {
        let program = try ChildProcess.locate("espeak-ng", at: executable, package: "espeak-ng")
        if let wordsPerMinute, !Self.speeds.contains(wordsPerMinute) {
            throw .io(path: program, reason: "espeak-ng speaks at \(Self.speeds.lowerBound)–\(Self.speeds.upperBound) words per minute, not \(wordsPerMinute)")
        }
        let trimmed = voice.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw .io(path: program, reason: "no espeak-ng voice given; pick a language or name from `espeak-ng --voices` (e.g. en-us, fr, de)")
        }
        self.executable = program
        self.voice = trimmed
        self.wordsPerMinute = wordsPerMinute
        try checkVoice()
    }

    /// Speaking happens on this machine.
    public var needsInternet: Bool { false }

    /// The voice loop's entry: `synthesize(_:)` on a Dispatch thread (espeak-ng blocks while it
    /// runs), so the cooperative pool stays free.
    public func synthesize(_ text: String) async throws -> AudioClip {
        try await ChildProcess.offThePool { () throws(SpeechError) in try self.synthesize(text) }
    }

    /// Speaks `text` into a clip at espeak-ng's rate (22 050 Hz).
    public func synthesize(_ text: String) throws(SpeechError) -> AudioClip {
        let wav = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-espeak-ng-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: wav) }
        _ = try ChildProcess.run(executable, options + ["-w", wav.path, "--", text], name: "espeak-ng")
        return try WAVFile.read(path: wav.path)
    }

    /// Everything but the output and the text. `-b 1`: our text is always UTF-8, whatever the
    /// locale says.
    private var options: [String] {
        ["-b", "1", "-v", voice] + (wordsPerMinute.map { ["-s", String($0)] } ?? [])
    }

    /// Checks the voice against espeak-ng's own listings (its `-v` matching is loose: an unknown
    /// "no-such-voice" silently becomes Norwegian), then has espeak-ng load it with `-q` (no
    /// sound), which catches an MBROLA voice that is listed but not installed.
    private func checkVoice() throws(SpeechError) {
        let parts = voice.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var voices = EspeakVoiceListing(try ChildProcess.run(executable, ["--voices"], name: "espeak-ng").output)
        if !voices.contains(parts[0]) {
            voices.read(try ChildProcess.run(executable, ["--voices=mb"], name: "espeak-ng").output, offeringLanguages: false)
        }
        guard voices.contains(parts[0]) else {
            let languages = voices.languages.joined(separator: ", ")
            throw .io(path: executable, reason: "espeak-ng has no voice \"\(parts[0])\"; pick a language or name from `espeak-ng --voices` (languages: \(languages))")
        }
        if parts.count == 2 {
            let variants = EspeakVoiceListing(try ChildProcess.run(executable, ["--voices=variant"], name: "espeak-ng").output)
            guard variants.contains(parts[1]) else {
                throw .io(path: executable, reason: "espeak-ng has no variant \"\(parts[1])\"; pick one from `espeak-ng --voices=variant` (e.g. f3, m3, klatt)")
            }
        }
        let probe = try ChildProcess.spawn(executable, options + ["-q", "--", "a"], name: "espeak-ng")
        guard !probe.succeeded else { return }
        if probe.error.localizedCaseInsensitiveContains("mbrola") {
            throw .io(path: executable, reason: "espeak-ng voice \"\(voice)\" needs MBROLA, which is not installed: \(EspeakVoiceListing.mbrolaHint(probe.error))")
        }
        throw .io(path: executable, reason: "espeak-ng cannot use voice \"\(voice)\": \(probe.complaint)")
    }
}
