import BuddyCore
import Foundation
import Synchronization

/// One clip being played: the writing loop the speaker's thread runs, and the flag a task
/// cancellation raises from any thread. Every loop below waits at most `pieceMilliseconds`
/// before it looks at the flag again, which bounds how long barge-in takes.
final class Playback: Sendable {
    enum Outcome: Sendable {
        case played
        case cancelled
        case failed(AudioDeviceError)
    }

    static let pieceMilliseconds: Int32 = 20
    /// How much longer than the clip's own length the play-out may take before the device is
    /// taken to be stuck (a suspended sink, a stalled server) and the clip counted as played.
    static let playOutSlack = 2.0

    let clip: AudioClip
    private let cancelled = Atomic<Bool>(false)
    private let wroteAudio = Atomic<Bool>(false)

    init(clip: AudioClip) {
        self.clip = clip
    }

    func cancel() { cancelled.store(true, ordering: .releasing) }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Whether any of the clip reached the device (after that, trying again would repeat it).
    var started: Bool { wroteAudio.load(ordering: .acquiring) }

    /// Writes the clip to `pcm` (resampled to the rate it opened at) and waits until it has
    /// been heard; drops everything at once when cancelled.
    func play(on pcm: AlsaPCM) -> Outcome {
        let samples = Self.pcm16(Resampler.resample(clip, to: pcm.sampleRate).samples)
        let piece = max(1, pcm.sampleRate * Int(Self.pieceMilliseconds) / 1000)
        do {
            try pcm.prepare()
            var offset = 0
            while offset < samples.count {
                if isCancelled { return stop(pcm) }
                let end = min(samples.count, offset + piece)
                let written = try samples.withUnsafeBufferPointer { all throws(AudioDeviceError) in
                    try pcm.write(UnsafeBufferPointer(rebasing: all[offset..<end]))
                }
                if written > 0 {
                    wroteAudio.store(true, ordering: .releasing)
                    offset += written
                } else {
                    try pcm.wait(milliseconds: Self.pieceMilliseconds)
                }
            }
        } catch {
            return .failed(error)
        }
        return playOut(pcm, seconds: Double(samples.count) / Double(pcm.sampleRate))
    }

    /// Waits while the device plays what is buffered, then drains it. Draining alone would do,
    /// but the pulse plugin's drain blocks until the server is done, and a cancel must not wait
    /// for that; so the loop sleeps in short steps while the device reports audio still pending
    /// and leaves the drain only a few milliseconds of work.
    private func playOut(_ pcm: AlsaPCM, seconds: Double) -> Outcome {
        pcm.startIfPrepared()
        let deadline = Date().addingTimeInterval(seconds + Self.playOutSlack)
        let step = Double(Self.pieceMilliseconds) / 1000 / 2
        while pcm.isRunning, Date() < deadline {
            if isCancelled { return stop(pcm) }
            guard let pending = pcm.pendingFrames(), pending > 0 else { break }
            Thread.sleep(forTimeInterval: min(step, Double(pending) / Double(pcm.sampleRate)))
        }
        if isCancelled { return stop(pcm) }
        pcm.drain()
        // A hardware device in non-blocking mode drains by itself after answering -EAGAIN.
        while pcm.isDraining, Date() < deadline {
            if isCancelled { return stop(pcm) }
            Thread.sleep(forTimeInterval: step / 2)
        }
        if pcm.isDraining { pcm.drop() }
        return .played
    }

    private func stop(_ pcm: AlsaPCM) -> Outcome {
        pcm.drop()
        return .cancelled
    }

    /// Floats in -1…1 as 16-bit samples, clipped at full scale; NaN becomes silence.
    static func pcm16(_ samples: [Float]) -> [Int16] {
        samples.map { sample in
            guard sample.isFinite else { return 0 }
            return Int16((max(-1, min(1, sample)) * 32_767).rounded())
        }
    }
}
