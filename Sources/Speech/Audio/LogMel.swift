import Foundation

/// Whisper's input features: the 80-bin log-mel spectrogram of 16 kHz audio, computed the way
/// faster-whisper's `FeatureExtractor` does for `transcribe` (the reference our transcripts must
/// equal), checked against `scripts/whisper/mel_reference.py`:
///
/// 1. append 160 zero samples (faster-whisper's default `padding=160`);
/// 2. reflect-pad 200 = n_fft/2 samples on both sides (torch.stft `center=True`);
/// 3. every 160 samples, 400 samples × the periodic Hann window (Float products), a real FFT,
///    power |X|² — then drop the last frame, as Whisper's `stft[..., :-1]` does. That leaves
///    samples/160 + 1 frames;
/// 4. mel = filters · power with librosa's Slaney filters (`filterBank`); log10(max(mel, 1e-10));
/// 5. over all those frames, the maximum L: every value becomes max(v, L − 8), then (v + 4) / 4.
///
/// The model sees the first samples/160 frames ("content frames": faster-whisper's
/// `features.shape[-1] - 1`); the extra last frame only takes part in the maximum. `compute`
/// returns exactly the content frames; `padded` cuts them at `toFrames` and fills the rest of each
/// row with 0.0 *after* normalising — faster-whisper's `pad_or_trim` on the feature segment.
///
/// openai-whisper's `transcribe` gives the same window: it appends 30 s of zeros instead of 160,
/// but every content frame ends at most 40 samples past the audio either way, and the extra
/// frames are pure zeros at the floor log10(1e-10), which cannot raise the maximum. What differs
/// is openai-whisper's simple API `log_mel_spectrogram(pad_or_trim(audio))`, which pads the
/// *samples* to 30 s before the STFT: its silent tail frames become (L − 8 + 4) / 4, not 0.0.
public struct LogMelSpectrogram: Sendable {
    public static let sampleRate = 16_000
    public static let fftSize = 400
    public static let hopLength = 160
    public static let melCount = 80
    /// Frames in Whisper's 30 s window.
    public static let windowFrames = 3_000
    static let binCount = fftSize / 2 + 1   // 201

    /// Each filter's nonzero run: bins first ..< first + weights.
    let filterStart: [Int]         // [80]
    let filterLength: [Int]        // [80]
    let filterOffset: [Int]        // [80] into filterWeights
    let filterWeights: [Float]     // concatenated runs
    let window: [Float]            // [400] periodic Hann
    let fft: RealFFT

    public init() {
        let dense = Self.slaneyFilters()
        var start: [Int] = [], length: [Int] = [], offset: [Int] = [], weights: [Float] = []
        for m in 0..<Self.melCount {
            let row = dense[(m * Self.binCount)..<((m + 1) * Self.binCount)]
            offset.append(weights.count)
            if let first = row.firstIndex(where: { $0 != 0 }), let last = row.lastIndex(where: { $0 != 0 }) {
                start.append(first - row.startIndex)
                length.append(last - first + 1)
                weights.append(contentsOf: row[first...last])
            } else {
                start.append(0)
                length.append(0)
            }
        }
        filterStart = start
        filterLength = length
        filterOffset = offset
        filterWeights = weights
        window = (0..<Self.fftSize).map { n in
            Float(0.5 - 0.5 * cos(2.0 * Double.pi * Double(n) / Double(Self.fftSize)))
        }
        fft = RealFFT(evenCount: Self.fftSize)
    }

    /// The mel filter bank, 80 × 201 row-major (row m = filter m over FFT bins 0…200), as
    /// librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) computes it (Slaney scale and norm).
    public var filterBank: [Float] { Self.slaneyFilters() }

    /// Log-mel features of 16 kHz `samples`: 80 × frames, mel-major (row m = mel bin m, frames
    /// values long), frames = samples.count / 160.
    public func compute(_ samples: [Float]) -> [Float] {
        let frames = samples.count / Self.hopLength
        return features(samples, columns: frames, keep: frames)
    }

    /// The encoder's input window: 80 × `toFrames`, mel-major. The content frames of `compute`
    /// (normalised over the whole clip, so audio longer than the window still sets the maximum)
    /// fill the first columns, cut at `toFrames`; the remaining columns are 0.0.
    public func padded(_ samples: [Float], toFrames: Int = windowFrames) -> [Float] {
        let columns = max(0, toFrames)
        return features(samples, columns: columns, keep: min(samples.count / Self.hopLength, columns))
    }

    /// Computes all samples/160 + 1 frames, stores the first `keep` of them into an 80 × `columns`
    /// matrix (zeros elsewhere) and normalises the stored ones with the maximum over all frames.
    func features(_ samples: [Float], columns: Int, keep: Int) -> [Float] {
        let hop = Self.hopLength, size = Self.fftSize, half = size / 2, bins = Self.binCount
        let frames = samples.count / hop + 1
        var out = [Float](repeating: 0, count: Self.melCount * columns)
        // The signal with 160 zeros appended, then mirrored by 200 samples at both ends.
        let body = samples.count + hop
        var signal = [Float](repeating: 0, count: body + 2 * half)
        var spectrum = [Double](repeating: 0, count: 2 * bins + fft.scratchCount)
        var power = [Float](repeating: 0, count: bins)
        var top = -Float.infinity
        samples.withUnsafeBufferPointer { src in
            signal.withUnsafeMutableBufferPointer { sig in
                guard let s = sig.baseAddress else { return }
                if let x = src.baseAddress { (s + half).update(from: x, count: src.count) }
                for j in 1...half {
                    s[half - j] = s[half + Self.mirror(-j, body)]
                    s[half + body - 1 + j] = s[half + Self.mirror(body - 1 + j, body)]
                }
            }
        }
        signal.withUnsafeBufferPointer { sig in
        window.withUnsafeBufferPointer { win in
        spectrum.withUnsafeMutableBufferPointer { spec in
        power.withUnsafeMutableBufferPointer { pw in
        filterWeights.withUnsafeBufferPointer { fw in
        out.withUnsafeMutableBufferPointer { o in
            guard let s = sig.baseAddress, let w = win.baseAddress, let re = spec.baseAddress,
                  let p = pw.baseAddress, let weights = fw.baseAddress, let ob = o.baseAddress else { return }
            let im = re + bins, scratch = re + 2 * bins
            for t in 0..<frames {
                fft.forward(s + t * hop, window: w, re: re, im: im, scratch: scratch)
                for k in 0..<bins {
                    let r = Float(re[k]), i = Float(im[k])     // numpy rounds to complex64 here
                    p[k] = r * r + i * i
                }
                for m in 0..<Self.melCount {
                    let f = weights + filterOffset[m], q = p + filterStart[m]
                    var sum: Float = 0
                    for k in 0..<filterLength[m] { sum += f[k] * q[k] }
                    let value = log10f(max(sum, 1e-10))
                    top = max(top, value)
                    if t < keep { ob[m * columns + t] = value }
                }
            }
            let floor = top - 8
            for m in 0..<Self.melCount {
                let row = ob + m * columns
                for t in 0..<keep { row[t] = (max(row[t], floor) + 4) / 4 }
            }
        }}}}}}
        return out
    }

    /// Index `i` of a signal of `length` samples extended by mirroring without repeating the
    /// edge samples (numpy's "reflect"), for any `i`, including pads longer than the signal.
    static func mirror(_ i: Int, _ length: Int) -> Int {
        guard length > 1 else { return 0 }
        let period = 2 * (length - 1)
        var r = i % period
        if r < 0 { r += period }
        return r < length ? r : period - r
    }

    /// librosa's Slaney mel filters for Whisper's sizes, computed in Double, stored as Float.
    /// The mel scale is linear below 1 kHz (f·3/200) and logarithmic above
    /// (15 + 27·ln(f/1000)/ln 6.4); 82 points evenly spaced in mel from 0 Hz to 8 kHz give
    /// triangles over FFT bin frequencies k·16000/400, each scaled by 2/(upper − lower edge).
    static func slaneyFilters() -> [Float] {
        let logStep = log(6.4) / 27.0
        func toMel(_ f: Double) -> Double { f < 1000 ? f * 3 / 200 : 15 + log(f / 1000) / logStep }
        func toHz(_ m: Double) -> Double { m < 15 ? m * 200 / 3 : 1000 * exp((m - 15) * logStep) }
        let points = melCount + 2
        let top = toMel(Double(sampleRate) / 2)
        let step = top / Double(points - 1)   // numpy.linspace: i·step, the last point exactly `top`
        let edges = (0..<points).map { toHz($0 == points - 1 ? top : Double($0) * step) }
        var out = [Float](repeating: 0, count: melCount * binCount)
        for m in 0..<melCount {
            let lower = edges[m], centre = edges[m + 1], upper = edges[m + 2]
            let scale = 2 / (upper - lower)
            for k in 0..<binCount {
                let f = Double(k * sampleRate) / Double(fftSize)
                let rising = (f - lower) / (centre - lower), falling = (upper - f) / (upper - centre)
                out[m * binCount + k] = Float(max(0, min(rising, falling)) * scale)
            }
        }
        return out
    }
}
