/// Builds GGUF model files: metadata of every value type, then tensors with their raw bytes,
/// laid out exactly as `GGUFFile` reads them.
///
/// Everything is checked when it is handed over, against the limits the reader enforces (key
/// and name lengths, array nesting, `general.alignment`, dimensions, byte counts), so a writer
/// that accepted its input always produces a file that opens. Writing to a path is atomic: the
/// file is written under a temporary name in the destination directory, flushed, and renamed
/// into place, so a reader sees the old file or the whole new one, never half a model.
///
///     var writer = GGUFWriter()
///     try writer.setValue(.text("llama"), forKey: "general.architecture")
///     try writer.addTensor(name: "output_norm.weight", type: .f32, dimensions: [576], bytes: norm)
///     try writer.write(toPath: path)
public struct GGUFWriter: Sendable {
    /// The format versions this writer produces. Little-endian v2 and v3 files differ only in
    /// the version field (v3 added big-endian files, which this writer never makes).
    public enum Version: UInt32, Sendable {
        case v2 = 2
        case v3 = 3
    }

    /// One tensor as it will be stored.
    public struct Tensor: Sendable, Equatable {
        /// The tensor's name, e.g. `blk.0.attn_q.weight`.
        public let name: String
        /// The element encoding of `bytes`.
        public let type: GGMLType
        /// Extents in GGML order: `dimensions[0]` is the contiguous (row) length.
        public let dimensions: [Int]
        /// The encoded elements: exactly `type.byteCount(elements:)` of the dimensions' product.
        public let bytes: [UInt8]
    }

    /// Where everything lands in the file, computed before anything is written.
    public struct Layout: Sendable, Equatable {
        /// Bytes of the header: preamble, metadata and tensor directory.
        public var headerSize: Int
        /// File offset of the data section (the header size rounded up to the alignment).
        public var dataOffset: Int
        /// Each tensor's offset from the start of the data section, in `tensors` order.
        public var tensorOffsets: [Int]
        /// Size of the whole file. A file without tensors ends right after its header; otherwise
        /// the last tensor is padded to the alignment, as llama.cpp's gguf-py writer pads it.
        public var fileSize: Int
    }

    /// The version field written into the file.
    public var version: Version
    /// The metadata in the order it will be written.
    public private(set) var metadata: [(key: String, value: Value)] = []
    /// The tensors in the order their entries and data will be written.
    public private(set) var tensors: [Tensor] = []
    /// Names in `tensors`, for the duplicate check.
    private var tensorNames: Set<String> = []

    /// The longest key the format allows.
    public static let maximumKeyLength = HeaderParser.maximumKeyLength
    /// The longest tensor name the format allows.
    public static let maximumNameLength = TensorDirectory.maximumNameLength

    /// An empty file of `version`.
    public init(version: Version = .v3) {
        self.version = version
    }

    /// The data alignment: `general.alignment` when set, else 32.
    public var alignment: Int {
        if case .uint32(let value)? = value(forKey: "general.alignment") { return Int(value) }
        return HeaderParser.defaultAlignment
    }

    /// The value stored under `key`, or nil.
    public func value(forKey key: String) -> Value? {
        metadata.first { $0.key == key }?.value
    }

    /// Stores `value` under `key`, replacing an earlier value in place (keeping its position).
    /// - Throws: `.invalidKey` for an empty key or one longer than 65 535 bytes;
    ///   `.invalidValue` for an array holding an element of another type or nesting arrays
    ///   more than two deep, or a `general.alignment` that is not a uint32 power of two up to 1 MiB.
    public mutating func setValue(_ value: Value, forKey key: String) throws(GGUFWriteError) {
        let subject = "key " + GGUFError.quoted(key)
        guard !key.isEmpty, key.utf8.count <= Self.maximumKeyLength else {
            throw GGUFWriteError(.invalidKey, subject: subject,
                                 problem: "must be 1 to \(Self.maximumKeyLength) bytes long, not \(key.utf8.count)")
        }
        try value.validate(subject: subject, depth: 0)
        if key == "general.alignment" {
            guard case .uint32(let raw) = value, raw != 0, raw & (raw - 1) == 0,
                  Int(raw) <= HeaderParser.maximumAlignment else {
                throw GGUFWriteError(.invalidValue, subject: subject, problem: "is \(value); it must be a "
                                     + "uint32 power of two from 1 to \(HeaderParser.maximumAlignment)")
            }
        }
        if let index = metadata.firstIndex(where: { $0.key == key }) {
            metadata[index].value = value
        } else {
            metadata.append((key, value))
        }
    }

    /// Removes `key` and its value, if present.
    public mutating func removeValue(forKey key: String) {
        metadata.removeAll { $0.key == key }
    }

    /// Copies every metadata value of `file`, in the order the file stores them, over any
    /// values this writer already has under the same keys.
    /// - Throws: `.unreadableSource` when an array of `file` cannot be decoded.
    public mutating func copyMetadata(from file: GGUFFile) throws(GGUFWriteError) {
        let keys = file.metadata.keys.sorted { (file.byteOffset(ofKey: $0) ?? 0) < (file.byteOffset(ofKey: $1) ?? 0) }
        for key in keys {
            guard let stored = file.metadata[key] else { continue }
            let value: Value
            do {
                value = try Value(stored)
            } catch {
                throw GGUFWriteError(.unreadableSource, subject: "key " + GGUFError.quoted(key),
                                     problem: "cannot be copied: \(error)")
            }
            try setValue(value, forKey: key)
        }
    }

    /// Appends a tensor whose elements are already encoded as `type`.
    /// - Throws: `.invalidName` for an empty name or one longer than 64 bytes,
    ///   `.duplicateTensor` for a name already added, `.badDimensions` for anything but 1 to 4
    ///   dimensions of at least 1 with rows of whole blocks and a representable size, and
    ///   `.byteCountMismatch` when `bytes` is not exactly the size those elements take.
    public mutating func addTensor(name: String, type: GGMLType, dimensions: [Int],
                                   bytes: [UInt8]) throws(GGUFWriteError) {
        let subject = "tensor " + GGUFError.quoted(name)
        guard !name.isEmpty, name.utf8.count <= Self.maximumNameLength else {
            throw GGUFWriteError(.invalidName, subject: subject,
                                 problem: "must have a name of 1 to \(Self.maximumNameLength) bytes, not \(name.utf8.count)")
        }
        guard !tensorNames.contains(name) else {
            throw GGUFWriteError(.duplicateTensor, subject: subject, problem: "was already added")
        }
        guard (1...TensorDirectory.maximumDimensions).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 1 }) else {
            throw GGUFWriteError(.badDimensions, subject: subject,
                                 problem: "has dimensions \(dimensions); 1 to 4 dimensions of at least 1 are allowed")
        }
        var elements = 1
        for extent in dimensions {
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw GGUFWriteError(.badDimensions, subject: subject, problem: "has dimensions \(dimensions), "
                                     + "whose element count overflows")
            }
            elements = product
        }
        guard dimensions[0] % type.blockSize == 0, let expected = type.byteCount(elements: elements) else {
            throw GGUFWriteError(.badDimensions, subject: subject, problem: "has rows of \(dimensions[0]) elements, "
                                 + "not a whole number of \(type) blocks of \(type.blockSize)")
        }
        guard bytes.count == expected else {
            throw GGUFWriteError(.byteCountMismatch, subject: subject, problem: "has \(bytes.count) bytes, but "
                                 + "\(elements) \(type) elements take \(expected)")
        }
        tensors.append(Tensor(name: name, type: type, dimensions: dimensions, bytes: bytes))
        tensorNames.insert(name)
    }

    /// Where the header, the data section and each tensor will be.
    public var layout: Layout {
        layout(headerSize: header().encodedSize)
    }

    /// The whole file in memory.
    public func encoded() -> [UInt8] {
        encoded(header: header())
    }

    /// Writes the file to `path` atomically: to a temporary file in the same directory, flushed
    /// to disk, then renamed over `path`. On any failure the temporary file is removed and
    /// whatever was at `path` before is left untouched.
    /// - Throws: `.cannotWrite` with the system's reason.
    public func write(toPath path: String) throws(GGUFWriteError) {
        let headerBytes = header().encoded()
        let plan = layout(headerSize: headerBytes.count)
        let output = try AtomicFileOutput(destination: path)
        try output.append(headerBytes)
        var position = headerBytes.count
        for (tensor, offset) in zip(tensors, plan.tensorOffsets) {
            try output.appendZeros(plan.dataOffset + offset - position)
            try output.append(tensor.bytes)
            position = plan.dataOffset + offset + tensor.bytes.count
        }
        try output.appendZeros(plan.fileSize - position)
        try output.commit()
    }

    // MARK: - Internals shared with the reader's tests

    /// The header this writer's contents describe, field by field.
    func header() -> RawHeader {
        let plan = layout(headerSize: 0)
        var header = RawHeader(version: version.rawValue)
        header.keyCount = UInt64(metadata.count)
        header.tensorCount = UInt64(tensors.count)
        header.pairs = metadata.map { RawHeader.Pair(key: Array($0.key.utf8), typeID: $0.value.type.rawValue,
                                                     payload: $0.value.payload()) }
        header.entries = zip(tensors, plan.tensorOffsets).map { tensor, offset in
            RawHeader.Entry(name: Array(tensor.name.utf8), dimensions: tensor.dimensions.map { UInt64($0) },
                            typeID: tensor.type.rawValue, offset: UInt64(offset))
        }
        return header
    }

    /// `header` followed by this writer's data section (tests pass damaged headers here).
    func encoded(header: RawHeader) -> [UInt8] {
        var bytes = header.encoded()
        let plan = layout(headerSize: bytes.count)
        bytes.reserveCapacity(plan.fileSize)
        for (tensor, offset) in zip(tensors, plan.tensorOffsets) {
            bytes += repeatElement(0, count: plan.dataOffset + offset - bytes.count)
            bytes += tensor.bytes
        }
        bytes += repeatElement(0, count: max(0, plan.fileSize - bytes.count))
        return bytes
    }

    /// The layout for a header of `headerSize` bytes: each tensor at the next aligned offset.
    private func layout(headerSize: Int) -> Layout {
        let alignment = self.alignment
        func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
        var offsets: [Int] = []
        var next = 0
        for tensor in tensors {
            offsets.append(next)
            next = aligned(next + tensor.bytes.count)
        }
        let dataOffset = aligned(headerSize)
        return Layout(headerSize: headerSize, dataOffset: dataOffset, tensorOffsets: offsets,
                      fileSize: tensors.isEmpty ? headerSize : dataOffset + next)
    }
}

/// Why a `GGUFWriter` refused its input or could not write the file.
///
/// `description` is one line, e.g. `cannot write GGUF: tensor 'blk.0.attn_q.weight' has 1000
/// bytes, but 576 Q8_0 elements take 612`.
public struct GGUFWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The class of problem.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A metadata key that is empty or longer than the format allows.
        case invalidKey
        /// A metadata value the reader would refuse: a mixed or too deeply nested array, or an
        /// invalid `general.alignment`.
        case invalidValue
        /// A tensor name that is empty or longer than the format allows.
        case invalidName
        /// A tensor name given twice.
        case duplicateTensor
        /// Dimensions that are not 1 to 4 extents of at least 1, rows that are not whole
        /// blocks, or an element count or byte size that overflows.
        case badDimensions
        /// Tensor bytes whose count is not what the type and dimensions take.
        case byteCountMismatch
        /// A value of a source file that could not be decoded for copying.
        case unreadableSource
        /// The file could not be created, written, flushed or renamed into place.
        case cannotWrite
    }

    /// The class of problem.
    public let kind: Kind
    /// What is wrong, as a reader would name it, e.g. `tensor 'output.weight'`, or the path.
    public let subject: String
    /// What is wrong with it, completing the sentence that starts with `subject`.
    public let problem: String

    init(_ kind: Kind, subject: String, problem: String) {
        self.kind = kind
        self.subject = subject
        self.problem = problem
    }

    /// Creating, writing, flushing or renaming the file at `path` failed for `reason`.
    static func cannotWrite(path: String, reason: String) -> GGUFWriteError {
        GGUFWriteError(.cannotWrite, subject: GGUFError.quoted(path), problem: reason)
    }

    public var description: String {
        kind == .cannotWrite ? "cannot write model file \(subject): \(problem)" : "cannot write GGUF: \(subject) \(problem)"
    }
}
