import BuddyProviders
import XCTest

/// The SSE framing rules on their own.
final class ServerSentEventTests: XCTestCase {
    private func decode(_ text: String, finish: Bool = false) -> [ServerSentEvent] {
        var decoder = ServerSentEventDecoder()
        var events = decoder.feed(Array(text.utf8))
        if finish { events += decoder.finish() }
        return events
    }

    func testFieldsCommentsAndSeparators() {
        XCTAssertEqual(decode("event: a\ndata: 1\n\n: comment\n\ndata:2\ndata: 3\nid: 7\nretry: 10\n\n"),
                       [ServerSentEvent(name: "a", data: "1"), ServerSentEvent(name: nil, data: "2\n3")])
        XCTAssertEqual(decode("data: x\r\n\r\ndata: y\r\rdata: z\n\n").map(\.data), ["x", "y", "z"])
        XCTAssertEqual(decode("event: only-a-name\n\n"), [], "no data, no event")
        XCTAssertEqual(decode("data:  two spaces\n\n").map(\.data), [" two spaces"], "only one space is dropped")
    }

    func testAnUnterminatedLastEventNeedsFinish() {
        XCTAssertEqual(decode("data: tail"), [])
        XCTAssertEqual(decode("data: tail", finish: true).map(\.data), ["tail"])
    }

    func testACarriageReturnAtAChunkEndWaitsForWhatFollows() {
        var decoder = ServerSentEventDecoder()
        XCTAssertEqual(decoder.feed(Array("data: a\r\n".utf8)), [])
        XCTAssertEqual(decoder.feed(Array("\r".utf8)), [])
        XCTAssertEqual(decoder.feed(Array("\ndata: b\r\n\r\n".utf8)).map(\.data), ["a", "b"])
    }

    func testMultibyteCharactersSplitAcrossChunks() {
        let bytes = Array("data: é🚀\n\n".utf8)
        var decoder = ServerSentEventDecoder()
        var events: [ServerSentEvent] = []
        for byte in bytes { events += decoder.feed([byte]) }
        XCTAssertEqual(events.map(\.data), ["é🚀"])
    }
}
