import GGUF

/// Why a tokenizer could not be built from a model file. `description` is one line.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `tokenizer.ggml.model` names a tokenizer family this build does not implement.
    case unsupportedModel(String, supported: [String])
    /// `tokenizer.ggml.pre` names a pre-tokenizer this build does not implement (nil: key absent).
    case unsupportedPreTokenizer(String?, supported: [String])
    /// A tokenizer key is missing, has the wrong type or an out-of-range value.
    case metadata(GGUFError)
    /// The vocabulary is empty or larger than token ids can address.
    case badVocabularySize(Int)
    /// `tokenizer.ggml.token_type` (or scores) does not have one entry per token.
    case arrayLengthMismatch(key: String, count: Int, expected: Int)
    /// A special-token id key points outside the vocabulary.
    case tokenIDOutOfRange(key: String, id: Int, vocabularySize: Int)
    /// Two vocabulary entries have the same spelling (llama.cpp refuses these files too).
    case duplicateToken(id: Int, sameAs: Int)
    /// `add_bos_token` is true but there is no BOS token.
    case missingBOSToken

    public var description: String {
        switch self {
        case .unsupportedModel(let name, let supported):
            return "unsupported tokenizer model '\(name)' (tokenizer.ggml.model); supported: \(supported.joined(separator: ", "))"
        case .unsupportedPreTokenizer(let name, let supported):
            let shown = name.map { "'\($0)'" } ?? "(missing)"
            return "unsupported pre-tokenizer \(shown) (tokenizer.ggml.pre); supported: \(supported.joined(separator: ", "))"
        case .metadata(let error):
            return "tokenizer metadata: \(error.description)"
        case .badVocabularySize(let count):
            return "tokenizer vocabulary has \(count) tokens; expected 1 to \(Int32.max)"
        case .arrayLengthMismatch(let key, let count, let expected):
            return "\(key) has \(count) entries but the vocabulary has \(expected) tokens"
        case .tokenIDOutOfRange(let key, let id, let size):
            return "\(key) = \(id) is outside the vocabulary of \(size) tokens"
        case .duplicateToken(let id, let sameAs):
            return "token \(id) has the same spelling as token \(sameAs)"
        case .missingBOSToken:
            return "tokenizer.ggml.add_bos_token is true but the model has no BOS token"
        }
    }
}
