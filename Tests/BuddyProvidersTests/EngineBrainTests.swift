@testable import BuddyProviders
import BuddyCore
import Foundation
import LLMEngine
import XCTest

/// The local brain's readiness states and its answers with the real default model.
final class EngineBrainTests: XCTestCase {
    private func defaultModel() throws -> String {
        let path = LocalModeIsolationTests.modelsDirectory + "/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("run scripts/setup.sh") }
        return path
    }

    func testAMissingModelIsNotDownloadedAndCannotAnswer() async {
        let brain = EngineBrain(modelPath: "/nonexistent/model.gguf")
        var state = await brain.readiness()
        XCTAssertEqual(state, .notDownloaded)
        brain.setDownloading(fraction: 0.42)
        state = await brain.readiness()
        XCTAssertEqual(state, .downloading(fraction: 0.42))
        var failure: Error?
        do { for try await _ in brain.answer(BrainQuestion(system: "s", question: "q")) {} } catch { failure = error }
        XCTAssertEqual(failure as? BrainError, .local("the local model is not loaded"))
    }

    func testACorruptModelFailsWithTheEnginesReason() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString).gguf").path
        try Data("GGUF this is not a model".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let brain = EngineBrain(modelPath: path)
        guard case .failed(let reason) = brain.load() else { return XCTFail("a corrupt file must fail") }
        XCTAssertFalse(reason.isEmpty)
        let state = await brain.readiness()
        XCTAssertEqual(state, .failed(reason))
    }

    func testWhileLoadingTheBuddySaysItIsWarmingUp() async throws {
        let brain = EngineBrain(modelPath: try defaultModel())
        let buddy = Buddy(brains: .init(local: brain), mode: .local, capturer: nil,
                          network: RouteTableNetworkStatus(procNetDirectory: "/nonexistent"))
        var events: [TurnEvent] = []
        for try await event in buddy.ask("hello", wantsScreens: false) { events.append(event) }
        XCTAssertEqual(events, [.refused(.localNotReady, line: SpokenLines.warmingUp)])
    }

    func testALoadedModelStreamsAnAnswerAndItsRecord() async throws {
        let brain = EngineBrain(modelPath: try defaultModel(), sampling: SamplingParameters(temperature: 0))
        XCTAssertEqual(brain.load(options: EngineOptions(threads: 1)), .ready)
        let question = BrainQuestion(system: BuddyPrompts.local,
                                     history: [Exchange(question: "my name is ada", answer: "hi ada", origin: .local)],
                                     question: "what is my name?", maxTokens: 6)
        var text = "", record: BrainRecord?
        for try await event in brain.answer(question) {
            switch event {
            case .text(let piece): text += piece
            case .finished(let finished): record = finished
            }
        }
        XCTAssertTrue(text.lowercased().contains("ada"), "the history reached the model: \(text)")
        let tokens = try XCTUnwrap(record?.outputTokens)
        XCTAssertTrue(record?.stopReason == .maxTokens ? tokens == 6 : (1..<6).contains(tokens), "\(tokens) \(String(describing: record))")
        XCTAssertGreaterThan(record?.tokensPerSecond ?? 0, 0)
        XCTAssertNotNil(record?.firstTokenSeconds)
    }

    func testTheConversationBecomesChatMessagesInOrder() {
        let question = BrainQuestion(system: "sys", history: [Exchange(question: "q1", answer: "a1", origin: .cloud)],
                                     question: "q2")
        XCTAssertEqual(EngineBrain.messages(for: question).map(\.content), ["sys", "q1", "a1", "q2"])
        XCTAssertEqual(EngineBrain.messages(for: question).map(\.role), [.system, .user, .assistant, .user])
    }

    func testPrewarmingCachesTheSystemPromptSoTheFirstQuestionReusesIt() async throws {
        let engine = try LocalEngine(path: try defaultModel())
        let brain = EngineBrain(engine: engine, sampling: SamplingParameters(temperature: 0))
        let cached = await brain.prewarm(system: BuddyPrompts.local)
        let systemTokens = try engine.tokenize(.raw(BuddyPrompts.local)).count
        XCTAssertGreaterThanOrEqual(cached, systemTokens)
        let question = BrainQuestion(system: BuddyPrompts.local, question: "what is the capital of france", maxTokens: 4)
        var reused = 0
        for try await event in engine.generate(.chat(EngineBrain.messages(for: question)),
                                               options: GenerationOptions(sampling: SamplingParameters(temperature: 0), maxTokens: 4)) {
            if case .finished(let record) = event { reused = record.reusedPromptTokens }
        }
        // Everything up to the question's own text came from the cache.
        XCTAssertGreaterThan(reused, systemTokens)
        let unwarmed = await EngineBrain(modelPath: "/nonexistent.gguf").prewarm(system: BuddyPrompts.local)
        XCTAssertEqual(unwarmed, 0)
    }
}
