/// GGML `Q8_0`: 32 values share one fp16 scale; value = d × q with q an Int8.
///
/// 34 bytes. Used for weights (read in place from the mapped file) and, as in llama.cpp, for
/// the activations that Q4_0 and Q8_0 weights are multiplied with.
public struct BlockQ8_0 {
    /// Scale.
    public var d: Float16
    /// Quants, in element order.
    public var qs: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8)

    /// Values per block.
    public static let elementCount = 32
    /// Bytes per block.
    public static let byteCount = 34
    /// Byte offset of `qs`.
    static let quantsOffset = 2
}

extension Reference {
    /// Dequantizes `count` Q8_0 elements (a multiple of 32) from `blocks` into `output`.
    public static func dequantizeQ8_0(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 32 == 0, "Q8_0 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = blocks + b * BlockQ8_0.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            for j in 0..<32 {
                output[b * 32 + j] = Float(block.load(fromByteOffset: BlockQ8_0.quantsOffset + j, as: Int8.self)) * d
            }
        }
    }

    /// The scale and quants of one block exactly as llama.cpp's x86 activation quantizer
    /// (`quantize_row_q8_0` / `quantize_row_q8_1` in ggml-cpu/arch/x86/quants.c, the AVX/AVX2
    /// path) makes them: d = amax / 127, q = round(x × (127 / amax)) rounding halves to even
    /// (q = 0 when the block is all zero). Returns d before its rounding to fp16.
    ///
    /// This mirrors the x86 path rather than the reference `quantize_row_q8_0_ref` (which uses
    /// 1/d and rounds halves away from zero) because the x86 path is what produced our goldens
    /// and what llama.cpp runs on the machines we compare against; the two differ in the last
    /// bit of a quant now and then, which is enough to move logits visibly after 30 layers.
    static func quantizeBlock(_ x: UnsafePointer<Float>, into q: UnsafeMutablePointer<Int8>) -> Float {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = amax != 0 ? 127 / amax : 0
        for j in 0..<32 { q[j] = Int8((x[j] * id).rounded(.toNearestOrEven)) }
        return d
    }

    /// Quantizes `count` floats (a multiple of 32) to Q8_0 blocks at `output`
    /// (`count / 32 × 34` bytes), as llama.cpp's x86 `quantize_row_q8_0` (see `quantizeBlock`).
    public static func quantizeQ8_0(_ x: UnsafePointer<Float>, count: Int, into output: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0, "Q8_0 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = output + b * BlockQ8_0.byteCount
            let q = (block + BlockQ8_0.quantsOffset).bindMemory(to: Int8.self, capacity: 32)
            let d = quantizeBlock(x + b * 32, into: q)
            block.storeBytes(of: Float16(d), as: Float16.self)
        }
    }

    /// GGML's Q8_0 · Q8_0 dot product of `count` elements (a multiple of 32), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q8_0_q8_0`, AVX2 path): eight float
    /// lanes, lane k taking the integer dot of elements 4k ..< 4k+4 of each block times
    /// fl(d_w × d_x), one FMA per block in block order, then reduced as ``Reference/sumLanes(_:)``.
    public static func dotQ8_0Q8_0(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 32 == 0, "Q8_0 rows are whole blocks")
        var lanes = SIMD8<Float>()
        for b in 0..<count / 32 {
            let w = weights + b * BlockQ8_0.byteCount
            let x = activations + b * BlockQ8_0.byteCount
            var dots = SIMD8<Int32>()
            for j in 0..<32 {
                let qw = Int32(w.load(fromByteOffset: BlockQ8_0.quantsOffset + j, as: Int8.self))
                let qx = Int32(x.load(fromByteOffset: BlockQ8_0.quantsOffset + j, as: Int8.self))
                dots[j / 4] += qw * qx
            }
            let scale = Float(w.loadUnaligned(as: Float16.self)) * Float(x.loadUnaligned(as: Float16.self))
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(scale, Float(dots[k])) }
        }
        return sumLanes(lanes)
    }

    /// The eight partial sums of the Q8_0/Q4_1 dot products added the way llama.cpp's x86
    /// `hsum_float_8` adds them: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).
    @inline(__always)
    public static func sumLanes(_ l: SIMD8<Float>) -> Float {
        let s4 = l.lowHalf + l.highHalf
        return (s4[0] + s4[2]) + (s4[1] + s4[3])
    }
}
