import Foundation

/// Band-limited sample-rate conversion with a Kaiser-windowed sinc.
///
/// Output sample j sits at input time t = j·inRate/outRate and is Σ x[i]·h(t − i), where h is a
/// low-pass sinc under a Kaiser window (β = 9, stop band near −90 dB). The design, relative to
/// the lower of the two Nyquist frequencies: flat (±0.01 dB) to 7/8 of it, fully stopped from
/// the Nyquist itself, so the cut-off sits at 15/16 and the transition is 1/8 wide, which a
/// Kaiser window of β = 9 reaches with 43 sinc lobes on each side. For 16 kHz output that is
/// flat to 7 kHz and ≤ −90 dB from 8 kHz. Downsampling scales the kernel to the output's
/// Nyquist, so nothing above it folds back (anti-aliasing); upsampling keeps the input's band
/// and removes its images.
///
/// With L/M the reduced ratio outRate/inRate, only L distinct fractional positions occur: when
/// L ≤ 2048 (every common rate pair: 44.1k→16k is 160/441, 8k→16k is 2/1, 48k→16k is 1/3) the
/// kernel is tabulated once per position and each output is one dot product. For odd ratios
/// (e.g. 44 099 Hz) 2048 positions are tabulated and an output blends the dot products of its two
/// neighbouring positions linearly (error below 1e-6 of full scale).
///
/// The filter is linear-phase and centred, so the output is aligned with the input (no delay);
/// the signal is taken as zero outside the clip. Output length is ceil(count·outRate/inRate).
public enum Resampler {
    /// Lobes of the sinc on each side. Kaiser's length rule N = (A − 7.95) / (14.36 Δf) with
    /// A = 90 dB and Δf = 1/16 cycle per sample (1/8 of a Nyquist of 1/2) gives N ≈ 91.4 samples;
    /// a cut-off of 15/32 cycle per sample puts 91.4 × 15/32 ≈ 42.8 lobes on each side.
    static let zeroCrossings = 43
    /// Cut-off as a fraction of the lower Nyquist frequency.
    static let rolloff = 0.9375
    static let kaiserBeta = 9.0
    static let maxPositions = 2048

    /// `clip` at `rate` samples per second; the identity when the rates already match. A rate
    /// (either one) that is not positive gives an empty clip at `max(rate, 0)`.
    public static func resample(_ clip: AudioClip, to rate: Int) -> AudioClip {
        if clip.sampleRate == rate { return clip }
        guard rate > 0, clip.sampleRate > 0 else { return AudioClip(samples: [], sampleRate: max(rate, 0)) }
        let divisor = gcd(clip.sampleRate, rate)
        let up = rate / divisor, down = clip.sampleRate / divisor            // L, M
        let count = clip.samples.count
        let (product, overflow) = count.multipliedReportingOverflow(by: up)
        guard !overflow, count > 0 else { return AudioClip(samples: [], sampleRate: rate) }
        let outCount = (product + down - 1) / down

        // Cut-off in cycles per input sample, and the kernel's half-width in input samples.
        let cutoff = 0.5 * rolloff * min(1.0, Double(rate) / Double(clip.sampleRate))
        let halfWidth = Double(zeroCrossings) / (2 * cutoff)
        let reach = Int(halfWidth.rounded(.up))                 // taps left and right of t
        let taps = (2 * reach + 7) / 8 * 8                       // padded for 8-wide dot products
        let positions = min(up, maxPositions)
        let exact = positions == up
        let table = kernelTable(positions: positions, reach: reach, taps: taps,
                                cutoff: cutoff, halfWidth: halfWidth)

        // The input with zeros around it so that no dot product needs a bounds check.
        let lead = taps
        var padded = [Float](repeating: 0, count: lead + count + taps + 16)
        padded.replaceSubrange(lead..<(lead + count), with: clip.samples)
        var out = [Float](repeating: 0, count: outCount)
        padded.withUnsafeBufferPointer { xp in
            table.withUnsafeBufferPointer { hp in
                out.withUnsafeMutableBufferPointer { yp in
                    guard let x = xp.baseAddress, let h = hp.baseAddress, let y = yp.baseAddress else { return }
                    for j in 0..<outCount {
                        let numerator = j * down
                        let n = numerator / up, phase = numerator - n * up
                        let start = x + lead + n - (reach - 1)      // input index n − reach + 1
                        if exact {
                            y[j] = dot(start, h + phase * taps, taps)
                        } else {
                            let where_ = Double(phase) * Double(positions) / Double(up)
                            let row = Int(where_), blend = Float(where_ - Double(row))
                            let a = dot(start, h + row * taps, taps), b = dot(start, h + (row + 1) * taps, taps)
                            y[j] = a + (b - a) * blend
                        }
                    }
                }
            }
        }
        return AudioClip(samples: out, sampleRate: rate)
    }

    /// positions + 1 rows of `taps` coefficients: row r is the kernel for fractional position
    /// r/positions, tap k weighs input n − reach + 1 + k. Each row sums to 1 (unit gain at DC).
    static func kernelTable(positions: Int, reach: Int, taps: Int, cutoff: Double, halfWidth: Double) -> [Float] {
        var table = [Float](repeating: 0, count: (positions + 1) * taps)
        let norm = besselI0(kaiserBeta)
        var row = [Double](repeating: 0, count: taps)
        for r in 0...positions {
            let frac = Double(r) / Double(positions)
            var sum = 0.0
            for k in 0..<taps {
                let distance = frac + Double(reach - 1 - k)          // t − i
                let ratio = distance / halfWidth
                var value = 0.0
                if k < 2 * reach, abs(ratio) < 1 {
                    let x = 2 * cutoff * distance
                    let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
                    value = 2 * cutoff * sinc * besselI0(kaiserBeta * (1 - ratio * ratio).squareRoot()) / norm
                }
                row[k] = value
                sum += value
            }
            for k in 0..<taps { table[r * taps + k] = Float(sum == 0 ? 0 : row[k] / sum) }
        }
        return table
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 16 <= count {
            s0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        if i < count {   // count is a multiple of 8
            s0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        }
        return (s0 + s1).sum()
    }

    /// The modified Bessel function of the first kind, order 0 (power series; x ≤ ~20 here).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let quarter = x * x / 4
        while term > 1e-17 * sum {
            term *= quarter / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
