import Foundation
import TestSupport

/// Plays the part of a person at the microphone: writes 16 kHz mono s16le into the pipe
/// source's fifo at the pace of real time, 20 ms at a time, silence unless `say` gave it
/// something. PulseAudio's pipe source delivers nothing while nobody writes, so recording
/// needs this running for as long as it records; pacing it keeps the audio's clock and the wall
/// clock together, as a real microphone would (the pipe source passes data on as it comes).
///
/// `@unchecked Sendable`: the queue, the stop flag and the speech time are shared with the
/// writing thread under `lock`.
final class MicFifoFeeder: @unchecked Sendable {
    static let sampleRate = 16_000
    static let pieceFrames = 320                     // 20 ms

    private let lock = NSLock()
    private var queued: [Int16] = []
    private var stopRequested = false
    private var speechStarted: Date?
    private let finished = DispatchSemaphore(value: 0)
    private let descriptor: Int32

    /// Opens `fifo` for writing and starts the thread. O_NONBLOCK: an open with no reader (the
    /// daemon gone) fails at once instead of waiting for one.
    init(fifo: String) throws {
        descriptor = open(fifo, O_WRONLY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw SpawnedProcess.Failure.cannotStart(program: "mic feeder", reason: "open \(fifo): \(String(cString: strerror(errno)))")
        }
        let thread = Thread { [self] in feed() }
        thread.name = "test.mic-feeder"
        thread.start()
    }

    /// Queues `samples` (floats in -1…1) to be said after what is queued already.
    func say(_ samples: [Float]) {
        let pcm = samples.map { Int16((max(-1, min(1, $0)) * 32_767).rounded()) }
        lock.withLock { queued += pcm }
    }

    /// When the first sample `say` queued went into the fifo.
    var speechStartedAt: Date? { lock.withLock { speechStarted } }

    /// Whether everything queued has been written.
    var isQuiet: Bool { lock.withLock { queued.isEmpty } }

    func stop() {
        let wasRunning = lock.withLock {
            defer { stopRequested = true }
            return !stopRequested
        }
        guard wasRunning else { return }
        finished.wait()
        close(descriptor)
    }

    deinit { stop() }

    private func feed() {
        let start = Date()
        var piecesWritten = 0
        var piece = [Int16](repeating: 0, count: Self.pieceFrames)
        while true {
            let stopping = lock.withLock { () -> Bool in
                if stopRequested { return true }
                let take = min(queued.count, piece.count)
                if take > 0, speechStarted == nil { speechStarted = Date() }
                for index in 0..<piece.count { piece[index] = index < take ? queued[index] : 0 }
                queued.removeFirst(take)
                return false
            }
            if stopping { break }
            guard writeFully(piece) else { break }
            piecesWritten += 1
            // Sleeping to the piece's due time (not for a fixed 20 ms) keeps the long-run rate
            // exact however late a single wake-up is.
            let due = start.addingTimeInterval(Double(piecesWritten * Self.pieceFrames) / Double(Self.sampleRate))
            let wait = due.timeIntervalSinceNow
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        finished.signal()
    }

    /// Writes all of `piece`, waiting while the pipe is full; false when the reader is gone.
    private func writeFully(_ piece: [Int16]) -> Bool {
        piece.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EAGAIN || errno == EINTR {
                    Thread.sleep(forTimeInterval: 0.005)
                } else {
                    return false
                }
                if lock.withLock({ stopRequested }) { return false }
            }
            return true
        }
    }
}
