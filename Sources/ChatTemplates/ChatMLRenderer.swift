/// ChatML: every message is `<|im_start|>{role}\n{content}<|im_end|>\n`, contents verbatim
/// (not trimmed); the generation prompt is `<|im_start|>assistant\n`. No BOS is written.
struct ChatMLRenderer {
    static let stopStrings = ["<|im_end|>", "<|endoftext|>"]

    /// Inserted as a first system message when the conversation starts with another role.
    let defaultSystemMessage: String?

    func parts(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [ChatPromptPart] {
        var parts: [ChatPromptPart] = []
        if let defaultSystemMessage, let first = messages.first, first.role != .system {
            append(.system, defaultSystemMessage, to: &parts)
        }
        for message in messages {
            append(message.role, message.content, to: &parts)
        }
        if addGenerationPrompt {
            parts.append(.markup("<|im_start|>assistant\n"))
        }
        return parts
    }

    private func append(_ role: ChatRole, _ content: String, to parts: inout [ChatPromptPart]) {
        parts.append(.markup("<|im_start|>\(role.rawValue)\n"))
        if !content.isEmpty { parts.append(.content(content)) }
        parts.append(.markup("<|im_end|>\n"))
    }
}
