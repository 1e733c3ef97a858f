/// Sixteen bytes, a building block of the larger quant structs (Swift has no fixed arrays).
public typealias Bytes16 = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

/// GGML `Q5_0`: 32 weights share an fp16 scale; weight = d × (q − 16) with q a 5-bit value.
///
/// 22 bytes, read in place from the mapped file. The low four bits of q are nibbles as in
/// ``BlockQ4_0`` (low nibbles elements 0..15, high nibbles 16..31); bit j of the
/// little-endian 32-bit `qh` is the fifth bit of element j.
public struct BlockQ5_0 {
    /// Scale.
    public var d: Float16
    /// Fifth bits, element j at bit j of the little-endian UInt32.
    public var qh: (UInt8, UInt8, UInt8, UInt8)
    /// Packed low 4 bits: low nibbles are elements 0..15, high nibbles 16..31.
    public var qs: Bytes16

    /// Weights per block.
    public static let elementCount = 32
    /// Bytes per block in the file.
    public static let byteCount = 22
    /// Byte offset of `qh`.
    static let highBitsOffset = 2
    /// Byte offset of `qs`.
    static let quantsOffset = 6
}

extension Reference {
    /// The 5-bit quant (0...31) of element `j` of the Q5_0 block at `block`.
    @inline(__always)
    static func quantQ5_0(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let qh = block.loadUnaligned(fromByteOffset: BlockQ5_0.highBitsOffset, as: UInt32.self).littleEndian
        let byte = block.load(fromByteOffset: BlockQ5_0.quantsOffset + j % 16, as: UInt8.self)
        let low = j < 16 ? byte & 0x0F : byte >> 4
        return Int32(low) | Int32((qh >> UInt32(j)) & 1) << 4
    }

    /// Dequantizes `count` Q5_0 elements (a multiple of 32) from `blocks` into `output`.
    public static func dequantizeQ5_0(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 32 == 0, "Q5_0 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = blocks + b * BlockQ5_0.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            for j in 0..<32 { output[b * 32 + j] = Float(quantQ5_0(block, j) - 16) * d }
        }
    }

    /// GGML's Q5_0 · Q8_0 dot product of `count` elements (a multiple of 32), summed in the
    /// order of llama.cpp's x86 kernel (`ggml_vec_dot_q5_0_q8_0`, AVX2 path, which AVX-512
    /// builds also run): exactly the order of ``dotQ8_0Q8_0(_:_:count:)`` with the weight
    /// quant q − 16; lanes reduced as ``sumLanes(_:)``. Scale fl(d_w × d_x).
    public static func dotQ5_0Q8_0(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 32 == 0, "Q5_0 rows are whole blocks")
        var lanes = SIMD8<Float>()
        for b in 0..<count / 32 {
            let w = weights + b * BlockQ5_0.byteCount
            let x = activations + b * BlockQ8_0.byteCount
            var dots = SIMD8<Int32>()
            for j in 0..<32 {
                let qx = Int32(x.load(fromByteOffset: BlockQ8_0.quantsOffset + j, as: Int8.self))
                dots[j / 4] += (quantQ5_0(w, j) - 16) * qx
            }
            let scale = Float(w.loadUnaligned(as: Float16.self)) * Float(x.loadUnaligned(as: Float16.self))
            for k in 0..<8 { lanes[k] = lanes[k].addingProduct(scale, Float(dots[k])) }
        }
        return sumLanes(lanes)
    }
}
