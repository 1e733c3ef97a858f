import Foundation
import XCTest

/// Cloud turns through the real binary against a loopback server replaying the recorded
/// streams: the wiring from environment and config.toml to the request, the streamed answer,
/// the badge, and each failure's line and exit code.
final class CloudTurnTests: XCTestCase {
    private var configHome: URL!

    override func setUpWithError() throws {
        configHome = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: configHome.appendingPathComponent("clicky"), withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: configHome)
    }

    private func ask(_ arguments: [String], environment: [String: String]) throws -> CLIRunner.Result {
        var env = ["XDG_CONFIG_HOME": configHome.path, "ANTHROPIC_API_KEY": "", "CLICKY_WORKER_URL": "",
                   "OPENAI_BASE_URL": "", "OPENAI_API_KEY": "", "POSTHOG_API_KEY": "", "DISPLAY": "", "CLICKY_BRAIN": ""]
        env.merge(environment) { $1 }
        return try CLIRunner.run(["ask"] + arguments, environment: env)
    }

    private func expected(_ name: String) throws -> String {
        try String(contentsOf: ReplayServer.fixtures.appendingPathComponent(name), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testSonnetStreamsTheAnswerWithTheKeyAndTheCloudPrompt() throws {
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-stream-ok.sse")])
        let result = try ask(["--brain", "sonnet", "what", "is", "this?"],
                             environment: ["ANTHROPIC_API_KEY": "sk-ant-test-key-123", "ANTHROPIC_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), try expected("anthropic-stream-ok.expected.txt"))
        XCTAssertNotNil(result.stderr.range(of: #"(?m)^cloud · \d+\.\ds$"#, options: .regularExpression), result.stderr)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.path, "/v1/messages")
        XCTAssertEqual(request.headers["x-api-key"], "sk-ant-test-key-123")
        XCTAssertEqual(request.headers["anthropic-version"], "2023-06-01")
        let body = try XCTUnwrap(request.json)
        XCTAssertEqual(body["model"] as? String, "claude-sonnet-4-6")
        XCTAssertEqual(body["stream"] as? Bool, true)
        XCTAssertTrue((body["system"] as? String ?? "").contains("[POINT:"), "the cloud prompt teaches pointing")
        XCTAssertFalse((request.body ?? "").contains("\"image\""), "a terminal turn sends no screenshot without --screen")
    }

    func testOpusAndTheModelNamesFromConfigToml() throws {
        try "[anthropic]\nopus_model = \"claude-opus-4-7\"\n".write(
            to: configHome.appendingPathComponent("clicky/config.toml"), atomically: true, encoding: .utf8)
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-stream-ok.sse")])
        let result = try ask(["--brain", "opus", "--json", "hi"],
                             environment: ["ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(server.requests.first?.json?["model"] as? String, "claude-opus-4-7")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["brain"] as? String, "cloud")
        XCTAssertEqual((object["record"] as? [String: Any])?["generated_tokens"] as? Int, 23)
        XCTAssertEqual((object["record"] as? [String: Any])?["stop_reason"] as? String, "complete")
    }

    func testTheWorkerProxyGetsTheChatRouteAndNoKey() throws {
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-stream-ok.sse")])
        let result = try ask(["--brain", "sonnet", "hi"], environment: ["CLICKY_WORKER_URL": server.baseURL])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(server.requests.first?.path, "/chat")
        XCTAssertNil(server.requests.first?.headers["x-api-key"])
    }

    func testAnOpenAICompatibleServerOnThisMachine() throws {
        try "[openai]\nmodel = \"llama3.2\"\n".write(
            to: configHome.appendingPathComponent("clicky/config.toml"), atomically: true, encoding: .utf8)
        let server = try ReplayServer.start([ReplayServer.fixture("openai-stream-ollama.sse")])
        let result = try ask(["--brain", "openai", "hi"], environment: ["OPENAI_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), try expected("openai-stream-ok.expected.txt"))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.path, "/v1/chat/completions")
        XCTAssertNil(request.headers["authorization"], "no key, no Authorization header")
        XCTAssertEqual(request.json?["model"] as? String, "llama3.2")
    }

    func testARefusedKeyIsOneLineWithoutTheKeyAndExitCode1() throws {
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-error-401.json", status: 401)])
        let result = try ask(["--brain", "sonnet", "hi"],
                             environment: ["ANTHROPIC_API_KEY": "sk-ant-secret-987", "ANTHROPIC_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("401"), result.stderr)
        XCTAssertFalse(result.stderr.contains("sk-ant-secret-987"))
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertEqual(server.requests.count, 1, "401 is not retried")
    }

    func testRateLimitedThenAnsweredAfterRetryAfter() throws {
        let limited = ReplayServer.Reply(status: 429, headers: ["Content-Type": "application/json", "retry-after": "0.2"],
                                         bodyFile: ReplayServer.fixtures.appendingPathComponent("anthropic-error-429.json").path)
        let server = try ReplayServer.start([limited, ReplayServer.fixture("anthropic-stream-ok.sse")])
        let result = try ask(["--brain", "sonnet", "hi"],
                             environment: ["ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(server.requests.count, 2)
    }

    func testAMidStreamErrorKeepsThePartialAnswerAndFails() throws {
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-stream-overloaded.sse")])
        let result = try ask(["--brain", "sonnet", "hi"],
                             environment: ["ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("overloaded_error"), result.stderr)
    }

    func testAServerThatIsGoneIsANetworkFailure() throws {
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-stream-ok.sse")])
        let address = server.baseURL
        server.stop()
        let start = Date()
        let result = try ask(["--brain", "sonnet", "hi"], environment: ["ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": address])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testScreenWithoutADisplaySaysOnceThatItGoesTextOnly() throws {
        let server = try ReplayServer.start([ReplayServer.fixture("anthropic-stream-ok.sse")])
        let result = try ask(["--brain", "sonnet", "--screen", "what is this?"],
                             environment: ["ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": server.baseURL])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "no display").count - 1, 1, result.stderr)
    }

    func testACloudBrainWithoutAccessNamesWhatIsMissing() throws {
        let result = try ask(["--brain", "sonnet", "hi"], environment: [:])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("ANTHROPIC_API_KEY"), result.stderr)
    }
}
