/// GGML `Q3_K`: a super-block of 256 weights in 16 sub-blocks of 16, each with a 6-bit scale
/// (stored +32); weight = d × (scale_s − 32) × q with q a signed 3-bit value (−4...3).
///
/// 110 bytes, read in place. Element e = 128h + 32c + l (l < 32) has its low two bits at
/// bits 2c of qs[32h + l] and its high bit at bit 4h + c of hmask[l]; q = low + 4 × high − 4.
/// The scales are packed as ggml's `dequantize_row_q3_K` unpacks them (see
/// ``Reference/scaleQ3_K``).
public struct BlockQ3_K {
    /// High bits (2 × 16 bytes).
    public var hmask: (Bytes16, Bytes16)
    /// Low two bits (4 × 16 bytes).
    public var qs: (Bytes16, Bytes16, Bytes16, Bytes16)
    /// Sixteen 6-bit scales, packed.
    public var scales: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
    /// Super-block scale.
    public var d: Float16

    /// Weights per block.
    public static let elementCount = 256
    /// Bytes per block in the file.
    public static let byteCount = 110
    /// Byte offset of `qs`.
    static let quantsOffset = 32
    /// Byte offset of `scales`.
    static let scalesOffset = 96
    /// Byte offset of `d`.
    static let scaleOffset = 108
}

extension Reference {
    /// Scale of sub-block `i` (0..<16) of the Q3_K block at `block`, −32...31.
    @inline(__always)
    static func scaleQ3_K(_ block: UnsafeRawPointer, _ i: Int) -> Int32 {
        func byte(_ j: Int) -> Int32 { Int32(block.load(fromByteOffset: BlockQ3_K.scalesOffset + j, as: UInt8.self)) }
        let low = i < 8 ? byte(i) & 0x0F : byte(i - 8) >> 4
        let high = (byte(8 + i % 4) >> Int32(2 * (i / 4))) & 3
        return (low | high << 4) - 32
    }

    /// The signed 3-bit quant (−4...3) of element `e` (0..<256) of the Q3_K block at `block`.
    @inline(__always)
    static func quantQ3_K(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
        let h = e / 128, c = (e % 128) / 32, l = e % 32
        let low = (block.load(fromByteOffset: BlockQ3_K.quantsOffset + 32 * h + l, as: UInt8.self) >> UInt8(2 * c)) & 3
        let high = (block.load(fromByteOffset: l, as: UInt8.self) >> UInt8(4 * h + c)) & 1
        return Int32(low) + 4 * Int32(high) - 4
    }

    /// Dequantizes `count` Q3_K elements (a multiple of 256) from `blocks` into `output`.
    public static func dequantizeQ3_K(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 256 == 0, "Q3_K rows are whole 256-element blocks")
        for b in 0..<count / 256 {
            let block = blocks + b * BlockQ3_K.byteCount
            let d = Float(block.loadUnaligned(fromByteOffset: BlockQ3_K.scaleOffset, as: Float16.self))
            for e in 0..<256 {
                output[b * 256 + e] = d * Float(scaleQ3_K(block, e / 16)) * Float(quantQ3_K(block, e))
            }
        }
    }

    /// GGML's Q3_K · Q8_K dot product of `count` elements (a multiple of 256), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q3_K_q8_K`, AVX2 path; not repacked on
    /// x86): per super-block eight exact int32 lanes, lane k = Σ over the eight 32-element
    /// chunks of scale × q × x over elements 4k ..< 4k+4 of the chunk; one FMA per lane with
    /// fl(d_x × d_w); ``sumLanes(_:)``.
    public static func dotQ3_KQ8_K(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 256 == 0, "Q3_K rows are whole 256-element blocks")
        var lanes = SIMD8<Float>()
        for b in 0..<count / 256 {
            let w = weights + b * BlockQ3_K.byteCount
            let x = activations + b * BlockQ8_K.byteCount
            let d = x.loadUnaligned(as: Float.self)
                * Float(w.loadUnaligned(fromByteOffset: BlockQ3_K.scaleOffset, as: Float16.self))
            var sums = SIMD8<Int32>()
            for e in 0..<256 {
                let q8 = Int32(x.load(fromByteOffset: BlockQ8_K.quantsOffset + e, as: Int8.self))
                sums[(e % 32) / 4] += scaleQ3_K(w, e / 16) * quantQ3_K(w, e) * q8
            }
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(d, Float(sums[k])) }
        }
        return sumLanes(lanes)
    }
}
