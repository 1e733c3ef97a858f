import GGUF

/// Why a weight matrix cannot be used by the kernels. Thrown at model load, never per token.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// The element type has no mat-mul kernel (yet).
    case unsupportedType(GGMLType)
    /// Rows or columns are not positive, or the row length is not a whole number of blocks.
    case invalidShape(type: GGMLType, rows: Int, columns: Int)

    public var description: String {
        switch self {
        case .unsupportedType(let type):
            return "no matrix kernel for \(type) weights"
        case .invalidShape(let type, let rows, let columns):
            return "invalid \(type) weight shape \(rows)x\(columns) (rows of \(type.blockSize)-element blocks expected)"
        }
    }
}
