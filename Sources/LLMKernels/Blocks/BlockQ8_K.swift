/// GGML `Q8_K`: 256 values share one Float scale; value = d × q with q an Int8, plus the sums
/// of each 16 consecutive quants (for the min/offset terms of the K-quant dot products).
///
/// 292 bytes. Only ever an activation format: what Q2_K…Q6_K weights are multiplied with.
public struct BlockQ8_K {
    /// Scale (a Float, not fp16).
    public var d: Float
    /// Quants, in element order (16 × 16).
    public var qs: (Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16,
                    Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16)
    /// bsums[g] = Σ qs[16g ..< 16g + 16].
    public var bsums: (Int16, Int16, Int16, Int16, Int16, Int16, Int16, Int16,
                       Int16, Int16, Int16, Int16, Int16, Int16, Int16, Int16)

    /// Values per block.
    public static let elementCount = 256
    /// Bytes per block.
    public static let byteCount = 292
    /// Byte offset of `qs`.
    static let quantsOffset = 4
    /// Byte offset of `bsums`.
    static let sumsOffset = 260
}

extension Reference {
    /// Quantizes `count` floats (a multiple of 256) to Q8_K blocks at `output`
    /// (`count / 256 × 292` bytes), as llama.cpp's x86 `quantize_row_q8_K` (which is its
    /// reference `quantize_row_q8_K_ref`): per block, `max` is the first element of largest
    /// magnitude (sign kept); iscale = −127 / max; q = min(127, round(iscale × x)) with halves
    /// to even (ggml's `nearest_int`); d = 1 / iscale; bsums the sums of 16 quants. An all-zero
    /// block gets d = 0, q = 0 and (unlike llama.cpp, which leaves them unset) bsums = 0.
    ///
    /// `grouped`: the rule of llama.cpp's x86 `ggml_quantize_mat_q8_K_4x8`, which quantizes the
    /// tokens its repacked Q4_K gemm multiplies in groups of four: identical, except that when
    /// both +amax and −amax occur the scale's sign is taken from +amax (not from the first).
    public static func quantizeQ8_K(_ x: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer,
                                    grouped: Bool = false) {
        precondition(count % 256 == 0, "Q8_K rows are whole 256-element blocks")
        for b in 0..<count / 256 {
            let block = output + b * BlockQ8_K.byteCount
            let v = x + b * 256
            var amax: Float = 0, maxValue: Float = 0
            for j in 0..<256 {
                let ax = abs(v[j])
                if ax > amax { amax = ax; maxValue = v[j] }
            }
            if amax == 0 {
                block.initializeMemory(as: UInt8.self, repeating: 0, count: BlockQ8_K.byteCount)
                continue
            }
            if grouped {
                for j in 0..<256 where v[j] == amax { maxValue = amax; break }
            }
            let iscale = -127 / maxValue
            for j in 0..<256 {
                let q = min(127, nearestInt(iscale * v[j]))
                block.storeBytes(of: Int8(truncatingIfNeeded: q), toByteOffset: BlockQ8_K.quantsOffset + j, as: Int8.self)
            }
            for g in 0..<16 {
                var sum: Int32 = 0
                for i in 0..<16 {
                    sum += Int32(block.load(fromByteOffset: BlockQ8_K.quantsOffset + 16 * g + i, as: Int8.self))
                }
                block.storeBytes(of: Int16(sum), toByteOffset: BlockQ8_K.sumsOffset + 2 * g, as: Int16.self)
            }
            block.storeBytes(of: 1 / iscale, as: Float.self)
        }
    }

    /// ggml's `nearest_int`: round to nearest, halves to even, for |v| ≤ 4194303
    /// (garbage beyond, never a trap).
    @inline(__always)
    static func nearestInt(_ v: Float) -> Int32 {
        let bits = Int32(bitPattern: (v + 12_582_912).bitPattern)
        return (bits & 0x007F_FFFF) &- 0x0040_0000
    }

    /// Dequantizes `count` Q8_K elements (a multiple of 256): value = d × q.
    public static func dequantizeQ8_K(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 256 == 0, "Q8_K rows are whole blocks")
        for b in 0..<count / 256 {
            let block = blocks + b * BlockQ8_K.byteCount
            let d = block.loadUnaligned(as: Float.self)
            for j in 0..<256 {
                output[b * 256 + j] = d * Float(block.load(fromByteOffset: BlockQ8_K.quantsOffset + j, as: Int8.self))
            }
        }
    }
}
