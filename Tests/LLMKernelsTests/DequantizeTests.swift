import GGUF
import XCTest
@testable import LLMKernels

final class DequantizeTests: XCTestCase {
    /// Dequantize.row (the embedding lookup) equals the reference for every supported type.
    func testRowMatchesReference() {
        var rng = TestRandom(seed: 77)
        for type in [GGMLType.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K] {
            let columns = type.blockSize == 1 ? 77 : type.blockSize == 256 ? 768 : 96
            let bytes = randomWeights(type, rows: 5, columns: columns, rng: &rng)
            bytes.withUnsafeBytes { raw in
                let w = try! WeightMatrix(type: type, rows: 5, columns: columns, data: raw.baseAddress!)
                for r in [0, 3, 4] {
                    var got = [Float](repeating: .nan, count: columns)
                    var expected = got
                    Dequantize.row(w, r, into: &got)
                    Reference.dequantize(type, raw.baseAddress! + r * w.rowBytes, count: columns, into: &expected)
                    XCTAssertEqual(got, expected, "\(type) row \(r)")
                }
            }
        }
    }

    func testBF16IsTruncatedFloat() {
        let values: [Float] = [1, -2.5, 0.15625, 65504, -0.0]
        let bits = values.map { UInt16($0.bitPattern >> 16) }
        var out = [Float](repeating: 0, count: values.count)
        Reference.dequantizeBF16(bits, count: values.count, into: &out)
        XCTAssertEqual(out, values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
    }
}
