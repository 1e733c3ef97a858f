/// Cuts a streamed answer into sentences as they complete, so the voice can start speaking the
/// first one while the brain is still writing the rest (the original waited for the whole reply).
///
/// A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets) followed by
/// whitespace, or at a line break; not after a short abbreviation ("e.g.", "dr.", "vs.") and not
/// inside a number ("3.5" has no space after its point). What is left when the answer ends is
/// the last sentence.
public struct SentenceStream: Sendable {
    private static let abbreviations: Set<String> = ["e.g", "i.e", "mr", "mrs", "ms", "dr", "st", "vs", "etc", "approx", "no"]
    private var pending = ""
    /// The first piece may end at a clause (", " "; " ": ") once it has this many words, so the
    /// voice starts sooner; 0 keeps whole sentences only.
    private var firstClauseWords: Int

    public init(firstClauseWords: Int = 0) {
        self.firstClauseWords = firstClauseWords
    }

    /// Adds a piece of the answer; returns the sentences it completed, trimmed, in order.
    public mutating func feed(_ piece: String) -> [String] {
        pending += piece
        var sentences: [String] = []
        while let end = [Self.firstBoundary(in: pending), firstClause()].compactMap({ $0 }).min() {
            firstClauseWords = 0
            let sentence = pending[..<end].trimmingWhitespace
            pending = String(pending[end...])
            if !sentence.isEmpty { sentences.append(sentence) }
        }
        return sentences
    }

    /// The end of the first clause of the first piece, when it is long enough to say alone.
    private func firstClause() -> String.Index? {
        guard firstClauseWords > 0 else { return nil }
        var index = pending.startIndex
        while index < pending.endIndex {
            let character = pending[index]
            let next = pending.index(after: index)
            if ",;:".contains(character), next < pending.endIndex, pending[next].isWhitespace,
               pending[..<index].split(whereSeparator: \.isWhitespace).count >= firstClauseWords,
               !(index > pending.startIndex && pending[pending.index(before: index)].isNumber) {
                return next
            }
            index = next
        }
        return nil
    }

    /// The answer ended: the unfinished last sentence, if any.
    public mutating func finish() -> String? {
        defer { pending = "" }
        let rest = pending.trimmingWhitespace
        return rest.isEmpty ? nil : rest
    }

    /// The index just past the first complete sentence's end mark, or nil when none is complete
    /// yet (the character after a mark must have arrived to know).
    static func firstBoundary(in text: String) -> String.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\n", index > text.startIndex { return text.index(after: index) }
            if character == "." || character == "!" || character == "?" {
                var end = text.index(after: index)
                while end < text.endIndex, "\"')]”’".contains(text[end]) { end = text.index(after: end) }
                guard end < text.endIndex else { return nil }
                if text[end].isWhitespace, !(character == "." && (endsWithAbbreviation(text[..<index])
                                                                   || isListNumber(text[..<index]))) {
                    return end
                }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// True when everything before the period is a number: "1." opening a numbered line.
    private static func isListNumber(_ text: Substring) -> Bool {
        let sentence = text.trimmingWhitespace
        return !sentence.isEmpty && sentence.allSatisfy(\.isNumber)
    }

    /// True when the word before a period is a known abbreviation or a single letter ("J. Smith").
    private static func endsWithAbbreviation(_ text: Substring) -> Bool {
        let word = text.split(whereSeparator: { $0.isWhitespace }).last.map { $0.lowercased() } ?? ""
        return abbreviations.contains(word) || (word.count == 1 && word.first?.isLetter == true)
    }
}
