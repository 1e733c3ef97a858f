import GGUF

/// A token's index in its model's vocabulary (llama.cpp's `llama_token`).
public typealias TokenID = Int32

/// What a vocabulary entry is, from GGUF `tokenizer.ggml.token_type` after llama.cpp's
/// corrections (end-of-generation and fill-in-the-middle markers are always `control`).
public enum TokenKind: Int32, Sendable, CaseIterable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    /// Markup such as `<|im_start|>`: never produced from plain text, hidden unless rendered.
    case control = 3
    /// Added vocabulary words: split out of text before BPE and always rendered.
    case userDefined = 4
    case unused = 5
    /// A `<0xXX>` byte-fallback token.
    case byte = 6

    /// GGUF stores the type as an int32; llama.cpp treats values it does not know as undefined.
    init(ggufType: Int32) {
        self = TokenKind(rawValue: ggufType) ?? .undefined
    }

    /// True for the kinds that llama.cpp splits out of text as markup before BPE
    /// (with special-token parsing on; user-defined ones always).
    public var isMarkup: Bool {
        self == .control || self == .userDefined || self == .unknown
    }
}

/// Turns text into token ids and token ids back into bytes, exactly as llama.cpp does for the
/// same model file. Implementations are immutable and safe to share between threads.
public protocol Tokenizer: Sendable {
    /// Number of tokens; valid ids are `0..<vocabularySize`.
    var vocabularySize: Int { get }
    /// Beginning of sequence (`tokenizer.ggml.bos_token_id`), if the model has one.
    var bosToken: TokenID? { get }
    /// End of sequence (`tokenizer.ggml.eos_token_id`), if the model has one.
    var eosToken: TokenID? { get }
    /// Whether a prompt should start with `bosToken` (GGUF `tokenizer.ggml.add_bos_token`).
    var addsBOS: Bool { get }
    /// Tokens that end generation: EOS, EOT, EOM and the turn-end markers llama.cpp recognises.
    var endOfGenerationTokens: Set<TokenID> { get }
    /// Token ids for `text`. With `parseSpecialTokens`, spellings of control tokens in the text
    /// (e.g. `<|im_start|>`) become those tokens; without it they are tokenized as plain text.
    /// Never adds BOS itself.
    func encode(_ text: String, parseSpecialTokens: Bool) -> [TokenID]
    /// The bytes the token decodes to; for markup tokens, their spelling. Empty for ids out of
    /// range and for unused tokens.
    func tokenBytes(_ id: TokenID) -> [UInt8]
    /// True for control / user-defined / unknown markup tokens.
    func isSpecial(_ id: TokenID) -> Bool
    /// The vocabulary spelling, for debugging (GPT-2 byte-level tokens show `Ġ` for a space).
    func tokenText(_ id: TokenID) -> String
    /// The token's kind. Has a default (from `isSpecial`) so test doubles need not implement it.
    func tokenKind(_ id: TokenID) -> TokenKind
}

extension Tokenizer {
    public func tokenKind(_ id: TokenID) -> TokenKind {
        isSpecial(id) ? .control : .normal
    }

    /// Whether `id` is one of `endOfGenerationTokens`.
    public func isEndOfGeneration(_ id: TokenID) -> Bool {
        endOfGenerationTokens.contains(id)
    }

    /// The text of `ids` at once (a `StreamingDetokenizer` fed every id, then finished).
    /// Invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [TokenID], renderSpecialTokens: Bool = false) -> String {
        var detokenizer = StreamingDetokenizer(tokenizer: self, renderSpecialTokens: renderSpecialTokens)
        var text = ""
        for id in ids { text += detokenizer.append(id) }
        return text + detokenizer.finish()
    }
}

/// The `tokenizer.ggml.model` values `makeTokenizer` accepts.
public let supportedTokenizerModels = ["gpt2", "llama"]

/// The tokenizer a model file describes, chosen by `tokenizer.ggml.model`.
/// Supported: "gpt2" (byte-level BPE, see `PreTokenizer` for the `tokenizer.ggml.pre` names) and
/// "llama" (SentencePiece: Llama 1/2, Gemma, Mistral); anything else is a typed error listing them.
public func makeTokenizer(from file: GGUFFile) throws(TokenizerError) -> any Tokenizer {
    try makeTokenizer(from: TokenizerMetadata(file: file))
}

/// The tokenizer `metadata` describes (see `makeTokenizer(from: GGUFFile)`).
public func makeTokenizer(from metadata: TokenizerMetadata) throws(TokenizerError) -> any Tokenizer {
    switch metadata.model {
    case "gpt2":
        return try ByteLevelBPETokenizer(metadata: metadata)
    case "llama":
        return try SentencePieceTokenizer(metadata: metadata)
    default:
        throw .unsupportedModel(metadata.model, supported: supportedTokenizerModels)
    }
}
