import Foundation
import Synchronization

/// One request as the loopback server read it off the socket, recorded in arrival order.
struct LoopbackRequest: Sendable, Equatable {
    var method: String
    /// The request target as sent: path and query, e.g. `/v1/messages?beta=true`.
    var target: String
    /// Header names in lower case; a repeated header's values are joined with ", ".
    var headers: [String: String]
    /// Exactly `Content-Length` bytes (empty without one).
    var body: [UInt8]

    /// The target without its query.
    var path: String { String(target.prefix { $0 != "?" }) }
    /// The query without its `?`, nil without one.
    var query: String? { target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) } }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
    /// The body decoded as UTF-8 (for assertions on JSON requests).
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// How a reply's body is framed on the wire.
enum LoopbackFraming: Sendable, Equatable {
    /// `Content-Length: <body size>`; the reply's own header wins if it sets one (to announce a lie).
    case contentLength
    /// `Transfer-Encoding: chunked`; each written piece is one chunk, then the final `0` chunk.
    case chunked
    /// No length at all: the body ends when the server closes the connection.
    case closeDelimited
}

/// What the server answers, and how it delivers it. Every field has a plain default, so a reply
/// is `LoopbackReply(status: 200, body: bytes)` plus whichever delivery knobs a test needs.
struct LoopbackReply: Sendable {
    var status: Int
    /// Sent as given. The server adds `Connection: close` and the framing header
    /// (`Content-Length` or `Transfer-Encoding`) unless the reply sets them itself.
    var headers: [String: String]
    var body: [UInt8]
    var framing: LoopbackFraming
    /// Body bytes per write (each write is flushed: the socket has TCP_NODELAY); nil = one write.
    var chunkSize: Int?
    /// Seconds to wait between two written pieces.
    var delay: Double
    /// Seconds to wait after reading the request before sending anything; `.infinity` never
    /// answers (the wait ends when the client goes away or the server stops).
    var delayBeforeHead: Double
    /// After this many body bytes, stop writing and wait for `gate` (forever when nil) — how a
    /// test proves a client saw the first bytes while the server had not finished.
    var holdAfter: Int?
    var gate: LoopbackGate?
    /// Close the connection after this many body bytes although more were announced (with
    /// `.chunked`: without the final `0` chunk).
    var cutAfter: Int?
    /// Close the connection right after reading the request, without a status line.
    var hangsUp = false

    init(status: Int = 200, headers: [String: String] = [:], body: [UInt8] = [],
         framing: LoopbackFraming = .contentLength, chunkSize: Int? = nil, delay: Double = 0,
         delayBeforeHead: Double = 0, holdAfter: Int? = nil, gate: LoopbackGate? = nil, cutAfter: Int? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.framing = framing
        self.chunkSize = chunkSize
        self.delay = delay
        self.delayBeforeHead = delayBeforeHead
        self.holdAfter = holdAfter
        self.gate = gate
        self.cutAfter = cutAfter
    }

    /// No answer at all: the connection closes as soon as the request has been read.
    static var hangUp: LoopbackReply {
        var reply = LoopbackReply()
        reply.hangsUp = true
        return reply
    }

    /// A text body with its content type (`application/json`, `text/event-stream`, …).
    static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8",
                     headers: [String: String] = [:]) -> LoopbackReply {
        var all = headers
        all["Content-Type"] = contentType
        return LoopbackReply(status: status, headers: all, body: Array(text.utf8))
    }

    /// A server-sent-event stream written `chunkSize` bytes at a time, as an API streams it.
    static func eventStream(_ bytes: [UInt8], chunkSize: Int? = 64, delay: Double = 0,
                            headers: [String: String] = [:]) -> LoopbackReply {
        var all = headers
        all["Content-Type"] = "text/event-stream"
        return LoopbackReply(status: 200, headers: all, body: bytes, chunkSize: chunkSize, delay: delay)
    }

    /// A redirect to `location` (absolute or relative), with any extra headers the 3xx carries.
    static func redirect(_ status: Int = 302, to location: String, headers: [String: String] = [:]) -> LoopbackReply {
        var all = headers
        all["Location"] = location
        return LoopbackReply(status: status, headers: all)
    }

    /// A reply from a recorded head: a status line and header lines, as in the `.http` fixtures
    /// (LF or CRLF). Nil if the first line is not `HTTP/x.y <status> …`.
    static func recorded(head: String, body: [UInt8] = []) -> LoopbackReply? {
        let lines = head.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        guard let statusLine = lines.first else { return nil }
        let words = statusLine.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return LoopbackReply(status: status, headers: headers, body: body)
    }
}

/// A one-way latch a test opens to let a held reply continue (see `LoopbackReply.holdAfter`).
final class LoopbackGate: Sendable {
    private let isOpenState = Mutex(false)

    init() {}
    func open() { isOpenState.withLock { $0 = true } }
    var isOpen: Bool { isOpenState.withLock { $0 } }
}

/// What the server did, in order; `request` is the index into `LoopbackServer.requests`.
enum LoopbackEvent: Sendable, Equatable {
    case received(request: Int)
    /// The status line and headers were written.
    case sentHead(request: Int)
    /// A reply reached its `holdAfter` point and is waiting.
    case holding(request: Int)
    /// The whole reply was written and the connection closed normally.
    case finished(request: Int)
    /// The connection was closed on purpose before the announced end (`cutAfter`, `hangUp`).
    case cut(request: Int)
    /// The client closed or reset the connection before the reply was finished.
    case clientClosed(request: Int)
}
