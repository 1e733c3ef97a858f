/// The `auto` brain: which brain answers a question (issue 5, scope 6).
///
/// Offline → local, always. Questions about the screen need eyes → cloud ("this", "here", "on my
/// screen", "where is", "click", "which button", …). Long or reasoning-heavy questions → cloud.
/// Everything else — short general questions — stays local: instant, free and private.
public enum BrainRouter {
    public enum Choice: String, Sendable, Equatable {
        case local, cloud
    }

    /// Phrases that mean "look at my screen", matched on whole words.
    static let screenPhrases: [[String]] = [
        ["this"], ["here"], ["on", "my", "screen"], ["on", "the", "screen"], ["my", "screen"],
        ["where", "is"], ["where's"], ["where", "do", "i"], ["click"], ["which", "button"], ["this", "button"],
        ["what", "am", "i", "looking", "at"], ["look", "at"], ["point"], ["show", "me"],
    ]
    /// Words that ask for reasoning a 135M–1B local model does badly.
    static let reasoningWords: Set<String> = [
        "why", "explain", "compare", "prove", "derive", "analyze", "analyse", "debug", "refactor",
        "step-by-step", "plan", "tradeoffs", "trade-offs", "pros", "cons",
    ]
    /// Questions longer than this many words go to the cloud.
    static let longQuestionWords = 25

    public static func route(_ question: String, isOnline: Bool) -> Choice {
        guard isOnline else { return .local }
        let words = Self.words(question)
        if words.count > longQuestionWords { return .cloud }
        if screenPhrases.contains(where: { contains(words, $0) }) { return .cloud }
        if words.contains(where: reasoningWords.contains) { return .cloud }
        return .local
    }

    /// Lowercased words, punctuation stripped except inner apostrophes and hyphens.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || ((character == "'" || character == "’" || character == "-") && !current.isEmpty) {
                current.append(character == "’" ? "'" : character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.hasSuffix("'") || $0.hasSuffix("-") ? String($0.dropLast()) : $0 }
    }

    private static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        guard phrase.count <= words.count else { return false }
        for start in 0...(words.count - phrase.count) where Array(words[start..<start + phrase.count]) == phrase {
            return true
        }
        return false
    }
}
