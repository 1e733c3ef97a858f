import Foundation

/// Loudness for the overlay's waveform: the RMS of a stretch of samples on a decibel scale,
/// mapped to 0…1. A linear RMS would leave ordinary speech (around -30 to -15 dBFS) as a
/// flicker near the bottom; in decibels a quiet room, speech and shouting spread over the range.
public enum AudioLevel {
    /// The quietest level shown: at or below it the meter reads 0 (a quiet room's hiss).
    public static let floorDecibels = -60.0

    /// The level of a signal with root-mean-square `rms` (full scale 1): -60 dBFS → 0,
    /// 0 dBFS → 1, linear in decibels between, clamped to 0…1.
    public static func loudness(rms: Double) -> Double {
        guard rms.isFinite, rms > 0 else { return 0 }
        let decibels = 20 * log10(rms)
        return min(1, max(0, (decibels - floorDecibels) / -floorDecibels))
    }

    /// The level of `samples` (floats in -1…1); 0 for none.
    public static func loudness<Samples: Collection>(of samples: Samples) -> Double where Samples.Element == Float {
        guard !samples.isEmpty else { return 0 }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        return loudness(rms: (sum / Double(samples.count)).squareRoot())
    }
}

/// Collects captured samples into fixed stretches (50 ms at 16 kHz) and gives each one's
/// level, so the level callback follows the audio's own clock rather than a timer.
struct LevelMeter {
    let framesPerLevel: Int
    private var sumOfSquares = 0.0
    private var count = 0

    init(framesPerLevel: Int) { self.framesPerLevel = max(1, framesPerLevel) }

    /// Adds `samples`; calls `emit` once for each stretch that they complete.
    mutating func add(_ samples: UnsafeBufferPointer<Float>, emit: (Double) -> Void) {
        for sample in samples {
            sumOfSquares += Double(sample) * Double(sample)
            count += 1
            if count == framesPerLevel {
                emit(AudioLevel.loudness(rms: (sumOfSquares / Double(count)).squareRoot()))
                sumOfSquares = 0
                count = 0
            }
        }
    }
}
