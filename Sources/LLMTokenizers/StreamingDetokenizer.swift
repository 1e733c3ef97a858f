/// Turns generated tokens into text as they arrive without ever emitting half a character.
///
/// Byte-level tokens can end in the middle of a UTF-8 sequence (an emoji is often two or four
/// tokens). Bytes are accumulated and only complete characters are returned; an incomplete
/// sequence at the end is held back until the bytes that finish it arrive. Bytes that can no
/// longer become a valid character become U+FFFD as soon as that is certain; whatever is still
/// incomplete at `finish()` becomes U+FFFD then.
///
/// Control tokens (e.g. `<|im_end|>`) produce their spelling only with `renderSpecialTokens`;
/// user-defined tokens are vocabulary words and always produce their text, as in llama.cpp.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: any Tokenizer
    private let renderSpecialTokens: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: any Tokenizer, renderSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecialTokens = renderSpecialTokens
    }

    /// The text `id` completes; often empty while a character is still incomplete.
    public mutating func append(_ id: TokenID) -> String {
        let kind = tokenizer.tokenKind(id)
        if !renderSpecialTokens, kind == .control || kind == .unknown {
            return ""
        }
        pending.append(contentsOf: tokenizer.tokenBytes(id))
        let complete = UTF8Boundary.completePrefixLength(of: pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// The text still held back (an unfinished sequence, as U+FFFD); the detokenizer is then empty.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }
}

/// Where a byte buffer stops being safe to decode.
enum UTF8Boundary {
    /// The length of the longest prefix that holds no unfinished-but-still-valid sequence at its
    /// end: everything except a trailing sequence that more bytes could complete.
    static func completePrefixLength(of bytes: [UInt8]) -> Int {
        let count = bytes.count
        // A sequence is at most 4 bytes, so only the last 3 can be an unfinished one.
        var start = count - 1
        while start >= 0, start >= count - 3 {
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 {
                // A lead byte (or ASCII): is the sequence it starts unfinished but still valid?
                let expected = sequenceLength(lead: byte)
                let available = count - start
                if expected > available, isValidPrefix(bytes[start...]) { return start }
                return count
            }
            start -= 1
        }
        return count  // only continuation bytes at the end: invalid already, nothing to wait for
    }

    /// The length a lead byte announces; 1 for ASCII and for bytes that cannot lead.
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 1
        }
    }

    /// Whether `prefix` (a lead byte and fewer continuation bytes than it announces) can still
    /// be completed into a well-formed sequence: the second byte's range depends on the lead
    /// (no overlong forms, no surrogates, nothing above U+10FFFF).
    private static func isValidPrefix(_ prefix: ArraySlice<UInt8>) -> Bool {
        guard let lead = prefix.first else { return false }
        let rest = prefix.dropFirst()
        guard rest.allSatisfy({ $0 & 0xC0 == 0x80 }) else { return false }
        guard let second = rest.first else { return true }
        switch lead {
        case 0xE0: return second >= 0xA0
        case 0xED: return second <= 0x9F
        case 0xF0: return second >= 0x90
        case 0xF4: return second <= 0x8F
        default: return true
        }
    }
}
