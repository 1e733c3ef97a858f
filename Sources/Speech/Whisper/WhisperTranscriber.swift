import BuddyCore
import Foundation
import LLMKernels

/// What one transcription produced, and what it cost.
public struct Transcript: Sendable, Equatable {
    /// Seconds spent in each stage (wall clock).
    public struct Timings: Sendable, Equatable {
        /// Resampling, voice-activity trimming and the log-mel features.
        public var mel: Double = 0
        /// The encoder and the cross-attention keys/values, all windows.
        public var encoder: Double = 0
        /// Greedy decoding, all windows.
        public var decoder: Double = 0

        public var total: Double { mel + encoder + decoder }
    }

    /// The recognised text, without leading or trailing spaces; "" for silence.
    public var text: String
    /// Length of the clip that was passed in.
    public var audioSeconds: Double
    public var timings: Timings
    /// The text tokens of every window in order (no prompt, no <|endoftext|>).
    public var tokens: [Int]
    /// 30-second windows the speech was cut into (0 for silence).
    public var windows: Int
    /// Encoder positions of the last window: 1500 for the full window, fewer for a short one
    /// (``WhisperShortWindow``), 0 for silence.
    public var positions: Int = 0
}

/// Speech to text on this machine with Whisper (tiny.en as installed by scripts/setup.sh):
/// the clip is resampled to 16 kHz, silence is trimmed (nothing but silence gives "" without
/// running the network), the speech is cut into 30-second windows, and each window's log-mel
/// features go through the encoder and greedy decoding (``GreedyDecoder``). Made with
/// `shortWindow: true`, a clip that fits one window encodes only its speech plus a margin
/// (``WhisperShortWindow``) instead of the whole 30 s.
///
/// `@unchecked Sendable`: the network, its scratch, the window buffer and the thread pool are
/// mutable state used by one transcription at a time; every use is inside `lock`.
public final class WhisperTranscriber: SpeechToText, @unchecked Sendable {
    /// The directory the model was read from.
    public let directory: String
    /// The window `transcribe` uses unless told otherwise: nil for the full 30 s window.
    public let shortWindow: WhisperShortWindow?
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "clicky.whisper")
    private let pool: ThreadPool
    private let model: WhisperModel
    private let tokenizer: WhisperTokenizer
    private let decoder: GreedyDecoder
    private let features = LogMelSpectrogram()
    private var window: [Float]
    private var windowTokens: [Int] = []

    /// Loads the model in `directory` (model.bin, config.json, vocabulary.txt) and starts
    /// `threads` threads (the caller's included) for its matrix products. `shortWindow` makes
    /// every transcription (`SpeechToText`'s too) encode a short clip with
    /// ``WhisperShortWindow/standard`` instead of the full window.
    /// - Throws: `.invalidModel` for a missing, damaged or unsupported model directory.
    public init(directory: String = WhisperModelFiles.defaultDirectory, threads: Int,
                shortWindow: Bool = false) throws(SpeechError) {
        let files = try WhisperModelFiles(directory: directory)
        self.directory = directory
        self.shortWindow = shortWindow ? .standard : nil
        pool = ThreadPool(threadCount: threads)
        model = try WhisperModel(file: files.model, path: files.model.path, pool: pool)
        tokenizer = try WhisperTokenizer(vocabulary: files.vocabulary, path: directory + "/vocabulary.txt")
        guard tokenizer.count == model.dimensions.vocabularySize else {
            throw .invalidModel(path: directory, reason: "vocabulary.txt has \(tokenizer.count) tokens for "
                                    + "\(model.dimensions.vocabularySize) embedding rows")
        }
        decoder = GreedyDecoder(tokenizer: tokenizer, suppress: files.config.suppressIDs,
                                suppressAtBegin: files.config.suppressIDsBegin, textContext: model.dimensions.textContext)
        window = [Float](repeating: 0, count: model.dimensions.melBins * model.dimensions.melFrames)
    }

    /// Threads taking part in the matrix products.
    public var threads: Int { pool.threadCount }

    /// Transcribes `clip` (any sample rate, mono) with the transcriber's window.
    /// - Throws: `.invalidAudio` when the clip has samples but no usable rate, or a sample that
    ///   is not a finite number.
    public func transcribe(_ clip: AudioClip) throws(SpeechError) -> Transcript {
        try transcribe(clip, shortWindow: shortWindow)
    }

    /// Transcribes `clip` with `shortWindow` (nil: the full window). A clip cut into several
    /// windows always runs full windows.
    public func transcribe(_ clip: AudioClip, shortWindow: WhisperShortWindow?) throws(SpeechError) -> Transcript {
        guard clip.samples.isEmpty || clip.sampleRate > 0 else {
            throw .invalidAudio(path: "<samples>", reason: "sample rate \(clip.sampleRate) Hz")
        }
        guard clip.samples.allSatisfy(\.isFinite) else {
            throw .invalidAudio(path: "<samples>", reason: "a sample is not a finite number")
        }
        lock.lock()
        defer { lock.unlock() }
        var transcript = Transcript(text: "", audioSeconds: clip.seconds, timings: .init(), tokens: [], windows: 0)
        var clock = Stopwatch()
        let rate = LogMelSpectrogram.sampleRate
        let samples = Resampler.resample(clip, to: rate).samples
        guard let speech = VoiceActivity.speechRange(samples, sampleRate: rate) else {
            transcript.timings.mel = clock.lap()
            return transcript
        }
        let trimmed = Array(samples[speech])
        let mel = features.compute(trimmed)
        let frames = trimmed.count / LogMelSpectrogram.hopLength
        guard frames > 0 else {
            transcript.timings.mel = clock.lap()
            return transcript
        }
        let cuts = WindowPlan.cuts(frames: frames, windowFrames: model.dimensions.melFrames, mel: mel)
        transcript.timings.mel = clock.lap()
        // Only a clip that fits one window is shortened: a long clip's windows are all full.
        let positions = cuts.count == 2
            ? shortWindow?.positions(speechFrames: frames, audioContext: model.dimensions.audioContext) : nil

        // The full window pads with 0.0 as faster-whisper does; a short window with the clip's
        // log-mel floor, (L − 8 + 4) / 4, the value of silence (openai-whisper's and whisper.cpp's
        // padding): the truncated model needs less of it than of 0.0 to stop (WhisperShortWindow).
        let padding = positions == nil ? 0 : (mel.min() ?? 0)

        var texts: [String] = []
        for (start, end) in zip(cuts, cuts.dropFirst()) {
            fillWindow(from: mel, frames: frames, range: start..<end, padding: padding)
            window.withUnsafeBufferPointer { model.encode($0.baseAddress!, positions: positions) }
            transcript.positions = model.encodedPositions
            transcript.timings.encoder += clock.lap()
            decoder.run(model, into: &windowTokens)
            transcript.tokens += windowTokens
            let text = tokenizer.decode(windowTokens).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { texts.append(text) }
            transcript.windows += 1
            transcript.timings.decoder += clock.lap()
        }
        transcript.text = texts.joined(separator: " ")
        return transcript
    }

    /// `SpeechToText`: 16 kHz mono samples to text. The work runs on the transcriber's own
    /// queue, not on the caller's (Swift concurrency's threads are not to be blocked for a
    /// third of a second); a task cancelled before it starts throws `CancellationError`.
    public func transcribe(_ samples: [Float]) async throws -> String {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { () throws -> String in
                    try self.transcribe(AudioClip(samples: samples, sampleRate: LogMelSpectrogram.sampleRate)).text
                })
            }
        }
    }

    /// Copies mel frames `range` of the clip's features (80 × `frames`, mel-major) into the
    /// encoder's window, `padding` after them.
    private func fillWindow(from mel: [Float], frames: Int, range: Range<Int>, padding: Float) {
        let bins = model.dimensions.melBins, width = model.dimensions.melFrames
        window.withUnsafeMutableBufferPointer { out in
            mel.withUnsafeBufferPointer { source in
                for m in 0..<bins {
                    let row = out.baseAddress! + m * width
                    row.update(from: source.baseAddress! + m * frames + range.lowerBound, count: range.count)
                    (row + range.count).update(repeating: padding, count: width - range.count)
                }
            }
        }
    }
}

/// Wall-clock laps.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the previous lap (or the start).
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}

/// Where a clip longer than Whisper's 30-second window is cut.
///
/// faster-whisper without timestamps simply advances by whole windows, so a word spoken
/// across the 30 s mark is cut in two and usually lost or garbled in both windows. Here each
/// cut is moved back to the quietest moment of the window's last `lookback` frames: the 0.2 s
/// stretch with the lowest mean log-mel energy, cut in its middle. Speech rarely runs five
/// seconds without a pause between words, so cuts land between words.
enum WindowPlan {
    /// Frames searched for a pause before each window's end (5 s).
    static let lookback = 500
    /// Frames averaged when looking for the pause (0.2 s).
    static let pauseFrames = 20

    /// Window boundaries in frames: 0, the cuts, then `frames`; consecutive boundaries are at
    /// most `windowFrames` apart. `mel` is the clip's 80 × `frames` features, mel-major.
    static func cuts(frames: Int, windowFrames: Int, mel: [Float]) -> [Int] {
        guard frames > windowFrames else { return [0, frames] }
        let bins = mel.count / max(frames, 1)
        // Mean log-mel of every frame.
        var energy = [Float](repeating: 0, count: frames)
        for m in 0..<bins {
            for t in 0..<frames { energy[t] += mel[m * frames + t] }
        }
        var cuts = [0]
        var start = 0
        while frames - start > windowFrames {
            let end = start + windowFrames
            let searchStart = max(start + windowFrames / 2, end - lookback)
            var best = end, bestEnergy = Float.infinity
            var sum: Float = 0
            // Slide a pauseFrames-wide box over searchStart..<end; cut at the quietest box's middle.
            for t in searchStart..<end {
                sum += energy[t]
                if t - searchStart >= pauseFrames { sum -= energy[t - pauseFrames] }
                if t - searchStart + 1 >= pauseFrames, sum < bestEnergy {
                    bestEnergy = sum
                    best = t + 1 - pauseFrames / 2
                }
            }
            cuts.append(best)
            start = best
        }
        cuts.append(frames)
        return cuts
    }
}
