/// SentencePiece BPE (`tokenizer.ggml.model` = "llama": Llama 1/2, Gemma, Mistral), token for
/// token what llama.cpp's SPM tokenizer produces for the same file: markup split out, a space
/// prefixed to text that follows markup or starts the input (when `add_space_prefix`), spaces
/// written as `▁`, characters merged pairwise by the score of the token they form, and
/// characters no token covers emitted as `<0xXX>` byte tokens.
public final class SentencePieceTokenizer: Tokenizer {
    public let bosToken: TokenID?
    public let eosToken: TokenID?
    /// End of turn (`tokenizer.ggml.eot_token_id`, else a well-known spelling such as `<end_of_turn>`).
    public let eotToken: TokenID?
    public let addsBOS: Bool
    /// Whether text after markup (or at the start) gets a leading space (`add_space_prefix`).
    public let addsSpacePrefix: Bool
    public let endOfGenerationTokens: Set<TokenID>

    private let vocabulary: SentencePieceVocabulary

    /// Builds the tokenizer from metadata; `tokenizer.ggml.model` must be "llama". As in
    /// llama.cpp, BOS/EOS/unknown default to ids 1/2/0 when the file names none, BOS is added
    /// and a space prefixed unless the file says otherwise.
    public init(metadata: TokenizerMetadata) throws(TokenizerError) {
        guard metadata.model == "llama" else {
            throw .unsupportedModel(metadata.model, supported: ["llama"])
        }
        var metadata = metadata
        for (role, id) in [(SpecialTokenRole.bos, 1), (.eos, 2), (.unknown, 0)]
        where metadata.specialTokenIDs[role] == nil && id < metadata.tokens.count {
            metadata.specialTokenIDs[role] = id
        }
        vocabulary = try SentencePieceVocabulary(metadata)
        bosToken = vocabulary.roles.bos
        eosToken = vocabulary.roles.eos
        eotToken = vocabulary.roles.eot
        addsBOS = metadata.addsBOS ?? true
        addsSpacePrefix = metadata.addsSpacePrefix ?? true
        endOfGenerationTokens = vocabulary.roles.endOfGeneration
        if addsBOS, bosToken == nil { throw .missingBOSToken }
    }

    public var vocabularySize: Int { vocabulary.count }

    public func encode(_ text: String, parseSpecialTokens: Bool) -> [TokenID] {
        let bytes = Array(text.utf8)
        var output: [TokenID] = []
        output.reserveCapacity(bytes.count / 3 + 4)
        var merger = SentencePieceMerger()
        var escaped: [UInt8] = []
        var previousWasMarkup = true
        for fragment in MarkupSplitter.split(bytes, markup: vocabulary.markup, parseSpecialTokens: parseSpecialTokens) {
            switch fragment {
            case .token(let id):
                output.append(id)
                previousWasMarkup = true
            case .text(let range):
                escaped.removeAll(keepingCapacity: true)
                if addsSpacePrefix, previousWasMarkup { escaped.append(contentsOf: SentencePieceVocabulary.visibleSpace) }
                for byte in bytes[range] {
                    if byte == 0x20 {
                        escaped.append(contentsOf: SentencePieceVocabulary.visibleSpace)
                    } else {
                        escaped.append(byte)
                    }
                }
                merger.tokenize(escaped, vocabulary: vocabulary, into: &output)
                previousWasMarkup = false
            }
        }
        return output
    }

    public func tokenBytes(_ id: TokenID) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        return vocabulary.pieces[Int(id)]
    }

    public func isSpecial(_ id: TokenID) -> Bool {
        tokenKind(id).isMarkup
    }

    public func tokenKind(_ id: TokenID) -> TokenKind {
        guard id >= 0, Int(id) < vocabulary.count else { return .undefined }
        return vocabulary.kinds[Int(id)]
    }

    public func tokenText(_ id: TokenID) -> String {
        guard id >= 0, Int(id) < vocabulary.count else { return "" }
        return String(decoding: vocabulary.spellings[Int(id)], as: UTF8.self)
    }

    /// The token whose spelling is exactly `spelling` (e.g. "<end_of_turn>"), if any.
    public func token(spelled spelling: String) -> TokenID? {
        vocabulary.idsBySpelling[Array(spelling.utf8)]
    }
}
