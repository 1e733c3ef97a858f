import Foundation
import XCTest

/// The loopback server's own wire output, read with a raw socket (no HTTP client in between),
/// so that the client tests built on it can trust what it sends.
final class LoopbackServerTests: XCTestCase {
    /// Sends `request` on a fresh connection and reads until the server closes (at most 5 s).
    private func exchange(_ server: LoopbackServer, _ request: String) throws -> String {
        let fd = try LoopbackSocket.connect(port: server.port)
        defer { close(fd) }
        XCTAssertTrue(LoopbackSocket.write(fd, Array(request.utf8)))
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, LoopbackSocket.readable(fd, milliseconds: 100) || received.isEmpty {
            guard let bytes = LoopbackSocket.read(fd) else { break }
            received += bytes
        }
        return String(decoding: received, as: UTF8.self)
    }

    func testRecordsTheRequestAndAnswersWithContentLength() throws {
        let server = try LoopbackServer { _ in .text(#"{"ok":true}"#, status: 201, contentType: "application/json") }
        let answer = try exchange(server, "POST /v1/messages?beta=1 HTTP/1.1\r\nHost: x\r\nX-Api-Key: k\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 201 Created\r\n"), answer)
        XCTAssertTrue(answer.contains("Content-Length: 11\r\n"), answer)
        XCTAssertTrue(answer.contains("Connection: close\r\n"), answer)
        XCTAssertTrue(answer.hasSuffix("\r\n\r\n{\"ok\":true}"), answer)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.target, "/v1/messages?beta=1")
        XCTAssertEqual(request.path, "/v1/messages")
        XCTAssertEqual(request.query, "beta=1")
        XCTAssertEqual(request.header("X-API-KEY"), "k")
        XCTAssertEqual(request.text, "abc")
    }

    func testChunkedFramingWritesOneChunkPerPiece() throws {
        let server = try LoopbackServer { _ in LoopbackReply(body: Array("hello".utf8), framing: .chunked, chunkSize: 2) }
        let answer = try exchange(server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(answer.contains("Transfer-Encoding: chunked\r\n"), answer)
        XCTAssertTrue(answer.hasSuffix("\r\n\r\n2\r\nhe\r\n2\r\nll\r\n1\r\no\r\n0\r\n\r\n"), answer)
    }

    func testCutsCloseBeforeTheAnnouncedEnd() throws {
        let lengthCut = try LoopbackServer { _ in LoopbackReply(body: Array("hello".utf8), cutAfter: 3) }
        let answer = try exchange(lengthCut, "GET / HTTP/1.1\r\n\r\n")
        XCTAssertTrue(answer.contains("Content-Length: 5\r\n"), answer)
        XCTAssertTrue(answer.hasSuffix("\r\n\r\nhel"), answer)
        XCTAssertEqual(lengthCut.events, [.received(request: 0), .sentHead(request: 0), .cut(request: 0)])

        let chunkedCut = try LoopbackServer { _ in LoopbackReply(body: Array("hello".utf8), framing: .chunked, cutAfter: 5) }
        XCTAssertTrue(try exchange(chunkedCut, "GET / HTTP/1.1\r\n\r\n").hasSuffix("\r\n\r\n5\r\nhello\r\n"))
    }

    func testAScriptAnswersInOrderAndRepeatsItsLastReply() throws {
        let server = try LoopbackServer(replies: [.text("slow down", status: 429, headers: ["retry-after": "0"]), .text("ok")])
        let first = try exchange(server, "GET /a HTTP/1.1\r\n\r\n")
        XCTAssertTrue(first.hasPrefix("HTTP/1.1 429 "), first)
        XCTAssertTrue(first.contains("retry-after: 0\r\n"), first)
        XCTAssertTrue(try exchange(server, "GET /b HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 "))
        XCTAssertTrue(try exchange(server, "GET /c HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 "))
        XCTAssertEqual(server.requests.map(\.target), ["/a", "/b", "/c"])
    }

    func testAHeadRequestGetsTheLengthButNoBody() throws {
        let server = try LoopbackServer { _ in .text("twelve bytes") }
        let answer = try exchange(server, "HEAD / HTTP/1.1\r\n\r\n")
        XCTAssertTrue(answer.contains("Content-Length: 12\r\n"), answer)
        XCTAssertTrue(answer.hasSuffix("\r\n\r\n"), answer)
    }

    func testARecordedHeadIsReplayed() throws {
        let reply = try XCTUnwrap(LoopbackReply.recorded(head: "HTTP/1.1 302 Found\r\nLocation: /x\r\nX-Repo-Commit: abc\r\n"))
        XCTAssertEqual(reply.status, 302)
        XCTAssertEqual(reply.headers["X-Repo-Commit"], "abc")
        XCTAssertNil(LoopbackReply.recorded(head: "garbage"))
    }

    func testTheServerSeesAClientLeaveAndStopsPromptly() async throws {
        let server = try LoopbackServer { _ in LoopbackReply(body: Array("held".utf8), holdAfter: 1) }
        let fd = try LoopbackSocket.connect(port: server.port)
        XCTAssertTrue(LoopbackSocket.write(fd, Array("GET / HTTP/1.1\r\n\r\n".utf8)))
        let holding = await server.waitFor(.holding(request: 0))
        XCTAssertTrue(holding)
        close(fd)
        let closed = await server.waitFor(.clientClosed(request: 0))
        XCTAssertTrue(closed)

        let quiet = try LoopbackServer { _ in LoopbackReply(delayBeforeHead: .infinity) }
        let other = try LoopbackSocket.connect(port: quiet.port)
        defer { close(other) }
        XCTAssertTrue(LoopbackSocket.write(other, Array("GET / HTTP/1.1\r\n\r\n".utf8)))
        let received = await quiet.waitFor(.received(request: 0))
        XCTAssertTrue(received)
        let started = Date()
        quiet.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        XCTAssertNil(LoopbackSocket.read(other), "a stopped server closes its connections")
    }
}
