@testable import GGUF

/// A metadata value as a damaged file may store it: a valid value, any type id with any
/// payload, or an array whose elements may be either.
indirect enum RawValue {
    case valid(GGUFWriter.Value)
    case raw(typeID: UInt32, payload: [UInt8])
    case array(GGUFValueType, [RawValue])

    var typeID: UInt32 {
        switch self {
        case .valid(let value): return value.type.rawValue
        case .raw(let typeID, _): return typeID
        case .array: return GGUFValueType.array.rawValue
        }
    }

    /// The encoding without the leading type id, as array elements are stored.
    var payload: [UInt8] {
        switch self {
        case .valid(let value): return value.payload()
        case .raw(_, let payload): return payload
        case .array(let type, let elements):
            var sink = ByteSink()
            sink.append(type.rawValue)
            sink.append(UInt64(elements.count))
            for element in elements { sink.bytes += element.payload }
            return sink.bytes
        }
    }
}

/// Files the public writer refuses to make, for testing the reader. It starts from a
/// `GGUFWriter`'s header and data section, and a test changes any header field (keys and
/// names as raw bytes, counts, type ids, dimensions, offsets) before taking the bytes; the
/// encoding itself is the writer's.
struct DamagedFile {
    let writer: GGUFWriter
    var header: RawHeader

    init(_ writer: GGUFWriter = GGUFWriter()) {
        self.writer = writer
        header = writer.header()
    }

    /// Appends a key-value pair and counts it.
    mutating func add(_ key: String, _ value: RawValue) {
        add(keyBytes: Array(key.utf8), value)
    }

    /// Appends a pair whose key is `keyBytes` exactly (invalid UTF-8, too long, a duplicate).
    mutating func add(keyBytes: [UInt8], _ value: RawValue) {
        header.pairs.append(RawHeader.Pair(key: keyBytes, typeID: value.typeID, payload: value.payload))
        header.keyCount += 1
    }

    /// Changes the directory entry of tensor `index`; its data stays where the writer put it.
    mutating func changeTensor(_ index: Int, _ change: (inout RawHeader.Entry) -> Void) {
        change(&header.entries[index])
    }

    /// The damaged header followed by the writer's data section.
    var bytes: [UInt8] { writer.encoded(header: header) }

    /// The damaged header alone, as if the file were cut before its data.
    var headerBytes: [UInt8] { header.encoded() }
}

extension GGUFWriter {
    /// `setValue(_:forKey:)` with the key first, as a table of test values reads best.
    mutating func set(_ key: String, _ value: Value) throws {
        try setValue(value, forKey: key)
    }

    /// Adds a tensor whose bytes are the recognisable pattern `patternByte` gives.
    mutating func addPatternTensor(_ name: String, _ type: GGMLType, _ dimensions: [Int]) throws {
        let elements = dimensions.reduce(1, *)
        let count = type.byteCount(elements: elements) ?? 0
        let index = tensors.count
        try addTensor(name: name, type: type, dimensions: dimensions,
                      bytes: (0..<count).map { patternByte(tensor: index, index: $0) })
    }
}

extension GGUFWriter.Value {
    /// A string value of exactly these bytes (may be invalid UTF-8).
    static func bytes(_ bytes: [UInt8]) -> Self { .string(GGUFString(bytes: bytes)) }
}

/// The byte every pattern tensor holds at `index`, so tests can recognise its data.
func patternByte(tensor: Int, index: Int) -> UInt8 {
    UInt8(truncatingIfNeeded: tensor &* 31 &+ index &* 7 &+ 1)
}
