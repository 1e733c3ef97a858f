import BuddyProviders
import Foundation

/// The recorded wire traffic (copies of `shared/fixtures/protocols`).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/protocols")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

/// Feeds `stream` to an SSE decoder in chunks of 1–40 bytes drawn from `seed` (0 = all at once)
/// and each decoded event to `read`, which returns a text piece, an end event, or throws.
/// Returns the text so far, the last end event, and the error that stopped the stream.
func replay<End>(_ stream: [UInt8], seed: UInt64,
                 read: (ServerSentEvent) throws -> (text: String?, end: End?)) -> (text: String, end: End?, error: Error?) {
    var decoder = ServerSentEventDecoder()
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var text = "", end: End? = nil
    var offset = 0
    while offset < stream.count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let size = seed == 0 ? stream.count : Int(state % 40) + 1
        let chunk = stream[offset..<min(stream.count, offset + size)]
        offset += chunk.count
        for event in decoder.feed(chunk) {
            do {
                let result = try read(event)
                if let piece = result.text { text += piece }
                if let finished = result.end { end = finished }
            } catch {
                return (text, end, error)
            }
        }
    }
    return (text, end, nil)
}
