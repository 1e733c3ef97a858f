/// Reads metadata values with a `ByteCursor`. The same functions do the validating walk when a
/// file is opened and the decoding when a lazy array is asked for its elements, so there is one
/// code path to get right and to fuzz.
enum ValueReader {
    /// How deep arrays may nest: an array of arrays of scalars is allowed, one more level is
    /// refused. Real models never nest at all; the bound keeps recursion shallow on hostile input.
    static let maximumNesting = 2

    /// Reads one value of `type`. `field` names it in errors (a key, or `key[3]` inside an
    /// array); `depth` is the number of arrays already around it.
    static func value(of type: GGUFValueType, from cursor: inout ByteCursor, storage: ByteStorage,
                      field: @autoclosure () -> String, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try cursor.u8(field: field()))
        case .int8: return .int8(try cursor.i8(field: field()))
        case .uint16: return .uint16(try cursor.u16(field: field()))
        case .int16: return .int16(try cursor.i16(field: field()))
        case .uint32: return .uint32(try cursor.u32(field: field()))
        case .int32: return .int32(try cursor.i32(field: field()))
        case .float32: return .float32(try cursor.f32(field: field()))
        case .bool: return .bool(try bool(from: &cursor, field: field()))
        case .string: return .string(GGUFString(bytes: Array(try cursor.stringBytes(field: field()))))
        case .array: return .array(try array(from: &cursor, storage: storage, field: field(), depth: depth + 1))
        case .uint64: return .uint64(try cursor.u64(field: field()))
        case .int64: return .int64(try cursor.i64(field: field()))
        case .float64: return .float64(try cursor.f64(field: field()))
        }
    }

    /// Reads a bool, refusing bytes other than 0 and 1: a bool that is secretly another type's
    /// byte is the kind of confusion strict parsing exists to catch.
    static func bool(from cursor: inout ByteCursor, field: @autoclosure () -> String) throws(GGUFError) -> Bool {
        let offset = cursor.position
        let byte = try cursor.u8(field: field())
        guard byte <= 1 else {
            throw GGUFError(.invalidBool, field: field(), byteOffset: offset,
                            problem: "is a bool stored as \(byte); only 0 and 1 are valid")
        }
        return byte == 1
    }

    /// Reads a value type id, refusing ids the format does not define.
    static func valueType(from cursor: inout ByteCursor, field: @autoclosure () -> String,
                          subject: @autoclosure () -> String? = nil) throws(GGUFError) -> GGUFValueType {
        let offset = cursor.position
        let raw = try cursor.u32(field: field())
        guard let type = GGUFValueType(rawValue: raw) else {
            throw GGUFError(.unknownValueType, field: field(), byteOffset: offset, subject: subject(),
                            problem: "is value type \(raw), which is not one of the GGUF value types 0...12")
        }
        return type
    }

    /// Walks an array's header and every element once, proving the whole array is well formed
    /// and finding where it ends, then returns it undecoded. `depth` counts this array.
    ///
    /// The element count is bounded by the bytes left before anything else happens, and every
    /// element consumes at least one byte, so the walk costs at most the size of the file.
    static func array(from cursor: inout ByteCursor, storage: ByteStorage,
                      field: @autoclosure () -> String, depth: Int) throws(GGUFError) -> GGUFArray {
        let headerOffset = cursor.position
        let elementType = try valueType(from: &cursor, field: field() + ".type")
        if elementType == .array && depth >= maximumNesting {
            throw GGUFError(.nestingTooDeep, field: field(), byteOffset: headerOffset,
                            problem: "nests arrays more than \(maximumNesting) deep")
        }
        let countOffset = cursor.position
        let rawCount = try cursor.u64(field: field() + ".count")
        let count = try cursor.checkedCount(rawCount, minimumItemSize: elementType.minimumEncodedSize,
                                            field: field() + ".count", at: countOffset)
        let start = cursor.position
        switch elementType {
        case .bool:
            for index in 0..<count { _ = try bool(from: &cursor, field: "\(field())[\(index)]") }
        case .string:
            for index in 0..<count { _ = try cursor.stringBytes(field: "\(field())[\(index)]") }
        case .array:
            for index in 0..<count {
                _ = try array(from: &cursor, storage: storage, field: "\(field())[\(index)]", depth: depth + 1)
            }
        default:
            // Fixed-size elements: checkedCount proved count * size fits in what remains.
            try cursor.skip(count * elementType.minimumEncodedSize, field: field())
        }
        return GGUFArray(elementType: elementType, count: count, storage: storage,
                         elements: start..<cursor.position, headerOffset: headerOffset,
                         field: field(), depth: depth)
    }
}
