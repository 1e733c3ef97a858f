import Foundation
import Speech
import XCTest

final class ResamplerTests: XCTestCase {
    /// amplitude · sin(2π f t + phase) for `seconds` at `rate`.
    func tone(_ frequency: Double, rate: Int, seconds: Double = 1, amplitude: Double = 0.5,
              phase: Double = 0) -> AudioClip {
        let count = Int(Double(rate) * seconds)
        let samples = (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(rate) + phase)) }
        return AudioClip(samples: samples, sampleRate: rate)
    }

    /// Least-squares fit of a·sin + b·cos at `frequency` over the clip's middle (0.1 s trimmed
    /// at each end): amplitude, phase, and the RMS of what the fit leaves over.
    func fit(_ clip: AudioClip, _ frequency: Double) -> (amplitude: Double, phase: Double, residual: Double) {
        let skip = clip.sampleRate / 10
        let range = skip..<(clip.samples.count - skip)
        var ss = 0.0, sc = 0.0, cc = 0.0, ys = 0.0, yc = 0.0
        for n in range {
            let w = 2 * Double.pi * frequency * Double(n) / Double(clip.sampleRate)
            let s = sin(w), c = cos(w), y = Double(clip.samples[n])
            ss += s * s; sc += s * c; cc += c * c; ys += y * s; yc += y * c
        }
        let det = ss * cc - sc * sc
        let a = (ys * cc - yc * sc) / det, b = (yc * ss - ys * sc) / det
        var residual = 0.0
        for n in range {
            let w = 2 * Double.pi * frequency * Double(n) / Double(clip.sampleRate)
            let e = Double(clip.samples[n]) - a * sin(w) - b * cos(w)
            residual += e * e
        }
        return ((a * a + b * b).squareRoot(), atan2(b, a), (residual / Double(range.count)).squareRoot())
    }

    func rms(_ clip: AudioClip) -> Double {
        let skip = clip.sampleRate / 10
        let middle = clip.samples[skip..<(clip.samples.count - skip)]
        return (middle.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(middle.count)).squareRoot()
    }

    func testIdentityWhenRatesMatch() {
        let clip = tone(440, rate: 16000)
        XCTAssertEqual(Resampler.resample(clip, to: 16000), clip)
    }

    func testA1kHzToneKeepsFrequencyAmplitudeAndPhase() {
        for rate in [8000, 11025, 22050, 44100, 48000, 96000, 192_000, 44099] {
            let input = tone(1000, rate: rate, phase: 0.3)
            let output = Resampler.resample(input, to: 16000)
            XCTAssertEqual(output.sampleRate, 16000)
            XCTAssertEqual(output.samples.count, (input.samples.count * 16000 + rate - 1) / rate)
            let (amplitude, phase, residual) = fit(output, 1000)
            XCTAssertEqual(amplitude, 0.5, accuracy: 0.5 * 1e-3, "\(rate) Hz")          // < 0.01 dB
            XCTAssertEqual(phase, 0.3, accuracy: 1e-3, "\(rate) Hz: no delay")
            XCTAssertLessThan(residual, 0.5 * 1e-3, "\(rate) Hz: a clean sine")          // < −60 dB
        }
    }

    func testPassbandIsFlatUpTo7kHz() {
        for frequency in [100.0, 3000, 6000, 7000] {
            for rate in [8000, 44100, 48000] where frequency < Double(rate) / 2 * 0.9 {
                let (amplitude, _, _) = fit(Resampler.resample(tone(frequency, rate: rate), to: 16000), frequency)
                XCTAssertEqual(amplitude, 0.5, accuracy: 0.5 * 0.01, "\(frequency) Hz from \(rate) Hz")   // 0.1 dB
            }
        }
    }

    func testTonesAboveTheNewNyquistAreRemoved() {
        for (rate, frequency) in [(44100, 8000.0), (44100, 9000), (44100, 12000), (44100, 20000),
                                  (48000, 8500), (48000, 15000), (22050, 10000), (96000, 30000)] {
            let output = Resampler.resample(tone(frequency, rate: rate), to: 16000)
            let level = 20 * log10(rms(output) / (0.5 / 2.0.squareRoot()))
            XCTAssertLessThan(level, -70, "\(frequency) Hz from \(rate) Hz left at \(level) dB")
        }
        // Downsampling 16 kHz to 8 kHz: 3 kHz stays, 5 kHz goes.
        XCTAssertEqual(fit(Resampler.resample(tone(3000, rate: 16000), to: 8000), 3000).amplitude, 0.5, accuracy: 5e-4)
        XCTAssertLessThan(rms(Resampler.resample(tone(5000, rate: 16000), to: 8000)), 0.5 * 3e-4)
    }

    func testUpsamplingLeavesNoImages() {
        // 8 kHz → 16 kHz: a 3 kHz tone must not gain its 5 kHz image.
        let output = Resampler.resample(tone(3000, rate: 8000), to: 16000)
        let (_, _, residual) = fit(output, 3000)
        XCTAssertLessThan(residual, 0.5 * 3e-4)
    }

    func testDCAndEdgeCases() {
        let dc = Resampler.resample(AudioClip(samples: [Float](repeating: 0.25, count: 4410), sampleRate: 44100), to: 16000)
        for value in dc.samples[200..<1400] { XCTAssertEqual(value, 0.25, accuracy: 1e-5) }
        XCTAssertEqual(Resampler.resample(AudioClip(samples: [], sampleRate: 8000), to: 16000).samples, [])
        XCTAssertEqual(Resampler.resample(AudioClip(samples: [1], sampleRate: 8000), to: 16000).samples.count, 2)
        XCTAssertEqual(Resampler.resample(AudioClip(samples: [1, 2], sampleRate: 0), to: 16000),
                       AudioClip(samples: [], sampleRate: 16000))
        XCTAssertEqual(Resampler.resample(AudioClip(samples: [1, 2], sampleRate: 8000), to: -5),
                       AudioClip(samples: [], sampleRate: 0))
    }

    func testRealSpeechAt8kHzKeepsItsEnergy() throws {
        let clip = try WAVFile.read(path: AudioFrontEndFixtures.path("u27_kal_100.wav"))
        XCTAssertEqual(clip.sampleRate, 8000)
        let output = Resampler.resample(clip, to: 16000)
        XCTAssertEqual(output.samples.count, 2 * clip.samples.count)
        let before = clip.samples.reduce(0.0) { $0 + Double($1 * $1) } / Double(clip.samples.count)
        let after = output.samples.reduce(0.0) { $0 + Double($1 * $1) } / Double(output.samples.count)
        XCTAssertEqual(after / before, 1, accuracy: 0.02)
        // Every other output sample is (close to) an input sample.
        var worst: Float = 0
        for i in 0..<clip.samples.count { worst = max(worst, abs(output.samples[2 * i] - clip.samples[i])) }
        XCTAssertLessThan(worst, 0.02)
    }
}
