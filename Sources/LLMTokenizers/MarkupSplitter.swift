/// Splits text on the spellings of markup tokens before BPE, as llama.cpp's
/// `tokenizer_st_partition` does: for each markup token, longest spelling first, every
/// remaining piece of text is cut at each (non-overlapping, left to right) occurrence, and the
/// occurrence becomes that token. Control and unknown tokens take part only when special
/// tokens are parsed; user-defined ones always do.
///
/// (llama.cpp can also strip spaces around a few model-specific markup tokens, phi-3 and some
/// BERT masks; no tokenizer built here has those attributes.)
enum MarkupSplitter {
    enum Fragment: Equatable {
        case token(TokenID)
        case text(Range<Int>)
    }

    static func split(_ text: [UInt8], markup: [(id: TokenID, spelling: [UInt8], kind: TokenKind)],
                      parseSpecialTokens: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<text.count)]
        // Cheap rejection: most markup never occurs in a given text (Gemma has thousands of
        // `<unusedN>` tokens), and a spelling with a byte pair the text lacks cannot occur.
        let pairs = BytePairPresence(text)
        for token in markup where parseSpecialTokens || token.kind == .userDefined {
            guard pairs.mayContain(token.spelling) else { continue }
            var refined: [Fragment] = []
            refined.reserveCapacity(fragments.count + 2)
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    refined.append(fragment)
                    continue
                }
                var start = range.lowerBound
                while let match = firstOccurrence(of: token.spelling, in: text, range: start..<range.upperBound) {
                    if match > start { refined.append(.text(start..<match)) }
                    refined.append(.token(token.id))
                    start = match + token.spelling.count
                }
                if start < range.upperBound { refined.append(.text(start..<range.upperBound)) }
            }
            fragments = refined
        }
        return fragments
    }

    private static func firstOccurrence(of needle: [UInt8], in haystack: [UInt8], range: Range<Int>) -> Int? {
        let length = needle.count
        guard length > 0, range.count >= length else { return nil }
        let first = needle[0]
        var index = range.lowerBound
        let last = range.upperBound - length
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < length, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == length { return index }
            }
            index += 1
        }
        return nil
    }
}

/// Which bytes and adjacent byte pairs occur in a text: a 64 Ki-bit map of pairs and a 256-bit
/// map of bytes, built once per `split`.
private struct BytePairPresence {
    private var pairBits = [UInt64](repeating: 0, count: 1024)
    private var byteBits = [UInt64](repeating: 0, count: 4)

    init(_ text: [UInt8]) {
        var previous: Int?
        for byte in text {
            let value = Int(byte)
            byteBits[value >> 6] |= 1 << UInt64(value & 63)
            if let previous {
                let pair = previous << 8 | value
                pairBits[pair >> 6] |= 1 << UInt64(pair & 63)
            }
            previous = value
        }
    }

    /// False only when `spelling` certainly does not occur in the text.
    func mayContain(_ spelling: [UInt8]) -> Bool {
        guard let first = spelling.first else { return false }
        guard byteBits[Int(first) >> 6] & (1 << UInt64(first & 63)) != 0 else { return false }
        var index = 1
        while index < spelling.count {
            let pair = Int(spelling[index - 1]) << 8 | Int(spelling[index])
            if pairBits[pair >> 6] & (1 << UInt64(pair & 63)) == 0 { return false }
            index += 1
        }
        return true
    }
}

