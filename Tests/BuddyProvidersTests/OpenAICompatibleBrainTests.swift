import BuddyCore
import BuddyProviders
import Foundation
import XCTest

/// The chat-completions request (checked against `openai-request-vision.json`) and the recorded
/// OpenAI, Ollama `/v1`, llama.cpp and vLLM streams and errors through `OpenAICompatibleBrain`.
final class OpenAICompatibleBrainTests: XCTestCase {
    private let sleeps = SleepLog()

    private func brain(_ transport: ScriptedTransport, base: String = "http://localhost:11434",
                       key: String? = nil, model: String = "gpt-4o-mini") -> OpenAICompatibleBrain {
        let url = URL(string: base) ?? URL(fileURLWithPath: "/")
        let configuration = OpenAICompatibleConfiguration(baseURL: url, apiKey: key.map(APIKey.init), model: model)
        return OpenAICompatibleBrain(configuration: configuration, transport: transport, retry: sleeps.policy())
    }

    private func ask(_ transport: ScriptedTransport) async -> BrainOutcome {
        await collect(brain(transport).answer(BrainQuestion(system: "Be brief.", question: "Hi?"), screens: []))
    }

    private func ok() throws -> ScriptedTransport.Reply { .events(try Fixture.bytes("openai-stream-ok.sse")) }

    // MARK: - The request

    func testTheVisionRequestMatchesTheRecordedOneFieldByField() async throws {
        let transport = ScriptedTransport([try ok()])
        let question = BrainQuestion(system: "You are a helpful desktop companion. Answer briefly.",
                                     question: "What is in this screenshot?", maxTokens: 256, temperature: 0.7)
        _ = await collect(brain(transport, base: "https://api.openai.com", key: "sk-mock-key-123")
            .answer(question, screens: [fixtureScreen(label: "screen 1 of 1")]))
        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, "https://api.openai.com/v1/chat/completions")
        XCTAssertEqual(request.headers, ["authorization": "Bearer sk-mock-key-123", "content-type": "application/json",
                                         "accept": "text/event-stream"])
        // The recording, less what the buddy does not send (stop strings, `detail`, whose
        // default is "auto"), plus the screen's label after its image.
        let expected = try XCTUnwrap(jsonDocument(try Fixture.bytes("openai-request-vision.json")).mutableCopy() as? NSMutableDictionary)
        expected.removeObject(forKey: "stop")
        var messages = try XCTUnwrap(expected["messages"] as? [NSDictionary])
        var parts = try XCTUnwrap(messages[1]["content"] as? [NSDictionary])
        let image = try XCTUnwrap((parts[1]["image_url"] as? NSDictionary)?.mutableCopy() as? NSMutableDictionary)
        image.removeObject(forKey: "detail")
        parts[1] = ["type": "image_url", "image_url": image]
        parts.append(["type": "text", "text": "screen 1 of 1"])
        messages[1] = ["role": "user", "content": parts]
        expected["messages"] = messages
        let sent = jsonDocument(request.body)
        for field in ["model", "stream", "stream_options", "max_tokens", "temperature", "messages"] {
            XCTAssertEqual(sent[field] as? NSObject, expected[field] as? NSObject, field)
        }
        XCTAssertEqual(sent, expected)
    }

    func testATextOnlyTurnWithHistorySendsStringsAndNoKeyHeaderWithoutAKey() async throws {
        let transport = ScriptedTransport([try ok()])
        let question = BrainQuestion(system: "Be brief.", history: [Exchange(question: "a", answer: "b", origin: .cloud)],
                                     question: "Hi?")
        _ = await collect(brain(transport, model: "llama3.2").answer(question, screens: []))
        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertNil(request.headers["authorization"])
        XCTAssertEqual(jsonDocument(request.body), [
            "model": "llama3.2", "stream": true, "stream_options": ["include_usage": true], "max_tokens": 1024,
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "a"],
                         ["role": "assistant", "content": "b"], ["role": "user", "content": "Hi?"]],
        ] as NSDictionary)
    }

    func testTheEndpointIsFoundWhetherOrNotTheBaseEndsInV1() async throws {
        let cases = [("http://localhost:11434", "http://localhost:11434/v1/chat/completions"),
                     ("http://localhost:11434/", "http://localhost:11434/v1/chat/completions"),
                     ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions"),
                     ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
                     ("https://proxy.example/openai", "https://proxy.example/openai/v1/chat/completions")]
        for (base, expected) in cases {
            let transport = ScriptedTransport([try ok()])
            _ = await collect(brain(transport, base: base).answer(BrainQuestion(system: "", question: "Hi?"), screens: []))
            XCTAssertEqual(transport.requests.first?.url.absoluteString, expected, base)
        }
    }

    func testTheEnvironmentNamesTheServerAndTheKey() throws {
        let local = try OpenAICompatibleConfiguration(environment: ["OPENAI_BASE_URL": "http://localhost:11434"], model: "llama3.2")
        XCTAssertEqual(local.baseURL.absoluteString, "http://localhost:11434")
        XCTAssertNil(local.apiKey)
        let openAI = try OpenAICompatibleConfiguration(environment: ["OPENAI_API_KEY": "sk-1"], model: "gpt-4o-mini")
        XCTAssertEqual(openAI.url.absoluteString, "https://api.openai.com/v1/chat/completions")
        XCTAssertEqual(openAI.apiKey, APIKey("sk-1"))
        XCTAssertThrowsError(try OpenAICompatibleConfiguration(environment: ["OPENAI_API_KEY": ""], model: "m"))
        XCTAssertThrowsError(try OpenAICompatibleConfiguration(environment: ["OPENAI_BASE_URL": "localhost:11434"], model: "m"))
    }

    func testNoModelNameIsNotConfigured() async {
        let transport = ScriptedTransport([])
        let outcome = await collect(brain(transport, model: "").answer(BrainQuestion(system: "", question: "Hi?"), screens: []))
        guard case .notConfigured? = outcome.error else { return XCTFail("\(String(describing: outcome.error))") }
        XCTAssertTrue(transport.requests.isEmpty)
    }

    // MARK: - Streams

    func testEveryServerShapeInChunksOfEverySizeGivesTheTextAndUsage() async throws {
        let expected = String(decoding: try Fixture.bytes("openai-stream-ok.expected.txt"), as: UTF8.self)
        for name in ["openai-stream-ok.sse", "openai-stream-ollama.sse", "openai-stream-llamacpp.sse"] {
            let stream = try Fixture.bytes(name)
            for size in 1...stream.count {
                let outcome = await ask(ScriptedTransport([.events(stream, chunkSize: size)]))
                XCTAssertEqual(outcome.text, expected, "\(name) in \(size)-byte chunks")
                XCTAssertEqual(outcome.record?.stopReason, .complete, "\(name) in \(size)-byte chunks")
                XCTAssertEqual(outcome.record?.outputTokens, 7, name)
                XCTAssertNotNil(outcome.record?.firstTokenSeconds)
                XCTAssertNil(outcome.error)
            }
        }
    }

    func testAMidStreamErrorObjectFailsAfterThePartialText() async throws {
        let transport = ScriptedTransport([.events(try Fixture.bytes("openai-stream-error-midstream.sse"), chunkSize: 5)])
        let outcome = await ask(transport)
        XCTAssertEqual(outcome.text, "Partial")
        XCTAssertEqual(outcome.error, .failedMidAnswer(type: "server_error", message: "the model crashed while generating"))
        XCTAssertEqual(transport.requests.count, 1)
    }

    func testAStreamEndingWithoutDoneIsALostConnection() async throws {
        let stream = String(decoding: try Fixture.bytes("openai-stream-ok.sse"), as: UTF8.self)
        let withoutDone = Array(stream.replacingOccurrences(of: "data: [DONE]", with: "").utf8)
        let outcome = await ask(ScriptedTransport([.events(withoutDone)]))
        XCTAssertEqual(outcome.error, .connectionLost("the answer stream ended before [DONE]"))
        XCTAssertNil(outcome.record)
        let cut = await ask(ScriptedTransport([.respond(status: 200, headers: [:], chunks: [Array(withoutDone.prefix(600))],
                                                        ending: .fail(.connectionLost("reset")))]))
        XCTAssertEqual(cut.error, .connectionLost("reset"))
    }

    func testADoneWithoutItsBlankLineStillFinishes() async throws {
        var stream = try Fixture.bytes("openai-stream-ollama.sse")
        while stream.last == UInt8(ascii: "\n") { stream.removeLast() }
        let outcome = await ask(ScriptedTransport([.events(stream)]))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.record?.stopReason, .complete)
    }

    // MARK: - Errors

    func testEachServersErrorShapeBecomesItsBrainError() async throws {
        let cases: [(Int, String, BrainError, Int)] = [
            (401, "openai-error-401.json", .authentication(try ServerMessage.of("openai-error-401.json")), 1),
            (429, "openai-error-429.json", .rateLimited(try ServerMessage.of("openai-error-429.json")), 3),
            (400, "openai-error-400-context.json", .rejected(status: 400, message: try ServerMessage.of("openai-error-400-context.json")), 1),
            (400, "ollama-v1-error-400.json", .rejected(status: 400, message: "invalid image input"), 1),
            (404, "ollama-v1-error-404.json", .rejected(status: 404, message: #"model "llama3.2" not found, try pulling it first"#), 1),
            (400, "llamacpp-error-400.json", .rejected(status: 400, message: "the request exceeds the available context size, try increasing it"), 1),
            (503, "llamacpp-error-503-loading.json", .serverFailed(status: 503, message: "Loading model"), 3),
            (400, "vllm-error-400.json", .rejected(status: 400, message: "max_tokens must be at least 1, got 0."), 1),
            (404, "vllm-error-404.json", .rejected(status: 404, message: "The model `foo` does not exist."), 1),
        ]
        for (status, name, expected, attempts) in cases {
            let transport = ScriptedTransport(Array(repeating: .status(status, try Fixture.bytes(name)), count: attempts))
            let outcome = await ask(transport)
            XCTAssertEqual(outcome.error, expected, name)
            XCTAssertEqual(transport.requests.count, attempts, name)
        }
        let native = await ask(ScriptedTransport([.status(404, Array(#"{"error":"model \"x\" not found"}"#.utf8))]))
        XCTAssertEqual(native.error, .rejected(status: 404, message: #"model "x" not found"#))
    }

    func testAModelStillLoadingIsWaitedForThenAnswers() async throws {
        let transport = ScriptedTransport([.status(503, try Fixture.bytes("llamacpp-error-503-loading.json")),
                                           .events(try Fixture.bytes("openai-stream-llamacpp.sse"))])
        let outcome = await ask(transport)
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.record?.outputTokens, 7)
        XCTAssertEqual(sleeps.requested, [0.5])
    }

    func testAServerThatIsNotRunningIsOfflineQuickly() async {
        let transport = ScriptedTransport(Array(repeating: .failure(.cannotConnect("Connection refused")), count: 3))
        let outcome = await ask(transport)
        XCTAssertEqual(outcome.error, .offline("Connection refused"))
        XCTAssertLessThanOrEqual(sleeps.requested.reduce(0, +), 0.3 + 1e-9)
    }

    func testTheKeyNeverShowsInAnErrorOrADescription() async throws {
        let key = "sk-mock-SECRET-987654321"
        let echo = Array(#"{"error":{"message":"Incorrect API key provided: \#(key)","type":"invalid_request_error"}}"#.utf8)
        let outcome = await collect(brain(ScriptedTransport([.status(401, echo)]), key: key)
            .answer(BrainQuestion(system: "", question: "Hi?"), screens: []))
        XCTAssertEqual(outcome.error, .authentication("Incorrect API key provided: <redacted>"))
        let configuration = brain(ScriptedTransport([]), key: key).configuration
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            XCTAssertFalse(text.contains(key), text)
        }
    }
}
