/// Everything a file's header says, checked against the file.
struct ParsedHeader {
    var version: UInt32
    var headerKeyCount: Int
    var metadata: [String: GGUFValue]
    /// Where each key's value type id sits in the file, so getters can point at it.
    var valueOffsets: [String: Int]
    var alignment: Int
    var tensors: [GGUFTensorInfo]
    var tensorIndex: [String: Int]
    var dataSectionOffset: Int
    var dataSectionSize: Int
}

/// Parses and validates the header, metadata and tensor directory of a GGUF file.
///
/// The rules follow the llama.cpp parser CVEs of 2024–2026: every count, length, offset,
/// dimension and size is checked for overflow and against the bytes that are really there
/// before it is used, so hostile files fail with a `GGUFError` instead of a huge allocation,
/// a wrapped length or a read outside the file.
enum HeaderParser {
    /// `GGUF` read as a little-endian UInt32.
    static let magic: UInt32 = 0x4655_4747
    static let supportedVersions: ClosedRange<UInt32> = 2...3
    static let defaultAlignment = 32
    /// No real file aligns beyond a page; a bound keeps padding arithmetic small.
    static let maximumAlignment = 1 << 20
    /// The spec's limit on key length.
    static let maximumKeyLength = 65_535
    /// Smallest possible key-value pair: key length (8), value type (4), a one-byte value.
    static let minimumKeyValueSize = 13

    static func parse(_ storage: ByteStorage) throws(GGUFError) -> ParsedHeader {
        var cursor = ByteCursor(storage.bytes)
        let version = try readPreamble(&cursor)

        let tensorCountOffset = cursor.position
        let rawTensorCount = try cursor.u64(field: "tensor_count")
        let keyCountOffset = cursor.position
        let rawKeyCount = try cursor.u64(field: "metadata_kv_count")
        // Each count alone must fit in what follows, and then both together.
        let keyCount = try cursor.checkedCount(rawKeyCount, minimumItemSize: minimumKeyValueSize,
                                               field: "metadata_kv_count", at: keyCountOffset)
        let tensorCount = try cursor.checkedCount(rawTensorCount, minimumItemSize: TensorDirectory.minimumEntrySize,
                                                  field: "tensor_count", at: tensorCountOffset)
        let minimumNeeded = keyCount * minimumKeyValueSize + tensorCount * TensorDirectory.minimumEntrySize
        guard minimumNeeded <= cursor.remaining else {
            throw GGUFError(.countTooLarge, field: "tensor_count", byteOffset: tensorCountOffset,
                            problem: "is \(tensorCount) with \(keyCount) metadata keys, needing at least "
                                + "\(minimumNeeded) bytes, but only \(cursor.remaining) follow")
        }

        var metadata: [String: GGUFValue] = [:]
        var valueOffsets: [String: Int] = [:]
        metadata.reserveCapacity(keyCount)
        valueOffsets.reserveCapacity(keyCount)
        for index in 0..<keyCount {
            let keyOffset = cursor.position
            let keyBytes = try cursor.stringBytes(field: "metadata[\(index)].key", maximumLength: maximumKeyLength)
            guard let key = String(validating: keyBytes, as: UTF8.self) else {
                throw GGUFError(.invalidUTF8, field: "metadata[\(index)].key", byteOffset: keyOffset,
                                problem: "is not valid UTF-8")
            }
            guard metadata[key] == nil else {
                throw GGUFError(.duplicateKey, field: "metadata[\(index)].key", byteOffset: keyOffset,
                                subject: "metadata key " + GGUFError.quoted(key), problem: "appears twice")
            }
            let valueOffset = cursor.position
            let type = try ValueReader.valueType(from: &cursor, field: "metadata[\(index)].type",
                                                 subject: "metadata key " + GGUFError.quoted(key))
            metadata[key] = try ValueReader.value(of: type, from: &cursor, storage: storage, field: key, depth: 0)
            valueOffsets[key] = valueOffset
        }

        let alignment = try readAlignment(metadata, valueOffsets)
        let directory = try TensorDirectory.read(count: tensorCount, from: &cursor, alignment: alignment)
        let data = try directory.checkBounds(headerEnd: cursor.position, fileSize: storage.count,
                                             alignment: alignment)
        return ParsedHeader(version: version, headerKeyCount: keyCount, metadata: metadata,
                            valueOffsets: valueOffsets, alignment: alignment, tensors: directory.tensors,
                            tensorIndex: directory.index, dataSectionOffset: data.offset,
                            dataSectionSize: data.size)
    }

    /// Checks the magic and returns the version.
    private static func readPreamble(_ cursor: inout ByteCursor) throws(GGUFError) -> UInt32 {
        let found = try cursor.u32(field: "magic")
        guard found == magic else {
            let bytes = withUnsafeBytes(of: found.littleEndian) { Array($0) }
            let shown = String(decoding: bytes.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") },
                               as: UTF8.self)
            throw GGUFError(.badMagic, field: "magic", byteOffset: 0, subject: "the file",
                            problem: "starts with " + GGUFError.quoted(shown) + ", not 'GGUF': it is not a GGUF model")
        }
        let versionOffset = cursor.position
        let version = try cursor.u32(field: "version")
        guard supportedVersions.contains(version) else {
            let hint: String
            if supportedVersions.contains(version.byteSwapped) {
                hint = "; the file is big-endian, and only little-endian files are supported"
            } else if version == 1 {
                hint = "; version 1 files predate the current format, so convert the model again"
            } else {
                hint = ""
            }
            throw GGUFError(.unsupportedVersion, field: "version", byteOffset: versionOffset,
                            subject: "GGUF version \(version)", problem: "is not supported (only 2 and 3)" + hint)
        }
        return version
    }

    /// `general.alignment` when present (a uint32 power of two up to 1 MiB), else 32.
    private static func readAlignment(_ metadata: [String: GGUFValue],
                                      _ offsets: [String: Int]) throws(GGUFError) -> Int {
        let key = "general.alignment"
        guard let value = metadata[key] else { return defaultAlignment }
        guard case .uint32(let raw) = value else {
            throw GGUFError(.badAlignment, field: key, byteOffset: offsets[key],
                            problem: "is a \(value.typeName); the format requires a uint32")
        }
        guard raw != 0, raw & (raw - 1) == 0, raw <= maximumAlignment else {
            throw GGUFError(.badAlignment, field: key, byteOffset: offsets[key],
                            problem: "is \(raw); it must be a power of two from 1 to \(maximumAlignment)")
        }
        return Int(raw)
    }
}
