/// A metadata array, validated when the file was opened but decoded only on request.
///
/// Vocabularies hold tens of thousands of strings; decoding them into Swift values at open time
/// would dominate the cost of opening a model that may only be asked for its architecture. The
/// array keeps the file's bytes alive, so it stays valid after its `GGUFFile` is gone.
public struct GGUFArray: Sendable {
    /// The type of every element.
    public let elementType: GGUFValueType
    /// Number of elements.
    public let count: Int

    private let storage: ByteStorage
    /// Where the elements lie in the file (after the type id and count).
    private let elements: Range<Int>
    /// Where the array's type id starts, for error messages.
    let headerOffset: Int
    /// The key (and indices, when nested) that names this array in errors.
    let field: String
    /// Arrays around this one, this one included.
    private let depth: Int

    init(elementType: GGUFValueType, count: Int, storage: ByteStorage, elements: Range<Int>,
         headerOffset: Int, field: String, depth: Int) {
        self.elementType = elementType
        self.count = count
        self.storage = storage
        self.elements = elements
        self.headerOffset = headerOffset
        self.field = field
        self.depth = depth
    }

    /// True when the array has no elements.
    public var isEmpty: Bool { count == 0 }

    /// Every element, decoded. Nested arrays come back as lazy `GGUFArray`s themselves.
    public func values() throws(GGUFError) -> [GGUFValue] {
        var cursor = elementCursor()
        var result: [GGUFValue] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(try ValueReader.value(of: elementType, from: &cursor, storage: storage,
                                                field: "\(field)[\(index)]", depth: depth))
        }
        return result
    }

    /// The elements as their exact bytes; `.wrongType` unless this is an array of strings.
    public func byteStrings() throws(GGUFError) -> [[UInt8]] {
        try requireElementType(.string)
        var cursor = elementCursor()
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(Array(try cursor.stringBytes(field: "\(field)[\(index)]")))
        }
        return result
    }

    /// The elements decoded as UTF-8 with invalid sequences replaced by U+FFFD;
    /// `.wrongType` unless this is an array of strings.
    public func strings() throws(GGUFError) -> [String] {
        try requireElementType(.string)
        var cursor = elementCursor()
        var result: [String] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(String(decoding: try cursor.stringBytes(field: "\(field)[\(index)]"), as: UTF8.self))
        }
        return result
    }

    /// The elements as `T`, for an array of any integer type. An element that does not fit
    /// `T` is `.valueOutOfRange`, naming its index; a non-integer array is `.wrongType`.
    public func integers<T: FixedWidthInteger>(as type: T.Type = T.self) throws(GGUFError) -> [T] {
        guard elementType.isInteger else { throw wrongType(expected: "an array of integers") }
        var cursor = elementCursor()
        var result: [T] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let offset = cursor.position
            let element = try ValueReader.value(of: elementType, from: &cursor, storage: storage,
                                                field: "\(field)[\(index)]", depth: depth)
            guard let converted = element.exactInteger(as: T.self) else {
                throw GGUFError(.valueOutOfRange, field: "\(field)[\(index)]", byteOffset: offset,
                                subject: GGUFError.quoted("\(field)[\(index)]"),
                                problem: "is \(element), which does not fit in \(T.self)")
            }
            result.append(converted)
        }
        return result
    }

    /// The elements as `Float`, for an array of float32 or float64 (float64 is rounded).
    public func floats() throws(GGUFError) -> [Float] {
        guard elementType == .float32 || elementType == .float64 else {
            throw wrongType(expected: "an array of float32 or float64")
        }
        var cursor = elementCursor()
        var result: [Float] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            if elementType == .float32 {
                result.append(try cursor.f32(field: "\(field)[\(index)]"))
            } else {
                result.append(Float(try cursor.f64(field: "\(field)[\(index)]")))
            }
        }
        return result
    }

    private func elementCursor() -> ByteCursor {
        ByteCursor(storage.bytes, from: elements.lowerBound, to: elements.upperBound)
    }

    private func requireElementType(_ expected: GGUFValueType) throws(GGUFError) {
        guard elementType == expected else { throw wrongType(expected: "an array of \(expected)") }
    }

    private func wrongType(expected: String) -> GGUFError {
        GGUFError(.wrongType, field: field, byteOffset: headerOffset, subject: "key " + GGUFError.quoted(field),
                  problem: "is an array of \(elementType), expected \(expected)")
    }
}

extension GGUFValueType {
    /// True for the eight integer types.
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64: return true
        case .float32, .float64, .bool, .string, .array: return false
        }
    }
}
