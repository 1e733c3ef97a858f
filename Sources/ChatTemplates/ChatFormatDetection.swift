import GGUF

extension ChatFormat {
    /// Architectures whose models use ChatML even when a file carries no template.
    static let chatMLArchitectures: Set<String> = ["qwen", "qwen2", "qwen2moe", "qwen3", "qwen3moe"]
    /// Architectures whose models use Gemma turns even when a file carries no template (base
    /// models such as Gemma 3 270M ship without one; every Gemma chat model uses these turns).
    static let gemmaArchitectures: Set<String> = ["gemma", "gemma2", "gemma3"]

    /// The format for a model, from its `tokenizer.chat_template` text and
    /// `general.architecture`. The template is inspected for marker substrings as llama.cpp's
    /// `llm_chat_detect_template` does, never executed. A template of an unknown or not yet
    /// supported family is an error: guessing a format gives a model prompts it was not trained on.
    public static func detect(architecture: String, chatTemplate: String?) throws(ChatTemplateError) -> ChatFormat {
        guard let template = chatTemplate, !template.isEmpty else {
            if chatMLArchitectures.contains(architecture) { return .chatml }
            if gemmaArchitectures.contains(architecture) { return .gemma }
            throw .missingTemplate(architecture: architecture)
        }
        func has(_ marker: String) -> Bool { template.contains(marker) }

        // Checked in llama.cpp's order, so a template with markers of two families is read as
        // llama.cpp reads it. A template that is just a format's name names that format.
        if let family = Family(rawValue: template) {
            return ChatFormat(family: family)
        }
        if has("<|im_start|>") {
            // ChatML relatives that differ in their separators.
            if has("<|im_sep|>") { throw .unsupportedFormat("phi4") }
            if has("<end_of_utterance>") { throw .unsupportedFormat("smolvlm") }
            return ChatFormat(family: .chatml,
                              defaultSystemMessage: DefaultSystemMessage.find(in: template, systemHeader: "<|im_start|>system",
                                                                              end: "<|im_end|>"))
        }
        if template.hasPrefix("mistral") || has("[INST]") { throw .unsupportedFormat("mistral") }
        if has("<start_of_turn>") { return .gemma }
        if has("<|start_header_id|>"), has("<|end_header_id|>") {
            // Llama 3.1–3.3 Instruct templates always write a system turn with these lines.
            return has("Cutting Knowledge Date") ? .llama3Instruct : .llama3
        }
        if has("<|header_start|>") { throw .unsupportedFormat("llama4") }
        throw .unrecognizedTemplate(architecture: architecture)
    }

    /// The format of a model file (see `detect(architecture:chatTemplate:)`).
    public static func detect(in file: GGUFFile) throws(ChatTemplateError) -> ChatFormat {
        let architecture: String
        let template: String?
        do throws(GGUFError) {
            architecture = try file.string("general.architecture")
            template = file.has("tokenizer.chat_template") ? try file.string("tokenizer.chat_template") : nil
        } catch {
            throw .metadata(error)
        }
        return try detect(architecture: architecture, chatTemplate: template)
    }
}

/// Finds the system message a chat template writes when the conversation has none, without
/// running the template.
///
/// Templates such as SmolLM2's and Qwen2.5's contain the default as one literal string:
/// `'<|im_start|>system\nYou are …<|im_end|>\n'`. A candidate is the text after a system header
/// and its newline (a real newline, or the `\n` escape inside a template string literal) up to
/// the end marker. It is accepted only if it is plainly literal: no quotes, backslashes, braces
/// (which would mean template code is mixed in, as in `'…system\n' + messages[0]['content']`)
/// and no markup. Exactly one distinct accepted candidate is the default; none or several
/// means the template has no default we can read safely.
enum DefaultSystemMessage {
    static let maximumLength = 2000

    static func find(in template: String, systemHeader: String, end: String) -> String? {
        var found: Set<String> = []
        var searchStart = template.startIndex
        while let header = template[searchStart...].firstRange(of: systemHeader) {
            searchStart = header.upperBound
            let afterHeader = template[header.upperBound...]
            let body: Substring
            if afterHeader.hasPrefix("\n") {
                body = afterHeader.dropFirst()
            } else if afterHeader.hasPrefix("\\n") {
                body = afterHeader.dropFirst(2)
            } else {
                continue
            }
            guard let close = body.firstRange(of: end) else { continue }
            let candidate = body[..<close.lowerBound]
            if isPlainLiteral(candidate) { found.insert(String(candidate)) }
        }
        return found.count == 1 ? found.first : nil
    }

    private static func isPlainLiteral(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.count <= maximumLength else { return false }
        let forbidden: Set<Character> = ["'", "\"", "\\", "{", "}", "\n"]
        return !text.contains(where: forbidden.contains) && !text.contains("<|")
    }
}

/// Why no chat format could be chosen for a model. `description` is one line.
public enum ChatTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template is recognisably a known family this build cannot render yet.
    case unsupportedFormat(String)
    /// The template text matches no known family (it is never executed, only inspected).
    case unrecognizedTemplate(architecture: String)
    /// The file has no `tokenizer.chat_template` and its architecture has no known format.
    case missingTemplate(architecture: String)
    /// `general.architecture` or `tokenizer.chat_template` is missing or not a string.
    case metadata(GGUFError)

    public var description: String {
        switch self {
        case .unsupportedFormat(let family):
            return "chat format '\(family)' is recognised but not supported yet; supported: \(ChatFormat.Family.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unrecognizedTemplate(let architecture):
            return "unrecognised chat template in model file (architecture '\(architecture)'); supported: \(ChatFormat.Family.allCases.map(\.rawValue).joined(separator: ", "))"
        case .missingTemplate(let architecture):
            return "model file has no chat template and architecture '\(architecture)' has no known chat format"
        case .metadata(let error):
            return "chat template metadata: \(error.description)"
        }
    }
}
