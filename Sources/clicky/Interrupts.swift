import Dispatch
import Foundation

/// Turns Ctrl-C into cancellation of the work in flight; a Ctrl-C with nothing in flight exits
/// with status 130. Signals arrive on a dispatch source, never in a signal handler context.
final class InterruptMonitor: @unchecked Sendable {
    // @unchecked: `cancelCurrent` is only read and written under `lock`.
    private let lock = NSLock()
    private var cancelCurrent: (@Sendable () -> Void)?
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.interrupted() }
        source.resume()
    }

    /// Runs `operation`; a Ctrl-C meanwhile calls `cancel` instead of ending the process.
    func whileRunning<T>(cancel: @escaping @Sendable () -> Void, _ operation: () async throws -> T) async rethrows -> T {
        lock.withLock { cancelCurrent = cancel }
        defer { lock.withLock { cancelCurrent = nil } }
        return try await operation()
    }

    private func interrupted() {
        let cancel = lock.withLock { () -> (@Sendable () -> Void)? in
            let current = cancelCurrent
            cancelCurrent = nil
            return current
        }
        if let cancel {
            cancel()
        } else {
            writeOut("\n")
            terminate(ExitStatus.interrupted)
        }
    }
}
