import ArgumentParser
import BuddyCore
import Dispatch
import Foundation
import LLMEngine
import Speech

/// `clicky voice --in Q.wav --out A.wav`: one whole spoken turn from a file, headless. The
/// question is transcribed with Whisper tiny.en, asked exactly as `clicky ask` asks it, and the
/// answer is spoken with flite into A.wav, sentence by sentence. Standard output carries the
/// answer (or, with --json, one object); standard error "heard: …" and the badge.
struct Voice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hear a question from a WAV file, answer it, and speak the answer into a WAV file.",
        discussion: """
        --json prints {"transcript", "answer", "brain", "badge", "out", "timings": {"speech_to_text", \
        "first_token", "first_audio", "total"}}; the timings are seconds from the start of the turn \
        (models already loaded): speech_to_text when the transcript is ready, first_token when the \
        answer's first text arrived, first_audio when its first sentence was synthesised, total when \
        A.wav was written. Silence is answered with "\(SpokenLines.didNotHear)"; an offline refusal is \
        still spoken into A.wav and exits 4.
        """)

    @Option(name: .customLong("in"), help: "The question, a WAV file.")
    var input: String

    @Option(name: .customLong("out"), help: "Where to write the spoken answer (16-bit PCM WAV).")
    var output: String

    @Option(name: .long, help: "The flite voice (`flite -lv` lists them).")
    var voice = "slt"

    @Flag(name: .long, help: "Print the transcript, answer and timings as JSON.")
    var json = false

    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func run() async throws {
        let clip = try speechStep { () throws(SpeechError) in try WAVFile.read(path: input) }
        let speaker = try speechStep { () throws(SpeechError) in try FliteVoice(voice: voice) }
        let threads = options.threads ?? EngineOptions.defaultThreads
        let transcriber = try speechStep { () throws(SpeechError) in
            try WhisperTranscriber(directory: WhisperModelFiles.defaultDirectory, threads: threads)
        }
        let assembled = try brains.assemble(model: options)
        await assembled.engine?.prewarm(system: BuddyPrompts.local)   // as the resident buddy has it

        let clock = TurnClock()
        let transcript = try speechStep { () throws(SpeechError) in try transcriber.transcribe(clip) }
        let heard = transcript.text.trimmingCharacters(in: .whitespacesAndNewlines)
        var timings = Report.Timings(speechToText: clock.now())
        if !json { printError("heard: \(heard)") }

        let track = SpokenTrack(speaker: speaker, clock: clock)
        guard !heard.isEmpty else {
            try speechStep { () throws(SpeechError) in try track.say(SpokenLines.didNotHear) }
            try write(track, timings: &timings)
            finish(Report(transcript: "", answer: SpokenLines.didNotHear, brain: nil, badge: nil, out: output,
                          timings: timings))
            return
        }

        // Sentences are spoken as they complete, while the brain is still writing the rest.
        let turn = try await ask(heard, buddy: assembled.buddy, clock: clock, track: track)
        await assembled.analytics?.flush()
        timings.firstToken = turn.firstToken
        switch turn.result {
        case .refused(let line, let exitCode):
            try speechStep { () throws(SpeechError) in try track.say(line) }
            try write(track, timings: &timings)
            throw CLIError(line, exitCode: exitCode)
        case .answered(let outcome):
            try speechStep { () throws(SpeechError) in try track.finish() }
            if track.isEmpty { try speechStep { () throws(SpeechError) in try track.say(SpokenLines.didNotHear) } }
            try write(track, timings: &timings)
            finish(Report(transcript: heard, answer: outcome.spokenText, brain: outcome.brainName,
                          badge: outcome.badge, out: output, timings: timings))
            if outcome.record.stopReason == .cancelled { throw CLIError("interrupted", exitCode: ExitStatus.interrupted) }
        }
    }

    /// Prints the turn: the answer on stdout and the badge on stderr, or the JSON object.
    private func finish(_ report: Report) {
        if json {
            if let line = try? JSONOutput.encode(report) { writeOut(line + "\n") }
        } else {
            writeOut(report.answer + "\n")
            if let badge = report.badge { printError(badge) }
        }
    }

    /// Writes the spoken answer; `first_audio` is when its first sentence was ready, `total`
    /// when the file was written.
    private func write(_ track: SpokenTrack, timings: inout Report.Timings) throws {
        let clip = track.clip
        try speechStep { () throws(SpeechError) in try WAVWriter.write(clip, to: output) }
        timings.firstAudio = track.firstAudio
        timings.total = track.clock.now()
    }

    private enum TurnResult {
        case answered(TurnOutcome)
        case refused(line: String, exitCode: Int32)
    }

    /// Asks the buddy as `clicky ask` does (no screens), noting when the first text arrived.
    private func ask(_ question: String, buddy: Buddy, clock: TurnClock,
                     track: SpokenTrack) async throws -> (result: TurnResult, firstToken: Double?) {
        let task = Task { () throws -> (TurnResult?, Double?) in
            var firstToken: Double?
            for try await event in buddy.ask(question, wantsScreens: false) {
                switch event {
                case .text(let text):
                    if firstToken == nil, !text.isEmpty { firstToken = clock.now() }
                    try track.add(text)
                case .textOnly, .asking:
                    break
                case .refused(let failure, let line):
                    return (.refused(line: line, exitCode: ExitStatus.refused(failure)), firstToken)
                case .finished(let outcome):
                    return (.answered(outcome), firstToken)
                }
            }
            return (nil, firstToken)
        }
        do {
            let (result, firstToken) = try await InterruptMonitor().whileRunning(cancel: { task.cancel() }) { try await task.value }
            guard let result else { throw CLIError("interrupted", exitCode: ExitStatus.interrupted) }
            return (result, firstToken)
        } catch is CancellationError {
            throw CLIError("interrupted", exitCode: ExitStatus.interrupted)
        } catch let error as BrainError {
            throw CLIError(error)
        }
    }

    struct Report: Encodable {
        struct Timings: Encodable {
            var speechToText: Double
            var firstToken: Double?
            var firstAudio: Double?
            var total: Double = 0

            enum CodingKeys: String, CodingKey { case speechToText, firstToken, firstAudio, total }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(speechToText, forKey: .speechToText)
                try container.encode(firstToken, forKey: .firstToken)
                try container.encode(firstAudio, forKey: .firstAudio)
                try container.encode(total, forKey: .total)
            }
        }
        let transcript: String
        let answer: String
        let brain: String?
        let badge: String?
        let out: String
        let timings: Timings

        enum CodingKeys: String, CodingKey { case transcript, answer, brain, badge, out, timings }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(transcript, forKey: .transcript)
            try container.encode(answer, forKey: .answer)
            try container.encode(brain, forKey: .brain)
            try container.encode(badge, forKey: .badge)
            try container.encode(out, forKey: .out)
            try container.encode(timings, forKey: .timings)
        }
    }
}

/// Seconds since the turn began, rounded to milliseconds.
struct TurnClock: Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds

    func now() -> Double {
        (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6).rounded() / 1e3
    }
}

/// The answer's audio, built sentence by sentence as the text streams (`SentenceStream`): each
/// completed sentence is synthesised at once, 0.15 s of silence between sentences.
final class SpokenTrack: @unchecked Sendable {
    // @unchecked: used by one task at a time — the turn's task while it streams, then the
    // command after awaiting that task.
    let speaker: FliteVoice
    let clock: TurnClock
    private(set) var clip = AudioClip(samples: [], sampleRate: 16_000)
    private(set) var firstAudio: Double?
    private var sentences = SentenceStream()

    init(speaker: FliteVoice, clock: TurnClock) {
        self.speaker = speaker
        self.clock = clock
    }

    var isEmpty: Bool { firstAudio == nil }

    func add(_ text: String) throws(SpeechError) {
        for sentence in sentences.feed(text) { try say(sentence) }
    }

    func finish() throws(SpeechError) {
        if let last = sentences.finish() { try say(last) }
    }

    /// Synthesises `sentence` (skipped when it has no letters or digits) onto the end.
    func say(_ sentence: String) throws(SpeechError) {
        guard sentence.contains(where: { $0.isLetter || $0.isNumber }) else { return }
        let audio = try speaker.synthesize(sentence)
        if firstAudio == nil {
            clip.sampleRate = audio.sampleRate
        } else {
            clip.samples += [Float](repeating: 0, count: Int(0.15 * Double(clip.sampleRate)))
        }
        clip.samples += Resampler.resample(audio, to: clip.sampleRate).samples
        if firstAudio == nil { firstAudio = clock.now() }
    }
}
