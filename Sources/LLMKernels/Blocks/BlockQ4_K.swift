/// GGML `Q4_K`: a super-block of 256 weights in 8 sub-blocks of 32, each with a 6-bit scale
/// and a 6-bit min; weight = d × scale_s × q − dmin × min_s with q a 4-bit value.
///
/// 144 bytes, read in place. Sub-blocks go in pairs over 32 bytes of `qs`: the low nibbles of
/// bytes 32p..32p+31 are sub-block 2p, the high nibbles sub-block 2p + 1. Scales and mins are
/// packed in `scales` as ggml's `get_scale_min_k4` reads them (see ``Reference/scaleMinQ4_K``).
public struct BlockQ4_K {
    /// Super-block scale of the scales.
    public var d: Float16
    /// Super-block scale of the mins.
    public var dmin: Float16
    /// Eight 6-bit scales and eight 6-bit mins, packed.
    public var scales: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
    /// 4-bit quants (8 × 16 bytes).
    public var qs: (Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16)

    /// Weights per block.
    public static let elementCount = 256
    /// Bytes per block in the file.
    public static let byteCount = 144
    /// Byte offset of `scales`.
    static let scalesOffset = 4
    /// Byte offset of `qs`.
    static let quantsOffset = 16
}

extension Reference {
    /// Scale and min (each 0...63) of sub-block `j` (0..<8) from the 12 packed bytes at `s`
    /// (ggml's `get_scale_min_k4`; also used by Q5_K).
    @inline(__always)
    static func scaleMinQ4_K(_ j: Int, _ s: UnsafeRawPointer) -> (scale: Int32, min: Int32) {
        func byte(_ i: Int) -> Int32 { Int32(s.load(fromByteOffset: i, as: UInt8.self)) }
        if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
        return ((byte(j + 4) & 0x0F) | ((byte(j - 4) >> 6) << 4), (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4))
    }

    /// The 4-bit quant of element `e` (0..<256) of the Q4_K block at `block`.
    @inline(__always)
    static func quantQ4_K(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
        let byte = block.load(fromByteOffset: BlockQ4_K.quantsOffset + (e / 64) * 32 + e % 32, as: UInt8.self)
        return Int32((e / 32) % 2 == 0 ? byte & 0x0F : byte >> 4)
    }

    /// Dequantizes `count` Q4_K elements (a multiple of 256) from `blocks` into `output`.
    public static func dequantizeQ4_K(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 256 == 0, "Q4_K rows are whole 256-element blocks")
        for b in 0..<count / 256 {
            let block = blocks + b * BlockQ4_K.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            let dmin = Float(block.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            for s in 0..<8 {
                let (scale, m) = scaleMinQ4_K(s, block + BlockQ4_K.scalesOffset)
                let d1 = d * Float(scale), m1 = dmin * Float(m)
                for i in 0..<32 { output[b * 256 + s * 32 + i] = d1 * Float(quantQ4_K(block, s * 32 + i)) - m1 }
            }
        }
    }

    /// GGML's Q4_K · Q8_K dot product of `count` elements (a multiple of 256), summed in the
    /// order of llama.cpp's *repacked* x86 kernels (`ggml_gemv_q4_K_8x8_q8_K` /
    /// `ggml_gemm_q4_K_8x8_q8_K`), which llama.cpp runs for every Q4_K matrix whose row count
    /// is a multiple of 8 on AVX2/AVX-512 machines (weights repacked at load, the default):
    /// per super-block the exact integers S = Σ_s scale_s × dot_s and M = Σ_s min_s × (sum of
    /// the 32 activation quants of s); then two FMA chains in super-block order,
    /// acc += S × fl(d_w × d_x) and accMin += M × fl(dmin_w × d_x); result acc − accMin.
    /// With `grouped` (tokens that llama.cpp multiplies in groups of four, through the gemm:
    /// all but the last tokens % 4 of a mat-mul) the steps are 64 elements (two sub-blocks)
    /// instead of a super-block, four FMAs per chain per super-block.
    /// This is what MatMul computes (the C kernels). For matrices that llama.cpp does not
    /// repack, its order is ``dotQ4_KQ8_KVecDot(_:_:count:)``.
    public static func dotQ4_KQ8_K(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int, grouped: Bool = false) -> Float {
        precondition(count % 256 == 0, "Q4_K rows are whole 256-element blocks")
        var acc: Float = 0, accMin: Float = 0
        for b in 0..<count / 256 {
            let w = weights + b * BlockQ4_K.byteCount
            let x = activations + b * BlockQ8_K.byteCount
            let dx = x.loadUnaligned(as: Float.self)
            let d = Float(w.loadUnaligned(as: Float16.self)) * dx
            let dmin = Float(w.loadUnaligned(fromByteOffset: 2, as: Float16.self)) * dx
            var sum: Int32 = 0, minSum: Int32 = 0
            for s in 0..<8 {
                let (scale, m) = scaleMinQ4_K(s, w + BlockQ4_K.scalesOffset)
                var dot: Int32 = 0, xs: Int32 = 0
                for e in s * 32 ..< s * 32 + 32 {
                    let q8 = Int32(x.load(fromByteOffset: BlockQ8_K.quantsOffset + e, as: Int8.self))
                    dot += quantQ4_K(w, e) * q8
                    xs += q8
                }
                sum += scale * dot
                minSum += m * xs
                if grouped && s % 2 == 1 {
                    acc = acc.addingProduct(Float(sum), d)
                    accMin = accMin.addingProduct(Float(minSum), dmin)
                    sum = 0
                    minSum = 0
                }
            }
            if !grouped {
                acc = acc.addingProduct(Float(sum), d)
                accMin = accMin.addingProduct(Float(minSum), dmin)
            }
        }
        return acc - accMin
    }

    /// GGML's Q4_K · Q8_K dot product of `count` elements (a multiple of 256), summed in the
    /// order of llama.cpp's x86 `ggml_vec_dot_q4_K_q8_K` (AVX2 path, which AVX-512 builds
    /// also run), so results agree bit for bit with it; llama.cpp uses it for Q4_K matrices it
    /// does not repack (see ``dotQ4_KQ8_K(_:_:count:)``). Per super-block: eight int32 lanes, lane
    /// k = Σ over sub-blocks s of scale_s × (dot of elements 4k ..< 4k+4 of s); then one FMA
    /// lane[k] += fl(d_x × d_w) × lane k. The mins go to four lanes: lane i += fl(−d_x × dmin) ×
    /// (min_{2i} × (b_{4i} + b_{4i+1}) + min_{2i+1} × (b_{4i+2} + b_{4i+3})) with b the Q8_K
    /// bsums. Result: ``sumLanes(_:)`` of the eight lanes + ((m0 + m2) + (m1 + m3)).
    public static func dotQ4_KQ8_KVecDot(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                         count: Int) -> Float {
        precondition(count % 256 == 0, "Q4_K rows are whole 256-element blocks")
        var lanes = SIMD8<Float>()
        var minLanes = SIMD4<Float>()
        for b in 0..<count / 256 {
            let w = weights + b * BlockQ4_K.byteCount
            let x = activations + b * BlockQ8_K.byteCount
            let dx = x.loadUnaligned(as: Float.self)
            let d = dx * Float(w.loadUnaligned(as: Float16.self))
            let dmin = -dx * Float(w.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            func bsum(_ g: Int) -> Int32 {
                Int32(x.loadUnaligned(fromByteOffset: BlockQ8_K.sumsOffset + 2 * g, as: Int16.self))
            }
            for i in 0..<4 {
                let m0 = scaleMinQ4_K(2 * i, w + BlockQ4_K.scalesOffset).min
                let m1 = scaleMinQ4_K(2 * i + 1, w + BlockQ4_K.scalesOffset).min
                let prod = m0 * (bsum(4 * i) + bsum(4 * i + 1)) + m1 * (bsum(4 * i + 2) + bsum(4 * i + 3))
                minLanes[i] = minLanes[i].addingProduct(dmin, Float(prod))
            }
            var sums = SIMD8<Int32>()
            for s in 0..<8 {
                let scale = scaleMinQ4_K(s, w + BlockQ4_K.scalesOffset).scale
                for k in 0..<8 {
                    var dot: Int32 = 0
                    for e in s * 32 + 4 * k ..< s * 32 + 4 * k + 4 {
                        dot += quantQ4_K(w, e) * Int32(x.load(fromByteOffset: BlockQ8_K.quantsOffset + e, as: Int8.self))
                    }
                    sums[k] += scale * dot
                }
            }
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(d, Float(sums[k])) }
        }
        return sumLanes(lanes) + ((minLanes[0] + minLanes[2]) + (minLanes[1] + minLanes[3]))
    }
}
