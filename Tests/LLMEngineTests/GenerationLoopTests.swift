import Dispatch
import LLMEngine
import LLMTokenizers
import XCTest

final class GenerationLoopTests: XCTestCase {
    private func run(_ model: CountingModel, prompt: [TokenID], maxTokens: Int = 100,
                     cancelAfter: Int? = nil) throws -> (GenerationRecord, [GenerationEvent]) {
        var events: [GenerationEvent] = []
        let loop = GenerationLoop(model: model, tokenizer: LetterTokenizer())
        let record = try loop.run(promptTokens: prompt,
                                  options: GenerationOptions(sampling: .greedy, maxTokens: maxTokens),
                                  isCancelled: { cancelAfter.map { events.count >= $0 } ?? false },
                                  emit: { events.append($0) })
        return (record, events)
    }

    func testGreedyRunsUntilEndOfGenerationToken() throws {
        let model = CountingModel()
        let (record, events) = try run(model, prompt: [12])
        // 13, 14, 15, then 0 (end of generation).
        XCTAssertEqual(events, [.token(13, text: "n"), .token(14, text: "o"), .token(15, text: "p"), .token(0, text: "")])
        XCTAssertEqual(record.stopReason, .endOfGeneration)
        XCTAssertEqual(record.generatedTokens, 4)
        XCTAssertEqual(record.promptTokens, 1)
    }

    func testStopsAtMaxTokens() throws {
        let model = CountingModel()
        let (record, events) = try run(model, prompt: [1], maxTokens: 3)
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(record.stopReason, .maxTokens)
        // Prefill plus two decode steps: the last token is never fed back.
        XCTAssertEqual(model.forwardCalls, 3)
    }

    func testCancellationStopsWithinOneToken() throws {
        let model = CountingModel(vocabularySize: 1000)
        let (record, events) = try run(model, prompt: [1], maxTokens: 500, cancelAfter: 5)
        XCTAssertEqual(record.stopReason, .cancelled)
        XCTAssertEqual(events.count, 5)
        XCTAssertLessThanOrEqual(model.forwardCalls, 5, "no forward pass may start after cancellation")
    }

    func testCancelledBeforeStartComputesNothing() throws {
        let model = CountingModel()
        let (record, _) = try run(model, prompt: [1, 2, 3], cancelAfter: 0)
        XCTAssertEqual(record.stopReason, .cancelled)
        XCTAssertEqual(model.forwardCalls, 0)
    }

    func testSharedPrefixIsReused() throws {
        let model = CountingModel(vocabularySize: 1000)
        _ = try run(model, prompt: [5, 6, 7, 8], maxTokens: 2)
        let before = model.tokensComputed
        // The first run generated 9 and 10 and fed 9 back, so [5, 6, 7, 8, 9] is cached:
        // the answer of one turn is reused as history by the next.
        let (record, _) = try run(model, prompt: [5, 6, 7, 8, 9, 10], maxTokens: 1)
        XCTAssertEqual(record.reusedPromptTokens, 5)
        XCTAssertEqual(model.tokensComputed - before, 1)
        // A prompt that diverges early rewinds the cache to the shared part.
        let (third, _) = try run(model, prompt: [5, 6, 1, 2], maxTokens: 1)
        XCTAssertEqual(third.reusedPromptTokens, 2)
    }

    func testEmptyPromptIsAnError() {
        XCTAssertThrowsError(try run(CountingModel(), prompt: []))
    }

    /// The stream form: cancelling the consuming task ends generation within a token.
    func testCancellingTheConsumerStopsTheStream() async throws {
        let model = CountingModel(vocabularySize: 100_000)
        let queue = DispatchQueue(label: "test.engine")
        let stream = GenerationStream.start(on: queue, model: model, tokenizer: LetterTokenizer(vocabularySize: 100_000),
                                            options: GenerationOptions(sampling: .greedy, maxTokens: 50_000)) { [1] }
        let consumer = Task { () -> Int in
            var seen = 0
            for try await event in stream {
                if case .token = event { seen += 1 }
                if seen == 10 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return seen
        }
        let seen = try await consumer.value
        XCTAssertGreaterThanOrEqual(seen, 10)
        let calls = queue.sync { model.forwardCalls }
        // The loop may finish the token it was computing when the flag went up, and tokens
        // already queued may be seen, but nowhere near the 50 000 it was asked for.
        XCTAssertLessThan(calls, 1000, "generation kept running after cancellation")
    }
}
