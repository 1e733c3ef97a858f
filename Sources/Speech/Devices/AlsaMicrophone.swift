import BuddyCore
import Foundation

/// The microphone through ALSA: 16 kHz mono from `device` ("default" is PulseAudio or PipeWire
/// on a desktop, through alsa-lib's pulse plugin; "pulse" asks for it by name).
///
/// Recording runs on a thread of its own, not on Swift concurrency's few shared threads: it
/// spends its life waiting for the device. `start` returns once the device is open and
/// running; `stop` ends the thread and hands back everything it heard.
///
/// `@unchecked Sendable`: the one piece of mutable state, the recording in progress, is only
/// read or replaced under `lock`.
public final class AlsaMicrophone: Microphone, @unchecked Sendable {
    /// The ALSA device name recorded from.
    public let device: String
    /// Whisper's rate; the device (or PulseAudio) converts to it.
    public static let sampleRate = 16_000

    private let lock = NSLock()
    private var recording: CaptureSession?

    public init(device: String = "default") {
        self.device = device
    }

    /// Opens the device and starts recording. `level` gets the loudness of each 50 ms of audio
    /// (`AudioLevel`) on the recording thread, so it should only hand the number on (audio
    /// arriving meanwhile waits in the device's 80 ms buffer). Calling `start` while recording
    /// changes nothing.
    /// - Throws: `AudioDeviceError` `.noMicrophone` when the device cannot be opened.
    public func start(level: @escaping @Sendable (Double) -> Void) async throws(AudioDeviceError) {
        let session: CaptureSession? = lock.withLock {
            guard recording == nil else { return nil }
            let session = CaptureSession(device: device, level: level)
            recording = session
            return session
        }
        guard let session else { return }
        if case .failure(let error) = await session.begin() {
            lock.withLock { if recording === session { recording = nil } }
            throw error
        }
    }

    /// Stops recording and returns the samples (floats in -1…1, 16 kHz mono): empty when
    /// nothing was recording. A device that failed mid-way gives what arrived before it failed.
    public func stop() async -> [Float] {
        let session: CaptureSession? = lock.withLock {
            defer { recording = nil }
            return recording
        }
        guard let session else { return [] }
        return await session.finish()
    }
}

/// One recording: its thread, its stop flag and the two hand-overs to the async callers (the
/// device opened or not; the samples when the thread has ended).
///
/// `@unchecked Sendable`: every field the thread and the callers share is behind `lock`; the
/// samples themselves belong to the thread until it ends.
private final class CaptureSession: @unchecked Sendable {
    private static let chunkMilliseconds: Int32 = 20
    private static let bufferSeconds = 0.08
    private static let levelSeconds = 0.05

    private let device: String
    private let level: @Sendable (Double) -> Void
    private let lock = NSLock()
    private var stopRequested = false
    private var opened: CheckedContinuation<Result<Void, AudioDeviceError>, Never>?
    private var result: [Float]?
    private var resultWaiter: CheckedContinuation<[Float], Never>?

    init(device: String, level: @escaping @Sendable (Double) -> Void) {
        self.device = device
        self.level = level
    }

    /// Starts the thread and waits until it has opened the device (or failed to).
    func begin() async -> Result<Void, AudioDeviceError> {
        await withCheckedContinuation { continuation in
            lock.withLock { opened = continuation }
            let thread = Thread { [self] in record() }
            thread.name = "clicky.microphone"
            thread.qualityOfService = .userInteractive
            thread.start()
        }
    }

    /// Asks the thread to stop and waits for its samples.
    func finish() async -> [Float] {
        await withCheckedContinuation { continuation in
            let ready: [Float]? = lock.withLock {
                stopRequested = true
                if result == nil { resultWaiter = continuation }
                return result
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    private func reportOpened(_ outcome: Result<Void, AudioDeviceError>) {
        let continuation = lock.withLock {
            defer { opened = nil }
            return opened
        }
        continuation?.resume(returning: outcome)
    }

    private func hand(over samples: [Float]) {
        let waiter: CheckedContinuation<[Float], Never>? = lock.withLock {
            result = samples
            defer { resultWaiter = nil }
            return resultWaiter
        }
        waiter?.resume(returning: samples)
    }

    /// The thread's body: open, read until asked to stop, read what is still buffered, close.
    private func record() {
        let rate = AlsaMicrophone.sampleRate
        let pcm: AlsaPCM
        do {
            pcm = try AlsaPCM(device: device, direction: .capture, sampleRate: rate, latency: Self.bufferSeconds)
            try pcm.start()
        } catch {
            reportOpened(.failure(error))
            hand(over: [])
            return
        }
        reportOpened(.success(()))

        var samples: [Float] = []
        samples.reserveCapacity(rate * 30)
        var meter = LevelMeter(framesPerLevel: Int(Double(rate) * Self.levelSeconds))
        // A read takes what is there, up to 64 ms, so a thread that was held up catches up at once.
        var chunk = [Int16](repeating: 0, count: 1024)
        var floats = [Float](repeating: 0, count: chunk.count)

        /// Reads what is ready now: the frame count, nil when the device failed (the recording
        /// then ends with what it has).
        func readReady() -> Int? {
            do {
                let count = try chunk.withUnsafeMutableBufferPointer { buffer throws(AudioDeviceError) in
                    try pcm.read(into: buffer)
                }
                guard count > 0 else { return 0 }
                for index in 0..<count { floats[index] = Float(chunk[index]) / 32_768 }
                floats.withUnsafeBufferPointer { all in
                    let fresh = UnsafeBufferPointer(rebasing: all[0..<count])
                    samples.append(contentsOf: fresh)
                    meter.add(fresh) { level($0) }
                }
                return count
            } catch {
                return nil
            }
        }

        recording: while !shouldStop {
            do { try pcm.wait(milliseconds: Self.chunkMilliseconds) } catch { break recording }
            guard readReady() != nil else { break recording }
        }
        // The last few tens of milliseconds heard before the key was released are still in
        // the device's buffer; keep them (bounded, in case a device never runs dry).
        for _ in 0..<16 {
            guard let count = readReady(), count > 0 else { break }
        }
        pcm.drop()
        pcm.close()
        hand(over: samples)
    }
}
