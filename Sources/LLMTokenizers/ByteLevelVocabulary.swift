/// A byte-level BPE vocabulary: each token's kind, the bytes it decodes to, and the lookups
/// encoding needs, built from GGUF metadata with llama.cpp's corrections applied.
struct ByteLevelVocabulary: Sendable {
    /// Token kinds after llama.cpp's by-spelling corrections (see `SpecialTokenRoles`).
    let kinds: [TokenKind]
    /// Exact spellings from the file.
    let spellings: [[UInt8]]
    /// What each token decodes to: raw bytes for normal tokens, the spelling for markup.
    let pieces: [[UInt8]]
    /// Decoded bytes -> token, for every token whose spelling is in the byte-level alphabet.
    let idsByBytes: ByteStringTable<TokenID>
    /// Markup tokens that text is split on before BPE, longest spelling first.
    let markup: [(id: TokenID, spelling: [UInt8], kind: TokenKind)]
    let roles: SpecialTokenRoles

    var count: Int { kinds.count }

    init(_ metadata: TokenizerMetadata) throws(TokenizerError) {
        let tokenCount = metadata.tokens.count
        guard tokenCount > 0, tokenCount <= Int(Int32.max) else { throw .badVocabularySize(tokenCount) }
        if let types = metadata.tokenTypes, types.count < tokenCount {
            // llama.cpp accepts extra entries and refuses too few; so do we.
            throw .arrayLengthMismatch(key: "tokenizer.ggml.token_type", count: types.count, expected: tokenCount)
        }
        spellings = metadata.tokens
        var kinds = (0..<tokenCount).map { index in
            metadata.tokenTypes.map { TokenKind(ggufType: $0[index]) } ?? .normal
        }
        roles = try SpecialTokenRoles(metadata, kinds: &kinds)
        self.kinds = kinds

        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(tokenCount)
        var idsByBytes = ByteStringTable<TokenID>(minimumCapacity: tokenCount)
        for (index, spelling) in spellings.enumerated() {
            let decoded = ByteLevelAlphabet.decode(spelling)
            pieces.append(Self.piece(kind: kinds[index], spelling: spelling, decoded: decoded))
            guard let decoded, !decoded.isEmpty else { continue }
            if let earlier = idsByBytes.updateValue(TokenID(index), forKey: decoded) {
                throw .duplicateToken(id: index, sameAs: Int(earlier))
            }
        }
        self.pieces = pieces
        self.idsByBytes = idsByBytes

        let spellings = metadata.tokens
        markup = kinds.indices
            .filter { kinds[$0].isMarkup && !spellings[$0].isEmpty && Self.isValidUTF8(spellings[$0]) }
            .map { (id: TokenID($0), spelling: spellings[$0], kind: kinds[$0]) }
            .sorted { $0.spelling.count != $1.spelling.count ? $0.spelling.count > $1.spelling.count : $0.id < $1.id }
    }

    /// What llama.cpp's `token_to_piece` gives (with special tokens rendered).
    private static func piece(kind: TokenKind, spelling: [UInt8], decoded: [UInt8]?) -> [UInt8] {
        switch kind {
        case .control, .unknown, .userDefined:
            return spelling
        case .normal:
            // A spelling outside the byte-level alphabet cannot be decoded; llama.cpp prints a
            // diagnostic in its place. The spelling itself is the more useful text.
            return decoded ?? spelling
        case .byte:
            return byteFallbackValue(spelling).map { [$0] } ?? []
        case .unused, .undefined:
            return []
        }
    }

    /// The byte of a `<0xXX>` spelling.
    static func byteFallbackValue(_ spelling: [UInt8]) -> UInt8? {
        guard spelling.count == 6, spelling.starts(with: Array("<0x".utf8)), spelling[5] == UInt8(ascii: ">") else {
            return nil
        }
        return UInt8(String(decoding: spelling[3..<5], as: UTF8.self), radix: 16)
    }

    /// Markup is matched against valid UTF-8 text; a spelling that is not valid UTF-8 could only
    /// match inside a character, so such tokens are not split out.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
