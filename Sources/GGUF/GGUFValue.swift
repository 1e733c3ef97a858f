/// The metadata value types of the GGUF format, with the ids the format assigns them.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    /// Encoded size of one value, or nil for the variable-size string and array.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes one value of this type can occupy: an empty string is its 8-byte
    /// length, an empty array its 4-byte element type and 8-byte count. Counts read from the
    /// file are bounded with this before anything is allocated.
    var minimumEncodedSize: Int {
        switch self {
        case .string: return 8
        case .array: return 12
        default: return fixedSize ?? 1
        }
    }

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }
}

/// One metadata value. Scalars and strings are decoded when the file is opened; arrays are
/// validated then and decoded only when asked for (see `GGUFArray`).
public enum GGUFValue: Sendable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(GGUFString)
    case array(GGUFArray)
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The GGUF type of this value.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The value as `T` when it is an integer of any width or signedness and fits `T`;
    /// nil for a non-integer or an integer out of `T`'s range.
    public func exactInteger<T: FixedWidthInteger>(as type: T.Type = T.self) -> T? {
        switch self {
        case .uint8(let v): return T(exactly: v)
        case .int8(let v): return T(exactly: v)
        case .uint16(let v): return T(exactly: v)
        case .int16(let v): return T(exactly: v)
        case .uint32(let v): return T(exactly: v)
        case .int32(let v): return T(exactly: v)
        case .uint64(let v): return T(exactly: v)
        case .int64(let v): return T(exactly: v)
        case .float32, .float64, .bool, .string, .array: return nil
        }
    }

    /// True for the eight integer types.
    public var isInteger: Bool { type.isInteger }

    /// How a message names this value's type, e.g. `uint32` or `array of string`.
    var typeName: String {
        if case .array(let array) = self { return "array of \(array.elementType)" }
        return type.description
    }
}

/// A GGUF string: its exact bytes, which the format does not promise are valid UTF-8.
public struct GGUFString: Sendable, Hashable, CustomStringConvertible {
    /// The bytes exactly as stored in the file.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { text }
}

extension GGUFValue: CustomStringConvertible {
    /// The value as a message would show it: numbers plainly, strings quoted and escaped,
    /// arrays by element type and count (their elements are not decoded for this).
    public var description: String {
        switch self {
        case .uint8(let v): return String(v)
        case .int8(let v): return String(v)
        case .uint16(let v): return String(v)
        case .int16(let v): return String(v)
        case .uint32(let v): return String(v)
        case .int32(let v): return String(v)
        case .float32(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let v): return GGUFError.quoted(v.text)
        case .array(let v): return "array of \(v.count) \(v.elementType)"
        case .uint64(let v): return String(v)
        case .int64(let v): return String(v)
        case .float64(let v): return String(v)
        }
    }
}
