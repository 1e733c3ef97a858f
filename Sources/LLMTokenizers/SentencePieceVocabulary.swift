/// A SentencePiece vocabulary (`tokenizer.ggml.model` = "llama"): spellings with `▁` for a
/// space, a merge score per token, `<0xXX>` byte-fallback tokens, and the markup split out of
/// text before merging. Built with llama.cpp's corrections applied.
struct SentencePieceVocabulary: Sendable {
    /// Token kinds after llama.cpp's by-spelling corrections (see `SpecialTokenRoles`).
    let kinds: [TokenKind]
    /// Exact spellings from the file.
    let spellings: [[UInt8]]
    /// What each token decodes to: `▁` as a space for normal tokens, the byte for byte tokens,
    /// the spelling for markup, nothing for unused ones.
    let pieces: [[UInt8]]
    /// `tokenizer.ggml.scores` (0 when absent): higher merges first.
    let scores: [Float]
    /// Spelling -> token; for repeated spellings the last id wins, as in llama.cpp.
    let idsBySpelling: ByteStringTable<TokenID>
    /// The token each byte falls back to (`<0xXX>`, else the one-byte spelling), if any.
    let byteTokens: [TokenID?]
    /// Markup tokens that text is split on before merging, longest spelling first.
    let markup: [(id: TokenID, spelling: [UInt8], kind: TokenKind)]
    let roles: SpecialTokenRoles

    var count: Int { kinds.count }

    /// The UTF-8 of `▁` (U+2581), SentencePiece's visible space.
    static let visibleSpace: [UInt8] = [0xE2, 0x96, 0x81]

    init(_ metadata: TokenizerMetadata) throws(TokenizerError) {
        let tokenCount = metadata.tokens.count
        guard tokenCount > 0, tokenCount <= Int(Int32.max) else { throw .badVocabularySize(tokenCount) }
        if let types = metadata.tokenTypes, types.count < tokenCount {
            throw .arrayLengthMismatch(key: "tokenizer.ggml.token_type", count: types.count, expected: tokenCount)
        }
        if let scores = metadata.scores, scores.count < tokenCount {
            throw .arrayLengthMismatch(key: "tokenizer.ggml.scores", count: scores.count, expected: tokenCount)
        }
        // llama.cpp renames empty spellings so they cannot match text.
        spellings = metadata.tokens.enumerated().map { index, spelling in
            spelling.isEmpty ? Array("[EMPTY_\(index)]".utf8) : spelling
        }
        scores = metadata.scores.map { Array($0.prefix(tokenCount)) } ?? Array(repeating: 0, count: tokenCount)
        var kinds = (0..<tokenCount).map { index in
            metadata.tokenTypes.map { TokenKind(ggufType: $0[index]) } ?? .normal
        }
        roles = try SpecialTokenRoles(metadata, kinds: &kinds)
        self.kinds = kinds

        var idsBySpelling = ByteStringTable<TokenID>(minimumCapacity: tokenCount)
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(tokenCount)
        for (index, spelling) in spellings.enumerated() {
            idsBySpelling.updateValue(TokenID(index), forKey: spelling)
            pieces.append(Self.piece(kind: kinds[index], spelling: spelling))
        }
        self.idsBySpelling = idsBySpelling
        self.pieces = pieces

        byteTokens = (0..<256).map { value in
            let hex = String(value, radix: 16, uppercase: true)
            let spelling = Array("<0x\(value < 16 ? "0" : "")\(hex)>".utf8)
            return idsBySpelling[spelling] ?? idsBySpelling[[UInt8(value)]]
        }

        let spellings = self.spellings
        markup = kinds.indices
            .filter { kinds[$0].isMarkup && ByteLevelVocabulary.isValidUTF8(spellings[$0]) }
            .map { (id: TokenID($0), spelling: spellings[$0], kind: kinds[$0]) }
            .sorted { $0.spelling.count != $1.spelling.count ? $0.spelling.count > $1.spelling.count : $0.id < $1.id }
    }

    /// What llama.cpp's `token_to_piece` gives (with special tokens rendered).
    private static func piece(kind: TokenKind, spelling: [UInt8]) -> [UInt8] {
        switch kind {
        case .control, .unknown, .userDefined:
            return spelling
        case .normal:
            return unescapingSpaces(spelling)
        case .byte:
            return ByteLevelVocabulary.byteFallbackValue(spelling).map { [$0] } ?? []
        case .unused, .undefined:
            return []
        }
    }

    /// `spelling` with every `▁` turned into a space.
    static func unescapingSpaces(_ spelling: [UInt8]) -> [UInt8] {
        guard spelling.contains(0xE2) else { return spelling }
        var result: [UInt8] = []
        result.reserveCapacity(spelling.count)
        var index = 0
        while index < spelling.count {
            if index + 2 < spelling.count, spelling[index] == 0xE2, spelling[index + 1] == 0x96, spelling[index + 2] == 0x81 {
                result.append(0x20)
                index += 3
            } else {
                result.append(spelling[index])
                index += 1
            }
        }
        return result
    }
}
