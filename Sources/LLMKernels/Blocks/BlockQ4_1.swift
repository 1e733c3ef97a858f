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

    /// GGML's Q4_1 · Q8_1 dot product of `count` elements (a multiple of 32): per block,
    /// (d_w × d_x) × Σ q4 × q8 + m_w × s_x, where s_x = d_x × Σ q8 comes with the activation.
    public static func dotQ4_1Q8_1(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 32 == 0, "Q4_1 rows are whole blocks")
        var sum: Float = 0
        for b in 0..<count / 32 {
            let w = weights + b * BlockQ4_1.byteCount
            let x = activations + b * BlockQ8_1.byteCount
            var dot: Int32 = 0
            for j in 0..<16 {
                let byte = w.load(fromByteOffset: BlockQ4_1.quantsOffset + j, as: UInt8.self)
                let x0 = Int32(x.load(fromByteOffset: BlockQ8_1.quantsOffset + j, as: Int8.self))
                let x1 = Int32(x.load(fromByteOffset: BlockQ8_1.quantsOffset + j + 16, as: Int8.self))
                dot += Int32(byte & 0x0F) * x0 + Int32(byte >> 4) * x1
            }
            let dw = Float(w.loadUnaligned(as: Float16.self))
            let mw = Float(w.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            let dx = Float(x.loadUnaligned(as: Float16.self))
            let sx = Float(x.loadUnaligned(fromByteOffset: 2, as: Float16.self))
            sum += (dw * dx) * Float(dot) + mw * sx
        }
        return sum
    }
}
