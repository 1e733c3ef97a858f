import CKernels
import Foundation
import GGUF
import XCTest
@testable import LLMKernels

/// Every C kernel, on every instruction set this CPU has, against its Swift reference twin
/// (Reference.dotQ4_0Q8_0 / dotQ4_1Q8_1 / dotQ8_0Q8_0) on odd sizes: Q4_0 within a rounding
/// bound, Q4_1 and Q8_0 (which mirror llama.cpp's summation order) bit for bit.
final class CKernelTests: XCTestCase {
    private struct Variant {
        let name: String
        let isa: Int
        let kernel: ck_matmul_fn
    }

    private static func variants(_ type: GGMLType) -> [Variant] {
        let all: [(String, Int, ck_matmul_fn)]
        switch type {
        case .q4_0:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q4_0_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q4_0_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q4_0_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q4_0)]
        case .q4_1:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q4_1_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q4_1_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q4_1_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q4_1)]
        default:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q8_0_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q8_0_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q8_0_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q8_0)]
        }
        return all.filter { $0.1 <= Int(ck_isa()) }.map { Variant(name: $0.0, isa: $0.1, kernel: $0.2) }
    }

    /// Σ over blocks of |each float term| the kernel adds up, for the summation-error bound.
    private static func termMagnitude(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer, blocks: Int) -> Double {
        var total = 0.0
        var wf = [Float](repeating: 0, count: 32), xf = wf
        for b in 0..<blocks {
            let wb = w + b * type.blockBytes
            let xb = x + b * (type == .q4_1 ? 36 : 34)
            Reference.dequantize(type, wb, count: 32, into: &wf)
            Reference.dequantize(type == .q4_1 ? .q8_1 : .q8_0, xb, count: 32, into: &xf)
            for i in 0..<32 { total += abs(Double(wf[i]) * Double(xf[i])) }
            if type == .q4_1 {
                // The integer part d·q and the min part m·s are summed separately.
                let m = Double(wb.loadUnaligned(fromByteOffset: 2, as: Float16.self))
                let s = Double(xb.loadUnaligned(fromByteOffset: 2, as: Float16.self))
                total += 2 * abs(m * s) + abs(m) * xf.reduce(0) { $0 + abs(Double($1)) }
            }
        }
        return total
    }

    private func check(_ type: GGMLType, seed: UInt64) {
        var rng = TestRandom(seed: seed)
        let activation: GGMLType = type == .q4_1 ? .q8_1 : .q8_0
        for blocks in oddBlockCounts {
            let columns = blocks * 32
            let rows = blocks < 100 ? 9 : 5
            let tokens = blocks < 100 ? 5 : 3
            let weights = randomWeights(type, rows: rows, columns: columns, rng: &rng)
            let x = rng.floats(tokens * columns)
            let buffer = ActivationBuffer(maxTokens: tokens, maxColumns: columns)
            buffer.quantize(x, tokens: tokens, columns: columns, for: type)
            var blocksX = [[UInt8]](repeating: [], count: tokens)
            for t in 0..<tokens {
                blocksX[t] = [UInt8](repeating: 0, count: blocks * activation.blockBytes)
                blocksX[t].withUnsafeMutableBytes { buffer.copyBlocks(token: t, as: activation, into: $0.baseAddress!) }
            }
            weights.withUnsafeBytes { raw in
                let w = raw.baseAddress!
                let rowBytes = columns / 32 * type.blockBytes
                var expected = [Float](repeating: 0, count: tokens * rows)
                var bound = [Double](repeating: 0, count: tokens * rows)
                for t in 0..<tokens {
                    blocksX[t].withUnsafeBytes { xr in
                        for r in 0..<rows {
                            let wr = w + r * rowBytes
                            switch type {
                            case .q4_0: expected[t * rows + r] = Reference.dotQ4_0Q8_0(wr, xr.baseAddress!, count: columns)
                            case .q4_1: expected[t * rows + r] = Reference.dotQ4_1Q8_1(wr, xr.baseAddress!, count: columns)
                            default: expected[t * rows + r] = Reference.dotQ8_0Q8_0(wr, xr.baseAddress!, count: columns)
                            }
                            let magnitude = Self.termMagnitude(type, wr, xr.baseAddress!, blocks: blocks)
                            bound[t * rows + r] = Double(blocks + 8) * 2.4e-7 * magnitude + 1e-6
                        }
                    }
                }
                for variant in Self.variants(type) {
                    // Every sub-range of rows/tokens exercises each tile shape and remainder.
                    for (rowCount, tokenCount) in [(rows, tokens), (1, 1), (2, 3), (3, 2), (rows, 1), (5, tokens)] {
                        var y = [Float](repeating: .nan, count: tokens * rows)
                        var view = buffer.activationRows(from: 0)
                        variant.kernel(w, rowBytes, Int32(rowCount), &view, Int32(tokenCount), Int32(blocks), &y, rows)
                        for t in 0..<tokenCount {
                            for r in 0..<rowCount {
                                let i = t * rows + r
                                // Q4_1 and Q8_0 follow llama.cpp's summation order on every ISA
                                // level, exactly as the reference does: equal bit for bit.
                                let exact = type != .q4_0
                                if exact ? y[i].bitPattern != expected[i].bitPattern
                                         : !(abs(Double(y[i]) - Double(expected[i])) <= bound[i]) {
                                    XCTFail("\(type) \(variant.name) blocks \(blocks) rows \(rowCount) tokens \(tokenCount): "
                                            + "y[\(t)][\(r)] = \(y[i]), reference \(expected[i]) ± \(bound[i])")
                                    return
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func testQ4_0() { check(.q4_0, seed: 1000) }
    func testQ4_1() { check(.q4_1, seed: 2000) }
    func testQ8_0() { check(.q8_0, seed: 3000) }

    /// Extreme Q8_0 weights (-128, 127) and activations (±127) do not saturate any path.
    func testQ8_0Extremes() {
        var weights = [UInt8](repeating: 0, count: 34 * 4)
        var x = [Float](repeating: 0, count: 128)
        for b in 0..<4 {
            weights.withUnsafeMutableBytes { $0.storeBytes(of: Float16(1), toByteOffset: b * 34, as: Float16.self) }
            for j in 0..<32 { weights[b * 34 + 2 + j] = b % 2 == 0 ? 0x80 : 0x7F }
            for j in 0..<32 { x[b * 32 + j] = (j % 2 == 0 ? 127 : -127) * (b < 2 ? 1 : -1) }
        }
        let buffer = ActivationBuffer(maxTokens: 1, maxColumns: 128)
        buffer.quantize(x, tokens: 1, columns: 128, for: .q8_0)
        var q = [UInt8](repeating: 0, count: 4 * 34)
        q.withUnsafeMutableBytes { buffer.copyBlocks(token: 0, as: .q8_0, into: $0.baseAddress!) }
        let expected = Reference.dotQ8_0Q8_0(weights, q, count: 128)
        for variant in Self.variants(.q8_0) {
            var y: Float = .nan
            var view = buffer.activationRows(from: 0)
            variant.kernel(weights, 34 * 4, 1, &view, 1, 4, &y, 1)
            XCTAssertEqual(y, expected, variant.name)
        }
    }

    /// Matrices that end right before an unreadable page: no kernel may load past the last
    /// byte of the last row (a GGUF tensor can end at the end of the mapping).
    func testNoReadPastTheMatrix() {
        var rng = TestRandom(seed: 4000)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        for type in [GGMLType.q4_0, .q4_1, .q8_0] {
            for blocks in [1, 2, 3, 4, 5, 18, 19] {
                for rows in [1, 2, 3] {
                    let columns = blocks * 32
                    let bytes = randomWeights(type, rows: rows, columns: columns, rng: &rng)
                    let span = (bytes.count + page - 1) / page * page
                    guard let region = mmap(nil, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                          region != MAP_FAILED else { return XCTFail("mmap failed") }
                    defer { munmap(region, span + page) }
                    XCTAssertEqual(mprotect(region + span, page, PROT_NONE), 0)
                    let w = region + span - bytes.count
                    bytes.withUnsafeBytes { w.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                    let x = rng.floats(columns)
                    let buffer = ActivationBuffer(maxTokens: 1, maxColumns: columns)
                    buffer.quantize(x, tokens: 1, columns: columns, for: type)
                    var expected = [Float](repeating: 0, count: rows)
                    let reference = Self.variants(type)[0]   // scalar C, itself checked against Swift above
                    var view = buffer.activationRows(from: 0)
                    reference.kernel(w, bytes.count / rows, Int32(rows), &view, 1, Int32(blocks), &expected, rows)
                    for variant in Self.variants(type) {
                        var y = [Float](repeating: .nan, count: rows)
                        variant.kernel(w, bytes.count / rows, Int32(rows), &view, 1, Int32(blocks), &y, rows)
                        for r in 0..<rows {
                            XCTAssertEqual(y[r], expected[r], accuracy: 1e-4 * max(1, abs(expected[r])),
                                           "\(type) \(variant.name) blocks \(blocks) rows \(rows)")
                        }
                    }
                }
            }
        }
    }

    func testCBlockLayouts() {
        XCTAssertEqual(MemoryLayout<ck_block_q4_0>.size, GGMLType.q4_0.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q4_1>.size, GGMLType.q4_1.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q8_0>.size, GGMLType.q8_0.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q8_1>.size, GGMLType.q8_1.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q4_1>.offset(of: \.qs), BlockQ4_1.quantsOffset)
    }

    func testDispatchPicksAnAvailableLevel() {
        let isa = Int(ck_isa())
        XCTAssertTrue((CK_ISA_SCALAR...CK_ISA_AVX512).contains(isa))
        #if arch(x86_64)
        print("CKernels dispatch level: \(isa) (0 scalar, 1 AVX2, 2 AVX-512 VNNI)")
        #endif
    }
}
