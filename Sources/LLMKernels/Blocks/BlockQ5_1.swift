/// GGML `Q5_1`: 32 weights share an fp16 scale and an fp16 minimum; weight = d × q + m with q
/// a 5-bit value (bits as in ``BlockQ5_0``).
///
/// 24 bytes, read in place from the mapped file.
public struct BlockQ5_1 {
    /// Scale.
    public var d: Float16
    /// Minimum (the value of quant 0).
    public var m: Float16
    /// Fifth bits, element j at bit j of the little-endian UInt32.
    public var qh: (UInt8, UInt8, UInt8, UInt8)
    /// Packed low 4 bits: low nibbles are elements 0..15, high nibbles 16..31.
    public var qs: Bytes16

    /// Weights per block.
    public static let elementCount = 32
    /// Bytes per block in the file.
    public static let byteCount = 24
    /// Byte offset of `qh`.
    static let highBitsOffset = 4
    /// Byte offset of `qs`.
    static let quantsOffset = 8
}

extension Reference {
    /// The 5-bit quant (0...31) of element `j` of the Q5_1 block at `block`.
    @inline(__always)
    static func quantQ5_1(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let qh = block.loadUnaligned(fromByteOffset: BlockQ5_1.highBitsOffset, as: UInt32.self).littleEndian
        let byte = block.load(fromByteOffset: BlockQ5_1.quantsOffset + j % 16, as: UInt8.self)
        let low = j < 16 ? byte & 0x0F : byte >> 4
        return Int32(low) | Int32((qh >> UInt32(j)) & 1) << 4
    }

    /// Dequantizes `count` Q5_1 elements (a multiple of 32) from `blocks` into `output`.
    public static func dequantizeQ5_1(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 32 == 0, "Q5_1 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = blocks + b * BlockQ5_1.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            let m = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            for j in 0..<32 { output[b * 32 + j] = Float(quantQ5_1(block, j)) * d + m }
        }
    }

    /// GGML's Q5_1 · Q8_1 dot product of `count` elements (a multiple of 32), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q5_1_q8_1`, AVX2 path): exactly the order
    /// of ``dotQ4_1Q8_1(_:_:count:)`` with 5-bit quants (eight lanes, one FMA per block with
    /// fl(d_w × d_x), ``sumLanes(_:)``, then + the min terms m_w × s_x summed by FMA).
    public static func dotQ5_1Q8_1(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 32 == 0, "Q5_1 rows are whole blocks")
        var lanes = SIMD8<Float>()
        var mins: Float = 0
        for b in 0..<count / 32 {
            let w = weights + b * BlockQ5_1.byteCount
            let x = activations + b * BlockQ8_1.byteCount
            var dots = SIMD8<Int32>()
            for j in 0..<32 {
                dots[j / 4] += quantQ5_1(w, j) * Int32(x.load(fromByteOffset: BlockQ8_1.quantsOffset + j, as: Int8.self))
            }
            let scale = Float(w.loadUnaligned(as: Float16.self)) * Float(x.loadUnaligned(as: Float16.self))
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(scale, Float(dots[k])) }
            mins = mins.addingProduct(Float(w.loadUnaligned(fromByteOffset: 2, as: Float16.self)),
                                      Float(x.loadUnaligned(fromByteOffset: 2, as: Float16.self)))
        }
        return sumLanes(lanes) + mins
    }
}
