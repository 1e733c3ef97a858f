/// GGML `F16` rows: IEEE binary16, 2 bytes per element. With F16C (x86-64-v3 and up),
/// `Float(Float16)` on eight lanes is a single `vcvtph2ps`.
enum F16Format: FloatRowFormat {
    static let elementBytes = 2
    @inline(__always) static func load8(_ row: UnsafeRawPointer, _ column: Int) -> SIMD8<Float> {
        widen(row.loadUnaligned(fromByteOffset: column &* 2, as: SIMD8<Float16>.self))
    }
    @inline(__always) static func load1(_ row: UnsafeRawPointer, _ column: Int) -> Float {
        Float(row.loadUnaligned(fromByteOffset: column &* 2, as: Float16.self))
    }
}

/// Lane-by-lane widening; the stdlib's generic SIMD conversion init is not inlined
/// (docs/kernels.md §7), this loop becomes one `vcvtph2ps`.
@inline(__always) func widen(_ v: SIMD8<Float16>) -> SIMD8<Float> {
    var r = SIMD8<Float>()
    for i in 0..<8 { r[i] = Float(v[i]) }
    return r
}

extension Reference {
    /// Converts `count` F16 values to Float.
    public static func dequantizeF16(_ source: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = Float(source.loadUnaligned(fromByteOffset: i * 2, as: Float16.self)) }
    }

    /// Σ w[i] × x[i] for `count` F16 weights, accumulated in order in Float.
    public static func dotF16F32(_ weights: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += Float(weights.loadUnaligned(fromByteOffset: i * 2, as: Float16.self)) * x[i] }
        return sum
    }
}
