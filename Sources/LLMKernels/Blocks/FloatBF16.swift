/// GGML `BF16` rows: the top 16 bits of an IEEE binary32, 2 bytes per element.
enum BF16Format: FloatRowFormat {
    static let elementBytes = 2
    @inline(__always) static func load8(_ row: UnsafeRawPointer, _ column: Int) -> SIMD8<Float> {
        widenBF16(row.loadUnaligned(fromByteOffset: column &* 2, as: SIMD8<UInt16>.self))
    }
    @inline(__always) static func load1(_ row: UnsafeRawPointer, _ column: Int) -> Float {
        bf16ToFloat(row.loadUnaligned(fromByteOffset: column &* 2, as: UInt16.self))
    }
}

/// A bfloat16 bit pattern as Float (exact: bf16 is a truncated binary32).
@inline(__always) func bf16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) &<< 16)
}

/// Eight bfloat16 values as Float: zero-extend and shift (`vpmovzxwd` + `vpslld`).
@inline(__always) func widenBF16(_ v: SIMD8<UInt16>) -> SIMD8<Float> {
    var wide = SIMD8<UInt32>()
    for i in 0..<8 { wide[i] = UInt32(v[i]) }
    return unsafeBitCast(wide &<< 16, to: SIMD8<Float>.self)
}

extension Reference {
    /// Converts `count` BF16 values to Float.
    public static func dequantizeBF16(_ source: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = bf16ToFloat(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
    }

    /// Σ w[i] × x[i] for `count` BF16 weights, accumulated in order in Float.
    public static func dotBF16F32(_ weights: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += bf16ToFloat(weights.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) * x[i] }
        return sum
    }
}
