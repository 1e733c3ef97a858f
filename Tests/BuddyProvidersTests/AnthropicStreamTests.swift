import BuddyProviders
import Foundation
import XCTest

/// The recorded Anthropic streams (`shared/fixtures/protocols`, copied to Tests/Fixtures) through
/// the SSE decoder and the stream reader, whole and cut into random 1–40-byte chunks (which
/// split UTF-8 characters), with LF and CRLF line ends, unknown events, and mid-stream errors.
final class AnthropicStreamTests: XCTestCase {
    private func bytes(_ name: String) throws -> [UInt8] { try Fixture.bytes(name) }

    private func replay(_ stream: [UInt8], seed: UInt64) -> (text: String, end: AnthropicStreamEvent?, error: AnthropicStreamError?) {
        var reader = AnthropicStreamReader()
        let result = BuddyProvidersTests.replay(stream, seed: seed) { event -> (text: String?, end: AnthropicStreamEvent?) in
            switch try reader.read(event) {
            case .text(let piece)?: return (piece, nil)
            case let finished?: return (nil, finished)
            case nil: return (nil, nil)
            }
        }
        return (result.text, result.end, result.error as? AnthropicStreamError)
    }

    func testTheOKStreamGivesTheExpectedTextUnderAnyChunking() throws {
        let expected = String(decoding: try bytes("anthropic-stream-ok.expected.txt"), as: UTF8.self)
        for name in ["anthropic-stream-ok.sse", "anthropic-stream-ok-crlf.sse"] {
            let stream = try bytes(name)
            for seed in UInt64(0)...20 {
                let result = replay(stream, seed: seed)
                XCTAssertEqual(result.text, expected, "\(name) seed \(seed)")
                XCTAssertEqual(result.end, .finished(stopReason: "end_turn", outputTokens: 23), "\(name) seed \(seed)")
                XCTAssertNil(result.error)
            }
        }
    }

    func testStopReasonsAreReported() throws {
        XCTAssertEqual(replay(try bytes("anthropic-stream-max-tokens.sse"), seed: 3).end,
                       .finished(stopReason: "max_tokens", outputTokens: 5))
        XCTAssertEqual(replay(try bytes("anthropic-stream-stop-sequence.sse"), seed: 4).end,
                       .finished(stopReason: "stop_sequence", outputTokens: 4))
    }

    func testUnknownEventsCommentsAndPingsAreIgnored() throws {
        for seed in UInt64(0)...10 {
            let result = replay(try bytes("anthropic-stream-unknown-events.sse"), seed: seed)
            XCTAssertEqual(result.text, "ok")
            XCTAssertEqual(result.end, .finished(stopReason: "end_turn", outputTokens: 2))
        }
    }

    func testMidStreamErrorsEndTheAnswerWithTheirTypeAndMessage() throws {
        let first = replay(try bytes("anthropic-stream-error-first.sse"), seed: 0)
        XCTAssertEqual(first.error, AnthropicStreamError(type: "api_error", message: "Internal server error"))
        XCTAssertEqual(first.text, "")
        for seed in UInt64(0)...10 {
            let overloaded = replay(try bytes("anthropic-stream-overloaded.sse"), seed: seed)
            XCTAssertEqual(overloaded.error, AnthropicStreamError(type: "overloaded_error", message: "Overloaded"))
            XCTAssertNil(overloaded.end, "no message_stop after an error")
            XCTAssertTrue(overloaded.text.hasSuffix("Partial answer"), overloaded.text)
        }
    }
}
