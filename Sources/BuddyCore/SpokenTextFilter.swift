/// Streams an answer's text for speaking while keeping a trailing `[POINT:…]` tag out of it.
///
/// The tag may only end the answer (`PointedAnswer`), so the filter passes text through at once
/// and holds back just the tail that could still become that tag: a `[` followed by a prefix of
/// `POINT:`, or a whole `[POINT:…]` with nothing but whitespace after it. When more text
/// arrives the hold is re-judged; at the end a valid tag is dropped and anything else released,
/// so the pieces spoken always add up to `PointedAnswer(parsing:).spokenText` (modulo the
/// surrounding whitespace that parse trims).
public struct SpokenTextFilter: Sendable {
    private static let opener = Array("[POINT:".utf8)
    /// Everything received, for the final parse.
    public private(set) var fullText = ""
    /// The held-back tail (starts at a `[`), not yet spoken.
    private var held = ""

    public init() {}

    /// Adds a piece of the answer; returns what may be spoken now (possibly empty).
    public mutating func feed(_ piece: String) -> String {
        fullText += piece
        let pending = held + piece
        guard let bracket = pending.lastIndex(of: "["), Self.couldEndInTag(pending[bracket...]) else {
            held = ""
            return pending
        }
        held = String(pending[bracket...])
        return String(pending[..<bracket])
    }

    /// The answer is complete: the parsed answer and the held text that turned out to be speech.
    public mutating func finish() -> (answer: PointedAnswer, remainder: String) {
        let answer = PointedAnswer(parsing: fullText)
        let isTag = answer.target != nil || answer.declined
        defer { held = "" }
        return (answer, isTag ? "" : held)
    }

    /// True when `tail` (starting at `[`) may still grow into, or already is, a trailing tag.
    static func couldEndInTag(_ tail: Substring) -> Bool {
        let bytes = Array(tail.utf8)
        if bytes.count <= opener.count { return bytes == Array(opener.prefix(bytes.count)) }
        guard bytes.starts(with: opener) else { return false }
        guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return true }
        return bytes[(close + 1)...].allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }
}
