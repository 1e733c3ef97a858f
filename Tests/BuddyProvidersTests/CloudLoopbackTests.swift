import BuddyCore
import BuddyProviders
import Foundation
import XCTest

/// The cloud brains end to end: the real `URLSessionTransport` over a real socket to the
/// loopback server replaying the recorded streams and errors. Retry waits are recorded, not
/// slept, except where the point is the wall-clock time of an offline turn.
final class CloudLoopbackTests: XCTestCase {
    private let sleeps = SleepLog()
    private let transport = URLSessionTransport()
    private let question = BrainQuestion(system: "Be brief.", question: "Hi?")

    private func claude(_ server: LoopbackServer, proxy: Bool = false) -> AnthropicBrain {
        let endpoint: AnthropicConfiguration.Endpoint = proxy
            ? .proxy(workerURL: server.baseURL) : .direct(apiKey: APIKey("sk-ant-mock-key"), baseURL: server.baseURL)
        return AnthropicBrain(configuration: AnthropicConfiguration(endpoint: endpoint, timeout: 5),
                              transport: transport, retry: sleeps.policy())
    }

    private func expectedText(_ name: String) throws -> String { String(decoding: try Fixture.bytes(name), as: UTF8.self) }

    func testTheOKStreamWrittenByteByByteArrivesWhole() async throws {
        let server = try LoopbackServer { _ in .eventStream((try? Fixture.bytes("anthropic-stream-ok.sse")) ?? [], chunkSize: 1) }
        let outcome = await collect(claude(server).answer(question, screens: [fixtureScreen(label: "screen 1 of 1")]))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, try expectedText("anthropic-stream-ok.expected.txt"))
        XCTAssertEqual(outcome.record?.stopReason, .complete)
        XCTAssertEqual(outcome.record?.outputTokens, 23)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/v1/messages")
        XCTAssertEqual(request.header("x-api-key"), "sk-ant-mock-key")
        XCTAssertEqual(request.header("anthropic-version"), "2023-06-01")
        XCTAssertEqual(request.header("content-type"), "application/json")
        XCTAssertEqual(jsonDocument(request.body)["model"] as? String, "claude-sonnet-4-6")
    }

    func testTheCRLFStreamInChunkedFraming() async throws {
        let server = try LoopbackServer { _ in
            LoopbackReply(headers: ["Content-Type": "text/event-stream"],
                          body: (try? Fixture.bytes("anthropic-stream-ok-crlf.sse")) ?? [], framing: .chunked, chunkSize: 5)
        }
        let outcome = await collect(claude(server).answer(question, screens: []))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, try expectedText("anthropic-stream-ok.expected.txt"))
    }

    func testAMidStreamErrorArrivesAfterThePartialText() async throws {
        let server = try LoopbackServer { _ in .eventStream((try? Fixture.bytes("anthropic-stream-overloaded.sse")) ?? [], chunkSize: 16) }
        let outcome = await collect(claude(server).answer(question, screens: []))
        XCTAssertEqual(outcome.text, "Partial answer")
        XCTAssertEqual(outcome.error, .failedMidAnswer(type: "overloaded_error", message: "Overloaded"))
        XCTAssertEqual(server.requests.count, 1)
    }

    func testARefusedKeyIsOneRequestAndAnAuthenticationError() async throws {
        let body = try expectedText("anthropic-error-401.json")
        let server = try LoopbackServer { _ in .text(body, status: 401, contentType: "application/json") }
        let outcome = await collect(claude(server).answer(question, screens: []))
        XCTAssertEqual(outcome.error, .authentication("invalid x-api-key"))
        XCTAssertEqual(server.requests.count, 1)
    }

    func testRateLimitedWithRetryAfterThenTheAnswer() async throws {
        let server = try LoopbackServer(replies: [
            .text(try expectedText("anthropic-error-429.json"), status: 429, contentType: "application/json",
                  headers: ["retry-after": "1", "x-should-retry": "true"]),
            .eventStream(try Fixture.bytes("anthropic-stream-ok.sse")),
        ])
        let outcome = await collect(claude(server).answer(question, screens: []))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, try expectedText("anthropic-stream-ok.expected.txt"))
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertEqual(sleeps.requested, [1])
    }

    /// Every recorded error body over a real socket: the status decides the error and whether
    /// the SDKs' retries happen (waits recorded, not slept).
    func testEveryRecordedHTTPErrorOverARealSocket() async throws {
        let cases: [(status: Int, file: String, attempts: Int, matches: (BrainError) -> Bool)] = [
            (400, "anthropic-error-400.json", 1, { if case .rejected(400, _) = $0 { true } else { false } }),
            (400, "anthropic-error-400-max-tokens.json", 1, { if case .rejected(400, _) = $0 { true } else { false } }),
            (401, "anthropic-error-401.json", 1, { if case .authentication = $0 { true } else { false } }),
            (403, "anthropic-error-403.json", 1, { if case .permission = $0 { true } else { false } }),
            (404, "anthropic-error-404.json", 1, { if case .rejected(404, _) = $0 { true } else { false } }),
            (413, "anthropic-error-413.json", 1, { if case .requestTooLarge = $0 { true } else { false } }),
            (429, "anthropic-error-429.json", 3, { if case .rateLimited = $0 { true } else { false } }),
            (500, "anthropic-error-500.json", 3, { if case .serverFailed(500, _) = $0 { true } else { false } }),
            (529, "anthropic-error-529.json", 3, { if case .serverFailed(529, _) = $0 { true } else { false } }),
        ]
        for (status, file, attempts, matches) in cases {
            let body = try expectedText(file)
            let server = try LoopbackServer { _ in .text(body, status: status, contentType: "application/json") }
            let outcome = await collect(claude(server).answer(question, screens: []))
            let error = try XCTUnwrap(outcome.error, file)
            XCTAssertTrue(matches(error), "\(file): \(error)")
            XCTAssertEqual(server.requests.count, attempts, file)
            XCTAssertFalse(error.description.contains("sk-ant-mock-key"))
        }
    }

    func testACutConnectionIsLostAndDoesNotHang() async throws {
        let stream = try Fixture.bytes("anthropic-stream-ok.sse")
        for framing in [LoopbackFraming.contentLength, .chunked, .closeDelimited] {
            let server = try LoopbackServer { _ in
                LoopbackReply(headers: ["Content-Type": "text/event-stream"], body: stream, framing: framing,
                              chunkSize: 64, cutAfter: stream.count / 2)
            }
            let started = ContinuousClock.now
            let outcome = await collect(claude(server).answer(question, screens: []))
            guard case .connectionLost? = outcome.error else { return XCTFail("\(framing): \(String(describing: outcome.error))") }
            XCTAssertFalse(outcome.text.isEmpty, "\(framing)")
            XCTAssertNil(outcome.record)
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(4), "\(framing)")
        }
    }

    func testProxyModeHitsChatWithoutAKey() async throws {
        let server = try LoopbackServer { _ in .eventStream((try? Fixture.bytes("anthropic-stream-ok.sse")) ?? []) }
        let outcome = await collect(claude(server, proxy: true).answer(question, screens: []))
        XCTAssertNil(outcome.error)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.path, "/chat")
        XCTAssertNil(request.header("x-api-key"))
    }

    func testAnOllamaStreamThroughABaseEndingInV1() async throws {
        let server = try LoopbackServer { _ in .eventStream((try? Fixture.bytes("openai-stream-ollama.sse")) ?? [], chunkSize: 1) }
        let configuration = OpenAICompatibleConfiguration(baseURL: server.url("/v1"), model: "llama3.2", timeout: 5)
        let brain = OpenAICompatibleBrain(configuration: configuration, transport: transport, retry: sleeps.policy())
        let outcome = await collect(brain.answer(question, screens: []))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.text, try expectedText("openai-stream-ok.expected.txt"))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.path, "/v1/chat/completions")
        XCTAssertNil(request.header("authorization"))
    }

    func testANothingListeningServerFailsOfflineInUnderASecondWithTheRealWaits() async throws {
        let closed = try LoopbackServer { _ in LoopbackReply() }
        let base = closed.baseURL
        closed.stop()
        let configuration = OpenAICompatibleConfiguration(baseURL: base, model: "llama3.2", timeout: 5)
        let brain = OpenAICompatibleBrain(configuration: configuration, transport: transport)   // real sleeps
        let started = ContinuousClock.now
        let outcome = await collect(brain.answer(question, screens: []))
        guard case .offline? = outcome.error else { return XCTFail(String(describing: outcome.error)) }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    func testStoppingTheListenerClosesTheConnection() async throws {
        let stream = try Fixture.bytes("anthropic-stream-ok.sse")
        let server = try LoopbackServer { _ in
            LoopbackReply(headers: ["Content-Type": "text/event-stream"], body: stream, holdAfter: 700)
        }
        let spoke = expectation(description: "the first words")
        spoke.assertForOverFulfill = false
        let answer = claude(server).answer(question, screens: [])
        let listener = Task {
            for try await event in answer {
                if case .text = event { spoke.fulfill() }
            }
        }
        await fulfillment(of: [spoke], timeout: 10)
        listener.cancel()
        _ = await listener.result
        let closed = await server.waitFor(.clientClosed(request: 0))
        XCTAssertTrue(closed, "the server saw the connection close")
    }
}
