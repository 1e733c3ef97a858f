import CKernels
import Foundation
import GGUF
import XCTest
@testable import LLMKernels

/// Q4_1 and Q5_0 repacked into 16-row groups (`Repack.rowGroups`, `ck_matmul_q4_1x16` /
/// `ck_matmul_q5_0x16`): the portable and AVX-512 kernels, and `MatMul` on a repacked matrix
/// with one and two threads, give the same bits as the Swift reference twins
/// (`Reference.dotQ4_1Q8_1` / `dotQ5_0Q8_0`) on the original rows.
final class RowGroupKernelTests: XCTestCase {
    private static func variants(_ type: GGMLType) -> [(String, ck_matmul_fn)] {
        var all: [(String, ck_matmul_fn)] = type == .q4_1
            ? [("scalar", ck_matmul_q4_1x16_scalar), ("dispatch", ck_matmul_q4_1x16)]
            : [("scalar", ck_matmul_q5_0x16_scalar), ("dispatch", ck_matmul_q5_0x16)]
        if ck_isa() >= Int32(CK_ISA_AVX512) {
            all.append(("avx512", type == .q4_1 ? ck_matmul_q4_1x16_avx512 : ck_matmul_q5_0x16_avx512))
        }
        return all
    }

    func testRepackedQ4_1MatchesReferenceBitForBit() throws { try check(.q4_1, seed: 1616) }
    func testRepackedQ5_0MatchesReferenceBitForBit() throws { try check(.q5_0, seed: 1650) }

    private func check(_ type: GGMLType, seed: UInt64) throws {
        var rng = TestRandom(seed: seed)
        let activation: GGMLType = type == .q4_1 ? .q8_1 : .q8_0
        for (blocks, rows) in [(2, 16), (4, 32), (18, 48), (20, 16), (48, 16), (62, 32)] {
            let columns = blocks * 32, tokens = 5
            let rowBytes = blocks * type.blockBytes
            let original = randomWeights(type, rows: rows, columns: columns, rng: &rng)
            let x = rng.floats(tokens * columns)
            let buffer = ActivationBuffer(maxTokens: tokens, maxColumns: columns)
            buffer.quantize(x, tokens: tokens, columns: columns, for: type)
            var expected = [Float](repeating: 0, count: tokens * rows)
            for t in 0..<tokens {
                var q = [UInt8](repeating: 0, count: blocks * activation.blockBytes)
                q.withUnsafeMutableBytes { buffer.copyBlocks(token: t, as: activation, into: $0.baseAddress!) }
                original.withUnsafeBytes { w in
                    q.withUnsafeBytes { xr in
                        for r in 0..<rows {
                            let (wr, xp) = (w.baseAddress! + r * rowBytes, xr.baseAddress!)
                            expected[t * rows + r] = type == .q4_1 ? Reference.dotQ4_1Q8_1(wr, xp, count: columns)
                                                                   : Reference.dotQ5_0Q8_0(wr, xp, count: columns)
                        }
                    }
                }
            }

            var packed = original
            try packed.withUnsafeMutableBytes { raw in
                let ggml = try WeightMatrix(type: type, rows: rows, columns: columns, data: UnsafeRawPointer(raw.baseAddress!))
                let grouped = Repack.rowGroups(ggml)
                XCTAssertEqual(grouped.layout, type == .q4_1 ? .q4_1RowGroups : .q5_0RowGroups)
                XCTAssertNotEqual(Array(raw), original, "the bytes were rearranged")
                for (name, kernel) in Self.variants(type) {
                    for tokenCount in [1, 2, tokens] {
                        var y = [Float](repeating: .nan, count: tokens * rows)
                        var view = buffer.activationRows(from: 0)
                        kernel(raw.baseAddress!, 16 * rowBytes, Int32(rows / 16), &view, Int32(tokenCount), Int32(blocks), &y, rows)
                        assertSameBits(y, expected, tokens: tokenCount, rows: rows, "\(type) \(name) blocks \(blocks) rows \(rows)")
                    }
                }
                for threads in [1, 2] {
                    var y = [Float](repeating: .nan, count: tokens * rows)
                    y.withUnsafeMutableBufferPointer {
                        MatMul.multiply(grouped, buffer, tokens: tokens, into: $0.baseAddress!, pool: ThreadPool(threadCount: threads))
                    }
                    assertSameBits(y, expected, tokens: tokens, rows: rows, "\(type) MatMul \(threads)T blocks \(blocks) rows \(rows)")
                }
            }
        }
    }

    func testOnlyQualifyingMatricesAreRepacked() throws {
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 64)
        defer { bytes.deallocate() }
        let avx512 = ck_isa() >= Int32(CK_ISA_AVX512)
        let good = try WeightMatrix(type: .q4_1, rows: 32, columns: 64, data: bytes)
        XCTAssertEqual(Repack.wantsRowGroups(good), avx512)
        XCTAssertFalse(Repack.wantsRowGroups(try WeightMatrix(type: .q4_1, rows: 24, columns: 64, data: bytes)))
        XCTAssertFalse(Repack.wantsRowGroups(try WeightMatrix(type: .q4_1, rows: 32, columns: 96, data: bytes)))
        XCTAssertEqual(Repack.wantsRowGroups(try WeightMatrix(type: .q5_0, rows: 16, columns: 128, data: bytes)), avx512)
        XCTAssertFalse(Repack.wantsRowGroups(try WeightMatrix(type: .q8_0, rows: 32, columns: 64, data: bytes)))
    }

    private func assertSameBits(_ y: [Float], _ expected: [Float], tokens: Int, rows: Int, _ label: String) {
        for t in 0..<tokens {
            for r in 0..<rows where y[t * rows + r].bitPattern != expected[t * rows + r].bitPattern {
                XCTFail("\(label) tokens \(tokens): y[\(t)][\(r)] = \(y[t * rows + r]), reference \(expected[t * rows + r])")
                return
            }
        }
    }
}
