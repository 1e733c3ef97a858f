import Foundation

/// Measurements the audio device tests make on what was recorded: loudness, where the sound
/// is, and how well a recording matches the clip it should contain.
enum AudioSignalMeasures {
    static func rms<Samples: Collection>(_ samples: Samples) -> Double where Samples.Element == Float {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.withContiguousStorageIfAvailable { buffer in
            var total = 0.0
            for sample in buffer { total += Double(sample) * Double(sample) }
            return total
        } ?? samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }

    static func decibels(_ rms: Double) -> Double { 20 * log10(max(rms, 1e-10)) }

    /// The first and last 10 ms frame louder than `thresholdDecibels`, in seconds from the
    /// start (the end is the end of that last frame); nil when nothing is that loud.
    static func loudSpan(_ samples: [Float], sampleRate: Int, thresholdDecibels: Double = -40) -> (start: Double, end: Double)? {
        let frame = sampleRate / 100
        var first: Int?, last: Int?
        var index = 0
        while index + frame <= samples.count {
            if decibels(rms(samples[index..<(index + frame)])) > thresholdDecibels {
                if first == nil { first = index }
                last = index + frame
            }
            index += frame
        }
        guard let first, let last else { return nil }
        return (Double(first) / Double(sampleRate), Double(last) / Double(sampleRate))
    }

    /// Where `reference` sits in `recording` (sample offset) and the normalised correlation
    /// there (1 = the same waveform, any gain). Found coarsely on 10 ms loudness envelopes, then
    /// sample by sample within ±20 ms, which keeps it fast enough for debug builds.
    static func bestMatch(of reference: [Float], in recording: [Float], sampleRate: Int) -> (offset: Int, correlation: Double) {
        let frame = sampleRate / 100
        let envelopeReference = envelope(reference, frame: frame)
        let envelopeRecording = envelope(recording, frame: frame)
        var coarse = 0, coarseScore = -Double.infinity
        if envelopeRecording.count >= envelopeReference.count {
            for shift in 0...(envelopeRecording.count - envelopeReference.count) {
                let score = correlation(envelopeReference[...], envelopeRecording[shift..<(shift + envelopeReference.count)])
                if score > coarseScore { (coarse, coarseScore) = (shift, score) }
            }
        }
        var best = (offset: 0, correlation: -1.0)
        let centre = coarse * frame
        for offset in max(0, centre - 2 * frame)...max(0, centre + 2 * frame) {
            let end = offset + reference.count
            guard end <= recording.count else { break }
            let score = correlation(reference[...], recording[offset..<end])
            if score > best.correlation { best = (offset, score) }
        }
        return best
    }

    /// RMS of each `frame` samples.
    static func envelope(_ samples: [Float], frame: Int) -> [Float] {
        stride(from: 0, to: samples.count - frame + 1, by: frame).map { Float(rms(samples[$0..<($0 + frame)])) }
    }

    /// Σxy / √(Σx²·Σy²) over two equally long stretches. Through buffer pointers, because the
    /// tests run it a few hundred times over whole clips, in debug builds too.
    static func correlation(_ x: ArraySlice<Float>, _ y: ArraySlice<Float>) -> Double {
        var xy = 0.0, xx = 0.0, yy = 0.0
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                for index in 0..<min(a.count, b.count) {
                    let p = Double(a[index]), q = Double(b[index])
                    xy += p * q
                    xx += p * p
                    yy += q * q
                }
            }
        }
        return xx > 0 && yy > 0 ? xy / (xx * yy).squareRoot() : 0
    }

    /// A steady tone: `seconds` of `frequency` Hz at `amplitude`, with 5 ms fades so its own
    /// edges do not click.
    static func tone(frequency: Double, seconds: Double, amplitude: Float, sampleRate: Int) -> [Float] {
        let count = Int(seconds * Double(sampleRate)), fade = sampleRate / 200
        return (0..<count).map { index in
            let edge = min(1, Float(min(index, count - 1 - index)) / Float(fade))
            return amplitude * edge * Float(sin(2 * Double.pi * frequency * Double(index) / Double(sampleRate)))
        }
    }
}
