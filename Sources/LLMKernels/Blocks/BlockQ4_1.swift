/// GGML `Q4_1`: 32 weights share an fp16 scale and an fp16 minimum; weight = d × q + m.
///
/// 20 bytes, read in place from the mapped file. Nibble order as in ``BlockQ4_0``.
public struct BlockQ4_1 {
    /// Scale.
    public var d: Float16
    /// Minimum (the value of quant 0).
    public var m: Float16
    /// Packed 4-bit quants: low nibbles are elements 0..15, high nibbles 16..31.
    public var qs: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// Weights per block.
    public static let elementCount = 32
    /// Bytes per block in the file.
    public static let byteCount = 20
    /// Byte offset of `qs`.
    static let quantsOffset = 4
}

extension Reference {
    /// Dequantizes `count` Q4_1 elements (a multiple of 32) from `blocks` into `output`.
    public static func dequantizeQ4_1(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 32 == 0, "Q4_1 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = blocks + b * BlockQ4_1.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            let m = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: BlockQ4_1.quantsOffset + j, as: UInt8.self)
                output[b * 32 + j] = Float(byte & 0x0F) * d + m
                output[b * 32 + j + 16] = Float(byte >> 4) * d + m
            }
        }
    }

    /// GGML's Q4_1 · Q8_1 dot product of `count` elements (a multiple of 32), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q4_1_q8_1`, AVX2/VNNI path), so results
    /// agree bit for bit: eight float lanes, lane k taking the integer dot of elements
    /// 4k ..< 4k+4 of each block times fl(d_w × d_x), one FMA per block in block order; the
    /// lanes then reduced as ``Reference/sumLanes(_:)``; the min terms m_w × s_x (s_x = d_x × Σ q8,
    /// stored with the activation) summed by FMA in block order and added last.
    public static func dotQ4_1Q8_1(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 32 == 0, "Q4_1 rows are whole blocks")
        var lanes = SIMD8<Float>()
        var mins: Float = 0
        for b in 0..<count / 32 {
            let w = weights + b * BlockQ4_1.byteCount
            let x = activations + b * BlockQ8_1.byteCount
            var dots = SIMD8<Int32>()
            for j in 0..<32 {
                let byte = w.load(fromByteOffset: BlockQ4_1.quantsOffset + j % 16, as: UInt8.self)
                let q4 = Int32(j < 16 ? byte & 0x0F : byte >> 4)
                dots[j / 4] += q4 * Int32(x.load(fromByteOffset: BlockQ8_1.quantsOffset + j, as: Int8.self))
            }
            let dw = Float(w.loadUnaligned(as: Float16.self))
            let mw = Float(w.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            let dx = Float(x.loadUnaligned(as: Float16.self))
            let sx = Float(x.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            let scale = dw * dx
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(scale, Float(dots[k])) }
            mins = mins.addingProduct(mw, sx)
        }
        return sumLanes(lanes) + mins
    }
}
