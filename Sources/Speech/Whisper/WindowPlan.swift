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
