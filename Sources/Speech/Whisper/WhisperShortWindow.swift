/// How much of Whisper's 30-second window the encoder runs for a short clip: whisper.cpp's
/// `audio_ctx`.
///
/// Whisper was trained on whole 30 s windows, speech first and silence after, and faster-whisper
/// always encodes all 1500 positions (3000 mel frames), so a 3 s question costs as much encoder
/// time as 30 s of speech — on a 2-core machine the largest part of the voice loop's wait between
/// the end of the question and the first sound of the reply. The encoder's self-attention has no
/// mask and the positions are added from a fixed table, so encoding only the first P positions
/// (mel frames 0..<2P, the position table's first P rows, cross-attention over P keys) is the
/// same network on a shorter input: the speech keeps its positions, only part of the silence
/// after it is no longer seen.
///
/// That silence matters to the stock tiny.en more than one would hope. Measured on the 28 test
/// utterances (WhisperShortWindowTests.testMarginSweep): with 0.5–4 s of it after the speech,
/// the greedy decoder loops on most clips ("What is the capital of France? What is the capital
/// of France? …" up to the 224-token limit); with 6 s, two clips still loop; from 8 s on none
/// does and the word errors are those of the full window (8 s: 14 errors, 10 s: 14, full: 15).
/// The silence is the clip's log-mel floor, as openai-whisper and whisper.cpp pad, not
/// faster-whisper's 0.0 after normalising:
/// with 0.0 the model needs more of it (12 s: 18 errors against 13 with the floor).
///
/// Off by default: the full window is what the faster-whisper and CTranslate2 parity tests check.
public struct WhisperShortWindow: Sendable, Equatable {
    /// Seconds of the (silent) window encoded after the end of the speech.
    public let margin: Double

    public init(margin: Double) {
        precondition(margin >= 0 && margin.isFinite, "margin \(margin) s")
        self.margin = margin
    }

    /// The margin the quality gate (WhisperShortWindowTests) was tuned with: over the 28 test
    /// utterances no more word errors than the full window's plus one, and no repetition. A 3 s
    /// question encodes 650 positions instead of 1500; 8 s also passes, 6 s loops on two clips,
    /// so 10 s leaves room for speech unlike the test set.
    public static let standard = WhisperShortWindow(margin: 10)

    /// Encoder positions per second: 100 mel frames, halved by conv2's stride.
    static let positionsPerSecond = 50

    /// Encoder positions for a window whose speech is `frames` mel frames long (10 ms each):
    /// the speech's frames/2 positions plus the margin, never more than `audioContext` — so a
    /// clip of 30 s or more (and any clip cut into several windows) gets the full window.
    func positions(speechFrames frames: Int, audioContext: Int) -> Int {
        let speech = (frames + 1) / 2
        let margin = Int((self.margin * Double(Self.positionsPerSecond)).rounded(.up))
        return max(1, min(audioContext, speech + margin))
    }
}
