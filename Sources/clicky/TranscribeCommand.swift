import ArgumentParser
import Foundation
import LLMEngine
import Speech

/// `clicky transcribe FILE.wav`: speech to text on this machine with Whisper tiny.en. Standard
/// output carries only the transcript (or, with `--json`, one JSON object); a malformed or
/// unsupported WAV and a missing or damaged model exit with 3 and one line on standard error.
struct Transcribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Transcribe a WAV file with Whisper tiny.en, on this machine.",
        discussion: """
        Any sample rate and channel count the WAV reader knows (PCM 8–32-bit, float); silence gives \
        an empty line. --json prints {"text", "audio_seconds", "seconds", "real_time_factor", \
        "timings": {"load", "read", "mel", "encoder", "decoder"}, "windows", "positions", "threads", \
        "tokens"}; "seconds" is the transcription itself (mel + encoder + decoder), without model loading; \
        "positions" is the encoder positions of the last window (1500 for the full 30 s window). \
        --short-window encodes a clip shorter than 20 s as its speech plus 10 s of silence, not the \
        whole 30 s window: faster on short clips, text very nearly the same.
        """)

    @Argument(help: "The WAV file to transcribe.")
    var file: String

    @Flag(name: .long, help: "Print the transcript, timings and token ids as JSON.")
    var json = false

    @Flag(name: .customLong("short-window"), help: "Encode only the speech plus a margin, not the whole 30 s window.")
    var shortWindow = false

    @Option(name: .long, help: "Threads for the encoder and decoder (default: one per core).")
    var threads: Int?

    @Option(name: .customLong("model-dir"),
            help: "The Whisper model directory (model.bin, config.json, vocabulary.txt; default: $XDG_DATA_HOME/clicky/models/whisper-tiny.en).")
    var modelDirectory: String?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        var clock = Stopwatch()
        let clip = try Self.speech { () throws(SpeechError) in try WAVFile.read(path: file) }
        let read = clock.lap()
        let transcriber = try Self.speech { () throws(SpeechError) in
            try WhisperTranscriber(directory: modelDirectory ?? WhisperModelFiles.defaultDirectory,
                                   threads: threads ?? EngineOptions.defaultThreads, shortWindow: shortWindow)
        }
        let load = clock.lap()
        let transcript = try Self.speech { () throws(SpeechError) in try transcriber.transcribe(clip) }
        guard json else {
            writeOut(transcript.text + "\n")
            return
        }
        let seconds = transcript.timings.total
        let report = Report(text: transcript.text, audioSeconds: transcript.audioSeconds, seconds: seconds,
                            realTimeFactor: transcript.audioSeconds > 0 ? seconds / transcript.audioSeconds : 0,
                            timings: .init(load: load, read: read, mel: transcript.timings.mel,
                                           encoder: transcript.timings.encoder, decoder: transcript.timings.decoder),
                            windows: transcript.windows, positions: transcript.positions, threads: transcriber.threads,
                            tokens: transcript.tokens)
        writeOut(try JSONOutput.encode(report) + "\n")
    }

    /// Runs `body`, reporting a speech error as one line: exit 3 for invalid input (a bad WAV,
    /// a missing or corrupt model), 1 otherwise.
    private static func speech<T>(_ body: () throws(SpeechError) -> T) throws(CLIError) -> T {
        do {
            return try body()
        } catch {
            throw CLIError(error.description, exitCode: error.isInvalidInput ? ExitStatus.invalidInput : ExitStatus.failure)
        }
    }

    struct Report: Encodable {
        struct Timings: Encodable {
            let load, read, mel, encoder, decoder: Double
        }
        let text: String
        let audioSeconds: Double
        let seconds: Double
        let realTimeFactor: Double
        let timings: Timings
        let windows: Int
        let positions: Int
        let threads: Int
        let tokens: [Int]
    }
}

/// Wall-clock laps.
private struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the previous lap (or the start).
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}
