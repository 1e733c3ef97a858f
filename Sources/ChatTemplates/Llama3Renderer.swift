/// Llama 3 header turns: `<|start_header_id|>{role}<|end_header_id|>\n\n{trimmed content}<|eot_id|>`;
/// the generation prompt is `<|start_header_id|>assistant<|end_header_id|>\n\n`.
///
/// Without a preamble this is llama.cpp's built-in `llama3` format. With one (Llama 3.1–3.3
/// Instruct, whose templates write the "Cutting Knowledge Date" lines), a system turn is
/// always written first: the preamble, then the trimmed system text if the conversation starts
/// with one. The template's `<|begin_of_text|>` is not written: the tokenizer adds BOS.
struct Llama3Renderer {
    static let stopStrings = ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"]

    let systemPreamble: String?

    func parts(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [ChatPromptPart] {
        var parts: [ChatPromptPart] = []
        var turns = messages[...]
        if let systemPreamble {
            var system = ""
            if let first = turns.first, first.role == .system {
                system = ChatText.trimmed(first.content)
                turns = turns.dropFirst()
            }
            parts.append(.markup("<|start_header_id|>system<|end_header_id|>\n\n"))
            parts.append(.content(systemPreamble))
            if !system.isEmpty { parts.append(.content(system)) }
            parts.append(.markup("<|eot_id|>"))
        }
        for message in turns {
            parts.append(.markup("<|start_header_id|>\(message.role.rawValue)<|end_header_id|>\n\n"))
            let content = ChatText.trimmed(message.content)
            if !content.isEmpty { parts.append(.content(content)) }
            parts.append(.markup("<|eot_id|>"))
        }
        if addGenerationPrompt {
            parts.append(.markup("<|start_header_id|>assistant<|end_header_id|>\n\n"))
        }
        return parts
    }

    /// What Llama 3.1–3.3 Instruct templates write before the system text, with the date
    /// they fall back to when the renderer provides none.
    static let knowledgeDatePreamble = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
}
