import Foundation
import LLMKernels
import XCTest
@testable import Speech

/// Every Whisper kernel against a plain scalar reference (in Double where it matters), on odd
/// sizes that exercise the vector bodies and all their tails.
final class WhisperKernelTests: XCTestCase {
    private var random = WhisperTestNoise(state: 42)

    private func values(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in scale * random.nextSigned() }
    }

    private func halves(_ count: Int) -> [Float16] { values(count).map { Float16($0) } }

    func testPackedProjectionMatchesReferenceForEveryEpilogue() {
        let pool = ThreadPool(threadCount: 2)
        for (rows, columns) in [(1, 1), (5, 3), (16, 7), (17, 240), (33, 64), (100, 31)] {
            for tokens in [1, 2, 3, 5, 7, 13, 97, 200] {
                let w = halves(rows * columns), x = values(tokens * columns), bias = values(rows)
                let start = values(tokens * rows)
                for epilogue in [PackedProjection.Epilogue.store, .gelu, .accumulate] {
                    var y = start
                    w.withUnsafeBytes { raw in
                        bias.withUnsafeBufferPointer { b in
                            let packed = PackedProjection(weights: raw.baseAddress!, rows: rows, columns: columns,
                                                          bias: b.baseAddress!)
                            packed.multiply(x, tokens: tokens, into: &y, ldy: rows, epilogue, pool: pool)
                        }
                    }
                    for t in 0..<tokens {
                        for r in 0..<rows {
                            var sum = Double(bias[r])
                            for c in 0..<columns { sum += Double(w[r * columns + c]) * Double(x[t * columns + c]) }
                            var expected = sum
                            if epilogue == .gelu { expected = 0.5 * sum * (1 + erf(sum / 2.0.squareRoot())) }
                            if epilogue == .accumulate { expected += Double(start[t * rows + r]) }
                            XCTAssertEqual(Double(y[t * rows + r]), expected, accuracy: 1e-5 * Double(columns + 2),
                                           "\(rows)×\(columns), \(tokens) tokens, \(epilogue), [\(t)][\(r)]")
                        }
                    }
                }
            }
        }
    }

    func testGEMMMatchesReference() {
        for (m, n, k) in [(1, 1, 1), (5, 16, 3), (6, 17, 7), (7, 33, 64), (13, 48, 5), (24, 1504, 64), (24, 64, 1500)] {
            let lda = k + 3, ldb = n + 5, ldc = n + 1
            let a = values(m * lda), b = values(k * ldb)
            var c = [Float](repeating: .nan, count: m * ldc)
            WhisperGEMM.multiply(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: ldc, scale: 0.5)
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
                    XCTAssertEqual(Double(c[i * ldc + j]), 0.5 * sum, accuracy: 1e-6 * Double(k + 1), "\(m)×\(n)×\(k) [\(i)][\(j)]")
                }
                XCTAssertTrue(c[i * ldc + n].isNaN, "wrote past column \(n)")
            }
        }
    }

    func testHalfMatVecMatchesReference() throws {
        for threads in [1, 2] {
            let pool = ThreadPool(threadCount: threads)
            for (rows, columns) in [(1, 1), (3, 15), (4, 16), (7, 17), (65, 384), (1000, 33)] {
                let w = halves(rows * columns), x = values(columns), bias = values(rows)
                var y = [Float](repeating: 0, count: rows), plain = y
                try w.withUnsafeBytes { raw in
                    let matrix = try WeightMatrix(type: .f16, rows: rows, columns: columns, data: raw.baseAddress!)
                    HalfMatVec.multiply(matrix, x, bias: bias, into: &y, pool: pool)
                    HalfMatVec.multiply(matrix, x, bias: nil, into: &plain, pool: pool)
                }
                for r in 0..<rows {
                    var sum = 0.0
                    for c in 0..<columns { sum += Double(w[r * columns + c]) * Double(x[c]) }
                    XCTAssertEqual(Double(plain[r]), sum, accuracy: 1e-5 * Double(columns), "\(rows)×\(columns) row \(r)")
                    XCTAssertEqual(Double(y[r]), sum + Double(bias[r]), accuracy: 1e-5 * Double(columns + 1))
                }
            }
        }
    }

    func testExpGELUAndSoftmax() {
        var x = stride(from: -100.0 as Float, through: 88, by: 0.37).map { $0 }
        x += values(1000, scale: 10)
        for start in Swift.stride(from: 0, to: x.count - 16, by: 16) {
            let v = WhisperMath.load(x.withUnsafeBufferPointer { $0.baseAddress! + start })
            let e = WhisperMath.exp(v), g = WhisperMath.gelu(v)
            for lane in 0..<16 {
                let input = Double(v[lane])
                let expected = Foundation.exp(max(input, -87))
                XCTAssertEqual(Double(e[lane]), expected, accuracy: 3e-7 * expected, "exp(\(input))")
                XCTAssertEqual(Double(g[lane]), 0.5 * input * (1 + erf(input / 2.0.squareRoot())),
                               accuracy: 2e-7 * max(1, abs(input)), "gelu(\(input))")
            }
        }
        for count in [1, 2, 15, 16, 17, 33, 1500] {
            var row = values(count, scale: 20)
            let original = row
            WhisperMath.softmax(&row, count: count)
            let peak = original.max()!
            let total = original.reduce(0.0) { $0 + Foundation.exp(Double($1 - peak)) }
            for i in 0..<count {
                XCTAssertEqual(Double(row[i]), Foundation.exp(Double(original[i] - peak)) / total, accuracy: 1e-6)
            }
        }
    }

    func testLayerNormAndIm2col() {
        for width in [1, 5, 16, 31, 384] {
            let rows = 3
            let x = values(rows * width, scale: 3), gamma = values(width), beta = values(width)
            var out = [Float](repeating: 0, count: rows * width)
            WhisperMath.layerNorm(x, rows: rows, width: width, gamma: gamma, beta: beta, into: &out)
            for r in 0..<rows {
                let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
                let mean = row.reduce(0, +) / Double(width)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width)
                for i in 0..<width {
                    let expected = (row[i] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[i]) + Double(beta[i])
                    XCTAssertEqual(Double(out[r * width + i]), expected, accuracy: 1e-4, "width \(width)")
                }
            }
        }
        // 2 channels, 5 input rows, stride 2: output row r reads input rows 2r − 1, 2r, 2r + 1.
        var columns = [Float](repeating: .nan, count: 3 * 6)
        WhisperMath.im2col(rows: 3, channels: 2, stride: 2, inputRows: 5, into: &columns) { row, channel in
            Float(10 * row + channel)
        }
        XCTAssertEqual(columns, [0, 0, 10, 0, 1, 11,  10, 20, 30, 11, 21, 31,  30, 40, 0, 31, 41, 0])
    }

    func testWindowPlanCutsAtThePauseBeforeThirtySeconds() {
        XCTAssertEqual(WindowPlan.cuts(frames: 0, windowFrames: 3000, mel: []), [0, 0])
        XCTAssertEqual(WindowPlan.cuts(frames: 3000, windowFrames: 3000, mel: [Float](repeating: 0, count: 240_000)), [0, 3000])
        // 70 s of "speech" (energy 1) with a 0.3 s pause at 27 s and another at 52 s.
        let frames = 7000
        var mel = [Float](repeating: 1, count: 80 * frames)
        for m in 0..<80 {
            for t in 2700..<2730 { mel[m * frames + t] = -1 }
            for t in 5200..<5230 { mel[m * frames + t] = -1 }
        }
        let cuts = WindowPlan.cuts(frames: frames, windowFrames: 3000, mel: mel)
        XCTAssertEqual(cuts.first, 0)
        XCTAssertEqual(cuts.last, frames)
        XCTAssertEqual(cuts.count, 4)
        XCTAssertTrue((2700..<2730).contains(cuts[1]), "\(cuts)")
        XCTAssertTrue((5200..<5230).contains(cuts[2]), "\(cuts)")
        for (a, b) in zip(cuts, cuts.dropFirst()) { XCTAssertTrue(b > a && b - a <= 3000, "\(cuts)") }
        // No pause at all: still whole windows of at most 3000 frames.
        let flat = WindowPlan.cuts(frames: 9001, windowFrames: 3000, mel: [Float](repeating: 0.5, count: 80 * 9001))
        for (a, b) in zip(flat, flat.dropFirst()) { XCTAssertTrue(b > a && b - a <= 3000, "\(flat)") }
    }
}
