import GGUF
import XCTest
@testable import LLMKernels

final class QuantizeTests: XCTestCase {
    /// d = amax / 127 and halves round to even: llama.cpp's x86 quantizer
    /// (`_mm256_round_ps(_MM_ROUND_NEAREST)`), not the away-from-zero C reference.
    func testRoundingHalvesToEven() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127; x[1] = 2.5; x[2] = -2.5; x[3] = 0.5; x[4] = -0.5; x[5] = 1.49; x[6] = -126.5; x[7] = 3.5
        var block = [UInt8](repeating: 0, count: 34)
        Reference.quantizeQ8_0(x, count: 32, into: &block)
        let q = block[2...].map { Int8(bitPattern: $0) }
        XCTAssertEqual(Array(q[0..<9]), [127, 2, -2, 0, 0, 1, -126, 4, 0])
        XCTAssertEqual(block.withUnsafeBytes { $0.load(as: Float16.self) }, 1)
    }

    /// The scale multiplies by 127 / amax, as llama.cpp's x86 quantizer, not by 1 / d: here
    /// x·(1/d) is 1.4999999 (→ 1) but x·(127/amax) is exactly 1.5 (→ 2, half to even).
    func testScaleIs127OverAmax() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = 2.5198519229888916; x[1] = 0.02976202964782715
        let d = x[0] / 127
        XCTAssertEqual(x[1] * (1 / d), 1.4999999)   // what the C reference would see
        let buffer = ActivationBuffer(maxTokens: 1, maxColumns: 32)
        buffer.quantize(x, tokens: 1, columns: 32, for: .q8_0)
        var simd = [UInt8](repeating: 0, count: 34), reference = simd
        simd.withUnsafeMutableBytes { buffer.copyBlocks(token: 0, as: .q8_0, into: $0.baseAddress!) }
        Reference.quantizeQ8_0(x, count: 32, into: &reference)
        XCTAssertEqual(Int8(bitPattern: reference[3]), 2)
        XCTAssertEqual(simd, reference)
    }

    func testZeroBlock() {
        let x = [Float](repeating: 0, count: 64)
        var blocks = [UInt8](repeating: 0xFF, count: 72)
        Reference.quantizeQ8_1(x, count: 64, into: &blocks)
        XCTAssertTrue(blocks.allSatisfy { $0 == 0 })
    }

    func testRoundTripErrorBound() {
        var rng = TestRandom(seed: 1)
        for blocks in oddBlockCounts {
            let x = rng.floats(blocks * 32)
            var q8_0 = [UInt8](repeating: 0, count: blocks * 34)
            var q8_1 = [UInt8](repeating: 0, count: blocks * 36)
            Reference.quantizeQ8_0(x, count: x.count, into: &q8_0)
            Reference.quantizeQ8_1(x, count: x.count, into: &q8_1)
            var back0 = [Float](repeating: 0, count: x.count), back1 = back0
            Reference.dequantizeQ8_0(q8_0, count: x.count, into: &back0)
            Reference.dequantizeQ8_1(q8_1, count: x.count, into: &back1)
            XCTAssertEqual(back0, back1, "Q8_0 and Q8_1 share d and the quants")
            for b in 0..<blocks {
                let amax = x[b * 32..<b * 32 + 32].map(abs).max()!
                let d = amax / 127
                // Half a step, plus 127 steps' worth of the scale's fp16 rounding (2^-11 relative).
                let bound = d * (0.5 + 127.0 / 2048) + 1e-7
                for i in b * 32..<b * 32 + 32 {
                    XCTAssertLessThanOrEqual(abs(x[i] - back0[i]), bound, "blocks \(blocks), element \(i)")
                }
                // s = fp16(d * Σq), d before its rounding to fp16.
                let qsum = (0..<32).reduce(Int32(0)) { $0 + Int32(Int8(bitPattern: q8_1[b * 36 + 4 + $1])) }
                let s = q8_1.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: b * 36 + 2, as: Float16.self) }
                XCTAssertEqual(s, Float16(Float(qsum) * d))
            }
        }
    }

    /// The SIMD quantizer of ActivationBuffer matches the reference bit for bit, its layout
    /// and group sums are as documented, and the block after an odd row is zero padding.
    func testActivationBufferMatchesReference() {
        var rng = TestRandom(seed: 2)
        let buffer = ActivationBuffer(maxTokens: 3, maxColumns: 1023 * 32)
        for blocks in oddBlockCounts {
            let columns = blocks * 32
            let x = rng.floats(3 * columns)
            buffer.quantize(x, tokens: 3, columns: columns, for: .q4_1)
            XCTAssertEqual(buffer.contents, .quantized)
            XCTAssertEqual(buffer.stride, (blocks + 1) / 2)
            for t in 0..<3 {
                var expected0 = [UInt8](repeating: 0, count: blocks * 34), got0 = expected0
                var expected1 = [UInt8](repeating: 0, count: blocks * 36), got1 = expected1
                x.withUnsafeBufferPointer { p in
                    Reference.quantizeQ8_0(p.baseAddress! + t * columns, count: columns, into: &expected0)
                    Reference.quantizeQ8_1(p.baseAddress! + t * columns, count: columns, into: &expected1)
                }
                got0.withUnsafeMutableBytes { buffer.copyBlocks(token: t, as: .q8_0, into: $0.baseAddress!) }
                got1.withUnsafeMutableBytes { buffer.copyBlocks(token: t, as: .q8_1, into: $0.baseAddress!) }
                XCTAssertEqual(got0, expected0, "Q8_0, \(blocks) blocks, token \(t)")
                XCTAssertEqual(got1, expected1, "Q8_1, \(blocks) blocks, token \(t)")
                // The side arrays, checked against the documented pair layout (ckernels.h).
                let pairs = (blocks + 1) / 2
                for b in 0..<pairs * 2 {
                    let pair = t * buffer.stride + b / 2, half = b % 2
                    let q: [Int32] = (0..<32).map { e in
                        b < blocks ? Int32(Int8(bitPattern: expected0[b * 34 + 2 + e])) : 0
                    }
                    let g: [Int32] = (0..<8).map { k in
                        let sum: Int32 = q[4 * k ..< 4 * k + 4].reduce(0, +)
                        return -sum
                    }
                    for k in 0..<4 {
                        XCTAssertEqual(buffer.groupSums[pair * 16 + half * 4 + k], g[k])
                        XCTAssertEqual(buffer.groupSums[pair * 16 + 8 + half * 4 + k], g[k + 4])
                        XCTAssertEqual(buffer.laneSums[pair * 8 + half * 4 + k], g[k] + g[k + 4])
                    }
                    for e in 0..<16 {
                        XCTAssertEqual(Int32(buffer.quants[pair * 64 + half * 16 + e]), q[e])
                        XCTAssertEqual(Int32(buffer.quants[pair * 64 + 32 + half * 16 + e]), q[e + 16])
                    }
                    // The element-order copies (qn, gn in ckernels.h).
                    for e in 0..<32 { XCTAssertEqual(Int32(buffer.naturalQuants[pair * 64 + half * 32 + e]), q[e]) }
                    for k in 0..<8 { XCTAssertEqual(buffer.naturalGroupSums[pair * 16 + half * 8 + k], g[k]) }
                    let d = buffer.scales[pair * 8 + half], s = buffer.scales[pair * 8 + 2 + half]
                    XCTAssertEqual(buffer.scales[pair * 8 + 4 + half], d)
                    XCTAssertEqual(buffer.scales[pair * 8 + 6 + half], s)
                    if b == blocks {   // the zero padding of an odd row
                        XCTAssertEqual(d, 0)
                        XCTAssertEqual(s, 0)
                    }
                }
            }
        }
    }

    func testNonFiniteInputDoesNotTrap() {
        let buffer = ActivationBuffer(maxTokens: 1, maxColumns: 64)
        var x = [Float](repeating: 1, count: 64)
        x[3] = .nan; x[40] = .infinity
        buffer.quantize(x, tokens: 1, columns: 64, for: .q8_0)
        XCTAssertEqual(buffer.contents, .quantized)
    }

    func testFloatContentsAreCopied() {
        let buffer = ActivationBuffer(maxTokens: 2, maxColumns: 10)
        let x: [Float] = (0..<14).map { Float($0) }
        buffer.quantize(x, tokens: 2, columns: 7, for: .f16)
        XCTAssertEqual(buffer.contents, .float)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: buffer.floats, count: 14)), x)
    }
}
