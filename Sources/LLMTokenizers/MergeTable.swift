/// The BPE merge list as a lookup from a pair of adjacent symbols to the merge's rank (its
/// position in `tokenizer.ggml.merges`; lower merges first) and the symbol it produces.
///
/// Symbols are vocabulary token ids, plus ids from `vocabularySize` up for byte strings that
/// appear in merges but are no token (possible in principle; no known vocabulary has them).
/// Working on ids makes a merge step one hash lookup of two integers instead of string work.
struct MergeTable: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    private let merges: [UInt64: Merge]
    /// The symbol for each single byte.
    let byteSymbols: [Int32]
    /// Bytes of the symbols that are no vocabulary token, indexed by `id - vocabularySize`.
    let extraSymbolBytes: [[UInt8]]
    let vocabularySize: Int

    init(merges mergeSpellings: [[UInt8]], vocabulary: ByteLevelVocabulary) {
        var symbols = SymbolInterner(vocabulary: vocabulary)
        byteSymbols = (0..<256).map { symbols.id(for: [UInt8($0)][...]) }

        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergeSpellings.count)
        var pair: [UInt8] = []
        var right: [UInt8] = []
        for (rank, spelling) in mergeSpellings.enumerated() {
            // "left right": split at the first space after the first byte (llama.cpp does the
            // same). Byte-level spellings contain no literal space, so there is exactly one.
            // `pair` collects left then right decoded, so it ends as the merged bytes.
            guard spelling.count > 2, rank < Int(Int32.max),
                  let space = spelling[1...].firstIndex(of: UInt8(ascii: " ")),
                  ByteLevelAlphabet.decode(spelling[..<space], into: &pair),
                  ByteLevelAlphabet.decode(spelling[(space + 1)...], into: &right),
                  !pair.isEmpty, !right.isEmpty
            else {
                continue  // a malformed merge can never apply; llama.cpp keeps it inert as well
            }
            let leftCount = pair.count
            pair.append(contentsOf: right)
            let key = Self.key(symbols.id(for: pair[..<leftCount]), symbols.id(for: right[...]))
            // The first occurrence of a pair keeps its rank, as llama.cpp's emplace does.
            if merges[key] == nil {
                merges[key] = Merge(rank: Int32(rank), result: symbols.id(for: pair[...]))
            }
        }
        self.merges = merges
        vocabularySize = vocabulary.count
        extraSymbolBytes = symbols.extraBytes
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? {
        merges[Self.key(left, right)]
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// Gives every byte string in the merge list a symbol id: its token id when it is a token,
/// otherwise a new id past the vocabulary.
private struct SymbolInterner {
    let vocabulary: ByteLevelVocabulary
    var extraIDs = ByteStringTable<Int32>()
    var extraBytes: [[UInt8]] = []

    mutating func id(for bytes: ArraySlice<UInt8>) -> Int32 {
        if let id = vocabulary.idsByBytes[bytes] { return id }
        if let id = extraIDs[bytes] { return id }
        let id = Int32(vocabulary.count + extraBytes.count)
        extraIDs.updateValue(id, forKey: Array(bytes))
        extraBytes.append(Array(bytes))
        return id
    }
}
