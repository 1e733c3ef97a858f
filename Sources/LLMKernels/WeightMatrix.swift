import GGUF

/// A row-major weight matrix of `rows` × `columns` elements, read in place (usually from the
/// mapped model file): row r starts at `data + r × rowBytes`. GGML tensors with dimensions
/// [columns, rows] have exactly this layout.
///
/// `@unchecked Sendable`: it only holds a pointer to memory that is never written while the
/// matrix exists (a read-only mapping), so sharing it across threads is safe. Keeping that
/// memory alive is the owner's job (the engine holds the mapped file).
public struct WeightMatrix: @unchecked Sendable {
    /// Element encoding.
    public let type: GGMLType
    /// Output dimension.
    public let rows: Int
    /// Input dimension (elements per row).
    public let columns: Int
    /// Bytes per row.
    public let rowBytes: Int
    /// Row 0.
    public let data: UnsafeRawPointer
    /// How the rows' blocks are arranged in memory.
    public let layout: WeightLayout

    /// Types `MatMul` and `Dequantize` handle.
    public static let supportedTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                                        .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// Describes `rows` × `columns` weights of `type` at `data`.
    /// - Throws: ``KernelError/unsupportedType(_:)`` for types without a kernel,
    ///   ``KernelError/invalidShape(type:rows:columns:)`` when a dimension is not positive, a row
    ///   is not whole blocks, or the byte size overflows.
    public init(type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) throws(KernelError) {
        guard Self.supportedTypes.contains(type) else { throw .unsupportedType(type) }
        guard rows > 0, columns > 0, rows <= Int(Int32.max),
              let rowBytes = type.byteCount(elements: columns),
              !rows.multipliedReportingOverflow(by: rowBytes).overflow
        else { throw .invalidShape(type: type, rows: rows, columns: columns) }
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        self.data = data
        layout = .ggml
    }

    /// `w`'s matrix with its blocks rearranged as `layout` (same memory, same size).
    init(_ w: WeightMatrix, layout: WeightLayout) {
        type = w.type
        rows = w.rows
        columns = w.columns
        rowBytes = w.rowBytes
        data = w.data
        self.layout = layout
    }

    /// Bytes of the whole matrix.
    public var byteCount: Int { rows * rowBytes }

    /// Start of row `r` (with a row-group layout, of the group holding row `r`
    /// when `r` is a multiple of 16).
    @inline(__always) public func row(_ r: Int) -> UnsafeRawPointer { data + r &* rowBytes }
}

/// The arrangement of a weight matrix's blocks.
public enum WeightLayout: Sendable, Equatable {
    /// GGML's: row after row, block after block, as in the file.
    case ggml
    /// Q4_1 regrouped 16 rows at a time for the AVX-512 kernel (``Repack``); the same bytes
    /// per group of rows, so sizes and group offsets are unchanged.
    case q4_1RowGroups
    /// Q5_0 regrouped the same way.
    case q5_0RowGroups
}

/// Embedding lookups and other places that need a weight row as plain floats.
public enum Dequantize {
    /// Writes row `row` of `w` (`w.columns` floats) to `output`. Any supported type.
    public static func row(_ w: WeightMatrix, _ row: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < w.rows, "row \(row) out of 0..<\(w.rows)")
        precondition(w.layout == .ggml, "rows of a repacked matrix are not contiguous")
        let source = w.row(row)
        switch w.type {
        case .f16:
            var c = 0
            while c &+ 8 <= w.columns {
                UnsafeMutableRawPointer(output + c).storeBytes(of: F16Format.load8(source, c), as: SIMD8<Float>.self)
                c &+= 8
            }
            while c < w.columns { output[c] = F16Format.load1(source, c); c &+= 1 }
        case .bf16:
            var c = 0
            while c &+ 8 <= w.columns {
                UnsafeMutableRawPointer(output + c).storeBytes(of: BF16Format.load8(source, c), as: SIMD8<Float>.self)
                c &+= 8
            }
            while c < w.columns { output[c] = BF16Format.load1(source, c); c &+= 1 }
        default:
            Reference.dequantize(w.type, source, count: w.columns, into: output)
        }
    }
}
