/// Where one tensor lives in the file and how it is laid out; checked against the file when it
/// was opened, so its bytes are known to lie inside the data section.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// The element encoding.
    public let type: GGMLType
    /// Extents in GGML order: `dimensions[0]` is the contiguous (row) length. 1 to 4 entries,
    /// each at least 1.
    public let dimensions: [Int]
    /// Product of `dimensions`.
    public let elementCount: Int
    /// Bytes the tensor occupies: `type.byteCount(elements: elementCount)`.
    public let byteCount: Int
    /// Offset of the first byte from the start of the data section; a multiple of the file's
    /// alignment.
    public let offset: Int

    /// Elements in one row: `dimensions[0]`.
    public var rowLength: Int { dimensions[0] }

    /// Number of rows: the product of the dimensions after the first.
    public var rowCount: Int { elementCount / dimensions[0] }

    init(name: String, type: GGMLType, dimensions: [Int], elementCount: Int, byteCount: Int, offset: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.elementCount = elementCount
        self.byteCount = byteCount
        self.offset = offset
    }
}
