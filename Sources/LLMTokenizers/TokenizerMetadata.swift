import GGUF

/// The roles a GGUF file can assign to token ids, with the metadata key of each.
public enum SpecialTokenRole: String, Sendable, CaseIterable {
    case bos = "tokenizer.ggml.bos_token_id"
    case eos = "tokenizer.ggml.eos_token_id"
    case eot = "tokenizer.ggml.eot_token_id"
    case eom = "tokenizer.ggml.eom_token_id"
    case unknown = "tokenizer.ggml.unknown_token_id"
    case padding = "tokenizer.ggml.padding_token_id"
    case fillInMiddlePrefix = "tokenizer.ggml.fim_pre_token_id"
    case fillInMiddleSuffix = "tokenizer.ggml.fim_suf_token_id"
    case fillInMiddleMiddle = "tokenizer.ggml.fim_mid_token_id"
    case fillInMiddlePad = "tokenizer.ggml.fim_pad_token_id"
    case fillInMiddleRepository = "tokenizer.ggml.fim_rep_token_id"
    case fillInMiddleSeparator = "tokenizer.ggml.fim_sep_token_id"

    /// Older files name the first three fill-in-the-middle roles differently.
    var legacyKey: String? {
        switch self {
        case .fillInMiddlePrefix: return "tokenizer.ggml.prefix_token_id"
        case .fillInMiddleSuffix: return "tokenizer.ggml.suffix_token_id"
        case .fillInMiddleMiddle: return "tokenizer.ggml.middle_token_id"
        default: return nil
        }
    }
}

/// The `tokenizer.ggml.*` metadata of a model, read but not yet interpreted. Tests build one
/// by hand to exercise a tokenizer without a model file.
public struct TokenizerMetadata: Sendable {
    /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE), "llama" (SentencePiece), …
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer name, e.g. "smollm"; nil when absent.
    public var preTokenizer: String?
    /// `tokenizer.ggml.tokens`: each token's spelling, exact bytes.
    public var tokens: [[UInt8]]
    /// `tokenizer.ggml.token_type`, one per token; nil when absent (all normal).
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges`: "left right" pairs in rank order, exact bytes.
    public var merges: [[UInt8]]
    /// Ids the file assigns to special roles (in range is checked when a tokenizer is built).
    public var specialTokenIDs: [SpecialTokenRole: Int]
    /// `tokenizer.ggml.add_bos_token`; nil when absent (the pre-tokenizer's default applies).
    public var addsBOS: Bool?
    /// `tokenizer.ggml.scores`, one per token (SentencePiece merge priorities); nil when absent.
    public var scores: [Float]?
    /// `tokenizer.ggml.add_space_prefix`; nil when absent (SentencePiece then adds one).
    public var addsSpacePrefix: Bool?

    public init(model: String, preTokenizer: String? = nil, tokens: [[UInt8]], tokenTypes: [Int32]? = nil,
                merges: [[UInt8]] = [], specialTokenIDs: [SpecialTokenRole: Int] = [:], addsBOS: Bool? = nil,
                scores: [Float]? = nil, addsSpacePrefix: Bool? = nil) {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.specialTokenIDs = specialTokenIDs
        self.addsBOS = addsBOS
        self.scores = scores
        self.addsSpacePrefix = addsSpacePrefix
    }

    /// Reads the tokenizer keys of `file`. Only `tokenizer.ggml.model` and `tokenizer.ggml.tokens`
    /// are required here; what else a tokenizer family needs is checked when it is built.
    public init(file: GGUFFile) throws(TokenizerError) {
        do throws(GGUFError) {
            model = try file.string("tokenizer.ggml.model")
            preTokenizer = file.has("tokenizer.ggml.pre") ? try file.string("tokenizer.ggml.pre") : nil
            tokens = try file.byteStringArray("tokenizer.ggml.tokens")
            tokenTypes = file.has("tokenizer.ggml.token_type") ? try file.int32Array("tokenizer.ggml.token_type") : nil
            merges = file.has("tokenizer.ggml.merges") ? try file.byteStringArray("tokenizer.ggml.merges") : []
            addsBOS = file.has("tokenizer.ggml.add_bos_token") ? try file.bool("tokenizer.ggml.add_bos_token") : nil
            scores = file.has("tokenizer.ggml.scores") ? try file.floatArray("tokenizer.ggml.scores") : nil
            addsSpacePrefix = file.has("tokenizer.ggml.add_space_prefix")
                ? try file.bool("tokenizer.ggml.add_space_prefix") : nil
            var ids: [SpecialTokenRole: Int] = [:]
            for role in SpecialTokenRole.allCases {
                for key in [role.rawValue, role.legacyKey].compactMap({ $0 }) where ids[role] == nil && file.has(key) {
                    ids[role] = try file.integer(key)
                }
            }
            specialTokenIDs = ids
        } catch {
            throw .metadata(error)
        }
    }

    /// The id for `role`, checked to lie inside the vocabulary.
    func checkedID(_ role: SpecialTokenRole) throws(TokenizerError) -> TokenID? {
        guard let id = specialTokenIDs[role] else { return nil }
        guard id >= 0, id < tokens.count else {
            throw .tokenIDOutOfRange(key: role.rawValue, id: id, vocabularySize: tokens.count)
        }
        return TokenID(id)
    }
}
