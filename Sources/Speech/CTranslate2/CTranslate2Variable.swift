/// The element types a CTranslate2 model.bin can hold, numbered as the file stores them.
///
/// The id is the case's position in CTranslate2's `DataType` enum (include/ctranslate2/types.h),
/// which the converter writes as one byte (`_dtype_to_type_id` in
/// python/ctranslate2/specs/model_spec.py, binary versions 4 and later). Upstream CTranslate2
/// 4.8.5 defines exactly these six; any other id is refused when the file is opened.
public enum CTranslate2DataType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 0
    case int8 = 1
    case int16 = 2
    case int32 = 3
    case float16 = 4
    case bfloat16 = 5

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .int8: 1
        case .int16, .float16, .bfloat16: 2
        case .float32, .int32: 4
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .float16: "float16"
        case .bfloat16: "bfloat16"
        }
    }
}

/// One variable of a CTranslate2 model: a tensor, or a rank-0 scalar that carries a setting
/// (`encoder/num_heads`, `decoder/activation`, …).
///
/// The bytes are a view into the mapped file, never a copy; the variable keeps the mapping
/// alive, so the view stays valid for as long as the variable value exists. CTranslate2 packs
/// variables back to back with no padding, so the view is generally not aligned: read it with
/// `loadUnaligned` or copy it.
public struct CTranslate2Variable: Sendable {
    /// The name the variable is stored under; looking up an alias gives its target's variable.
    public let name: String
    /// Dimensions, outermost first (row-major), e.g. `[384, 80, 3]` for the first encoder
    /// convolution; `[]` for a scalar. Every dimension is at least 1.
    public let shape: [Int]
    public let dataType: CTranslate2DataType
    /// Offset of the first data byte in the file (for tools and error messages).
    public let fileOffset: Int
    /// Checked at open: the product of `shape` fits in `Int` and times the width it is the
    /// byte count the file declares.
    public let elementCount: Int
    /// The file that holds the bytes; kept so the view below cannot outlive the mapping.
    let file: CT2FileBytes

    init(name: String, shape: [Int], dataType: CTranslate2DataType, fileOffset: Int,
         elementCount: Int, file: CT2FileBytes) {
        self.name = name
        self.shape = shape
        self.dataType = dataType
        self.fileOffset = fileOffset
        self.elementCount = elementCount
        self.file = file
    }

    /// `elementCount × dataType.byteWidth`, which the file's own byte count matched.
    public var byteCount: Int { elementCount * dataType.byteWidth }

    /// The raw little-endian bytes, read-only, inside the mapping (see the type's note on
    /// alignment).
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[fileOffset..<(fileOffset + byteCount)])
    }

    /// Every element converted to `Float`: float16 and bfloat16 widened exactly, integers
    /// converted (int32 beyond 2^24 rounds). A copy, meant for small tensors, scalars and
    /// tests; the network reads large weights straight from `bytes`.
    public func floats() -> [Float] {
        let raw = bytes
        let count = elementCount
        return [Float](unsafeUninitializedCapacity: count) { output, initialized in
            for index in 0..<count {
                output[index] = Self.element(index, of: dataType, in: raw)
            }
            initialized = count
        }
    }

    private static func element(_ index: Int, of type: CTranslate2DataType,
                                in raw: UnsafeRawBufferPointer) -> Float {
        let offset = index * type.byteWidth
        switch type {
        case .float32:
            return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .int8:
            return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int8.self))
        case .int16:
            return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case .int32:
            return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case .float16:
            let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            return Float(Float16(bitPattern: bits))
        case .bfloat16:
            // bfloat16 is the top half of a float32, so widening is a shift.
            let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            return Float(bitPattern: UInt32(bits) << 16)
        }
    }
}
