/// Gemma (2 and 3) instruction turns: `<start_of_turn>{user|model}\n{trimmed content}<end_of_turn>\n`;
/// the generation prompt is `<start_of_turn>model\n`.
///
/// Gemma has no system role: a leading system message's text and `\n\n` are written at the
/// start of the first turn after it (as Gemma 3's template and llama.cpp's built-in `gemma`
/// format do). The template's `<bos>` is not written: the tokenizer adds BOS (see
/// `ChatFormat.bosText`). The template rejects conversations whose roles do not alternate;
/// here they are rendered as given.
struct GemmaRenderer {
    static let stopStrings = ["<end_of_turn>", "<eos>"]

    func parts(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [ChatPromptPart] {
        var parts: [ChatPromptPart] = []
        var turns = messages[...]
        var firstTurnPrefix: String?
        if let first = turns.first, first.role == .system {
            firstTurnPrefix = first.content + "\n\n"
            turns = turns.dropFirst()
        }
        for message in turns {
            parts.append(.markup("<start_of_turn>\(message.role == .assistant ? "model" : message.role.rawValue)\n"))
            if let prefix = firstTurnPrefix {
                parts.append(.content(prefix))
                firstTurnPrefix = nil
            }
            let content = ChatText.trimmed(message.content)
            if !content.isEmpty { parts.append(.content(content)) }
            parts.append(.markup("<end_of_turn>\n"))
        }
        if addGenerationPrompt {
            parts.append(.markup("<start_of_turn>model\n"))
        }
        return parts
    }
}

/// Text helpers matching Jinja's filters.
enum ChatText {
    /// Jinja's `trim`: Python `str.strip()`, which removes leading and trailing whitespace.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }
}
