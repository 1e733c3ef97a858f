/// GGML `Q6_K`: a super-block of 256 weights in 16 sub-blocks of 16, each with an int8
/// scale; weight = d × scale_s × (q − 32) with q a 6-bit value.
///
/// 210 bytes, read in place. Each half (128 elements) h uses ql[64h ..< 64h + 64] and
/// qh[32h ..< 32h + 32]: for l < 32, element 128h + 32c + l has low four bits from
/// ql[64h + l + 32 (c & 1)] (low nibble for c < 2, high nibble for c ≥ 2) and high two bits
/// (qh[32h + l] >> 2c) & 3. Sub-block s covers elements 16s ..< 16s + 16.
public struct BlockQ6_K {
    /// Low 4 bits of the quants (8 × 16 bytes).
    public var ql: (Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16, Bytes16)
    /// High 2 bits of the quants (4 × 16 bytes).
    public var qh: (Bytes16, Bytes16, Bytes16, Bytes16)
    /// Sub-block scales (Int8 values, stored as bytes).
    public var scales: Bytes16
    /// Super-block scale.
    public var d: Float16

    /// Weights per block.
    public static let elementCount = 256
    /// Bytes per block in the file.
    public static let byteCount = 210
    /// Byte offset of `qh`.
    static let highBitsOffset = 128
    /// Byte offset of `scales`.
    static let scalesOffset = 192
    /// Byte offset of `d`.
    static let scaleOffset = 208
}

extension Reference {
    /// The unsigned 6-bit quant (0...63) of element `e` (0..<256) of the Q6_K block at `block`.
    @inline(__always)
    static func quantQ6_K(_ block: UnsafeRawPointer, _ e: Int) -> Int32 {
        let h = e / 128, c = (e % 128) / 32, l = e % 32
        let low = block.load(fromByteOffset: 64 * h + l + 32 * (c & 1), as: UInt8.self)
        let high = block.load(fromByteOffset: BlockQ6_K.highBitsOffset + 32 * h + l, as: UInt8.self)
        let nibble = c < 2 ? low & 0x0F : low >> 4
        return Int32(nibble) | Int32((high >> UInt8(2 * c)) & 3) << 4
    }

    @inline(__always)
    static func scaleQ6_K(_ block: UnsafeRawPointer, _ s: Int) -> Int32 {
        Int32(block.load(fromByteOffset: BlockQ6_K.scalesOffset + s, as: Int8.self))
    }

    /// Dequantizes `count` Q6_K elements (a multiple of 256) from `blocks` into `output`.
    public static func dequantizeQ6_K(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 256 == 0, "Q6_K rows are whole 256-element blocks")
        for b in 0..<count / 256 {
            let block = blocks + b * BlockQ6_K.byteCount
            let d = Float(block.loadUnaligned(fromByteOffset: BlockQ6_K.scaleOffset, as: Float16.self))
            for e in 0..<256 {
                output[b * 256 + e] = d * Float(scaleQ6_K(block, e / 16)) * Float(quantQ6_K(block, e) - 32)
            }
        }
    }

    /// GGML's Q6_K · Q8_K dot product of `count` elements (a multiple of 256), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q6_K_q8_K`, AVX2 path, which AVX-512
    /// builds also run), so results agree bit for bit. Per super-block: eight int32 lanes,
    /// lane k = Σ over the eight 32-element chunks c of Σ_{e = 4k ..< 4k+4} scale × q × x (q
    /// unsigned), minus 32 × (b_{2k} × scale_{2k} + b_{2k+1} × scale_{2k+1}) with b the Q8_K
    /// bsums; then lane[k] += fl(d_x × d_w) × lane k by FMA; result ``sumLanes(_:)``.
    public static func dotQ6_KQ8_K(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 256 == 0, "Q6_K rows are whole 256-element blocks")
        var lanes = SIMD8<Float>()
        for b in 0..<count / 256 {
            let w = weights + b * BlockQ6_K.byteCount
            let x = activations + b * BlockQ8_K.byteCount
            let d = x.loadUnaligned(as: Float.self)
                * Float(w.loadUnaligned(fromByteOffset: BlockQ6_K.scaleOffset, as: Float16.self))
            var sums = SIMD8<Int32>()
            for e in 0..<256 {
                let q8 = Int32(x.load(fromByteOffset: BlockQ8_K.quantsOffset + e, as: Int8.self))
                sums[(e % 32) / 4] += scaleQ6_K(w, e / 16) * quantQ6_K(w, e) * q8
            }
            for k in 0..<8 {
                let b0 = Int32(x.loadUnaligned(fromByteOffset: BlockQ8_K.sumsOffset + 4 * k, as: Int16.self))
                let b1 = Int32(x.loadUnaligned(fromByteOffset: BlockQ8_K.sumsOffset + 4 * k + 2, as: Int16.self))
                sums[k] -= 32 * (b0 * scaleQ6_K(w, 2 * k) + b1 * scaleQ6_K(w, 2 * k + 1))
            }
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(d, Float(sums[k])) }
        }
        return sumLanes(lanes)
    }
}
