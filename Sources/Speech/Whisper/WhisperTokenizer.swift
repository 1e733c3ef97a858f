import LLMTokenizers

/// Token ids → text for Whisper's vocabulary (vocabulary.txt: one GPT-2 byte-level spelling
/// per line, index = id), and the special tokens decoding needs, looked up by spelling rather
/// than assumed: for tiny.en <|endoftext|> 50256, <|startoftranscript|> 50257,
/// <|notimestamps|> 50362 and the first timestamp <|0.00|> 50363. Every id from <|endoftext|>
/// on is a special or timestamp token and never part of the text.
public struct WhisperTokenizer: Sendable {
    /// Raw bytes of every id below `endOfText`.
    private let pieces: [[UInt8]]
    public let endOfText: Int
    public let startOfTranscript: Int
    public let noTimestamps: Int
    public let timestampBegin: Int
    /// Number of ids, specials included.
    public let count: Int

    /// - Throws: `.invalidModel` when a special token is missing or a text token is not a valid
    ///   byte-level spelling.
    public init(vocabulary: [String], path: String) throws(SpeechError) {
        func id(_ spelling: String) throws(SpeechError) -> Int {
            guard let id = vocabulary.firstIndex(of: spelling) else {
                throw .invalidModel(path: path, reason: "the vocabulary has no \(spelling) token")
            }
            return id
        }
        endOfText = try id("<|endoftext|>")
        startOfTranscript = try id("<|startoftranscript|>")
        noTimestamps = try id("<|notimestamps|>")
        timestampBegin = try id("<|0.00|>")
        guard startOfTranscript > endOfText, noTimestamps > startOfTranscript, timestampBegin > noTimestamps else {
            throw .invalidModel(path: path, reason: "the special tokens are not in Whisper's order")
        }
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(endOfText)
        for (id, spelling) in vocabulary[..<endOfText].enumerated() {
            guard let bytes = Self.bytes(spelledAs: spelling) else {
                throw .invalidModel(path: path, reason: "token \(id) is not a byte-level spelling")
            }
            pieces.append(bytes)
        }
        self.pieces = pieces
        count = vocabulary.count
    }

    /// The text of `ids`: the bytes of the text tokens joined (specials and timestamps
    /// skipped), read as UTF-8 (an invalid sequence becomes U+FFFD, as in the Python tokenizer).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < endOfText { bytes += pieces[id] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes a GPT-2 byte-level spelling stands for (`Ġ` is a space), or nil when a character
    /// is outside the alphabet: the engine's own alphabet, so Whisper and the LLM tokenizers
    /// cannot disagree about a byte.
    static func bytes(spelledAs spelling: String) -> [UInt8]? {
        ByteLevelAlphabet.decode(Array(spelling.utf8))
    }
}
