import Foundation
import GGUF
import XCTest
@testable import LLMKernels

/// Bit-for-bit agreement with llama.cpp's own x86 CPU kernels (cases in LlamaFixtures.swift):
/// our activation quantizers make the same bytes, the reference dot products give the same
/// float, and so does MatMul (the C kernels at the dispatched ISA level).
final class LlamaParityTests: XCTestCase {
    private static let pool = ThreadPool(threadCount: 1)

    private func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }

    func testMatchesLlamaCpp() throws {
        for (i, c) in llamaCases.enumerated() {
            let w = bytes(c.weights), xq = bytes(c.activations)
            let xb = bytes(c.x)
            let x = (0..<xb.count / 4).map { j in xb.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) } }
            let n = x.count
            let label = "case \(i) \(c.type) n \(n)"
            XCTAssertEqual(w.count, n / c.type.blockSize * c.type.blockBytes, label)

            // Activations: the reference quantizer and the buffer both equal llama.cpp's bytes.
            var ours = [UInt8](repeating: 0, count: xq.count)
            let buffer = ActivationBuffer(maxTokens: 1, maxColumns: n)
            buffer.quantize(x, tokens: 1, columns: n, for: c.type)
            if c.type == .q5_1 {
                Reference.quantizeQ8_1(x, count: n, into: &ours)
                XCTAssertEqual(ours, xq, "\(label): Q8_1 activations")
                var fromBuffer = [UInt8](repeating: 0, count: xq.count)
                fromBuffer.withUnsafeMutableBytes { buffer.copyBlocks(token: 0, as: .q8_1, into: $0.baseAddress!) }
                XCTAssertEqual(fromBuffer, xq, "\(label): buffer Q8_1 activations")
            } else if c.type == .q5_0 {
                Reference.quantizeQ8_0(x, count: n, into: &ours)
                XCTAssertEqual(ours, xq, "\(label): Q8_0 activations")
                var fromBuffer = [UInt8](repeating: 0, count: xq.count)
                fromBuffer.withUnsafeMutableBytes { buffer.copyBlocks(token: 0, as: .q8_0, into: $0.baseAddress!) }
                XCTAssertEqual(fromBuffer, xq, "\(label): buffer Q8_0 activations")
            } else {
                Reference.quantizeQ8_K(x, count: n, into: &ours)
                XCTAssertEqual(ours, xq, "\(label): Q8_K activations")
                XCTAssertEqual(Array(UnsafeRawBufferPointer(start: buffer.superBlockRow(0), count: xq.count)), xq,
                               "\(label): buffer Q8_K activations")
            }

            // The reference dot product on llama.cpp's activations.
            let reference: Float = w.withUnsafeBytes { wr in
                xq.withUnsafeBytes { xr in
                    switch c.type {
                    case .q5_0: return Reference.dotQ5_0Q8_0(wr.baseAddress!, xr.baseAddress!, count: n)
                    case .q5_1: return Reference.dotQ5_1Q8_1(wr.baseAddress!, xr.baseAddress!, count: n)
                    case .q5_K: return Reference.dotQ5_KQ8_K(wr.baseAddress!, xr.baseAddress!, count: n)
                    case .q3_K: return Reference.dotQ3_KQ8_K(wr.baseAddress!, xr.baseAddress!, count: n)
                    case .q2_K: return Reference.dotQ2_KQ8_K(wr.baseAddress!, xr.baseAddress!, count: n)
                    case .q4_K: return Reference.dotQ4_KQ8_KVecDot(wr.baseAddress!, xr.baseAddress!, count: n)
                    default: return Reference.dotQ6_KQ8_K(wr.baseAddress!, xr.baseAddress!, count: n)
                    }
                }
            }
            XCTAssertEqual(reference.bitPattern, c.result, "\(label): reference \(reference) vs llama.cpp \(Float(bitPattern: c.result))")

            // MatMul end to end (C kernel at the dispatched level). Its Q4_K order is that of
            // llama.cpp's repacked kernels, checked in testQ4_KMatchesRepackedLlamaCpp.
            if c.type == .q4_K { continue }
            var y: Float = .nan
            try w.withUnsafeBytes { wr in
                let matrix = try WeightMatrix(type: c.type, rows: 1, columns: n, data: wr.baseAddress!)
                MatMul.multiply(matrix, buffer, tokens: 1, into: &y, pool: Self.pool)
            }
            XCTAssertEqual(y.bitPattern, c.result, "\(label): MatMul \(y) vs llama.cpp \(Float(bitPattern: c.result))")
        }
    }

    /// Q4_K matrices as llama.cpp really multiplies them on x86: weights repacked to q4_K_8x8
    /// at load, decode through ggml_gemv_q4_K_8x8_q8_K and prefill through
    /// ggml_gemm_q4_K_8x8_q8_K (groups of 4 tokens; a leftover token through the gemv).
    func testQ4_KMatchesRepackedLlamaCpp() throws {
        for (i, c) in llamaRepackCases.enumerated() {
            let w = bytes(c.weights), xb = bytes(c.x)
            let x = (0..<xb.count / 4).map { j in xb.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) } }
            let columns = x.count / c.tokens
            let buffer = ActivationBuffer(maxTokens: c.tokens, maxColumns: columns)
            buffer.quantize(x, tokens: c.tokens, columns: columns, for: .q4_K)
            var y = [Float](repeating: .nan, count: c.tokens * c.rows)
            try w.withUnsafeBytes { wr in
                let matrix = try WeightMatrix(type: .q4_K, rows: c.rows, columns: columns, data: wr.baseAddress!)
                MatMul.multiply(matrix, buffer, tokens: c.tokens, into: &y, pool: Self.pool)
                for t in 0..<c.tokens {
                    for r in 0..<c.rows {
                        let reference = Reference.dotQ4_KQ8_K(matrix.row(r), buffer.superBlockRow(t), count: columns,
                                                              grouped: t < c.tokens - c.tokens % 4)
                        XCTAssertEqual(reference.bitPattern, c.results[t * c.rows + r],
                                       "repack case \(i) reference y[\(t)][\(r)] = \(reference)")
                    }
                }
            }
            XCTAssertEqual(y.map(\.bitPattern), c.results, "repack case \(i): MatMul")
        }
    }
}
