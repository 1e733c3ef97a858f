import CKernels
import Foundation
import GGUF
import XCTest
@testable import LLMKernels

/// The Q5_0, Q4_K and Q6_K C kernels, on every instruction set this CPU has, against their
/// Swift reference twins (Reference.dotQ5_0Q8_0 / dotQ4_KQ8_K / dotQ6_KQ8_K), bit for bit:
/// all of them follow llama.cpp's x86 summation order.
final class KQuantKernelTests: XCTestCase {
    private static func available(_ isa: Int) -> Bool { isa <= Int(ck_isa()) }

    private static func q5Variants(_ type: GGMLType) -> [(String, Int, ck_matmul_fn)] {
        let all: [(String, Int, ck_matmul_fn)] = type == .q5_0
            ? [("scalar", CK_ISA_SCALAR, ck_matmul_q5_0_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q5_0_avx2),
               ("avx512", CK_ISA_AVX512, ck_matmul_q5_0_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q5_0)]
            : [("scalar", CK_ISA_SCALAR, ck_matmul_q5_1_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q5_1_avx2),
               ("avx512", CK_ISA_AVX512, ck_matmul_q5_1_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q5_1)]
        return all.filter { available($0.1) }
    }

    private static func kVariants(_ type: GGMLType) -> [(String, Int, ck_matmul_k_fn)] {
        let all: [(String, Int, ck_matmul_k_fn)]
        switch type {
        case .q4_K:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q4_K_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q4_K_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q4_K_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q4_K)]
        case .q2_K:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q2_K_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q2_K_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q2_K_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q2_K)]
        case .q3_K:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q3_K_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q3_K_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q3_K_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q3_K)]
        case .q5_K:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q5_K_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q5_K_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q5_K_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q5_K)]
        default:
            all = [("scalar", CK_ISA_SCALAR, ck_matmul_q6_K_scalar), ("avx2", CK_ISA_AVX2, ck_matmul_q6_K_avx2),
                   ("avx512", CK_ISA_AVX512, ck_matmul_q6_K_avx512), ("dispatch", CK_ISA_SCALAR, ck_matmul_q6_K)]
        }
        return all.filter { available($0.1) }
    }

    func testQ5_0() { checkQ5(.q5_0, seed: 5000) }
    func testQ5_1() { checkQ5(.q5_1, seed: 5500) }

    private func checkQ5(_ type: GGMLType, seed: UInt64) {
        let activation: GGMLType = type == .q5_0 ? .q8_0 : .q8_1
        var rng = TestRandom(seed: seed)
        for blocks in oddBlockCounts {
            let columns = blocks * 32
            // 5 tokens: a 4-token tile and a 1-token tail; 1 token over 9 rows: the 4-row decode path and an odd row.
            let rows = blocks < 100 ? 7 : 9, tokens = blocks < 100 ? 5 : 1
            let weights = randomWeights(type, rows: rows, columns: columns, rng: &rng)
            let x = rng.floats(tokens * columns)
            let buffer = ActivationBuffer(maxTokens: tokens, maxColumns: columns)
            buffer.quantize(x, tokens: tokens, columns: columns, for: type)
            let rowBytes = blocks * type.blockBytes
            var expected = [Float](repeating: 0, count: tokens * rows)
            for t in 0..<tokens {
                var q = [UInt8](repeating: 0, count: blocks * activation.blockBytes)
                q.withUnsafeMutableBytes { buffer.copyBlocks(token: t, as: activation, into: $0.baseAddress!) }
                weights.withUnsafeBytes { w in
                    q.withUnsafeBytes { xr in
                        for r in 0..<rows {
                            let wr = w.baseAddress! + r * rowBytes
                            expected[t * rows + r] = type == .q5_0
                                ? Reference.dotQ5_0Q8_0(wr, xr.baseAddress!, count: columns)
                                : Reference.dotQ5_1Q8_1(wr, xr.baseAddress!, count: columns)
                        }
                    }
                }
            }
            for (name, _, kernel) in Self.q5Variants(type) {
                var y = [Float](repeating: .nan, count: tokens * rows)
                var view = buffer.activationRows(from: 0)
                weights.withUnsafeBytes { kernel($0.baseAddress!, rowBytes, Int32(rows), &view, Int32(tokens), Int32(blocks), &y, rows) }
                for i in 0..<y.count where y[i].bitPattern != expected[i].bitPattern {
                    return XCTFail("\(type) \(name) blocks \(blocks) y[\(i)] = \(y[i]), reference \(expected[i])")
                }
            }
        }
    }

    private func checkK(_ type: GGMLType, seed: UInt64) {
        var rng = TestRandom(seed: seed)
        for superBlocks in [1, 2, 3, 5, 7, 8, 9, 13] {
            // 37 rows: two full 16-row tiles (the AVX-512 Q4_K tile) and an odd remainder; 11 tokens:
            // 4-token groups / an 8-token tile plus a remainder; 70 tokens (once): past the
            // 64-token accumulator block of the AVX-512 Q4_K kernel.
            let columns = superBlocks * 256, rows = 37, tokens = superBlocks == 2 ? 70 : 11
            let weights = randomWeights(type, rows: rows, columns: columns, rng: &rng)
            let x = rng.floats(tokens * columns)
            let buffer = ActivationBuffer(maxTokens: tokens, maxColumns: columns + 300)
            buffer.quantize(x, tokens: tokens, columns: columns, for: type)
            let rowBytes = superBlocks * type.blockBytes
            var expected = [Float](repeating: 0, count: tokens * rows)
            var expectedGrouped = expected
            weights.withUnsafeBytes { w in
                for t in 0..<tokens {
                    for r in 0..<rows {
                        let wr = w.baseAddress! + r * rowBytes
                        expectedGrouped[t * rows + r] = Reference.dotQ4_KQ8_K(wr, buffer.superBlockRow(t), count: columns, grouped: true)
                        expected[t * rows + r] = Self.referenceDot(type, wr, buffer.superBlockRow(t), count: columns)
                    }
                }
            }
            for (name, _, kernel) in Self.kVariants(type) {
                // `grouped`: none, all, a boundary inside a 4-token group (and inside an 8-token
                // tile), one on a group boundary; decode shapes (1 token; 1, 16 and 37 rows).
                let cases = [(rows, tokens, 0), (rows, tokens, tokens), (rows, tokens, 6), (rows, tokens, 8),
                             (rows, tokens, tokens - 3), (1, 1, 0), (1, 1, 1), (16, 1, 0), (rows, 1, 1),
                             (2, 3, 2), (17, 5, 3), (33, 9, 7)]
                for (rowCount, tokenCount, grouped) in cases {
                    var y = [Float](repeating: .nan, count: tokens * rows)
                    weights.withUnsafeBytes {
                        kernel($0.baseAddress!, rowBytes, Int32(rowCount), buffer.superBlockRow(0), buffer.superBlockRowBytes,
                               Int32(tokenCount), Int32(grouped), Int32(superBlocks), &y, rows)
                    }
                    for t in 0..<tokenCount {
                        let want = type == .q4_K && t < grouped ? expectedGrouped : expected
                        for r in 0..<rowCount where y[t * rows + r].bitPattern != want[t * rows + r].bitPattern {
                            return XCTFail("\(type) \(name) super-blocks \(superBlocks): y[\(t)][\(r)] = \(y[t * rows + r]), "
                                           + "reference \(want[t * rows + r])")
                        }
                    }
                }
            }
        }
    }

    private static func referenceDot(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer, count: Int) -> Float {
        switch type {
        case .q4_K: return Reference.dotQ4_KQ8_K(w, x, count: count)
        case .q5_K: return Reference.dotQ5_KQ8_K(w, x, count: count)
        case .q3_K: return Reference.dotQ3_KQ8_K(w, x, count: count)
        case .q2_K: return Reference.dotQ2_KQ8_K(w, x, count: count)
        default: return Reference.dotQ6_KQ8_K(w, x, count: count)
        }
    }

    func testQ4_K() { checkK(.q4_K, seed: 6000) }
    func testQ5_K() { checkK(.q5_K, seed: 6500) }
    func testQ3_K() { checkK(.q3_K, seed: 6250) }
    func testQ2_K() { checkK(.q2_K, seed: 6125) }
    func testQ6_K() { checkK(.q6_K, seed: 7000) }

    /// Extreme K-quant weights (all quant bits set, largest scales) against ±127 activations:
    /// no int16 saturation on any path.
    func testKExtremes() {
        for type in [GGMLType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K] {
            var w = [UInt8](repeating: 0xFF, count: 2 * type.blockBytes)
            var x = [Float](repeating: 0, count: 512)
            for j in 0..<512 { x[j] = j % 3 == 0 ? -1 : 1 }
            w.withUnsafeMutableBytes { raw in
                for b in 0..<2 {
                    let dOffset = type == .q6_K ? 208 : type == .q3_K ? 108 : type == .q2_K ? 80 : 0
                    raw.storeBytes(of: Float16(0.001), toByteOffset: b * type.blockBytes + dOffset, as: Float16.self)
                    if type == .q6_K {   // scales -128 / 127 alternating
                        for s in 0..<16 { raw.storeBytes(of: s % 2 == 0 ? 0x80 : 0x7F, toByteOffset: b * 210 + 192 + s, as: UInt8.self) }
                    }
                }
            }
            let buffer = ActivationBuffer(maxTokens: 1, maxColumns: 512)
            buffer.quantize(x, tokens: 1, columns: 512, for: type)
            let expected = Self.referenceDot(type, w, buffer.superBlockRow(0), count: 512)
            for (name, _, kernel) in Self.kVariants(type) {
                var y: Float = .nan
                kernel(w, 2 * type.blockBytes, 1, buffer.superBlockRow(0), buffer.superBlockRowBytes, 1, 0, 2, &y, 1)
                XCTAssertEqual(y.bitPattern, expected.bitPattern, "\(type) \(name): \(y) vs \(expected)")
            }
        }
    }

    /// Weights and activations that end right before an inaccessible page: no variant reads
    /// past the last super-block of either (the AVX-512 tiles load whole 64-byte pieces).
    func testKNoReadPastTheEnd() {
        var rng = TestRandom(seed: 8000)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        /// `bytes` copied to the end of a mapping whose next page is PROT_NONE.
        func guarded(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawPointer) -> Void) {
            let span = (bytes.count + page - 1) / page * page
            guard let region = mmap(nil, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  region != MAP_FAILED else { return XCTFail("mmap failed") }
            defer { munmap(region, span + page) }
            XCTAssertEqual(mprotect(region + span, page, PROT_NONE), 0)
            let start = region + span - bytes.count
            start.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            body(UnsafeRawPointer(start))
        }
        for type in [GGMLType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K] {
            for (superBlocks, rows, tokens) in [(1, 1, 1), (1, 17, 5), (2, 3, 2), (3, 16, 1)] {
                let columns = superBlocks * 256
                let weights = randomWeights(type, rows: rows, columns: columns, rng: &rng)
                let buffer = ActivationBuffer(maxTokens: tokens, maxColumns: columns)
                buffer.quantize(rng.floats(tokens * columns), tokens: tokens, columns: columns, for: type)
                // Tightly packed activation rows (the buffer's rows may have room to spare).
                let xRowBytes = superBlocks * GGMLType.q8_K.blockBytes
                var activations = [UInt8](repeating: 0, count: tokens * xRowBytes)
                activations.withUnsafeMutableBytes { out in
                    for t in 0..<tokens {
                        (out.baseAddress! + t * xRowBytes).copyMemory(from: buffer.superBlockRow(t), byteCount: xRowBytes)
                    }
                }
                let rowBytes = superBlocks * type.blockBytes, grouped = tokens - tokens % 4
                let variants = Self.kVariants(type)
                var expected = [Float](repeating: 0, count: tokens * rows)
                weights.withUnsafeBytes { w in
                    activations.withUnsafeBytes { x in
                        variants[0].2(w.baseAddress!, rowBytes, Int32(rows), x.baseAddress!, xRowBytes,
                                      Int32(tokens), Int32(grouped), Int32(superBlocks), &expected, rows)
                    }
                }
                weights.withUnsafeBytes { w in guarded(w) { wp in
                    activations.withUnsafeBytes { x in guarded(x) { xp in
                        for (name, _, kernel) in variants {
                            var y = [Float](repeating: .nan, count: tokens * rows)
                            kernel(wp, rowBytes, Int32(rows), xp, xRowBytes, Int32(tokens), Int32(grouped),
                                   Int32(superBlocks), &y, rows)
                            for i in 0..<y.count where y[i].bitPattern != expected[i].bitPattern {
                                return XCTFail("\(type) \(name) super-blocks \(superBlocks) rows \(rows): y[\(i)] = \(y[i]), scalar \(expected[i])")
                            }
                        }
                    } }
                } }
            }
        }
    }

    func testCBlockLayouts() {
        XCTAssertEqual(MemoryLayout<ck_block_q5_0>.size, GGMLType.q5_0.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q5_1>.size, GGMLType.q5_1.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q4_K>.size, GGMLType.q4_K.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q2_K>.size, GGMLType.q2_K.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q3_K>.size, GGMLType.q3_K.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q5_K>.size, GGMLType.q5_K.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q6_K>.size, GGMLType.q6_K.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q8_K>.size, GGMLType.q8_K.blockBytes)
        XCTAssertEqual(MemoryLayout<ck_block_q8_K>.offset(of: \.bsums), BlockQ8_K.sumsOffset)
    }
}
