import GGUF
import XCTest
@testable import LLMKernels

/// MatMul against a Double reference: dequantized weights × the activations the kernel
/// actually sees (quantized for Q4_0/Q4_1/Q8_0, the floats themselves otherwise).
final class MatMulTests: XCTestCase {
    private static let pool = ThreadPool(threadCount: 2)

    private func check(_ type: GGMLType, rows: Int, columns: Int, tokens: Int, seed: UInt64,
                       pool: ThreadPool = MatMulTests.pool, file: StaticString = #filePath, line: UInt = #line) {
        var rng = TestRandom(seed: seed)
        let bytes = randomWeights(type, rows: rows, columns: columns, rng: &rng)
        let x = rng.floats(tokens * columns)
        let scratch = ActivationBuffer(maxTokens: tokens, maxColumns: columns)
        var y = [Float](repeating: .nan, count: tokens * rows)
        bytes.withUnsafeBytes { raw in
            let w = try! WeightMatrix(type: type, rows: rows, columns: columns, data: raw.baseAddress!)
            x.withUnsafeBufferPointer { xp in
                MatMul.multiply(w, xp.baseAddress!, tokens: tokens, into: &y, scratch: scratch, pool: pool)
            }
            let wd = dequantizedMatrix(w)
            for t in 0..<tokens {
                // What the kernel multiplies with: the dequantized Q8 activation, or x itself.
                var xt = Array(x[t * columns..<(t + 1) * columns])
                var q = [UInt8](repeating: 0, count: columns / 32 * 36 + columns / 256 * 292)
                switch type {
                case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
                    Reference.quantizeQ8_K(xt, count: columns, into: &q)
                    Reference.dequantizeQ8_K(q, count: columns, into: &xt)
                case .q4_0, .q5_0, .q8_0:
                    Reference.quantizeQ8_0(xt, count: columns, into: &q)
                    Reference.dequantizeQ8_0(q, count: columns, into: &xt)
                case .q4_1, .q5_1:
                    Reference.quantizeQ8_1(xt, count: columns, into: &q)
                    Reference.dequantizeQ8_1(q, count: columns, into: &xt)
                default: break
                }
                for r in 0..<rows {
                    var exact = 0.0, magnitude = 0.0
                    for c in 0..<columns {
                        let p = wd[r * columns + c] * Double(xt[c])
                        exact += p
                        magnitude += abs(p)
                    }
                    var bound = Double(columns + 16) * 1.2e-7 * magnitude + 1e-6
                    if type == .q4_1 || type == .q5_1 {
                        bound += minTermRounding(Array(bytes[r * w.rowBytes..<(r + 1) * w.rowBytes]), xt, blocks: columns / 32,
                                                 blockBytes: type.blockBytes)
                    }
                    let got = Double(y[t * rows + r])
                    if !(abs(got - exact) <= bound) {
                        XCTFail("\(type) \(rows)x\(columns) tokens \(tokens): y[\(t)][\(r)] = \(got), expected \(exact) ± \(bound)",
                                file: file, line: line)
                        return
                    }
                }
            }
        }
    }

    private func checkAllTokenCounts(_ type: GGMLType, columns: Int, seed: UInt64) {
        for tokens in [1, 2, 7, 33] {
            check(type, rows: 37, columns: columns, tokens: tokens, seed: seed &+ UInt64(tokens))
        }
        // Longer than one token block of the work plan, and rows split over threads.
        check(type, rows: 130, columns: columns, tokens: 70, seed: seed &+ 100)
    }

    func testQ4_0() { checkAllTokenCounts(.q4_0, columns: 96, seed: 100) }
    func testQ4_1() { checkAllTokenCounts(.q4_1, columns: 96, seed: 200) }
    func testQ8_0() { checkAllTokenCounts(.q8_0, columns: 96, seed: 300) }
    func testQ5_0() { checkAllTokenCounts(.q5_0, columns: 96, seed: 700) }
    func testQ5_1() { checkAllTokenCounts(.q5_1, columns: 96, seed: 750) }
    func testQ4_K() { checkAllTokenCounts(.q4_K, columns: 768, seed: 800) }
    func testQ2_K() { checkAllTokenCounts(.q2_K, columns: 768, seed: 812) }
    func testQ3_K() { checkAllTokenCounts(.q3_K, columns: 768, seed: 825) }
    func testQ5_K() { checkAllTokenCounts(.q5_K, columns: 768, seed: 850) }
    func testQ6_K() { checkAllTokenCounts(.q6_K, columns: 768, seed: 900) }

    /// Gemma 3 270M's K-quant shapes (ffn_down: 640 × 2048) and a Q5_0 one (640 columns).
    func testGemmaShapes() {
        check(.q4_K, rows: 640, columns: 2048, tokens: 1, seed: 11)
        check(.q6_K, rows: 640, columns: 2048, tokens: 3, seed: 12)
        check(.q5_0, rows: 2048, columns: 640, tokens: 2, seed: 13)
    }

    func testF32() { checkAllTokenCounts(.f32, columns: 45, seed: 400) }
    func testF16() { checkAllTokenCounts(.f16, columns: 45, seed: 500) }
    func testBF16() { checkAllTokenCounts(.bf16, columns: 45, seed: 600) }

    /// The 135M model's shapes, decode and a short prefill.
    func testModelShapes() {
        for (rows, columns) in [(576, 576), (192, 576), (1536, 576), (576, 1536)] {
            check(.q4_1, rows: rows, columns: columns, tokens: 1, seed: UInt64(rows * columns))
            check(.q4_1, rows: rows, columns: columns, tokens: 5, seed: UInt64(rows + columns))
        }
        check(.q8_0, rows: 1000, columns: 576, tokens: 1, seed: 7)
        check(.f16, rows: 64, columns: 576, tokens: 3, seed: 8)
    }

    func testWeightMatrixValidation() throws {
        let bytes = [UInt8](repeating: 0, count: 64)
        try bytes.withUnsafeBytes { raw in
            let p = raw.baseAddress!
            XCTAssertThrowsError(try WeightMatrix(type: .q8_K, rows: 1, columns: 256, data: p)) { error in
                XCTAssertEqual(error as? KernelError, .unsupportedType(.q8_K))
            }
            XCTAssertThrowsError(try WeightMatrix(type: .q4_0, rows: 1, columns: 48, data: p)) { error in
                XCTAssertEqual(error as? KernelError, .invalidShape(type: .q4_0, rows: 1, columns: 48))
            }
            XCTAssertThrowsError(try WeightMatrix(type: .f32, rows: 0, columns: 4, data: p))
            XCTAssertThrowsError(try WeightMatrix(type: .f32, rows: Int.max / 2, columns: 4, data: p))
            XCTAssertEqual(try? WeightMatrix(type: .q4_1, rows: 2, columns: 32, data: p).rowBytes, 20)
        }
    }
}
