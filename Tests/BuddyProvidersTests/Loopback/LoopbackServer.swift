import Dispatch
import Foundation
import Synchronization

/// A small real HTTP/1.1 server on 127.0.0.1 for end-to-end tests of the network clients.
///
/// Real sockets rather than a fake transport, so what is tested is what ships: header casing,
/// body framing, streaming, cuts and refusals as `URLSessionTransport` really sees them.
///
///     let server = try LoopbackServer { request in
///         .eventStream(sse, chunkSize: 1)            // every byte its own flushed write
///     }
///     let url = server.url("/v1/messages")           // http://127.0.0.1:<port>/v1/messages
///     …                                              // point the client at server.baseURL
///     XCTAssertEqual(server.requests[0].header("x-api-key"), "k")
///
///     // A script: first a 429 with retry-after, then the stream (the last reply repeats).
///     let server = try LoopbackServer(replies: [
///         .text(#"{"type":"error"}"#, status: 429, headers: ["retry-after": "0"]), .eventStream(sse)])
///
/// API:
/// - `init(handler:)`, `init(replies:)` — start listening at once on an ephemeral port.
/// - `baseURL`, `port`, `url(_ path:)`.
/// - `requests` — every request read, in arrival order (method, target, lower-cased headers,
///   `Content-Length` body); `events` — what the server did (`LoopbackEvent`), in order.
/// - `waitFor(_ event:timeout:)` — async, for assertions on the server side.
/// - `stop()` — also on deinit; waits (boundedly) for the server's threads to end.
///
/// Every reply carries `Connection: close` and the connection is closed after it: each request
/// arrives on a fresh connection (retries included), which is simple and robust with libcurl.
/// One thread accepts; one thread serves each connection. Request bodies must have a
/// `Content-Length` (chunked request bodies get a 501); `Expect: 100-continue` is honoured.
final class LoopbackServer: Sendable {
    let port: UInt16
    let baseURL: URL
    private let core: LoopbackCore

    /// Starts a server that answers every request with `handler`'s reply. The handler runs on
    /// the connection's thread and may block (to script a slow backend).
    init(handler: @escaping @Sendable (LoopbackRequest) -> LoopbackReply) throws {
        let (fd, port) = try LoopbackSocket.listen()
        self.port = port
        // Built from digits only, so it always parses; the fallback keeps this free of `!`.
        self.baseURL = URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/")
        self.core = LoopbackCore(listener: fd, handler: handler)
        core.start()
    }

    /// Starts a server that answers the n-th request with `replies[n]`, and every request after
    /// the script with its last reply (an empty script answers 500).
    convenience init(replies: [LoopbackReply]) throws {
        let next = Mutex(0)
        try self.init { _ in
            let index = next.withLock { count in
                defer { count += 1 }
                return count
            }
            guard let last = replies.last else { return .text("no scripted reply", status: 500) }
            return index < replies.count ? replies[index] : last
        }
    }

    deinit { core.stop() }

    /// `baseURL` with `path` (which starts with `/` and may carry a query) appended.
    func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)") ?? baseURL
    }

    /// Every request received so far, in order.
    var requests: [LoopbackRequest] { core.state.withLock { $0.requests } }

    /// What the server has done so far, in order.
    var events: [LoopbackEvent] { core.state.withLock { $0.events } }

    /// Waits until `event` has happened; false after `timeout` seconds.
    func waitFor(_ event: LoopbackEvent, timeout: Double = 5) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if events.contains(event) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return events.contains(event)
    }

    /// Stops accepting, wakes every connection's thread and waits for them (at most 3 s).
    /// Replies still being written are abandoned; a stopped server cannot be restarted.
    func stop() { core.stop() }
}

/// The part of the server its threads share. Kept apart from `LoopbackServer` so the threads do
/// not keep the server alive: dropping the last `LoopbackServer` reference stops everything.
final class LoopbackCore: Sendable {
    struct State {
        var requests: [LoopbackRequest] = []
        var events: [LoopbackEvent] = []
        var stopped = false
        /// Open connection sockets, so `stop()` can wake threads blocked on them.
        var connections: Set<Int32> = []
    }

    let listener: Int32
    let handler: @Sendable (LoopbackRequest) -> LoopbackReply
    let state = Mutex(State())
    private let threads = DispatchGroup()

    init(listener: Int32, handler: @escaping @Sendable (LoopbackRequest) -> LoopbackReply) {
        self.listener = listener
        self.handler = handler
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    func start() {
        spawn { self.acceptLoop() }
    }

    func stop() {
        let wasStopped = state.withLock { state -> Bool in
            defer { state.stopped = true }
            if !state.stopped { state.connections.forEach(LoopbackSocket.interrupt) }
            return state.stopped
        }
        if !wasStopped { _ = threads.wait(timeout: .now() + 3) }
    }

    /// Records `request` and its `.received` event; returns its index.
    func record(_ request: LoopbackRequest) -> Int {
        state.withLock { state in
            state.requests.append(request)
            state.events.append(.received(request: state.requests.count - 1))
            return state.requests.count - 1
        }
    }

    func record(_ event: LoopbackEvent) {
        state.withLock { $0.events.append(event) }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let thread = Thread {
            body()
            self.threads.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Polls so that a stop is noticed within 50 ms; closes the listener on the way out.
    private func acceptLoop() {
        while !isStopped {
            guard LoopbackSocket.readable(listener, milliseconds: 50),
                  let fd = LoopbackSocket.accept(listener) else { continue }
            let admitted = state.withLock { state -> Bool in
                if state.stopped { return false }
                state.connections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                break
            }
            spawn {
                self.serve(fd)
                // Unregistered before closing, so `stop()` never interrupts a reused number.
                self.state.withLock { _ = $0.connections.remove(fd) }
                close(fd)
            }
        }
        close(listener)
    }
}
