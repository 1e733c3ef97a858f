/// GGML `Q4_0`: 32 weights share one fp16 scale; weight = d × (q − 8) with q in 0...15.
///
/// 18 bytes, read in place from the mapped file. Byte j of `qs` holds element j in its low
/// nibble and element j + 16 in its high nibble.
public struct BlockQ4_0 {
    /// Scale.
    public var d: Float16
    /// Packed 4-bit quants: low nibbles are elements 0..15, high nibbles 16..31.
    public var qs: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// Weights per block.
    public static let elementCount = 32
    /// Bytes per block in the file.
    public static let byteCount = 18
    /// Byte offset of `qs`.
    static let quantsOffset = 2
}

extension Reference {
    /// Dequantizes `count` Q4_0 elements (a multiple of 32) from `blocks` into `output`.
    public static func dequantizeQ4_0(_ blocks: UnsafeRawPointer, count: Int,
                                      into output: UnsafeMutablePointer<Float>) {
        precondition(count % 32 == 0, "Q4_0 rows are whole blocks")
        for b in 0..<count / 32 {
            let block = blocks + b * BlockQ4_0.byteCount
            let d = Float(block.loadUnaligned(as: Float16.self))
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: BlockQ4_0.quantsOffset + j, as: UInt8.self)
                output[b * 32 + j] = Float(Int(byte & 0x0F) - 8) * d
                output[b * 32 + j + 16] = Float(Int(byte >> 4) - 8) * d
            }
        }
    }

    /// GGML's Q4_0 · Q8_0 dot product of `count` elements (a multiple of 32): per block,
    /// the exact integer sum of (q4 − 8) × q8, times d_w × d_x, summed in Float.
    public static func dotQ4_0Q8_0(_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer,
                                   count: Int) -> Float {
        precondition(count % 32 == 0, "Q4_0 rows are whole blocks")
        var sum: Float = 0
        for b in 0..<count / 32 {
            let w = weights + b * BlockQ4_0.byteCount
            let x = activations + b * BlockQ8_0.byteCount
            var dot: Int32 = 0
            for j in 0..<16 {
                let byte = w.load(fromByteOffset: BlockQ4_0.quantsOffset + j, as: UInt8.self)
                let x0 = Int32(x.load(fromByteOffset: BlockQ8_0.quantsOffset + j, as: Int8.self))
                let x1 = Int32(x.load(fromByteOffset: BlockQ8_0.quantsOffset + j + 16, as: Int8.self))
                dot += (Int32(byte & 0x0F) - 8) * x0 + (Int32(byte >> 4) - 8) * x1
            }
            let dw = Float(w.loadUnaligned(as: Float16.self))
            let dx = Float(x.loadUnaligned(as: Float16.self))
            sum += Float(dot) * dw * dx
        }
        return sum
    }
}
