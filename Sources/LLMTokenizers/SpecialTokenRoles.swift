/// Which tokens play special roles, and the set that ends generation, decided as llama.cpp
/// decides them: ids from metadata first, then well-known spellings. Detecting a role by
/// spelling also makes that token `control`, since some converters mislabel them.
struct SpecialTokenRoles: Sendable {
    let bos: TokenID?
    let eos: TokenID?
    let eot: TokenID?
    let eom: TokenID?
    let endOfGeneration: Set<TokenID>

    init(_ metadata: TokenizerMetadata, kinds: inout [TokenKind]) throws(TokenizerError) {
        bos = try metadata.checkedID(.bos)
        eos = try metadata.checkedID(.eos)
        // Only spellings that could be markup are worth comparing: every candidate is short and
        // starts with "<", "[", "_" or "▁<" (E2 96 81 3C) — a SentencePiece vocabulary has 100k+
        // "▁" words that are none. Compared as bytes, never as String (hashing Unicode-normalised
        // Strings cost a Gemma load ~0.25 s).
        let starts: [UInt8] = [UInt8(ascii: "<"), UInt8(ascii: "["), UInt8(ascii: "_")]
        let candidates: [(id: TokenID, spelling: [UInt8])] = metadata.tokens.indices.compactMap { index in
            let spelling = metadata.tokens[index]
            guard spelling.count <= SpecialTokenNames.longestSpelling, let first = spelling.first else { return nil }
            let markup = starts.contains(first)
                || spelling.count > 3 && spelling[0] == 0xE2 && spelling[1] == 0x96 && spelling[2] == 0x81
                    && spelling[3] == UInt8(ascii: "<")
            return markup ? (TokenID(index), spelling) : nil
        }

        var detected: [SpecialTokenRole: TokenID] = [:]
        for (role, spellings) in SpecialTokenNames.detectedRoles {
            if let id = try metadata.checkedID(role) {
                detected[role] = id
            } else if let match = candidates.first(where: { spellings.contains($0.spelling) }) {
                // llama.cpp takes whichever match its hash map yields first; the lowest id is
                // the deterministic choice (every EOT candidate ends generation anyway).
                detected[role] = match.id
                kinds[Int(match.id)] = .control
            }
        }
        eot = detected[.eot]
        eom = detected[.eom]

        var endOfGeneration = Set([.fillInMiddlePad, .fillInMiddleRepository, .fillInMiddleSeparator].compactMap { detected[$0] })
        var idsBySpelling: [[UInt8]: TokenID] = [:]
        for candidate in candidates {
            idsBySpelling[candidate.spelling] = idsBySpelling[candidate.spelling] ?? candidate.id
            if SpecialTokenNames.endOfGenerationBytes.contains(candidate.spelling) {
                endOfGeneration.insert(candidate.id)
                kinds[Int(candidate.id)] = .control
            }
        }
        let id = { (spelling: String) in idsBySpelling[Array(spelling.utf8)] }
        // gpt-oss channel markup is content the user should see.
        for spelling in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let id = id(spelling) { kinds[Int(id)] = .userDefined }
        }
        endOfGeneration.formUnion([eos, eot, eom].compactMap { $0 })

        // Harmony-style vocabularies end a message with <|end|> but a turn with <|return|> or
        // <|call|>; there <|end|> must not stop generation. Gemma 4 likewise for </s>.
        let endOfGenerationSpellings = Set(endOfGeneration.map { metadata.tokens[Int($0)] })
        let has = { (spelling: String) in endOfGenerationSpellings.contains(Array(spelling.utf8)) }
        let hasCall = has("<|call|>") || has("<|calls|>")
        if let end = id("<|end|>"), has("<|end|>"), hasCall, has("<|return|>") || has("<|flush|>") {
            endOfGeneration.remove(end)
            kinds[Int(end)] = .userDefined
        }
        if let slashS = id("</s>"), has("</s>"), has("<|tool_response>") {
            endOfGeneration.remove(slashS)
            kinds[Int(slashS)] = .normal
        }
        self.endOfGeneration = endOfGeneration
    }
}

/// Spellings llama.cpp recognises by text because converters have not always recorded the role
/// in metadata (llama-vocab.cpp, "auto-detect special tokens by text"). Facts about llama.cpp's
/// behaviour, kept as data so they can be compared with it line by line.
enum SpecialTokenNames {
    /// Candidates for EOT when `tokenizer.ggml.eot_token_id` is absent.
    static let endOfTurn: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    static let endOfMessage: Set<String> = ["<|eom_id|>"]
    static let fillInMiddlePrefix: Set<String> = [
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
        "<|code_prefix|>", "<|prefix|>",
    ]
    static let fillInMiddleSuffix: Set<String> = [
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
        "<|code_suffix|>", "<|suffix|>",
    ]
    static let fillInMiddleMiddle: Set<String> = [
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
        "<|code_middle|>", "<|middle|>",
    ]
    static let fillInMiddlePad: Set<String> = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fillInMiddleRepository: Set<String> = [
        "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>",
    ]
    static let fillInMiddleSeparator: Set<String> = ["<|file_sep|>"]

    /// Spellings that end generation wherever they appear in a vocabulary.
    static let endOfGeneration: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

    /// The roles auto-detected by spelling, with their candidates (as UTF-8 bytes). Every
    /// detected token is forced to `control`. FIM pad/repository/separator also end generation.
    static let detectedRoles: [(role: SpecialTokenRole, spellings: Set<[UInt8]>)] = ([
        (.eot, endOfTurn), (.eom, endOfMessage),
        (.fillInMiddlePrefix, fillInMiddlePrefix), (.fillInMiddleSuffix, fillInMiddleSuffix),
        (.fillInMiddleMiddle, fillInMiddleMiddle), (.fillInMiddlePad, fillInMiddlePad),
        (.fillInMiddleRepository, fillInMiddleRepository), (.fillInMiddleSeparator, fillInMiddleSeparator),
    ] as [(SpecialTokenRole, Set<String>)]).map { role, spellings in (role, Set(spellings.map { Array($0.utf8) })) }

    /// `endOfGeneration` as UTF-8 bytes.
    static let endOfGenerationBytes = Set(endOfGeneration.map { Array($0.utf8) })

    /// No spelling above is longer than this many bytes, so longer tokens need no comparing.
    static let longestSpelling = ([endOfGeneration] + [endOfTurn, endOfMessage, fillInMiddlePrefix, fillInMiddleSuffix,
                                   fillInMiddleMiddle, fillInMiddlePad, fillInMiddleRepository, fillInMiddleSeparator])
        .flatMap { $0 }.map(\.utf8.count).max() ?? 0
}
