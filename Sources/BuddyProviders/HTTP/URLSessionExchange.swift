import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One request in flight: the bridge between URLSession's delegate callbacks (on its delegate
/// queue) and the two things the caller awaits — the response head, then the body stream.
///
/// All mutable state sits behind one `Mutex`, so this type is Sendable without being unchecked;
/// every continuation is resumed at most once because it is taken out of the state under the
/// lock before it is resumed (outside the lock).
final class URLSessionExchange: Sendable {
    /// The body's producer side; finished exactly once by `finish(_:)`.
    let body: AsyncThrowingStream<[UInt8], any Error>.Continuation
    let followRedirects: Bool
    /// Seconds of silence allowed before the request fails with `.timedOut`.
    let timeout: Double

    private struct State {
        var head: CheckedContinuation<HTTPResponseHead, any Error>?
        /// Set once the head went out (or the request failed first): later heads are ignored.
        var headDelivered = false
        /// Set once the body stream was finished; nothing is delivered after.
        var finished = false
        /// The failure that came before anyone awaited the head.
        var earlyFailure: HTTPTransportError?
        /// Uptime in nanoseconds of the last sign of life from the server.
        var lastActivity: UInt64
    }

    private let state: Mutex<State>

    init(body: AsyncThrowingStream<[UInt8], any Error>.Continuation, followRedirects: Bool, timeout: Double) {
        self.body = body
        self.followRedirects = followRedirects
        self.timeout = timeout
        self.state = Mutex(State(lastActivity: DispatchTime.now().uptimeNanoseconds))
    }

    /// Parks the caller of `send` until the head arrives and returns true; if the exchange
    /// already failed (cancelled before it started, say), resumes it at once and returns false.
    func awaitHead(_ continuation: CheckedContinuation<HTTPResponseHead, any Error>) -> Bool {
        let failure = state.withLock { state -> HTTPTransportError? in
            if let failure = state.earlyFailure { return failure }
            if state.headDelivered { return .cancelled }
            state.head = continuation
            return nil
        }
        if let failure { continuation.resume(throwing: failure) }
        return failure == nil
    }

    /// The status line and headers arrived: `send` returns.
    func deliverHead(_ head: HTTPResponseHead) {
        let waiting = state.withLock { state -> CheckedContinuation<HTTPResponseHead, any Error>? in
            guard !state.headDelivered, !state.finished else { return nil }
            state.headDelivered = true
            state.lastActivity = DispatchTime.now().uptimeNanoseconds
            defer { state.head = nil }
            return state.head
        }
        waiting?.resume(returning: head)
    }

    var headDelivered: Bool { state.withLock { $0.headDelivered } }

    /// The server (or the upload) showed a sign of life.
    func touch() {
        state.withLock { $0.lastActivity = DispatchTime.now().uptimeNanoseconds }
    }

    /// A piece of the body arrived.
    func deliver(_ bytes: [UInt8]) {
        let open = state.withLock { state -> Bool in
            state.lastActivity = DispatchTime.now().uptimeNanoseconds
            return !state.finished
        }
        if open { body.yield(bytes) }
    }

    /// Ends the exchange: before the head, `send` throws `failure`; after it, the body stream
    /// finishes (with `failure` if any). Later calls do nothing.
    func finish(_ failure: HTTPTransportError?) {
        let (waiting, alreadyFinished) = state.withLock { state -> (CheckedContinuation<HTTPResponseHead, any Error>?, Bool) in
            let wasFinished = state.finished
            state.finished = true
            if !state.headDelivered {
                state.headDelivered = true
                state.earlyFailure = failure ?? .invalidResponse("the response ended without a head")
            }
            defer { state.head = nil }
            return (state.head, wasFinished)
        }
        if let waiting {
            waiting.resume(throwing: failure ?? HTTPTransportError.invalidResponse("the response ended without a head"))
        }
        guard !alreadyFinished else { return }
        if let failure { body.finish(throwing: failure) } else { body.finish() }
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// Fails the exchange with `.timedOut` and calls `cancel` once the server has been silent for
    /// `timeout` seconds — before the head or between two pieces of the body. One timer per
    /// request, re-armed for the time left, so an idle transport costs nothing.
    func watchForSilence(cancel: @escaping @Sendable () -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0.001, timeout)) { [weak self] in
            self?.checkSilence(cancel: cancel)
        }
    }

    private func checkSilence(cancel: @escaping @Sendable () -> Void) {
        let remaining = state.withLock { state -> Double? in
            guard !state.finished else { return nil }
            let silent = Double(DispatchTime.now().uptimeNanoseconds &- state.lastActivity) / 1e9
            return timeout - silent
        }
        guard let remaining else { return }
        if remaining > 0 {
            DispatchQueue.global().asyncAfter(deadline: .now() + remaining) { [weak self] in
                self?.checkSilence(cancel: cancel)
            }
        } else {
            finish(.timedOut)
            cancel()
        }
    }
}
