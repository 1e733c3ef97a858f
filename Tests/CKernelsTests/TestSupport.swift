import GGUF
@testable import LLMKernels

/// Deterministic generator (SplitMix64) so failures reproduce.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    /// Activation-like values: mostly small, a few outliers, as in real hidden states.
    mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in next() % 16 == 0 ? float(-8, 8) : float(-1, 1) }
    }
}

/// Odd (and a few even) lengths in blocks, 1 through 1023, as in llama.cpp's test-quantize-fns.
let oddBlockCounts = [1, 2, 3, 5, 7, 9, 13, 18, 31, 48, 63, 127, 255, 511, 1023]

/// Random weight rows of `type`, `rows` × `columns`, as raw file bytes.
func randomWeights(_ type: GGMLType, rows: Int, columns: Int, rng: inout TestRandom) -> [UInt8] {
    let rowBytes = type.byteCount(elements: columns)!
    var bytes = [UInt8](repeating: 0, count: rows * rowBytes)
    bytes.withUnsafeMutableBytes { raw in
        let base = raw.baseAddress!
        switch type {
        case .f32:
            for i in 0..<rows * columns { base.storeBytes(of: rng.float(-1, 1), toByteOffset: i * 4, as: Float.self) }
        case .f16:
            for i in 0..<rows * columns { base.storeBytes(of: Float16(rng.float(-1, 1)), toByteOffset: i * 2, as: Float16.self) }
        case .bf16:
            for i in 0..<rows * columns {
                let bits = rng.float(-1, 1).bitPattern >> 16
                base.storeBytes(of: UInt16(bits), toByteOffset: i * 2, as: UInt16.self)
            }
        default:
            let blocks = rows * columns / type.blockSize
            for b in 0..<blocks {
                let block = base + b * type.blockBytes
                for i in 0..<type.blockBytes { block.storeBytes(of: rng.byte(), toByteOffset: i, as: UInt8.self) }
                let sign: Float = rng.next() & 1 == 0 ? 1 : -1
                switch type {
                case .q4_K, .q5_K:
                    // Scales and mins are 6-bit (up to 63): smaller super-block scales.
                    block.storeBytes(of: Float16(rng.float(0.0002, 0.001) * sign), as: Float16.self)
                    block.storeBytes(of: Float16(rng.float(0.0, 0.004)), toByteOffset: 2, as: Float16.self)
                case .q2_K:
                    block.storeBytes(of: Float16(rng.float(0.0005, 0.003) * sign), toByteOffset: 80, as: Float16.self)
                    block.storeBytes(of: Float16(rng.float(0.0, 0.004)), toByteOffset: 82, as: Float16.self)
                case .q3_K:
                    // 6-bit scales − 32; d is the last field.
                    block.storeBytes(of: Float16(rng.float(0.0002, 0.002) * sign), toByteOffset: 108, as: Float16.self)
                case .q6_K:
                    // Int8 sub-block scales (up to ±128); d is the last field.
                    block.storeBytes(of: Float16(rng.float(0.00002, 0.0002) * sign), toByteOffset: 208, as: Float16.self)
                default:
                    block.storeBytes(of: Float16(rng.float(0.002, 0.03) * sign), as: Float16.self)
                }
                if type == .q4_1 || type == .q5_1 {
                    block.storeBytes(of: Float16(rng.float(-0.25, 0.05)), toByteOffset: 2, as: Float16.self)
                }
            }
        }
    }
    return bytes
}

/// Dequantized copy of a whole matrix, in Double.
func dequantizedMatrix(_ w: WeightMatrix) -> [Double] {
    var out = [Double](repeating: 0, count: w.rows * w.columns)
    var row = [Float](repeating: 0, count: w.columns)
    for r in 0..<w.rows {
        Reference.dequantize(w.type, w.row(r), count: w.columns, into: &row)
        for c in 0..<w.columns { out[r * w.columns + c] = Double(row[c]) }
    }
    return out
}
