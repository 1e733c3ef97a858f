/// GGML `Q8_1`: like ``BlockQ8_0`` plus s = d × Σ q, precomputed for the min term of Q4_1.
///
/// 36 bytes. Only ever an activation format: the vector that Q4_1 weights are multiplied with.
public struct BlockQ8_1 {
    /// Scale.
    public var d: Float16
    /// fp16(d × Σ q), with d the scale before its rounding to fp16 (as llama.cpp).
    public var s: Float16
    /// Quants, in element order.
    public var qs: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8)

    /// Values per block.
    public static let elementCount = 32
    /// Bytes per block.
    public static let byteCount = 36
    /// Byte offset of `qs`.
    static let quantsOffset = 4
}

extension Reference {
    /// Quantizes `count` floats (a multiple of 32) to Q8_1 blocks at `output`
    /// (`count / 32 × 36` bytes), as llama.cpp's x86 `quantize_row_q8_1` (see `quantizeBlock`).
    public static func quantizeQ8_1(_ x: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0, "Q8_1 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = output + b * BlockQ8_1.byteCount
            let q = (block + BlockQ8_1.quantsOffset).bindMemory(to: Int8.self, capacity: 32)
            let d = quantizeBlock(x + b * 32, into: q)
            var sum: Int32 = 0
            for j in 0..<32 { sum += Int32(q[j]) }
            block.storeBytes(of: Float16(d), as: Float16.self)
            block.storeBytes(of: Float16(Float(sum) * d), toByteOffset: 2, as: Float16.self)
        }
    }

    /// Dequantizes `count` Q8_1 elements (a multiple of 32): value = d × q.
    public static func dequantizeQ8_1(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 32 == 0, "Q8_1 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = blocks + b * BlockQ8_1.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            for j in 0..<32 {
                output[b * 32 + j] = Float(block.load(fromByteOffset: BlockQ8_1.quantsOffset + j, as: Int8.self)) * d
            }
        }
    }
}
