/// GPT-2 style byte-level BPE (`tokenizer.ggml.model` = "gpt2"), token for token what llama.cpp
/// produces for the same file: markup split out, text cut into words by the pre-tokenizer,
/// each word's UTF-8 bytes merged by rank.
public final class ByteLevelBPETokenizer: Tokenizer {
    public let preTokenizer: PreTokenizer
    public let bosToken: TokenID?
    public let eosToken: TokenID?
    /// End of turn (`tokenizer.ggml.eot_token_id`, else a well-known spelling such as `<|im_end|>`).
    public let eotToken: TokenID?
    public let addsBOS: Bool
    public let endOfGenerationTokens: Set<TokenID>

    private let vocabulary: ByteLevelVocabulary
    private let mergeTable: MergeTable

    /// Builds the tokenizer from metadata; `tokenizer.ggml.model` must be "gpt2".
    public init(metadata: TokenizerMetadata) throws(TokenizerError) {
        guard metadata.model == "gpt2" else {
            throw .unsupportedModel(metadata.model, supported: ["gpt2"])
        }
        preTokenizer = try PreTokenizer(ggufName: metadata.preTokenizer)
        vocabulary = try ByteLevelVocabulary(metadata)
        mergeTable = MergeTable(merges: metadata.merges, vocabulary: vocabulary)
        bosToken = vocabulary.roles.bos
        eosToken = vocabulary.roles.eos
        eotToken = vocabulary.roles.eot
        addsBOS = metadata.addsBOS ?? preTokenizer.addsBOSByDefault
        endOfGenerationTokens = vocabulary.roles.endOfGeneration
        if addsBOS, bosToken == nil { throw .missingBOSToken }
    }

    public var vocabularySize: Int { vocabulary.count }

    public func encode(_ text: String, parseSpecialTokens: Bool) -> [TokenID] {
        let bytes = Array(text.utf8)
        var output: [TokenID] = []
        output.reserveCapacity(bytes.count / 3 + 4)
        var merger = BytePairMerger()
        var symbols: [Int32] = []
        let fragments = MarkupSplitter.split(bytes, markup: vocabulary.markup, parseSpecialTokens: parseSpecialTokens)
        for fragment in fragments {
            switch fragment {
            case .token(let id):
                output.append(id)
            case .text(let range):
                for word in preTokenizer.words(in: bytes[range]) {
                    let wordBytes = bytes[word]
                    if preTokenizer.ignoresMerges, let whole = vocabulary.idsByBytes[wordBytes] {
                        output.append(whole)
                        continue
                    }
                    symbols.removeAll(keepingCapacity: true)
                    merger.merge(wordBytes, table: mergeTable, into: &symbols)
                    appendTokens(for: symbols, to: &output)
                }
            }
        }
        return output
    }

    /// Merged symbols are tokens, except (in a vocabulary with merges whose result is no
    /// token) extra symbols; for those llama.cpp looks up each byte's one-character spelling,
    /// which only exists for printable ASCII, and drops the rest.
    private func appendTokens(for symbols: [Int32], to output: inout [TokenID]) {
        for symbol in symbols {
            if Int(symbol) < vocabulary.count {
                output.append(symbol)
                continue
            }
            for byte in mergeTable.extraSymbolBytes[Int(symbol) - vocabulary.count]
            where (0x21...0x7E).contains(byte) {
                if let id = vocabulary.idsByBytes[[byte]] { output.append(id) }
            }
        }
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

    /// The token whose spelling is exactly `spelling` (e.g. "<|im_end|>"), if any.
    public func token(spelled spelling: String) -> TokenID? {
        let bytes = Array(spelling.utf8)
        if let markup = vocabulary.markup.first(where: { $0.spelling == bytes }) { return markup.id }
        return vocabulary.spellings.firstIndex(of: bytes).map { TokenID($0) }
    }
}
