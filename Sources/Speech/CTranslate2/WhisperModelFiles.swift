import Foundation

/// The decoding settings CTranslate2's Whisper converter writes to config.json beside model.bin.
public struct WhisperCT2Config: Sendable, Equatable {
    /// A cross-attention head whose weights follow the audio; word timestamps average them.
    public struct AlignmentHead: Sendable, Equatable {
        public let layer: Int
        public let head: Int
        public init(layer: Int, head: Int) {
            self.layer = layer
            self.head = head
        }
    }

    /// Tokens never sampled (symbols and speaker markers Whisper should not emit).
    public let suppressIDs: [Int]
    /// Tokens not sampled as the first token of a segment (a blank, end of text).
    public let suppressIDsBegin: [Int]
    /// The language tokens (`<|en|>` …); present even for English-only models.
    public let langIDs: [Int]
    public let alignmentHeads: [AlignmentHead]

    public init(suppressIDs: [Int], suppressIDsBegin: [Int], langIDs: [Int], alignmentHeads: [AlignmentHead]) {
        self.suppressIDs = suppressIDs
        self.suppressIDsBegin = suppressIDsBegin
        self.langIDs = langIDs
        self.alignmentHeads = alignmentHeads
    }

    /// The file's shape as JSON; the two lists older converters may omit default to empty.
    private struct Stored: Decodable {
        var suppress_ids: [Int]
        var suppress_ids_begin: [Int]
        var lang_ids: [Int]?
        var alignment_heads: [[Int]]?
    }

    /// Decodes config.json's bytes; anything malformed is `.invalidModel` at `path` with a
    /// one-line reason naming the key. Ids are checked against the vocabulary by the caller.
    public static func parse(_ data: Data, path: String) throws(SpeechError) -> WhisperCT2Config {
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: data)
        } catch let error as DecodingError {
            throw .invalidModel(path: path, reason: describe(error))
        } catch {
            throw .invalidModel(path: path, reason: "is malformed JSON")
        }
        var heads: [AlignmentHead] = []
        for (index, pair) in (stored.alignment_heads ?? []).enumerated() {
            guard pair.count == 2, pair[0] >= 0, pair[1] >= 0 else {
                throw .invalidModel(path: path, reason: "alignment_heads[\(index)] is \(pair); expected [layer, head]")
            }
            heads.append(AlignmentHead(layer: pair[0], head: pair[1]))
        }
        return WhisperCT2Config(suppressIDs: stored.suppress_ids, suppressIDsBegin: stored.suppress_ids_begin,
                                langIDs: stored.lang_ids ?? [], alignmentHeads: heads)
    }

    /// A decoding failure in one line: which key, and what was wrong with it.
    private static func describe(_ error: DecodingError) -> String {
        func place(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the top level" : "'\(text)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return place(context.codingPath + [key]) + " is missing"
        case .typeMismatch(let type, let context):
            return place(context.codingPath) + " has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return place(context.codingPath) + " is null (expected \(type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation on Linux reports a fractional or out-of-range number this way too.
            return "is malformed JSON (or holds a number that is not an integer)"
        case .dataCorrupted(let context):
            return place(context.codingPath) + " is not a usable value"
        @unknown default:
            return "is not a readable config.json"
        }
    }
}

/// The installed Whisper model directory as CTranslate2 lays it out, opened and cross-checked:
/// model.bin must be a WhisperSpec of the revision whose variables this code knows, the
/// vocabulary must have one line per row of the token embedding, and every id in config.json
/// must name a token. A wrong or damaged directory fails here, with the file and the reason.
public struct WhisperModelFiles: Sendable {
    /// The only specification revision whose variable layout this code reads.
    public static let specRevision = 3
    /// The file size cap for config.json and vocabulary.txt (real ones are 2 KB and 420 KB), so a
    /// hostile file cannot make us read gigabytes into memory.
    static let maximumTextFileSize = 64 << 20

    public let directory: String
    public let model: CTranslate2Model
    public let config: WhisperCT2Config
    /// vocabulary.txt, one token per line: index = token id. Byte-level BPE tokens as printable
    /// text (a leading space is `Ġ`), exactly as the file spells them.
    public let vocabulary: [String]

    /// `$XDG_DATA_HOME/clicky/models/whisper-tiny.en` (default `~/.local/share/...`), where
    /// scripts/setup.sh installs the model; an empty XDG_DATA_HOME counts as unset, as in the script.
    public static var defaultDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return dataHome + "/clicky/models/whisper-tiny.en"
    }

    public init(directory: String) throws(SpeechError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .invalidModel(path: directory, reason: "no model directory here (scripts/setup.sh installs whisper-tiny.en)")
        }
        self.directory = directory
        model = try CTranslate2Model(path: directory + "/model.bin")
        guard model.specName == "WhisperSpec" else {
            throw .invalidModel(path: model.path, reason: "is a " + CTranslate2Parser.quoted(model.specName)
                                    + " model, not a WhisperSpec")
        }
        guard model.specRevision == Self.specRevision else {
            throw .invalidModel(path: model.path, reason: "is WhisperSpec revision \(model.specRevision); "
                                    + "only revision \(Self.specRevision) is supported")
        }
        let embedding = try model.require("decoder/embeddings/weight")
        guard embedding.shape.count == 2 else {
            throw .invalidModel(path: model.path, reason: "the token embedding has shape \(embedding.shape); expected 2 dimensions")
        }
        let tokenCount = embedding.shape[0]

        let vocabularyPath = directory + "/vocabulary.txt"
        vocabulary = try Self.readVocabulary(try Self.readTextFile(vocabularyPath), path: vocabularyPath)
        guard vocabulary.count == tokenCount else {
            throw .invalidModel(path: vocabularyPath, reason: "has \(vocabulary.count) tokens, but the model's "
                                    + "token embedding has \(tokenCount) rows")
        }

        let configPath = directory + "/config.json"
        config = try WhisperCT2Config.parse(try Self.readTextFile(configPath), path: configPath)
        let lists = [("suppress_ids", config.suppressIDs), ("suppress_ids_begin", config.suppressIDsBegin),
                     ("lang_ids", config.langIDs)]
        for (key, ids) in lists {
            if let bad = ids.firstIndex(where: { !(0..<tokenCount).contains($0) }) {
                throw .invalidModel(path: configPath, reason: "\(key)[\(bad)] is \(ids[bad]), not a token id "
                                        + "(the vocabulary has \(tokenCount))")
            }
        }
    }

    /// The whole file, refusing a missing one, a directory or one past the size cap.
    static func readTextFile(_ path: String) throws(SpeechError) -> Data {
        let attributes: [FileAttributeKey: Any]
        do {
            // Through symbolic links, as a Hugging Face snapshot links its files to blobs.
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            throw .invalidModel(path: path, reason: "the file is missing")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw .invalidModel(path: path, reason: "is not a regular file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumTextFileSize else {
            throw .invalidModel(path: path, reason: "is \(size) bytes, more than the \(maximumTextFileSize) this file may have")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Splits vocabulary.txt into its lines (a final newline ends the last token; a trailing
    /// carriage return is dropped). Empty lines and invalid UTF-8 are refused with their line
    /// number, since either would shift or garble every later token id.
    static func readVocabulary(_ data: Data, path: String) throws(SpeechError) -> [String] {
        var tokens: [String] = []
        var failure: SpeechError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var lines = raw.split(separator: 0x0A, omittingEmptySubsequences: false)
            if lines.last?.isEmpty == true { lines.removeLast() }
            tokens.reserveCapacity(lines.count)
            for (number, line) in lines.enumerated() {
                let text = line.last == 0x0D ? line.dropLast() : line
                guard !text.isEmpty else {
                    failure = .invalidModel(path: path, reason: "line \(number + 1) is empty")
                    return
                }
                guard let token = String(validating: text, as: UTF8.self) else {
                    failure = .invalidModel(path: path, reason: "line \(number + 1) is not valid UTF-8")
                    return
                }
                tokens.append(token)
            }
        }
        if let failure { throw failure }
        guard !tokens.isEmpty else { throw .invalidModel(path: path, reason: "the vocabulary is empty") }
        return tokens
    }
}
