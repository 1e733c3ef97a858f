import Dispatch
import Foundation

/// One connection's life on the loopback server: read one request, answer it as the reply's
/// delivery options say, close. Runs on the connection's own thread; blocking is fine here.
extension LoopbackCore {
    private enum Wait { case done, clientClosed, stopped }

    func serve(_ fd: Int32) {
        guard let request = readRequest(fd) else { return }
        let index = record(request)
        let reply = handler(request)
        if deliver(reply, to: request, index: index, on: fd) {
            LoopbackSocket.finishWriting(fd)
        }
    }

    // MARK: Reading

    /// Reads the head and a `Content-Length` body; nil if the client left first or the request
    /// cannot be read (answered with a 400 or 501 when there is still someone to answer).
    private func readRequest(_ fd: Int32) -> LoopbackRequest? {
        var buffer: [UInt8] = []
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard let bytes = LoopbackSocket.read(fd) else { return nil }
            buffer += bytes
            headEnd = buffer.firstRange(of: separator)?.lowerBound
            if headEnd == nil && buffer.count > 1 << 20 { return refuse(fd, 431, "request head too large") }
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let words = lines[0].split(separator: " ")
        guard words.count == 3 else { return refuse(fd, 400, "bad request line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return refuse(fd, 400, "bad header line") }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        if headers["transfer-encoding"] != nil { return refuse(fd, 501, "chunked request bodies are not supported") }
        guard let length = Int(headers["content-length"] ?? "0"), length >= 0 else {
            return refuse(fd, 400, "bad content-length")
        }
        if headers["expect"]?.lowercased() == "100-continue" {
            guard LoopbackSocket.write(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        var body = Array(buffer[(headEnd + separator.count)...])
        while body.count < length {
            guard let bytes = LoopbackSocket.read(fd) else { return nil }
            body += bytes
        }
        return LoopbackRequest(method: String(words[0]), target: String(words[1]), headers: headers,
                               body: Array(body.prefix(length)))
    }

    private func refuse(_ fd: Int32, _ status: Int, _ why: String) -> LoopbackRequest? {
        let head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(why.utf8.count)\r\nConnection: close\r\n\r\n"
        _ = LoopbackSocket.write(fd, Array((head + why).utf8))
        return nil
    }

    // MARK: Writing

    /// Writes `reply`; true if the connection should now be closed gracefully (finished or cut).
    private func deliver(_ reply: LoopbackReply, to request: LoopbackRequest, index: Int, on fd: Int32) -> Bool {
        if reply.hangsUp {
            record(.cut(request: index))
            return true
        }
        if reply.delayBeforeHead > 0 {
            guard settle(wait(on: fd, seconds: reply.delayBeforeHead), index) else { return false }
        }
        guard LoopbackSocket.write(fd, Array(head(of: reply).utf8)) else { return settle(.clientClosed, index) }
        record(.sentHead(request: index))
        let hasBody = request.method != "HEAD" && reply.status >= 200 && reply.status != 204 && reply.status != 304
        let body = hasBody ? reply.body : []
        var sent = 0
        var held = false
        while true {
            if let hold = reply.holdAfter, !held, sent >= hold {
                held = true
                record(.holding(request: index))
                guard settle(wait(on: fd, seconds: .infinity) { reply.gate?.isOpen ?? false }, index) else { return false }
            }
            if let cut = reply.cutAfter, sent >= cut, sent < body.count || reply.framing == .chunked {
                record(.cut(request: index))
                return true
            }
            if sent >= body.count { break }
            var end = min(body.count, sent + max(1, reply.chunkSize ?? body.count))
            if let hold = reply.holdAfter, !held, hold > sent { end = min(end, hold) }
            if let cut = reply.cutAfter, cut > sent { end = min(end, cut) }
            if sent > 0 && reply.delay > 0 {
                guard settle(wait(on: fd, seconds: reply.delay), index) else { return false }
            }
            var piece = Array(body[sent..<end])
            if reply.framing == .chunked {
                piece = Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
            }
            guard LoopbackSocket.write(fd, piece) else { return settle(.clientClosed, index) }
            sent = end
        }
        if reply.framing == .chunked && hasBody {
            guard LoopbackSocket.write(fd, Array("0\r\n\r\n".utf8)) else { return settle(.clientClosed, index) }
        }
        record(.finished(request: index))
        return true
    }

    /// The status line and headers, with `Connection: close` and the framing header added.
    private func head(of reply: LoopbackReply) -> String {
        var headers = reply.headers
        let names = Set(headers.keys.map { $0.lowercased() })
        switch reply.framing {
        case .contentLength where !names.contains("content-length"):
            headers["Content-Length"] = String(reply.body.count)
        case .chunked where !names.contains("transfer-encoding"):
            headers["Transfer-Encoding"] = "chunked"
        default:
            break
        }
        if !names.contains("connection") { headers["Connection"] = "close" }
        let lines = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }
        return "HTTP/1.1 \(reply.status) \(Self.reason(reply.status))\r\n" + lines.joined() + "\r\n"
    }

    /// True to carry on; records a client's departure (a stop is no event: the test is over).
    private func settle(_ wait: Wait, _ index: Int) -> Bool {
        switch wait {
        case .done: return true
        case .clientClosed: record(.clientClosed(request: index)); return false
        case .stopped: return false
        }
    }

    /// Waits `seconds` (or until `ready`), watching the socket in 20 ms slices so that a client
    /// closing the connection or the server stopping ends the wait at once.
    private func wait(on fd: Int32, seconds: Double, until ready: () -> Bool = { false }) -> Wait {
        let start = DispatchTime.now().uptimeNanoseconds
        while true {
            if isStopped { return .stopped }
            if ready() { return .done }
            if LoopbackSocket.peerClosed(fd) { return .clientClosed }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if elapsed >= seconds { return .done }
            let slice = min(20, max(1, (seconds - elapsed) * 1000))
            _ = LoopbackSocket.readable(fd, milliseconds: Int32(slice))
        }
    }

    static func reason(_ status: Int) -> String {
        let known = [100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content",
                     301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
                     307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
                     401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
                     413: "Content Too Large", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
                     500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
                     503: "Service Unavailable", 504: "Gateway Timeout", 529: "Overloaded"]
        return known[status] ?? "Status"
    }
}
