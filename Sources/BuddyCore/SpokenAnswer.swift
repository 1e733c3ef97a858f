/// Speaks a streamed answer while it is still being written: completed sentences go to the
/// voice, and each synthesised sentence goes to the speaker while the voice makes the next one.
/// Three stages joined by streams — text → sentences → clips → sound — so a slow brain, a slow
/// voice and playback overlap instead of adding up.
///
/// Cancelling the task that runs `speak` stops everything: the brain's stream, the voice and the
/// speaker (which drops what it buffered, so the sound stops within its 100 ms promise).
struct SpokenAnswer: Sendable {
    let voice: any SpeechSynthesizer
    let speaker: any Speaker
    /// Silence between sentences, as a person pauses.
    var pause: Double = 0.15

    /// What happened to the sound, for the loop's timings.
    struct Playback: Sendable {
        /// When the first sentence started playing (clock seconds); nil if nothing was said.
        var firstAudio: Double?
        var sentences: Int = 0
    }

    /// Speaks the text that `pieces` yields, in order, sentence by sentence; returns when the
    /// last sentence has been played. `started` is called once, as the first sound starts.
    func speak(_ pieces: AsyncStream<String>, clock: @escaping @Sendable () -> Double,
               started: @escaping @Sendable (Double) -> Void,
               sentenceStarted: @escaping @Sendable (String) -> Void = { _ in },
               soundStopped: @escaping @Sendable (Double) -> Void = { _ in }) async throws -> Playback {
        let (sentences, sentenceSink) = AsyncStream<String>.makeStream()
        let (clips, clipSink) = AsyncStream<(String, AudioClip)>.makeStream()
        return try await withThrowingTaskGroup(of: Playback?.self) { group in
            group.addTask {   // text → sentences
                // The first clause goes alone when it is long enough: the voice starts sooner.
                var splitter = SentenceStream(firstClauseWords: 4)
                for await piece in pieces {
                    for sentence in splitter.feed(piece) { sentenceSink.yield(sentence) }
                }
                if let last = splitter.finish() { sentenceSink.yield(last) }
                sentenceSink.finish()
                return nil
            }
            group.addTask {   // sentences → clips
                defer { clipSink.finish() }
                for await sentence in sentences where Self.isSayable(sentence) {
                    try Task.checkCancellation()
                    clipSink.yield((sentence, try await voice.synthesize(sentence)))
                }
                return nil
            }
            group.addTask {   // clips → sound
                var playback = Playback()
                for await (sentence, clip) in clips {
                    try Task.checkCancellation()
                    var sound = clip
                    if playback.firstAudio == nil {
                        let now = clock()
                        playback.firstAudio = now
                        started(now)
                    } else {
                        sound.samples = [Float](repeating: 0, count: Int(pause * Double(clip.sampleRate))) + clip.samples
                    }
                    sentenceStarted(sentence)
                    try await play(sound, clock: clock, soundStopped: soundStopped)
                    playback.sentences += 1
                }
                return playback
            }
            var result = Playback()
            do {
                for try await playback in group { if let playback { result = playback } }
            } catch {
                group.cancelAll()
                sentenceSink.finish()
                clipSink.finish()
                throw error
            }
            return result
        }
    }

    /// Speaks one line (a refusal, an error line) at once.
    func say(_ line: String, clock: @escaping @Sendable () -> Double,
             started: @escaping @Sendable (Double) -> Void,
             soundStopped: @escaping @Sendable (Double) -> Void = { _ in }) async throws {
        guard Self.isSayable(line) else { return }
        let clip = try await voice.synthesize(line)
        try Task.checkCancellation()
        started(clock())
        try await play(clip, clock: clock, soundStopped: soundStopped)
    }

    /// Plays `clip`; when the play is cut short by cancellation, reports when the sound stopped.
    private func play(_ clip: AudioClip, clock: @Sendable () -> Double,
                      soundStopped: @Sendable (Double) -> Void) async throws {
        do {
            try await speaker.play(clip)
        } catch {
            if Task.isCancelled { soundStopped(clock()) }
            throw error
        }
    }

    /// A sentence of only punctuation or symbols makes no sound worth a pause.
    static func isSayable(_ sentence: String) -> Bool {
        sentence.contains { $0.isLetter || $0.isNumber }
    }
}
