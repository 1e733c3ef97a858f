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
        for token in markup where parseSpecialTokens || token.kind == .userDefined {
            // Cheap rejection: most markup never occurs in a given text.
            guard let first = token.spelling.first, text.contains(first) else { continue }
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
