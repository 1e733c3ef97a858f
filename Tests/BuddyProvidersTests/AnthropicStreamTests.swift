import BuddyProviders
import Foundation
import XCTest

/// The recorded Anthropic streams (`shared/fixtures/protocols`, copied to Tests/Fixtures) through
/// the SSE decoder and the stream reader, whole and cut into random 1–40-byte chunks (which
/// split UTF-8 characters), with LF and CRLF line ends, unknown events, and mid-stream errors.
final class AnthropicStreamTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/protocols")

    private func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    /// Feeds `stream` in chunks drawn by `seed` (0 = all at once); returns text, end and error.
    private func replay(_ stream: [UInt8], seed: UInt64) -> (text: String, end: AnthropicStreamEvent?, error: AnthropicStreamError?) {
        var decoder = ServerSentEventDecoder()
        var reader = AnthropicStreamReader()
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var text = "", end: AnthropicStreamEvent? = nil
        var offset = 0
        while offset < stream.count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let size = seed == 0 ? stream.count : Int(state % 40) + 1
            let chunk = stream[offset..<min(stream.count, offset + size)]
            offset += chunk.count
            for event in decoder.feed(chunk) {
                do {
                    switch try reader.read(event) {
                    case .text(let piece)?: text += piece
                    case let finished?: end = finished
                    case nil: break
                    }
                } catch {
                    return (text, end, error)
                }
            }
        }
        return (text, end, nil)
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
