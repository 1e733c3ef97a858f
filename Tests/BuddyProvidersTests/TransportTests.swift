import BuddyProviders
import Foundation
import XCTest

/// `URLSessionTransport` against the loopback server: real sockets, real libcurl. Ordering is
/// asserted with the server's events, never with tight timings; the few time bounds are generous
/// and only there to prove that nothing hangs.
final class TransportTests: XCTestCase {
    private let transport = URLSessionTransport()

    private func get(_ server: LoopbackServer, _ path: String = "/", method: String = "GET",
                     follow: Bool = true, timeout: Double = 10) async throws -> HTTPResponse {
        try await transport.send(HTTPRequest(method: method, url: server.url(path), followRedirects: follow, timeout: timeout))
    }

    /// The error `body` fails with, or nil if it ends cleanly.
    private func failure(of response: HTTPResponse) async -> HTTPTransportError? {
        do {
            _ = try await response.collect()
            return nil
        } catch {
            return error as? HTTPTransportError ?? .invalidResponse("not a transport error: \(error)")
        }
    }

    func testABodyWrittenByteByByteArrivesWholeAndInOrder() async throws {
        let body = (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let server = try LoopbackServer { _ in LoopbackReply(body: body, chunkSize: 1) }
        let response = try await get(server)
        XCTAssertEqual(response.head.status, 200)
        XCTAssertEqual(response.head.header("Content-Length"), "600")
        let received = try await response.collect()
        XCTAssertEqual(received, body)
    }

    func testChunkedAndCloseDelimitedBodiesArriveWhole() async throws {
        let body = Array("data: {\"text\":\"héllo\"}\n\n".utf8)
        for framing in [LoopbackFraming.chunked, .closeDelimited] {
            let server = try LoopbackServer { _ in LoopbackReply(body: body, framing: framing, chunkSize: 3) }
            let received = try await get(server).collect()
            XCTAssertEqual(received, body, "\(framing)")
        }
    }

    func testTheFirstPieceArrivesWhileTheServerIsStillHolding() async throws {
        let gate = LoopbackGate()
        let server = try LoopbackServer { _ in
            .init(headers: ["Content-Type": "text/event-stream"], body: Array("first|second".utf8), holdAfter: 6, gate: gate)
        }
        let response = try await get(server)
        var pieces = response.body.makeAsyncIterator()
        let first = try await pieces.next()
        XCTAssertEqual(first, Array("first|".utf8))
        let holding = await server.waitFor(.holding(request: 0))
        XCTAssertTrue(holding)
        XCTAssertFalse(server.events.contains(.finished(request: 0)), "the client saw bytes the server had not finished")
        gate.open()
        var rest: [UInt8] = []
        while let piece = try await pieces.next() { rest += piece }
        XCTAssertEqual(rest, Array("second".utf8))
        let finished = await server.waitFor(.finished(request: 0))
        XCTAssertTrue(finished)
    }

    func testTheMethodHeadersAndBodyReachTheServerAsSent() async throws {
        let server = try LoopbackServer { _ in .text("{}", contentType: "application/json") }
        // Large enough that libcurl would ask for `Expect: 100-continue` if it were allowed to.
        let body = Array(String(repeating: "{\"k\":\"v\"}", count: 20_000).utf8)
        let request = HTTPRequest(method: "POST", url: server.url("/v1/messages?beta=true"),
                                  headers: ["X-Api-Key": "sk-test", "anthropic-version": "2023-06-01",
                                            "Content-Type": "application/json"],
                                  body: body)
        let response = try await transport.send(request)
        let answer = try await response.collect()
        XCTAssertEqual(answer, Array("{}".utf8))
        let seen = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(seen.method, "POST")
        XCTAssertEqual(seen.target, "/v1/messages?beta=true")
        XCTAssertEqual(seen.header("x-api-key"), "sk-test")
        XCTAssertEqual(seen.header("anthropic-version"), "2023-06-01")
        XCTAssertEqual(seen.header("content-type"), "application/json")
        XCTAssertEqual(seen.body, body)
        XCTAssertEqual(seen.header("user-agent"), "clicky", "no process name or curl version")
        XCTAssertEqual(seen.header("accept-language"), "*", "the user's locale is not sent")
    }

    func testAServerErrorIsAHeadAndABodyNotAThrow() async throws {
        let json = #"{"type":"error","error":{"type":"api_error","message":"Internal"}}"#
        let server = try LoopbackServer { _ in .text(json, status: 500, contentType: "application/json",
                                                   headers: ["x-should-retry": "true"]) }
        let response = try await get(server)
        XCTAssertEqual(response.head.status, 500)
        XCTAssertEqual(response.head.header("X-Should-Retry"), "true")
        let text = String(decoding: try await response.collect(), as: UTF8.self)
        XCTAssertEqual(text, json)
    }

    func testABodyCutShortIsAConnectionLoss() async throws {
        for framing in [LoopbackFraming.contentLength, .chunked] {
            let server = try LoopbackServer { _ in
                LoopbackReply(body: Array(repeating: 65, count: 100), framing: framing, chunkSize: 10, cutAfter: 30)
            }
            let started = ContinuousClock.now
            let response = try await get(server)
            let error = await failure(of: response)
            guard case .connectionLost? = error else { return XCTFail("\(framing): \(String(describing: error))") }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "\(framing)")
        }
    }

    func testACutBeforeTheFinalChunkIsAConnectionLoss() async throws {
        let server = try LoopbackServer { _ in LoopbackReply(body: Array("whole".utf8), framing: .chunked, cutAfter: 5) }
        let error = await failure(of: try await get(server))
        guard case .connectionLost? = error else { return XCTFail(String(describing: error)) }
    }

    func testAServerThatHangsUpWithoutAnsweringIsAConnectionLoss() async throws {
        let server = try LoopbackServer { _ in .hangUp }
        do {
            _ = try await get(server)
            XCTFail("a server that hung up answered")
        } catch let error as HTTPTransportError {
            guard case .connectionLost = error else { return XCTFail("\(error)") }
        }
    }

    func testARefusedConnectionFailsQuicklyAsCannotConnect() async throws {
        let closed = try LoopbackServer { _ in LoopbackReply() }
        let url = closed.url("/")
        closed.stop()
        let started = ContinuousClock.now
        do {
            _ = try await transport.send(HTTPRequest(url: url, timeout: 10))
            XCTFail("a closed port answered")
        } catch let error as HTTPTransportError {
            guard case .cannotConnect = error else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    func testOnlyHTTPURLsAreSent() async throws {
        for url in ["file:///etc/hostname", "ftp://127.0.0.1/x"] {
            do {
                _ = try await transport.send(HTTPRequest(url: try XCTUnwrap(URL(string: url))))
                XCTFail("\(url) was sent")
            } catch let error as HTTPTransportError {
                guard case .cannotConnect = error else { return XCTFail("\(url): \(error)") }
            }
        }
    }

    func testSilenceLongerThanTheTimeoutIsATimeout() async throws {
        let mute = try LoopbackServer { _ in LoopbackReply(delayBeforeHead: .infinity) }
        let started = ContinuousClock.now
        do {
            _ = try await get(mute, timeout: 0.5)
            XCTFail("a mute server answered")
        } catch let error as HTTPTransportError {
            XCTAssertEqual(error, .timedOut)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(450))

        let stalls = try LoopbackServer { _ in LoopbackReply(body: Array("abcdef".utf8), holdAfter: 3) }
        let response = try await get(stalls, timeout: 0.5)
        let error = await failure(of: response)
        XCTAssertEqual(error, .timedOut, "silence in the middle of a body")
    }

    func testASlowButSteadyBodyDoesNotTimeOut() async throws {
        let server = try LoopbackServer { _ in LoopbackReply(body: Array("0123456789".utf8), chunkSize: 1, delay: 0.1) }
        let received = try await get(server, timeout: 0.5).collect()
        XCTAssertEqual(received, Array("0123456789".utf8), "a second in all, but never 0.5 s of silence")
    }

    func testCancellingTheConsumerEndsTheStreamAndClosesTheConnection() async throws {
        let server = try LoopbackServer { _ in LoopbackReply(body: Array("abc-never-sent".utf8), holdAfter: 4) }
        let response = try await get(server)
        let firstPiece = AsyncStream.makeStream(of: Void.self)
        let consumer = Task {
            var received: [UInt8] = []
            for try await piece in response.body {
                received += piece
                firstPiece.continuation.yield()
            }
            return received
        }
        for await _ in firstPiece.stream { break }
        consumer.cancel()
        let outcome = await consumer.result
        if case .success(let bytes) = outcome { XCTAssertEqual(bytes, Array("abc-".utf8)) }
        let closed = await server.waitFor(.clientClosed(request: 0))
        XCTAssertTrue(closed, "the server saw the connection close")
    }

    func testCancellingTheWaitForTheHeadClosesTheConnection() async throws {
        let server = try LoopbackServer { _ in LoopbackReply(delayBeforeHead: .infinity) }
        let url = server.url("/")
        let transport = self.transport
        let waiting = Task { try await transport.send(HTTPRequest(url: url, timeout: 30)) }
        let received = await server.waitFor(.received(request: 0))
        XCTAssertTrue(received)
        waiting.cancel()
        do {
            _ = try await waiting.value
            XCTFail("a cancelled request returned")
        } catch let error as HTTPTransportError {
            XCTAssertEqual(error, .cancelled)
        }
        let closed = await server.waitFor(.clientClosed(request: 0))
        XCTAssertTrue(closed)
    }

    func testDroppingAnUnreadBodyClosesTheConnection() async throws {
        let server = try LoopbackServer { _ in LoopbackReply(body: Array("unread".utf8), holdAfter: 0) }
        do {
            let response = try await get(server)
            XCTAssertEqual(response.head.status, 200)
        }
        let closed = await server.waitFor(.clientClosed(request: 0))
        XCTAssertTrue(closed)
    }

    func testAHeadRequestHasHeadersAndAnEmptyBody() async throws {
        let server = try LoopbackServer { _ in .text("twelve bytes", headers: ["ETag": "\"abc\""]) }
        let response = try await get(server, method: "HEAD")
        XCTAssertEqual(response.head.status, 200)
        XCTAssertEqual(response.head.header("content-length"), "12")
        XCTAssertEqual(response.head.header("etag"), "\"abc\"")
        let body = try await response.collect()
        XCTAssertEqual(body, [])
        XCTAssertEqual(server.requests.first?.method, "HEAD")
    }

    func testAnUnfollowedRedirectIsReturnedWithItsHeaders() async throws {
        let server = try LoopbackServer { request in
            request.path == "/file"
                ? .redirect(302, to: "https://cdn.example/blob", headers: ["X-Linked-Etag": "\"sha\"", "X-Linked-Size": "4096"])
                : .text("should not be reached", status: 500)
        }
        for method in ["GET", "HEAD"] {
            let response = try await get(server, "/file", method: method, follow: false)
            XCTAssertEqual(response.head.status, 302, method)
            XCTAssertEqual(response.head.header("location"), "https://cdn.example/blob", method)
            XCTAssertEqual(response.head.header("x-linked-etag"), "\"sha\"", method)
            XCTAssertEqual(response.head.header("x-linked-size"), "4096", method)
            let body = try await response.collect()
            XCTAssertEqual(body, [], method)
        }
        XCTAssertEqual(server.requests.map(\.path), ["/file", "/file"])
    }

    func testAFollowedRelativeRedirectLandsOnTheTarget() async throws {
        let server = try LoopbackServer { request in
            request.path == "/old" ? .redirect(307, to: "/new?x=1") : .text("arrived at \(request.target)")
        }
        for method in ["GET", "HEAD"] {
            let response = try await get(server, "/old", method: method)
            XCTAssertEqual(response.head.status, 200, method)
            let text = String(decoding: try await response.collect(), as: UTF8.self)
            XCTAssertEqual(text, method == "GET" ? "arrived at /new?x=1" : "", method)
        }
        XCTAssertEqual(server.requests.map(\.target), ["/old", "/new?x=1", "/old", "/new?x=1"])
        XCTAssertEqual(server.requests.map(\.method), ["GET", "GET", "HEAD", "HEAD"])
    }

    func testCredentialsDoNotFollowARedirectToAnotherOrigin() async throws {
        let cdn = try LoopbackServer { _ in .text("blob") }
        let hub = try LoopbackServer { _ in .redirect(302, to: cdn.url("/blob").absoluteString) }
        let request = HTTPRequest(url: hub.url("/file"), headers: ["Authorization": "Bearer hf_secret", "X-Api-Key": "k",
                                                                   "Accept": "*/*"])
        let response = try await transport.send(request)
        let text = String(decoding: try await response.collect(), as: UTF8.self)
        XCTAssertEqual(text, "blob")
        XCTAssertEqual(hub.requests.first?.header("authorization"), "Bearer hf_secret")
        let atCDN = try XCTUnwrap(cdn.requests.first)
        XCTAssertNil(atCDN.header("authorization"))
        XCTAssertNil(atCDN.header("x-api-key"))
        XCTAssertEqual(atCDN.header("accept"), "*/*")
    }

    func testRequestsInSequenceEachGetTheirAnswer() async throws {
        let server = try LoopbackServer(replies: [.text("busy", status: 429, headers: ["retry-after": "0"]), .text("ok")])
        let first = try await get(server)
        XCTAssertEqual(first.head.status, 429)
        XCTAssertEqual(first.head.header("retry-after"), "0")
        _ = try await first.collect()
        for _ in 0..<3 {
            let next = try await get(server)
            let text = String(decoding: try await next.collect(), as: UTF8.self)
            XCTAssertEqual(text, "ok")
        }
        XCTAssertEqual(server.requests.count, 4)
    }
}
