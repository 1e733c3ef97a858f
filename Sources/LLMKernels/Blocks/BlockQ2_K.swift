/// GGML `Q2_K`: a super-block of 256 weights in 16 sub-blocks of 16, each with a 4-bit scale
/// and a 4-bit min; weight = d × scale_s × q − dmin × min_s with q a 2-bit value.
///
/// 84 bytes, read in place. Element e = 128h + 32c + l (l < 32) is bits 2c of qs[32h + l];
/// scales[s] holds the scale of sub-block s (= e / 16) in its low nibble, the min in its high.
public struct BlockQ2_K {
    /// Scales (low nibbles) and mins (high nibbles).
    public var scales: Bytes16
    /// 2-bit quants (4 × 16 bytes).
    public var qs: (Bytes16, Bytes16, Bytes16, Bytes16)
    /// Super-block scale of the scales.
    public var d: Float16
    /// Super-block scale of the mins.
    public var dmin: Float16

    /// Weights per block.
    public static let elementCount = 256
    /// Bytes per block in the file.
    public static let byteCount = 84
    /// Byte offset of `qs`.
    static let quantsOffset = 16
    /// Byte offset of `d` (`dmin` follows).
    static let scaleOffset = 80
}

extension Reference {
    /// The 2-bit quant (0...3) of element `e` (0..<256) of the Q2_K block at `block`.
    @inline(__always)
    static func quantQ2_K(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
        let h = e / 128, c = (e % 128) / 32, l = e % 32
        return Int32((block.load(fromByteOffset: BlockQ2_K.quantsOffset + 32 * h + l, as: UInt8.self) >> UInt8(2 * c)) & 3)
    }

    /// Dequantizes `count` Q2_K elements (a multiple of 256) from `blocks` into `output`.
    public static func dequantizeQ2_K(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 256 == 0, "Q2_K rows are whole 256-element blocks")
        for b in 0..<count / 256 {
            let block = blocks + b * BlockQ2_K.byteCount
            let d = Float(block.loadUnaligned(fromByteOffset: BlockQ2_K.scaleOffset, as: Float16.self))
            let dmin = Float(block.loadUnaligned(fromByteOffset: BlockQ2_K.scaleOffset + 2, as: Float16.self))
            for e in 0..<256 {
                let sm = block.load(fromByteOffset: e / 16, as: UInt8.self)
                output[b * 256 + e] = d * Float(sm & 0x0F) * Float(quantQ2_K(block, e)) - dmin * Float(sm >> 4)
            }
        }
    }

    /// GGML's Q2_K · Q8_K dot product of `count` elements (a multiple of 256), summed in the
    /// order of llama.cpp's x86 `ggml_vec_dot_q2_K_q8_K` (AVX2 path): eight float lanes; per
    /// super-block first lane[k] += fl(−d_x × dmin) × (min_{2k} b_{2k} + min_{2k+1} b_{2k+1})
    /// (b the Q8_K bsums), then lane[k] += fl(d_x × d) × (exact int32 lane k: elements
    /// 4k ..< 4k+4 of every 32-element chunk times their scale); ``sumLanes(_:)``.
    /// Note: on AVX-512 machines llama.cpp repacks Q2_K matrices (q2_K_8x8) and then sums in
    /// another order; this is the order of its un-repacked kernel.
    public static func dotQ2_KQ8_K(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 256 == 0, "Q2_K rows are whole 256-element blocks")
        var lanes = SIMD8<Float>()
        for b in 0..<count / 256 {
            let w = weights + b * BlockQ2_K.byteCount
            let x = activations + b * BlockQ8_K.byteCount
            let dx = x.loadUnaligned(as: Float.self)
            let d = dx * Float(w.loadUnaligned(fromByteOffset: BlockQ2_K.scaleOffset, as: Float16.self))
            let dmin = -dx * Float(w.loadUnaligned(fromByteOffset: BlockQ2_K.scaleOffset + 2, as: Float16.self))
            func scaleMin(_ s: Int) -> (Int32, Int32) {
                let v = w.load(fromByteOffset: s, as: UInt8.self)
                return (Int32(v & 0x0F), Int32(v >> 4))
            }
            func bsum(_ g: Int) -> Int32 {
                Int32(x.loadUnaligned(fromByteOffset: BlockQ8_K.sumsOffset + 2 * g, as: Int16.self))
            }
            for k in 0..<8 {
                let prod = scaleMin(2 * k).1 * bsum(2 * k) + scaleMin(2 * k + 1).1 * bsum(2 * k + 1)
                lanes[k] = lanes[k].addingProduct(dmin, Float(prod))
            }
            var sums = SIMD8<Int32>()
            for e in 0..<256 {
                let q8 = Int32(x.load(fromByteOffset: BlockQ8_K.quantsOffset + e, as: Int8.self))
                sums[(e % 32) / 4] += scaleMin(e / 16).0 * quantQ2_K(w, e) * q8
            }
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(d, Float(sums[k])) }
        }
        return sumLanes(lanes)
    }
}
