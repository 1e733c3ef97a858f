/// How text is cut into words before BPE merges inside each word: llama.cpp's regular
/// expressions for each `tokenizer.ggml.pre`, implemented by hand over Unicode scalars.
///
/// llama.cpp applies a list of expressions in order, each one to every segment the previous
/// one produced, keeping the text between matches as segments too. A pre-tokenizer here is
/// the same: a list of `SplitStage`s. Adding one means a new stage for its expression (if
/// needed) and a case listing its stages.
public enum PreTokenizer: String, CaseIterable, Sendable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (GGUF name "gpt-2").
    case gpt2 = "gpt-2"
    /// Every `\p{N}` alone, then the gpt2 expression (SmolLM, StarCoder).
    case smollm = "smollm"
    /// The Llama 3 expression: case-insensitive contractions, letters with one leading
    /// non-letter, digits in threes, line breaks kept with the whitespace before them
    /// (GGUF names "llama-bpe", "llama3", "llama-v3"). Adds BOS and skips merges for whole words.
    case llama3 = "llama-bpe"
    /// The Llama 3 expression with every digit alone (GGUF names "qwen2", "deepseek-r1-qwen").
    case qwen2 = "qwen2"

    /// Other `tokenizer.ggml.pre` spellings llama.cpp maps to the same pre-tokenizer.
    static let aliases: [String: PreTokenizer] = ["llama3": .llama3, "llama-v3": .llama3, "deepseek-r1-qwen": .qwen2]

    /// Every `tokenizer.ggml.pre` name accepted, canonical names first.
    public static var supportedNames: [String] {
        allCases.map(\.rawValue) + aliases.keys.sorted()
    }

    /// The pre-tokenizer `tokenizer.ggml.pre` names; a typed error listing the supported names
    /// for anything else, an absent key included (llama.cpp's degraded "default" is not offered).
    public init(ggufName: String?) throws(TokenizerError) {
        guard let ggufName, let known = PreTokenizer(rawValue: ggufName) ?? Self.aliases[ggufName] else {
            throw .unsupportedPreTokenizer(ggufName, supported: PreTokenizer.supportedNames)
        }
        self = known
    }

    /// llama.cpp's `add_bos` default for this pre-tokenizer, used when the file does not say.
    var addsBOSByDefault: Bool {
        switch self {
        case .gpt2, .smollm, .qwen2: return false
        case .llama3: return true
        }
    }

    /// Whether a word that is itself a vocabulary entry skips merging (llama.cpp's
    /// `ignore_merges`, set for llama3-style tokenizers).
    var ignoresMerges: Bool {
        switch self {
        case .gpt2, .smollm, .qwen2: return false
        case .llama3: return true
        }
    }

    var stages: [SplitStage] {
        switch self {
        case .gpt2: return [.gpt2Words]
        case .smollm: return [.isolateNumbers, .gpt2Words]
        case .llama3: return [.llama3Words(maximumDigits: 3)]
        case .qwen2: return [.llama3Words(maximumDigits: 1)]
        }
    }

    /// The words of `text` (valid UTF-8), as byte ranges covering it in order.
    func words(in text: ArraySlice<UInt8>) -> [Range<Int>] {
        let scalars = ScalarText(text)
        var ends = scalars.isEmpty ? [] : [scalars.count]
        for stage in stages {
            ends = stage.split(scalars, segmentEnds: ends)
        }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(ends.count)
        var start = 0
        for end in ends {
            ranges.append(scalars.byteOffsets[start]..<scalars.byteOffsets[end])
            start = end
        }
        return ranges
    }
}

/// A piece of text as scalars, their classes, and where each starts in the UTF-8.
struct ScalarText {
    var scalars: [Unicode.Scalar] = []
    var classes: [CharacterClass] = []
    /// `byteOffsets[i]` is where scalar `i` starts; one extra entry for the end.
    var byteOffsets: [Int] = []

    init(_ utf8: ArraySlice<UInt8>) {
        scalars.reserveCapacity(utf8.count)
        classes.reserveCapacity(utf8.count)
        byteOffsets.reserveCapacity(utf8.count + 1)
        var offset = utf8.startIndex
        var decoder = UTF8()
        var iterator = utf8.makeIterator()
        // The input is a slice of a Swift string split at valid-UTF-8 boundaries, so decoding
        // never fails; should it, the rest is one "other" scalar so no byte is lost.
        decodeLoop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                classes.append(CharacterClass(scalar))
                byteOffsets.append(offset)
                offset += UTF8.width(scalar)
            case .emptyInput:
                break decodeLoop
            case .error:
                scalars.append("\u{FFFD}")
                classes.append(.other)
                byteOffsets.append(offset)
                offset = utf8.endIndex
                break decodeLoop
            }
        }
        byteOffsets.append(offset)
    }

    var count: Int { scalars.count }
    var isEmpty: Bool { scalars.isEmpty }
}

/// The character classes the pre-tokenizer expressions are written in: `\p{L}`, `\p{N}`, `\s`,
/// and everything else. llama.cpp derives them from Python's `regex` module: `\s` is the Unicode
/// White_Space property and every other scalar (controls, marks, symbols, unassigned) falls in
/// the "other" class of `[^\s\p{L}\p{N}]`. White_Space scalars are never letters or numbers, so
/// the four classes do not overlap.
enum CharacterClass: UInt8 {
    case letter
    case number
    case whitespace
    case other

    /// Classes of the ASCII range, precomputed: almost all text a tokenizer sees is ASCII.
    private static let ascii: [CharacterClass] = (0..<128).map { value in
        switch UInt8(value) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case 0x09...0x0D, 0x20: return .whitespace
        default: return .other
        }
    }

    @inline(__always)
    init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if value < 128 {
            self = CharacterClass.ascii[Int(value)]
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .whitespace
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = .other
        }
    }
}
