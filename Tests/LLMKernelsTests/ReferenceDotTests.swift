import GGUF
import XCTest
@testable import LLMKernels

/// The oracle against plain Double arithmetic on dequantized values.
final class ReferenceDotTests: XCTestCase {
    private func check(_ type: GGMLType, seed: UInt64) {
        var rng = TestRandom(seed: seed)
        for blocks in oddBlockCounts {
            let n = blocks * 32
            let wBytes = randomWeights(type, rows: 1, columns: n, rng: &rng)
            let x = rng.floats(n)
            var wf = [Float](repeating: 0, count: n)
            Reference.dequantize(type, wBytes, count: n, into: &wf)
            let activation = Reference.activationType(for: type)!
            var xq = [UInt8](repeating: 0, count: n / 32 * activation.blockBytes)
            var xf = x
            let got: Float
            switch type {
            case .q4_0:
                Reference.quantizeQ8_0(x, count: n, into: &xq)
                Reference.dequantizeQ8_0(xq, count: n, into: &xf)
                got = Reference.dotQ4_0Q8_0(wBytes, xq, count: n)
            case .q8_0:
                Reference.quantizeQ8_0(x, count: n, into: &xq)
                Reference.dequantizeQ8_0(xq, count: n, into: &xf)
                got = Reference.dotQ8_0Q8_0(wBytes, xq, count: n)
            case .q4_1:
                Reference.quantizeQ8_1(x, count: n, into: &xq)
                Reference.dequantizeQ8_1(xq, count: n, into: &xf)
                got = Reference.dotQ4_1Q8_1(wBytes, xq, count: n)
            case .f16: got = Reference.dotF16F32(wBytes, x, count: n)
            case .bf16: got = Reference.dotBF16F32(wBytes, x, count: n)
            default: got = Reference.dotF32F32(wBytes, x, count: n)
            }
            var exact = 0.0, magnitude = 0.0
            for i in 0..<n {
                exact += Double(wf[i]) * Double(xf[i])
                magnitude += abs(Double(wf[i]) * Double(xf[i]))
            }
            // Float summation of n terms; for Q4_1 also the fp16 rounding of s (2^-11 of |m|·Σ|x|).
            var bound = Double(n + 8) * 1.2e-7 * magnitude + 1e-6
            if type == .q4_1 { bound += minTermRounding(wBytes, xf, blocks: blocks) }
            XCTAssertEqual(Double(got), exact, accuracy: bound, "\(type), \(blocks) blocks")
        }
    }

    func testQ4_0Q8_0() { check(.q4_0, seed: 10) }
    func testQ4_1Q8_1() { check(.q4_1, seed: 11) }
    func testQ8_0Q8_0() { check(.q8_0, seed: 12) }
    func testF16F32() { check(.f16, seed: 13) }
    func testBF16F32() { check(.bf16, seed: 14) }
    func testF32F32() { check(.f32, seed: 15) }
}

/// Worst-case gap between Q8_1's s = fp16(d·Σq) (d before its fp16 rounding) and the
/// dequantized Σ fp16(d)·q: two fp16 roundings (2^-11 relative each, or 2^-25 absolute for
/// subnormals), times |m| of the Q4_1 weight block.
func minTermRounding(_ q4_1: [UInt8], _ xf: [Float], blocks: Int, blockBytes: Int = 20) -> Double {
    var bound = 0.0
    for b in 0..<blocks {
        let m = Double(q4_1.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: b * blockBytes + 2, as: Float16.self) })
        let s = xf[b * 32..<b * 32 + 32].reduce(0.0) { $0 + Double($1) }
        bound += abs(m) * (abs(s) / 1024 + 0x1p-24)
    }
    return bound * 1.01
}
