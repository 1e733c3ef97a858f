import Foundation

/// A simple energy voice-activity detector: is there anything worth transcribing, and where.
///
/// The clip is cut into 20 ms frames every 10 ms. A frame's level is the variance of its samples
/// (its own mean removed, so a DC offset or slow drift does not count as sound) in dB relative
/// to full scale (a full-scale square wave is 0 dB, a full-scale sine −3 dB). Then:
///
/// - noise floor = the 10th percentile of the frame levels, peak = the loudest frame;
/// - threshold = max(−50 dBFS, min(floor + 10 dB, peak − 10 dB)): 10 dB over the background
///   when there is a quiet background to measure, but never above what the loudest frame can
///   reach (so a clip that is speech from end to end is kept whole), and never below −50 dBFS
///   (about 0.3 % of full scale RMS: microphone hiss, mains hum and dithered silence stay under);
/// - a voiced stretch is at least 5 consecutive frames over the threshold (≈ 60 ms of sound; a
///   single click or pop is shorter); with none, the answer is nil;
/// - the range runs from the first voiced stretch to the end of the last, widened by 0.2 s on
///   each side (soft onsets such as "h" or "f" sit under the threshold) and clamped to the clip.
///
/// Steady noise louder than −50 dBFS with no speech in it is not told apart from speech: the
/// whole clip is returned and the recogniser decides. For output identical to faster-whisper on
/// the same file, use the range only to skip silent clips; trimming shifts Whisper's frames.
public enum VoiceActivity {
    static let frameSeconds = 0.020
    static let hopSeconds = 0.010
    static let absoluteThreshold: Float = -50
    static let overFloor: Float = 10
    static let underPeak: Float = 10
    static let minimumFrames = 5
    static let marginSeconds = 0.2

    /// The sample range that holds speech, with a 0.2 s margin; nil for silence, steady low noise,
    /// isolated clicks, an empty clip or a non-positive rate.
    public static func speechRange(_ samples: [Float], sampleRate: Int) -> Range<Int>? {
        guard sampleRate > 0 else { return nil }
        let length = max(1, Int((Double(sampleRate) * frameSeconds).rounded()))
        let hop = max(1, Int((Double(sampleRate) * hopSeconds).rounded()))
        guard samples.count >= length else { return nil }
        let frames = (samples.count - length) / hop + 1
        let levels = frameLevels(samples, frames: frames, length: length, hop: hop)
        guard let peak = levels.max() else { return nil }
        let sorted = levels.sorted()
        let floor = sorted[min(sorted.count - 1, sorted.count / 10)]
        let threshold = max(absoluteThreshold, min(floor + overFloor, peak - underPeak))

        var first: Int?, last = 0, run = 0
        for (t, level) in levels.enumerated() {
            if level > threshold {
                run += 1
                if run >= minimumFrames {
                    if first == nil { first = t - run + 1 }
                    last = t
                }
            } else {
                run = 0
            }
        }
        guard let start = first else { return nil }
        let margin = Int((Double(sampleRate) * marginSeconds).rounded())
        let lower = max(0, start * hop - margin)
        let upper = min(samples.count, last * hop + length + margin)
        return lower..<upper
    }

    /// Each frame's variance in dB (−120 dB for digital silence).
    static func frameLevels(_ samples: [Float], frames: Int, length: Int, hop: Int) -> [Float] {
        var levels = [Float](repeating: -120, count: frames)
        samples.withUnsafeBufferPointer { sp in
            levels.withUnsafeMutableBufferPointer { lp in
                guard let x = sp.baseAddress, let out = lp.baseAddress else { return }
                let inverse = 1 / Float(length)
                for t in 0..<frames {
                    let p = x + t * hop
                    var sum: Float = 0
                    for i in 0..<length { sum += p[i] }
                    let mean = sum * inverse
                    var energy: Float = 0
                    for i in 0..<length { let d = p[i] - mean; energy += d * d }
                    out[t] = 10 * log10f(energy * inverse + 1e-12)
                }
            }
        }
        return levels
    }
}
