import BuddyProviders
import Foundation
import XCTest

/// The recorded OpenAI, Ollama `/v1` and llama.cpp-server streams through the SSE decoder and
/// the chat-completions reader, under random chunking; usage from whichever chunk carries it;
/// a mid-stream error object.
final class OpenAIStreamTests: XCTestCase {
    private func bytes(_ name: String) throws -> [UInt8] { try Fixture.bytes(name) }

    private func replay(_ stream: [UInt8], seed: UInt64) -> (text: String, end: OpenAIStreamEvent?, error: OpenAIStreamError?) {
        var reader = OpenAIStreamReader()
        let result = BuddyProvidersTests.replay(stream, seed: seed) { event -> (text: String?, end: OpenAIStreamEvent?) in
            switch try reader.read(event) {
            case .text(let piece)?: return (piece, nil)
            case let finished?: return (nil, finished)
            case nil: return (nil, nil)
            }
        }
        return (result.text, result.end, result.error as? OpenAIStreamError)
    }

    func testEveryServerShapeGivesTheSameTextAndItsUsage() throws {
        let expected = String(decoding: try bytes("openai-stream-ok.expected.txt"), as: UTF8.self)
        let cases: [(String, Int)] = [("openai-stream-ok.sse", 7), ("openai-stream-ollama.sse", 7), ("openai-stream-llamacpp.sse", 7)]
        for (name, tokens) in cases {
            for seed in UInt64(0)...15 {
                let result = replay(try bytes(name), seed: seed)
                XCTAssertEqual(result.text, expected, "\(name) seed \(seed)")
                XCTAssertEqual(result.end, .finished(finishReason: "stop", completionTokens: tokens), "\(name) seed \(seed)")
                XCTAssertNil(result.error)
            }
        }
    }

    func testAMidStreamErrorObjectEndsTheAnswer() throws {
        for seed in UInt64(0)...10 {
            let result = replay(try bytes("openai-stream-error-midstream.sse"), seed: seed)
            XCTAssertEqual(result.text, "Partial")
            XCTAssertNil(result.end)
            XCTAssertEqual(result.error, OpenAIStreamError(type: "server_error", message: "the model crashed while generating"))
        }
    }

    func testAStringErrorAndNonJSONData() throws {
        var reader = OpenAIStreamReader()
        XCTAssertNil(try reader.read(ServerSentEvent(name: nil, data: "not json")))
        XCTAssertThrowsError(try reader.read(ServerSentEvent(name: nil, data: #"{"error":"model not found"}"#)))
        XCTAssertNil(try reader.read(ServerSentEvent(name: nil, data: #"{"error":null,"choices":[]}"#)))
    }
}
