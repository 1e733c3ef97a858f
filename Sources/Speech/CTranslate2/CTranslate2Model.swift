/// An open CTranslate2 model.bin: its header, its variables and their aliases.
///
/// Opening maps the file read-only and validates the whole layout up front (see
/// `CTranslate2Parser`), so afterwards a lookup can only miss, never read outside the file.
/// Variable data is not read here: a weight's pages arrive when the network first touches them,
/// which keeps opening the 75 MB tiny.en model to a few milliseconds. Immutable after init, so
/// one model can be shared by any number of threads.
public final class CTranslate2Model: Sendable {
    /// The binary layout version: 4 to 6 (the tiny.en conversion is 6).
    public let version: Int
    /// The specification the converter wrote, e.g. "WhisperSpec"; it decides which variables exist.
    public let specName: String
    /// The specification's revision; CTranslate2 bumps it whenever its variables change.
    public let specRevision: Int
    /// The path the model was opened from (for error messages).
    public let path: String
    /// Alias name → the stored variable it stands for. CTranslate2's converter writes a variable
    /// once and aliases its copies (tiny.en: `decoder/projection/weight` → the token embedding).
    public let aliases: [String: String]

    private let file: CT2FileBytes
    private let entries: [String: CT2Entry]

    /// Maps and validates the model.bin at `path`. A missing file, a directory, an empty file or
    /// anything wrong inside it is `.invalidModel` naming the problem; failing to read an
    /// existing file (permissions, mmap) is `.io`.
    public convenience init(path: String) throws(SpeechError) {
        try self.init(file: try CT2FileBytes(mapping: path), path: path)
    }

    /// Parses a copy of `bytes` through exactly the path `init(path:)` takes; `path` only labels
    /// errors. For tests and tools that build or damage files in memory.
    convenience init(bytes: [UInt8], path: String) throws(SpeechError) {
        try self.init(file: CT2FileBytes(copying: bytes), path: path)
    }

    private init(file: CT2FileBytes, path: String) throws(SpeechError) {
        let layout: CT2Layout
        do {
            layout = try CTranslate2Parser.parse(file.bytes)
        } catch {
            throw .invalidModel(path: path, reason: error.reason)
        }
        self.file = file
        self.path = path
        version = layout.version
        specName = layout.specName
        specRevision = layout.specRevision
        aliases = layout.aliases
        var entries: [String: CT2Entry] = [:]
        entries.reserveCapacity(layout.entries.count)
        for entry in layout.entries { entries[entry.name] = entry }
        self.entries = entries
    }

    /// Size of model.bin in bytes.
    public var fileSize: Int { file.count }

    /// The stored variables' names, sorted (aliases are in `aliases`).
    public var variableNames: [String] { entries.keys.sorted() }

    /// The variable called `name`, following an alias to its target; nil when neither exists.
    public func variable(_ name: String) -> CTranslate2Variable? {
        guard let entry = entries[aliases[name] ?? name] else { return nil }
        return CTranslate2Variable(name: entry.name, shape: entry.shape, dataType: entry.dataType,
                                   fileOffset: entry.offset, elementCount: entry.elementCount, file: file)
    }

    /// The variable called `name` (aliases followed), which must exist and, when `shape` is
    /// given, have exactly that shape. Otherwise `.invalidModel` names the variable, so a model
    /// of the wrong size fails when it is loaded, not with a bad read in the middle of a layer.
    public func require(_ name: String, shape: [Int]? = nil) throws(SpeechError) -> CTranslate2Variable {
        guard let variable = variable(name) else {
            throw .invalidModel(path: path, reason: "variable " + CTranslate2Parser.quoted(name) + " is missing")
        }
        if let shape, variable.shape != shape {
            throw .invalidModel(path: path, reason: "variable " + CTranslate2Parser.quoted(name)
                                    + " has shape \(variable.shape), expected \(shape)")
        }
        return variable
    }

    /// A scalar setting stored as a rank-0 integer variable (`encoder/num_heads`,
    /// `decoder/alignment_layer`, …), which must exist and be a scalar of an integer type.
    public func requireInteger(_ name: String) throws(SpeechError) -> Int {
        let variable = try require(name, shape: [])
        let raw = variable.bytes
        switch variable.dataType {
        case .int8: return Int(raw.loadUnaligned(as: Int8.self))
        case .int16: return Int(Int16(littleEndian: raw.loadUnaligned(as: Int16.self)))
        case .int32: return Int(Int32(littleEndian: raw.loadUnaligned(as: Int32.self)))
        case .float32, .float16, .bfloat16:
            throw .invalidModel(path: path, reason: "variable " + CTranslate2Parser.quoted(name)
                                    + " is a \(variable.dataType) scalar, expected an integer")
        }
    }
}
