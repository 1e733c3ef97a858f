import BuddyCore
import BuddyProviders
import Foundation
import LLMEngine
import XCTest

/// The privacy contract end to end (issue 5, "Done when" 2): a Local Mode turn with the real
/// engine, inside a network namespace with no network, answers — and the capture adapter is
/// never called and no request reaches any transport, although every cloud brain and analytics
/// (with the content opt-in!) are wired to the real `URLSessionTransport`.
///
/// The test re-runs itself inside `unshare -n` (the child is told by an environment variable);
/// the parent only checks that the child passed.
final class LocalModeIsolationTests: XCTestCase {
    private static let childFlag = "CLICKY_ISOLATED_CHILD"
    private static let question = "where is the save button on my screen?"

    func testALocalTurnWithoutNetworkAnswersWithoutCaptureOrAnyRequest() async throws {
        if ProcessInfo.processInfo.environment[Self.childFlag] == "1" {
            try await runIsolatedTurn()
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-n", CommandLine.arguments[0],
                             "BuddyProvidersTests.LocalModeIsolationTests/testALocalTurnWithoutNetworkAnswersWithoutCaptureOrAnyRequest"]
        process.environment = ProcessInfo.processInfo.environment.merging([Self.childFlag: "1"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("Executed 1 test, with 0 failures"), log)
        XCTAssertFalse(log.contains("skipped"), "the isolated turn must really run: \(log)")
    }

    private func runIsolatedTurn() async throws {
        let network = RouteTableNetworkStatus()
        XCTAssertFalse(network.hasDefaultRoute(), "the child must run without a network")
        let modelPath = Self.modelsDirectory + "/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: modelPath) else { throw XCTSkip("run scripts/setup.sh") }
        let local = EngineBrain(modelPath: modelPath, sampling: SamplingParameters(temperature: 0))
        XCTAssertEqual(local.load(options: EngineOptions(threads: 1)), .ready)

        let transport = CountingTransport(URLSessionTransport())
        let capturer = CountingCapturer()
        let key = APIKey("sk-ant-test-not-a-real-key")
        let sonnet = AnthropicBrain(configuration: AnthropicConfiguration(
            endpoint: .direct(apiKey: key, baseURL: AnthropicConfiguration.defaultBaseURL)), transport: transport)
        let openAI = OpenAICompatibleBrain(configuration: OpenAICompatibleConfiguration(
            baseURL: try XCTUnwrap(URL(string: "https://api.openai.com/v1")), model: "gpt-4o-mini"), transport: transport)
        let analytics = PostHogClient.sink(PostHogConfiguration(apiKey: "phc_test", distinctID: "test", appVersion: "0",
                                                                flushTimeout: 0.5),
                                           transport: transport)
        let buddy = Buddy(brains: .init(local: local, remote: [.sonnet: sonnet, .opus: sonnet, .openai: openAI]),
                          mode: .local, capturer: capturer, network: network, analytics: analytics,
                          policy: AnalyticsPolicy(enabled: true, includeConversationContent: true),
                          history: ConversationHistory(shareLocalHistoryWithCloud: true), maxTokens: 24)
        var outcome: TurnOutcome?
        for try await event in buddy.ask(Self.question, wantsScreens: true) {
            if case .finished(let finished) = event { outcome = finished }
        }
        await analytics.flush()
        let answer = try XCTUnwrap(outcome)
        XCTAssertFalse(answer.spokenText.isEmpty, "the local brain answered")
        XCTAssertEqual(answer.origin, .local)
        XCTAssertEqual(capturer.calls, 0, "the capture adapter was never called")
        // Content-free analytics may try to leave (and cannot, here); nothing else may.
        let requests = transport.requests
        XCTAssertTrue(requests.allSatisfy { $0.url.path.hasSuffix("/batch/") || $0.url.path.hasSuffix("/batch") },
                      "only analytics may even try: \(requests.map(\.url))")
        for request in requests {
            let body = String(decoding: request.body, as: UTF8.self)
            XCTAssertFalse(body.contains("save button"), "no words of the question in analytics")
            XCTAssertFalse(body.contains(answer.spokenText), "no words of the answer in analytics")
        }
    }

    static var modelsDirectory: String {
        let dataHome = ProcessInfo.processInfo.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return dataHome + "/clicky/models"
    }
}

/// Records every request before handing it on.
private final class CountingTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [HTTPRequest] = []
    private let inner: any HTTPTransport

    init(_ inner: any HTTPTransport) { self.inner = inner }

    var requests: [HTTPRequest] { lock.withLock { sent } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { sent.append(request) }
        return try await inner.send(request)
    }
}

private final class CountingCapturer: ScreenCapturer, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var calls: Int { lock.withLock { count } }

    func captureScreens() async throws -> [ScreenImage] {
        lock.withLock { count += 1 }
        return []
    }
}
