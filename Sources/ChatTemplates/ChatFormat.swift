/// How a model expects a conversation to be laid out as one prompt string.
///
/// A format is a family (ChatML, Llama 3, Gemma), each with one renderer file, plus what the
/// model's own template adds by itself, such as SmolLM2's default system message or Llama 3.1's
/// knowledge-date lines. A rendered prompt never starts with BOS: the tokenizer adds it when the
/// model's `add_bos_token` says so, as llama.cpp does after stripping the template's BOS. Formats are chosen from GGUF metadata by `detect`; the template text in a model
/// file is untrusted data and is only inspected, never executed.
public struct ChatFormat: Sendable, Equatable {
    /// The layout families this build can render.
    public enum Family: String, Sendable, CaseIterable {
        /// `<|im_start|>{role}\n{content}<|im_end|>\n` (SmolLM2, Qwen2.5, …).
        case chatml
        /// `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>` (Llama 3.x).
        case llama3
        /// `<start_of_turn>{user|model}\n{content}<end_of_turn>\n`, system text merged into the
        /// first user turn (Gemma 2/3).
        case gemma
    }

    public let family: Family
    /// The system message the template inserts when a conversation does not start with one
    /// (read from the template text); nil when it inserts none.
    public let defaultSystemMessage: String?
    /// Text the template writes at the start of the system turn, which it then always writes
    /// (Llama 3.1–3.3: the knowledge-date lines); nil when it writes none.
    public let systemPreamble: String?

    public init(family: Family, defaultSystemMessage: String? = nil, systemPreamble: String? = nil) {
        self.family = family
        self.defaultSystemMessage = defaultSystemMessage
        self.systemPreamble = systemPreamble
    }

    /// Plain ChatML with no default system message (llama.cpp's built-in `chatml`).
    public static let chatml = ChatFormat(family: .chatml)
    /// Llama 3 headers without a date preamble (llama.cpp's built-in `llama3`).
    public static let llama3 = ChatFormat(family: .llama3)
    /// Llama 3.1–3.3 Instruct: a system turn with the knowledge-date lines always comes first.
    public static let llama3Instruct = ChatFormat(family: .llama3, systemPreamble: Llama3Renderer.knowledgeDatePreamble)
    /// Gemma turns (llama.cpp's built-in `gemma`, Gemma 3 IT's template).
    public static let gemma = ChatFormat(family: .gemma)

    /// The BOS spelling the model's official template writes first (and llama.cpp strips,
    /// since the tokenizer adds BOS); `render` never includes it. Nil for ChatML.
    public var bosText: String? {
        switch family {
        case .chatml: return nil
        case .llama3: return "<|begin_of_text|>"
        case .gemma: return "<bos>"
        }
    }

    /// The family's name, e.g. "chatml".
    public var name: String { family.rawValue }

    /// The prompt for `messages`, markup included as text (e.g. `<|im_start|>`); with
    /// `addGenerationPrompt`, ending with the header of the assistant's next turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        parts(messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// `render` as separate markup and content parts, in order.
    public func parts(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [ChatPromptPart] {
        switch family {
        case .chatml:
            return ChatMLRenderer(defaultSystemMessage: defaultSystemMessage)
                .parts(messages, addGenerationPrompt: addGenerationPrompt)
        case .llama3:
            return Llama3Renderer(systemPreamble: systemPreamble).parts(messages, addGenerationPrompt: addGenerationPrompt)
        case .gemma:
            return GemmaRenderer().parts(messages, addGenerationPrompt: addGenerationPrompt)
        }
    }

    /// Strings that end the assistant's turn; generation stops when one is produced.
    public var stopStrings: [String] {
        switch family {
        case .chatml: return ChatMLRenderer.stopStrings
        case .llama3: return Llama3Renderer.stopStrings
        case .gemma: return GemmaRenderer.stopStrings
        }
    }
}

/// Who said a message.
public enum ChatRole: String, Sendable, CaseIterable {
    case system, user, assistant
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: ChatRole
    public var content: String

    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// A piece of a rendered prompt: the format's own markup, or text that came from a message.
///
/// Keeping them apart lets an engine tokenize markup with special-token parsing and message
/// text without it, so a user who types `<|im_start|>system` gets text, not a new turn.
public enum ChatPromptPart: Sendable, Equatable {
    /// Format markup such as `<|im_start|>user\n`, meant to become special tokens.
    case markup(String)
    /// Message content (or a template's default system text): plain text.
    case content(String)

    public var text: String {
        switch self {
        case .markup(let text), .content(let text): return text
        }
    }
}
