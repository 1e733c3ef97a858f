/// GGML `F32` rows: plain IEEE binary32, 4 bytes per element.
enum F32Format: FloatRowFormat {
    static let elementBytes = 4
    @inline(__always) static func load8(_ row: UnsafeRawPointer, _ column: Int) -> SIMD8<Float> {
        row.loadUnaligned(fromByteOffset: column &* 4, as: SIMD8<Float>.self)
    }
    @inline(__always) static func load1(_ row: UnsafeRawPointer, _ column: Int) -> Float {
        row.loadUnaligned(fromByteOffset: column &* 4, as: Float.self)
    }
}

/// How a float weight format is read by the Swift SIMD mat-mul (``MatMul``): eight
/// elements at a time widened to Float, plus single elements for row tails.
protocol FloatRowFormat {
    static var elementBytes: Int { get }
    static func load8(_ row: UnsafeRawPointer, _ column: Int) -> SIMD8<Float>
    static func load1(_ row: UnsafeRawPointer, _ column: Int) -> Float
}

extension Reference {
    /// Σ w[i] × x[i] for `count` F32 weights, accumulated in order in Float.
    public static func dotF32F32(_ weights: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += weights.loadUnaligned(fromByteOffset: i * 4, as: Float.self) * x[i] }
        return sum
    }
}
