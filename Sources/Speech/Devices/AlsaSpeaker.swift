import BuddyCore
import Dispatch
import Foundation

/// The speaker through ALSA: plays clips on `device` ("default" is PulseAudio or PipeWire on a
/// desktop; "pulse" asks for it by name).
///
/// Each clip is written on a thread of its own in 20 ms pieces (writing waits on the device,
/// which is no work for Swift concurrency's few shared threads). Cancelling the calling task
/// makes that thread drop what is buffered, so the sound stops within a piece or two.
///
/// Between sentences the device stays open for a second: the next sentence starts without
/// connecting to the sound server again, and a device nobody plays to is then closed so it
/// does not hold a stream open on the server for ever.
///
/// `@unchecked Sendable`: the idle device and its generation counter are only touched under `lock`.
public final class AlsaSpeaker: Speaker, @unchecked Sendable {
    /// The ALSA device name played to.
    public let device: String
    /// How long a drained device stays open waiting for the next clip.
    static let idleSeconds = 1.0
    /// The device's buffer. Cancelling drops it, so it does not delay barge-in; it only has to
    /// ride out a play thread that is late to write.
    static let bufferSeconds = 0.08
    /// The rate asked for when a device will not take the clip's own.
    static let fallbackRate = 48_000

    private let lock = NSLock()
    private var idle: AlsaPCM?
    private var generation = 0

    public init(device: String = "default") {
        self.device = device
    }

    /// Plays `clip` and returns once it has been heard.
    /// - Throws: `CancellationError` when the task is cancelled (the sound stops within
    ///   100 ms, what is buffered is dropped); `AudioDeviceError` `.noSpeaker` when the device
    ///   cannot be opened, `.deviceFailed` when it fails while playing.
    public func play(_ clip: AudioClip) async throws {
        try Task.checkCancellation()
        guard !clip.samples.isEmpty, clip.sampleRate > 0 else { return }
        let playback = Playback(clip: clip)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Playback.Outcome, Never>) in
                let thread = Thread { [self] in
                    continuation.resume(returning: run(playback))
                }
                thread.name = "clicky.speaker"
                thread.qualityOfService = .userInteractive
                thread.start()
            }
        } onCancel: {
            playback.cancel()
        }
        switch outcome {
        case .played: return
        case .cancelled: throw CancellationError()
        case .failed(let error): throw error
        }
    }

    /// The play thread's body: a device (the idle one when there is one), the clip through it,
    /// and the device back to idle when it played out.
    private func run(_ playback: Playback) -> Playback.Outcome {
        var reused = true
        var pcm: AlsaPCM
        if let waiting = checkOutIdle() {
            pcm = waiting
        } else {
            reused = false
            do { pcm = try open(rate: playback.clip.sampleRate) } catch { return .failed(error) }
        }
        var outcome = playback.play(on: pcm)
        // A device kept open across a restart of the sound server fails on its first write;
        // a fresh one is then worth one more try (nothing has been heard yet).
        if reused, case .failed = outcome, !playback.started {
            pcm.close()
            do { pcm = try open(rate: playback.clip.sampleRate) } catch { return .failed(error) }
            outcome = playback.play(on: pcm)
        }
        if case .failed = outcome { pcm.close() } else { checkIn(pcm) }
        return outcome
    }

    /// The device at the clip's own rate (PulseAudio and `plug` devices convert it), else at
    /// 48 kHz, which nearly every card takes; `Playback` resamples the clip to whichever opened.
    private func open(rate: Int) throws(AudioDeviceError) -> AlsaPCM {
        do {
            return try AlsaPCM(device: device, direction: .playback, sampleRate: rate, latency: Self.bufferSeconds)
        } catch {
            guard rate != Self.fallbackRate,
                  let pcm = try? AlsaPCM(device: device, direction: .playback, sampleRate: Self.fallbackRate,
                                         latency: Self.bufferSeconds) else { throw error }
            return pcm
        }
    }

    private func checkOutIdle() -> AlsaPCM? {
        lock.withLock {
            generation += 1
            defer { idle = nil }
            return idle
        }
    }

    /// Keeps `pcm` for the next clip and closes it after `idleSeconds` unless a clip has taken
    /// it by then. A second device (two clips played at once) is closed at once.
    private func checkIn(_ pcm: AlsaPCM) {
        let kept: Int? = lock.withLock {
            guard idle == nil else { return nil }
            idle = pcm
            return generation
        }
        guard let kept else { return pcm.close() }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.idleSeconds) { [weak self] in
            self?.closeIdle(ifUnusedSince: kept)
        }
    }

    private func closeIdle(ifUnusedSince kept: Int) {
        let stale: AlsaPCM? = lock.withLock {
            guard generation == kept else { return nil }
            defer { idle = nil }
            return idle
        }
        stale?.close()
    }
}
