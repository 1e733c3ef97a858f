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
        let clip = try speech { () throws(SpeechError) in try WAVFile.read(path: input) }
        let speaker = try speech { () throws(SpeechError) in try FliteVoice(voice: voice) }
        let threads = options.threads ?? EngineOptions.defaultThreads
        let transcriber = try speech { () throws(SpeechError) in
            try WhisperTranscriber(directory: WhisperModelFiles.defaultDirectory, threads: threads)
        }
        let assembled = try brains.assemble(model: options)

        let clock = TurnClock()
        let transcript = try speech { () throws(SpeechError) in try transcriber.transcribe(clip) }
        let heard = transcript.text.trimmingCharacters(in: .whitespacesAndNewlines)
        var timings = Report.Timings(speechToText: clock.now())
        if !json { printError("heard: \(heard)") }

        guard !heard.isEmpty else {
            try speak(SpokenLines.didNotHear, with: speaker, clock: clock, timings: &timings)
            finish(Report(transcript: "", answer: SpokenLines.didNotHear, brain: nil, badge: nil, out: output,
                          timings: timings))
            return
        }

        let turn = try await ask(heard, buddy: assembled.buddy, clock: clock)
        await assembled.analytics?.flush()
        timings.firstToken = turn.firstToken
        switch turn.result {
        case .refused(let line, let exitCode):
            try speak(line, with: speaker, clock: clock, timings: &timings)
            throw CLIError(line, exitCode: exitCode)
        case .answered(let outcome):
            try speak(outcome.spokenText, with: speaker, clock: clock, timings: &timings)
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

    /// Speaks `text` sentence by sentence into the output file, with 0.15 s between sentences;
    /// `first_audio` is when the first sentence's audio was ready, `total` when the file was written.
    private func speak(_ text: String, with speaker: FliteVoice, clock: TurnClock, timings: inout Report.Timings) throws {
        var sentences = Self.sentences(text)
        if sentences.isEmpty { sentences = [SpokenLines.didNotHear] }
        var spoken = AudioClip(samples: [], sampleRate: 16_000)
        for (index, sentence) in sentences.enumerated() {
            let audio = try speech { () throws(SpeechError) in try speaker.synthesize(sentence) }
            if index == 0 {
                timings.firstAudio = clock.now()
                spoken.sampleRate = audio.sampleRate
            } else {
                spoken.samples += [Float](repeating: 0, count: Int(0.15 * Double(spoken.sampleRate)))
            }
            spoken.samples += Resampler.resample(audio, to: spoken.sampleRate).samples
        }
        let clip = spoken
        try speech { () throws(SpeechError) in try WAVWriter.write(clip, to: output) }
        timings.total = clock.now()
    }

    /// `text` cut after each `.`, `!` or `?` that ends a sentence (followed by a space or the
    /// end) unless it only closes a list number, trimmed, pieces without letters or digits dropped.
    static func sentences(_ text: String) -> [String] {
        var pieces: [String] = [], current = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            current.append(character)
            let atEnd = index + 1 == characters.count || characters[index + 1].isWhitespace
            // "1." opening a numbered line is not a sentence of its own.
            let numbering = current.trimmingCharacters(in: .whitespacesAndNewlines).dropLast().allSatisfy(\.isNumber)
            if ".!?".contains(character), atEnd, !numbering {
                pieces.append(current)
                current = ""
            }
        }
        pieces.append(current)
        return pieces.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { $0.contains { $0.isLetter || $0.isNumber } }
    }

    private enum TurnResult {
        case answered(TurnOutcome)
        case refused(line: String, exitCode: Int32)
    }

    /// Asks the buddy as `clicky ask` does (no screens), noting when the first text arrived.
    private func ask(_ question: String, buddy: Buddy, clock: TurnClock) async throws -> (result: TurnResult, firstToken: Double?) {
        let task = Task { () throws -> (TurnResult?, Double?) in
            var firstToken: Double?
            for try await event in buddy.ask(question, wantsScreens: false) {
                switch event {
                case .text(let text):
                    if firstToken == nil, !text.isEmpty { firstToken = clock.now() }
                case .textOnly, .asking:
                    break
                case .refused(let failure, let line):
                    return (.refused(line: line, exitCode: failure == .offline ? ExitStatus.network : ExitStatus.failure), firstToken)
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
            if case .offline = error {
                throw CLIError("\(SpokenLines.offline) (\(error))", exitCode: ExitStatus.network)
            }
            throw CLIError(error.description, exitCode: error.isNetwork ? ExitStatus.network : ExitStatus.failure)
        }
    }

    /// Runs `body`, reporting a speech error as one line: exit 3 for invalid input (a bad WAV,
    /// a missing or corrupt model), 1 otherwise.
    private func speech<T>(_ body: () throws(SpeechError) -> T) throws(CLIError) -> T {
        do {
            return try body()
        } catch {
            throw CLIError(error.description, exitCode: error.isInvalidInput ? ExitStatus.invalidInput : ExitStatus.failure)
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
private struct TurnClock: Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds

    func now() -> Double {
        (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6).rounded() / 1e3
    }
}
