/// GGML `Q5_K`: like ``BlockQ4_K`` with a fifth bit per weight; weight = d × scale_s × q −
/// dmin × min_s with q a 5-bit value.
///
/// 176 bytes, read in place. Element e of sub-block s (= e / 32) takes its low four bits as
/// Q4_K does (pair p = s / 2 of 32 bytes of `qs`, low nibbles for even s, high for odd) and
/// its fifth bit from bit s of qh[e % 32].
public struct BlockQ5_K {
    /// Super-block scale of the scales.
    public var d: Float16
    /// Super-block scale of the mins.
    public var dmin: Float16
    /// Eight 6-bit scales and eight 6-bit mins, packed as in Q4_K.
    public var scales: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
    /// Fifth bits (2 × 16 bytes).
    public var qh: (Bytes16, Bytes16)
    /// Low 4 bits (8 × 16 bytes).
    public var qs: (Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16)

    /// Weights per block.
    public static let elementCount = 256
    /// Bytes per block in the file.
    public static let byteCount = 176
    /// Byte offset of `scales`.
    static let scalesOffset = 4
    /// Byte offset of `qh`.
    static let highBitsOffset = 16
    /// Byte offset of `qs`.
    static let quantsOffset = 48
}

extension Reference {
    /// The 5-bit quant (0...31) of element `e` (0..<256) of the Q5_K block at `block`.
    @inline(__always)
    static func quantQ5_K(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
        let s = e / 32
        let byte = block.load(fromByteOffset: BlockQ5_K.quantsOffset + (s / 2) * 32 + e % 32, as: UInt8.self)
        let high = block.load(fromByteOffset: BlockQ5_K.highBitsOffset + e % 32, as: UInt8.self)
        return Int32(s % 2 == 0 ? byte & 0x0F : byte >> 4) | Int32((high >> UInt8(s)) & 1) << 4
    }

    /// Dequantizes `count` Q5_K elements (a multiple of 256) from `blocks` into `output`.
    public static func dequantizeQ5_K(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 256 == 0, "Q5_K rows are whole 256-element blocks")
        for b in 0..<count / 256 {
            let block = blocks + b * BlockQ5_K.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            let dmin = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            for s in 0..<8 {
                let (scale, m) = scaleMinQ4_K(s, block + BlockQ5_K.scalesOffset)
                let d1 = d * Float(scale), m1 = dmin * Float(m)
                for i in 0..<32 { output[b * 256 + s * 32 + i] = d1 * Float(quantQ5_K(block, s * 32 + i)) - m1 }
            }
        }
    }

    /// GGML's Q5_K · Q8_K dot product of `count` elements (a multiple of 256), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q5_K_q8_K`, AVX2 path; Q5_K is not
    /// repacked on x86): the integer lanes and FMA of ``dotQ4_KQ8_KVecDot(_:_:count:)``; the
    /// min terms as one exact integer per super-block, summed by FMA with fl(−d_x × dmin) in
    /// super-block order and added after ``sumLanes(_:)``.
    public static func dotQ5_KQ8_K(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 256 == 0, "Q5_K rows are whole 256-element blocks")
        var lanes = SIMD8<Float>()
        var mins: Float = 0
        for b in 0..<count / 256 {
            let w = weights + b * BlockQ5_K.byteCount
            let x = activations + b * BlockQ8_K.byteCount
            let dx = x.loadUnaligned(as: Float.self)
            let d = dx * Float(w.loadUnaligned(as: Float16.self))
            let dmin = -dx * Float(w.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            var minSum: Int32 = 0
            var sums = SIMD8<Int32>()
            for s in 0..<8 {
                let (scale, m) = scaleMinQ4_K(s, w + BlockQ5_K.scalesOffset)
                let b0 = Int32(x.loadUnaligned(fromByteOffset: BlockQ8_K.sumsOffset + 4 * s, as: Int16.self))
                let b1 = Int32(x.loadUnaligned(fromByteOffset: BlockQ8_K.sumsOffset + 4 * s + 2, as: Int16.self))
                minSum += m * (b0 + b1)
                for k in 0..<8 {
                    var dot: Int32 = 0
                    for e in s * 32 + 4 * k ..< s * 32 + 4 * k + 4 {
                        dot += quantQ5_K(w, e) * Int32(x.load(fromByteOffset: BlockQ8_K.quantsOffset + e, as: Int8.self))
                    }
                    sums[k] += scale * dot
                }
            }
            mins = mins.addingProduct(dmin, Float(minSum))
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(d, Float(sums[k])) }
        }
        return sumLanes(lanes) + mins
    }
}
