import GGUF

/// A metadata value as the test writer encodes it. Strings are bytes so tests can store
/// invalid UTF-8; `raw` writes any type id and payload, for files the real writer never makes.
indirect enum TestValue: Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string([UInt8]), uint64(UInt64), int64(Int64), float64(Double)
    case array(GGUFValueType, [TestValue])
    case raw(typeID: UInt32, payload: [UInt8])

    static func text(_ string: String) -> TestValue { .string(Array(string.utf8)) }

    var typeID: UInt32 {
        switch self {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        case .raw(let typeID, _): return typeID
        }
    }

    /// The value's encoding without its leading type id (as array elements are stored).
    var payload: [UInt8] {
        var out = ByteSink()
        switch self {
        case .uint8(let v): out.append(v)
        case .int8(let v): out.append(v)
        case .uint16(let v): out.append(v)
        case .int16(let v): out.append(v)
        case .uint32(let v): out.append(v)
        case .int32(let v): out.append(v)
        case .float32(let v): out.append(v.bitPattern)
        case .bool(let v): out.append(UInt8(v ? 1 : 0))
        case .string(let bytes): out.appendString(bytes)
        case .uint64(let v): out.append(v)
        case .int64(let v): out.append(v)
        case .float64(let v): out.append(v.bitPattern)
        case .array(let type, let elements):
            out.append(type.rawValue)
            out.append(UInt64(elements.count))
            for element in elements { out.bytes += element.payload }
        case .raw(_, let payload): out.bytes += payload
        }
        return out.bytes
    }
}

/// Little-endian byte accumulator.
struct ByteSink {
    var bytes: [UInt8] = []
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    mutating func appendString(_ string: [UInt8]) {
        append(UInt64(string.count))
        bytes += string
    }
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

/// One tensor for the test writer. `offset` nil means "place it after the previous one,
/// aligned"; `nameBytes` overrides `name` to store raw bytes.
struct TestTensor {
    var name: String
    var dimensions: [UInt64]
    var typeID: UInt32
    var offset: UInt64? = nil
    var nameBytes: [UInt8]? = nil

    init(_ name: String, _ type: GGMLType, _ dimensions: [UInt64], offset: UInt64? = nil) {
        self.name = name
        self.dimensions = dimensions
        self.typeID = type.rawValue
        self.offset = offset
    }

    /// The tensor's data size when its type and dimensions are valid, else 0.
    var byteCount: Int {
        guard let type = GGMLType(rawValue: typeID) else { return 0 }
        var count = 1
        for dimension in dimensions {
            guard let d = Int(exactly: dimension) else { return 0 }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return 0 }
            count = product
        }
        return type.byteCount(elements: count) ?? 0
    }
}

/// Builds GGUF files for tests, valid by default; every field can be overridden to make a
/// specific kind of damage without hand-written hex.
struct GGUFTestWriter {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var metadata: [(key: [UInt8], value: TestValue)] = []
    var tensors: [TestTensor] = []
    var tensorCountOverride: UInt64? = nil
    var keyCountOverride: UInt64? = nil
    /// Alignment used for layout; nil means `general.alignment` when it is a uint32, else 32.
    var layoutAlignment: Int? = nil
    /// Whether to write the tensor data (and the padding before it).
    var writesData = true

    /// Where things ended up in the last file built.
    struct Layout {
        var headerEnd = 0
        var dataStart = 0
        var tensorOffsets: [Int] = []
    }

    init(version: UInt32 = 3) { self.version = version }

    mutating func add(_ key: String, _ value: TestValue) {
        metadata.append((Array(key.utf8), value))
    }

    var effectiveAlignment: Int {
        if let layoutAlignment { return layoutAlignment }
        for (key, value) in metadata where key == Array("general.alignment".utf8) {
            if case .uint32(let a) = value, a > 0 { return Int(a) }
        }
        return 32
    }

    /// The byte every tensor's data holds at `index`, so tests can recognise it.
    static func dataByte(tensor: Int, index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: tensor &* 31 &+ index &* 7 &+ 1)
    }

    func build() -> [UInt8] { buildWithLayout().bytes }

    func buildWithLayout() -> (bytes: [UInt8], layout: Layout) {
        let alignment = effectiveAlignment
        var layout = Layout()
        var out = ByteSink()
        out.bytes += magic
        out.append(version)
        out.append(tensorCountOverride ?? UInt64(tensors.count))
        out.append(keyCountOverride ?? UInt64(metadata.count))
        for (key, value) in metadata {
            out.appendString(key)
            out.append(value.typeID)
            out.bytes += value.payload
        }
        var nextOffset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            out.appendString(tensor.nameBytes ?? Array(tensor.name.utf8))
            out.append(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { out.append(dimension) }
            out.append(tensor.typeID)
            let offset = tensor.offset ?? UInt64(nextOffset)
            out.append(offset)
            offsets.append(Int(truncatingIfNeeded: offset))
            nextOffset = Int(truncatingIfNeeded: offset) + tensor.byteCount
            nextOffset = (nextOffset + alignment - 1) / alignment * alignment
        }
        layout.headerEnd = out.bytes.count
        layout.tensorOffsets = offsets
        guard writesData, !tensors.isEmpty else { return (out.bytes, layout) }
        out.pad(to: alignment)
        layout.dataStart = out.bytes.count
        for (index, tensor) in tensors.enumerated() {
            let start = layout.dataStart + offsets[index]
            guard offsets[index] >= 0, offsets[index] < 1 << 24 else { continue }
            let end = start + tensor.byteCount
            if out.bytes.count < end { out.bytes += [UInt8](repeating: 0, count: end - out.bytes.count) }
            for i in 0..<tensor.byteCount { out.bytes[start + i] = Self.dataByte(tensor: index, index: i) }
        }
        out.pad(to: alignment)
        return (out.bytes, layout)
    }
}
