import BuddyCore
import BuddyProviders
import Foundation
import XCTest

/// Claude's request (checked against `anthropic-request-vision.json`, field by field) and every
/// recorded Anthropic stream and error replayed through `AnthropicBrain` on a scripted
/// transport: chunkings, retries, mapping to `BrainError`, cut connections, cancellation.
final class AnthropicBrainTests: XCTestCase {
    static let key = "sk-ant-mock-SECRET-0123456789"
    private let sleeps = SleepLog()

    private func brain(_ transport: ScriptedTransport, endpoint: AnthropicConfiguration.Endpoint? = nil,
                       temperature: Double? = nil) -> AnthropicBrain {
        let base = URL(string: "https://api.anthropic.com") ?? AnthropicConfiguration.defaultBaseURL
        let configuration = AnthropicConfiguration(endpoint: endpoint ?? .direct(apiKey: APIKey(Self.key), baseURL: base),
                                                   temperature: temperature)
        return AnthropicBrain(configuration: configuration, transport: transport, retry: sleeps.policy())
    }

    private let visionQuestion = BrainQuestion(
        system: "You are a helpful desktop companion. Answer briefly.",
        history: [Exchange(question: "What app is open?", answer: "It looks like a code editor.", origin: .cloud)],
        question: "What is in this screenshot?", temperature: 0.7)

    private func ask(_ transport: ScriptedTransport, screens: [ScreenImage] = []) async -> BrainOutcome {
        await collect(brain(transport).answer(BrainQuestion(system: "Be brief.", question: "Hi?"), screens: screens))
    }

    // MARK: - The request

    func testTheVisionRequestMatchesTheRecordedOneFieldByField() async throws {
        let transport = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-ok.sse"))])
        _ = await collect(brain(transport).answer(visionQuestion, screens: [fixtureScreen(label: "Screen 1 of 1 (primary display)")]))
        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, "https://api.anthropic.com/v1/messages")
        XCTAssertEqual(request.headers, ["x-api-key": Self.key, "anthropic-version": "2023-06-01",
                                         "content-type": "application/json", "accept": "text/event-stream"])
        let expected = jsonDocument(try Fixture.bytes("anthropic-request-vision.json")).mutableCopy() as? NSMutableDictionary
        expected?.removeObject(forKey: "stop_sequences")   // the buddy sends no stop sequences
        let sent = jsonDocument(request.body)
        XCTAssertEqual(sent, expected, "\(sent)")
        for field in ["model", "max_tokens", "stream", "temperature", "system", "messages"] {
            XCTAssertEqual(sent[field] as? NSObject, expected?[field] as? NSObject, field)
        }
    }

    func testATextOnlyTurnSendsThePlainQuestionAndOmitsWhatIsUnset() async throws {
        let transport = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-ok.sse"))])
        let question = BrainQuestion(system: "", history: [
            Exchange(question: "first", answer: "one", origin: .cloud),
            Exchange(question: "cut off", answer: "  ", origin: .cloud),   // never answered: not sent
        ], question: "Hi?", maxTokens: 4096)
        _ = await collect(brain(transport).answer(question, screens: []))
        let sent = jsonDocument(try XCTUnwrap(transport.requests.first).body)
        XCTAssertEqual(sent, ["model": "claude-sonnet-4-6", "max_tokens": 1024, "stream": true, "messages": [
            ["role": "user", "content": "first"], ["role": "assistant", "content": "one"],
            ["role": "user", "content": "Hi?"],
        ]] as NSDictionary, "no system, no temperature; max_tokens capped by the configuration")
    }

    func testEveryScreenComesWithItsLabelBeforeTheQuestionAndPNGIsSniffed() async throws {
        let transport = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-ok.sse"))])
        var jpeg = fixtureScreen(label: "screen 2 of 2")
        jpeg.bytes = [0xFF, 0xD8, 0xFF, 0xE0]
        _ = await ask(transport, screens: [fixtureScreen(label: "screen 1 of 2"), jpeg])
        let sent = jsonDocument(try XCTUnwrap(transport.requests.first).body)
        let last = try XCTUnwrap((sent["messages"] as? [NSDictionary])?.last?["content"] as? [NSDictionary])
        XCTAssertEqual(last.map { $0["type"] as? String }, ["image", "text", "image", "text", "text"])
        XCTAssertEqual(last.compactMap { ($0["source"] as? NSDictionary)?["media_type"] as? String }, ["image/png", "image/jpeg"])
        XCTAssertEqual(last.compactMap { $0["text"] as? String }, ["screen 1 of 2", "screen 2 of 2", "Hi?"])
        XCTAssertEqual((last[2]["source"] as? NSDictionary)?["data"] as? String, "/9j/4A==")
    }

    func testProxyModePostsTheSameBodyToChatWithoutAKey() async throws {
        let worker = try XCTUnwrap(URL(string: "https://clicky-proxy.example.workers.dev"))
        let direct = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-ok.sse"))])
        let proxied = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-ok.sse"))])
        let viaWorker = await collect(brain(proxied, endpoint: .proxy(workerURL: worker)).answer(visionQuestion, screens: []))
        _ = await collect(brain(direct).answer(visionQuestion, screens: []))
        XCTAssertNil(viaWorker.error)
        let request = try XCTUnwrap(proxied.requests.first)
        XCTAssertEqual(request.url.absoluteString, "https://clicky-proxy.example.workers.dev/chat")
        XCTAssertNil(request.headers["x-api-key"])
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(jsonDocument(request.body), jsonDocument(try XCTUnwrap(direct.requests.first).body))
    }

    func testABaseURLWithATrailingSlashOrAPathIsExtendedNotReplaced() async throws {
        for (base, expected) in [("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1/messages"),
                                 ("https://gateway.example/anthropic", "https://gateway.example/anthropic/v1/messages")] {
            let transport = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-ok.sse"))])
            let endpoint = AnthropicConfiguration.Endpoint.direct(apiKey: APIKey(Self.key), baseURL: try XCTUnwrap(URL(string: base)))
            _ = await collect(brain(transport, endpoint: endpoint).answer(visionQuestion, screens: []))
            XCTAssertEqual(transport.requests.first?.url.absoluteString, expected)
        }
    }

    func testAnEmptyKeyIsNotConfiguredAndSendsNothing() async throws {
        let transport = ScriptedTransport([])
        let endpoint = AnthropicConfiguration.Endpoint.direct(apiKey: APIKey(""), baseURL: AnthropicConfiguration.defaultBaseURL)
        let outcome = await collect(brain(transport, endpoint: endpoint).answer(visionQuestion, screens: []))
        guard case .notConfigured? = outcome.error else { return XCTFail("\(String(describing: outcome.error))") }
        XCTAssertTrue(transport.requests.isEmpty)
    }

    func testTheEnvironmentPicksDirectOrProxyMode() throws {
        let direct = try AnthropicConfiguration(environment: ["ANTHROPIC_API_KEY": "k-1234", "CLICKY_WORKER_URL": "https://w.example"])
        XCTAssertEqual(direct.endpoint, .direct(apiKey: APIKey("k-1234"), baseURL: AnthropicConfiguration.defaultBaseURL))
        let based = try AnthropicConfiguration(environment: ["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://localhost:9"],
                                               model: AnthropicConfiguration.opus)
        XCTAssertEqual(based.endpoint, .direct(apiKey: APIKey("k"), baseURL: try XCTUnwrap(URL(string: "http://localhost:9"))))
        XCTAssertEqual(based.model, "claude-opus-4-6")
        let proxy = try AnthropicConfiguration(environment: ["ANTHROPIC_API_KEY": "", "CLICKY_WORKER_URL": "https://w.example"])
        XCTAssertEqual(proxy.endpoint, .proxy(workerURL: try XCTUnwrap(URL(string: "https://w.example"))))
        XCTAssertThrowsError(try AnthropicConfiguration(environment: [:]))
        XCTAssertThrowsError(try AnthropicConfiguration(environment: ["CLICKY_WORKER_URL": "not a url"]))
        XCTAssertThrowsError(try AnthropicConfiguration(environment: ["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "ftp://x"]))
    }

    func testTheKeyNeverShowsInADescriptionOrAnError() async throws {
        let configuration = AnthropicConfiguration(endpoint: .direct(apiKey: APIKey(Self.key), baseURL: AnthropicConfiguration.defaultBaseURL))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            XCTAssertFalse(text.contains(Self.key), text)
        }
        // A proxy that echoes the key back in its error body.
        let echo = Array(#"{"type":"error","error":{"type":"authentication_error","message":"bad key \#(Self.key)"}}"#.utf8)
        let outcome = await ask(ScriptedTransport([.status(401, echo)]))
        let error = try XCTUnwrap(outcome.error)
        XCTAssertEqual(error, .authentication("bad key <redacted>"))
        XCTAssertFalse(error.description.contains(Self.key))
    }
}

/// The recorded Anthropic streams and error bodies replayed through `AnthropicBrain`.
final class AnthropicBrainReplayTests: XCTestCase {
    private let sleeps = SleepLog()

    private func ask(_ transport: ScriptedTransport) async -> BrainOutcome {
        let configuration = AnthropicConfiguration(endpoint: .direct(apiKey: APIKey("sk-ant-mock"),
                                                                     baseURL: AnthropicConfiguration.defaultBaseURL))
        let brain = AnthropicBrain(configuration: configuration, transport: transport, retry: sleeps.policy())
        return await collect(brain.answer(BrainQuestion(system: "Be brief.", question: "Hi?"), screens: []))
    }

    private func text(_ name: String) throws -> String { String(decoding: try Fixture.bytes(name), as: UTF8.self) }

    func testTheOKStreamInChunksOfEverySizeGivesTheTextAndARecord() async throws {
        let expected = try text("anthropic-stream-ok.expected.txt")
        for name in ["anthropic-stream-ok.sse", "anthropic-stream-ok-crlf.sse"] {
            let stream = try Fixture.bytes(name)
            for size in 1...stream.count {
                let outcome = await ask(ScriptedTransport([.events(stream, chunkSize: size)]))
                XCTAssertEqual(outcome.text, expected, "\(name) in \(size)-byte chunks")
                XCTAssertNil(outcome.error, "\(name) in \(size)-byte chunks")
                let record = try XCTUnwrap(outcome.record, "\(name) in \(size)-byte chunks")
                XCTAssertEqual(record.stopReason, .complete)
                XCTAssertEqual(record.outputTokens, 23)
                let first = try XCTUnwrap(record.firstTokenSeconds)
                XCTAssertGreaterThanOrEqual(first, 0)
                XCTAssertLessThanOrEqual(first, record.totalSeconds)
            }
        }
    }

    func testStopReasonsAndUnknownEvents() async throws {
        let cases: [(String, StopReason, Int)] = [("anthropic-stream-max-tokens.sse", .maxTokens, 5),
                                                  ("anthropic-stream-stop-sequence.sse", .stopSequence, 4),
                                                  ("anthropic-stream-unknown-events.sse", .complete, 2)]
        for (name, reason, tokens) in cases {
            let outcome = await ask(ScriptedTransport([.events(try Fixture.bytes(name), chunkSize: 7)]))
            XCTAssertEqual(outcome.record?.stopReason, reason, name)
            XCTAssertEqual(outcome.record?.outputTokens, tokens, name)
            XCTAssertNil(outcome.error, name)
        }
    }

    func testAMidStreamErrorFailsAfterThePartialTextAndIsNotRetried() async throws {
        for size in [0, 1, 13] {
            let transport = ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-overloaded.sse"), chunkSize: size)])
            let outcome = await ask(transport)
            XCTAssertEqual(outcome.text, "Partial answer")
            XCTAssertNil(outcome.record)
            XCTAssertEqual(outcome.error, .failedMidAnswer(type: "overloaded_error", message: "Overloaded"))
            XCTAssertEqual(transport.requests.count, 1)
        }
        let first = await ask(ScriptedTransport([.events(try Fixture.bytes("anthropic-stream-error-first.sse"))]))
        XCTAssertEqual(first.text, "")
        XCTAssertEqual(first.error, .failedMidAnswer(type: "api_error", message: "Internal server error"))
    }

    func testEachRecordedHTTPErrorBecomesItsBrainError() async throws {
        let cases: [(Int, String, BrainError, Int)] = [
            (400, "anthropic-error-400.json", .rejected(status: 400, message: "messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: 5805348 bytes > 5242880 bytes"), 1),
            (400, "anthropic-error-400-max-tokens.json", .rejected(status: 400, message: "max_tokens: Field required"), 1),
            (401, "anthropic-error-401.json", .authentication("invalid x-api-key"), 1),
            (403, "anthropic-error-403.json", .permission("Your API key does not have permission to use the specified resource."), 1),
            (404, "anthropic-error-404.json", .rejected(status: 404, message: "model: claude-nonexistent-9"), 1),
            (413, "anthropic-error-413.json", .requestTooLarge("Request exceeds the maximum allowed number of bytes."), 1),
            (429, "anthropic-error-429.json", .rateLimited(try ServerMessage.of("anthropic-error-429.json")), 3),
            (500, "anthropic-error-500.json", .serverFailed(status: 500, message: "Internal server error"), 3),
            (529, "anthropic-error-529.json", .serverFailed(status: 529, message: "Overloaded"), 3),
        ]
        for (status, name, expected, attempts) in cases {
            let body = try Fixture.bytes(name)
            let transport = ScriptedTransport(Array(repeating: .status(status, body), count: attempts))
            let outcome = await ask(transport)
            XCTAssertEqual(outcome.error, expected, name)
            XCTAssertEqual(transport.requests.count, attempts, "\(name): retried only when the SDKs retry")
            XCTAssertEqual(outcome.text, "")
        }
    }

    func testANonJSON413BodyStillMapsToRequestTooLarge() async {
        let html = Array("<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n</html>\r\n".utf8)
        let outcome = await ask(ScriptedTransport([.respond(status: 413, headers: ["content-type": "text/html"],
                                                            chunks: [html], ending: .finish)]))
        XCTAssertEqual(outcome.error, .requestTooLarge("<html> <head><title>413 Request Entity Too Large</title></head> </html>"))
        let empty = await ask(ScriptedTransport([.respond(status: 413, headers: [:], chunks: [], ending: .finish)]))
        XCTAssertEqual(empty.error, .requestTooLarge("HTTP 413"))
    }

    func testRateLimitedWithRetryAfterThenSuccessSleepsTheHeadersWait() async throws {
        let headers = try Fixture.headers("anthropic-error-429.headers")
        XCTAssertEqual(headers["retry-after"], "7")
        let transport = ScriptedTransport([.status(429, try Fixture.bytes("anthropic-error-429.json"), headers: headers),
                                           .events(try Fixture.bytes("anthropic-stream-ok.sse"), chunkSize: 64)])
        let outcome = await ask(transport)
        XCTAssertEqual(outcome.text, try text("anthropic-stream-ok.expected.txt"))
        XCTAssertEqual(transport.requests.count, 2)
        XCTAssertEqual(sleeps.requested, [7])
    }

    func testOverloadedIsRetriedTwiceThenServerFailed() async throws {
        let transport = ScriptedTransport(Array(repeating: .status(529, try Fixture.bytes("anthropic-error-529.json")), count: 3))
        let outcome = await ask(transport)
        XCTAssertEqual(outcome.error, .serverFailed(status: 529, message: "Overloaded"))
        XCTAssertEqual(transport.requests.count, 3)
        XCTAssertEqual(sleeps.requested, [0.5, 1])
    }

    func testARefusedKeyIsNotRetried() async throws {
        let transport = ScriptedTransport([.status(401, try Fixture.bytes("anthropic-error-401.json"))])
        let outcome = await ask(transport)
        XCTAssertEqual(outcome.error, .authentication("invalid x-api-key"))
        XCTAssertEqual(transport.requests.count, 1)
        XCTAssertEqual(sleeps.requested, [])
    }

    func testACutConnectionOrAnEarlyEndIsALostConnectionAfterThePartialText() async throws {
        let stream = try Fixture.bytes("anthropic-stream-ok.sse")
        let half = Array(stream.prefix(stream.count / 2))
        let cut = await ask(ScriptedTransport([.respond(status: 200, headers: [:], chunks: [half],
                                                        ending: .fail(.connectionLost("reset by peer")))]))
        XCTAssertEqual(cut.error, .connectionLost("reset by peer"))
        XCTAssertFalse(cut.text.isEmpty)
        XCTAssertNil(cut.record)
        let ended = await ask(ScriptedTransport([.events(half)]))
        XCTAssertEqual(ended.error, .connectionLost("the answer stream ended before message_stop"))
        let stalled = await ask(ScriptedTransport([.respond(status: 200, headers: [:], chunks: [half], ending: .fail(.timedOut))]))
        XCTAssertEqual(stalled.error?.isNetwork, true)
    }

    func testNoNetworkIsOfflineWithinAThirdOfASecondOfBackoff() async {
        let transport = ScriptedTransport(Array(repeating: .failure(.cannotConnect("Network is unreachable")), count: 3))
        let outcome = await ask(transport)
        XCTAssertEqual(outcome.error, .offline("Network is unreachable"))
        XCTAssertEqual(transport.requests.count, 3)
        XCTAssertLessThanOrEqual(sleeps.requested.reduce(0, +), 0.3 + 1e-9)
    }

    func testAJSONAnswerToAStreamingRequestIsInvalid() async throws {
        let outcome = await ask(ScriptedTransport([.status(200, try Fixture.bytes("anthropic-error-500.json"))]))
        guard case .invalidResponse? = outcome.error else { return XCTFail("\(String(describing: outcome.error))") }
    }

    func testStoppingTheConsumerCancelsTheRequest() async throws {
        let stream = try Fixture.bytes("anthropic-stream-ok.sse")
        let transport = ScriptedTransport([.respond(status: 200, headers: [:], chunks: [Array(stream.prefix(700))], ending: .hang)])
        let configuration = AnthropicConfiguration(endpoint: .direct(apiKey: APIKey("k"), baseURL: AnthropicConfiguration.defaultBaseURL))
        let answer = AnthropicBrain(configuration: configuration, transport: transport).answer(
            BrainQuestion(system: "", question: "Hi?"), screens: [])
        let spoke = expectation(description: "the first words")
        spoke.assertForOverFulfill = false
        let listener = Task {
            for try await event in answer {
                if case .text = event { spoke.fulfill() }
            }
        }
        await fulfillment(of: [spoke], timeout: 10)
        listener.cancel()   // barge-in: the listener walks away after the first words
        _ = await listener.result
        for _ in 0..<200 where transport.cancelledBodies == 0 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(transport.cancelledBodies, 1)
    }
}
