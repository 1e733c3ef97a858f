import GGUF
import XCTest
@testable import LLMKernels

/// Q5_0, Q4_K, Q6_K and the Q8_K activations: layouts, dequantization against ggml's loops
/// written out independently, the Q8_K quantizer's rules, and the reference dot products
/// against a Double reference on odd block counts.
final class KQuantTests: XCTestCase {
    private func checkLayout<T>(_: T.Type, _ type: GGMLType, size: Int, alignment: Int, elements: Int,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(MemoryLayout<T>.size, size, "size", file: file, line: line)
        XCTAssertEqual(MemoryLayout<T>.stride, size, "stride", file: file, line: line)
        XCTAssertEqual(MemoryLayout<T>.alignment, alignment, "alignment", file: file, line: line)
        XCTAssertEqual(type.blockBytes, size, file: file, line: line)
        XCTAssertEqual(type.blockSize, elements, file: file, line: line)
    }

    func testLayouts() {
        checkLayout(BlockQ5_0.self, .q5_0, size: 22, alignment: 2, elements: 32)
        XCTAssertEqual(MemoryLayout<BlockQ5_0>.offset(of: \.qh), BlockQ5_0.highBitsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ5_0>.offset(of: \.qs), BlockQ5_0.quantsOffset)
        checkLayout(BlockQ5_1.self, .q5_1, size: 24, alignment: 2, elements: 32)
        XCTAssertEqual(MemoryLayout<BlockQ5_1>.offset(of: \.m), 2)
        XCTAssertEqual(MemoryLayout<BlockQ5_1>.offset(of: \.qh), BlockQ5_1.highBitsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ5_1>.offset(of: \.qs), BlockQ5_1.quantsOffset)
        checkLayout(BlockQ4_K.self, .q4_K, size: 144, alignment: 2, elements: 256)
        XCTAssertEqual(MemoryLayout<BlockQ4_K>.offset(of: \.dmin), 2)
        XCTAssertEqual(MemoryLayout<BlockQ4_K>.offset(of: \.scales), BlockQ4_K.scalesOffset)
        XCTAssertEqual(MemoryLayout<BlockQ4_K>.offset(of: \.qs), BlockQ4_K.quantsOffset)
        checkLayout(BlockQ2_K.self, .q2_K, size: 84, alignment: 2, elements: 256)
        XCTAssertEqual(MemoryLayout<BlockQ2_K>.offset(of: \.qs), BlockQ2_K.quantsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ2_K>.offset(of: \.d), BlockQ2_K.scaleOffset)
        XCTAssertEqual(MemoryLayout<BlockQ2_K>.offset(of: \.dmin), BlockQ2_K.scaleOffset + 2)
        checkLayout(BlockQ3_K.self, .q3_K, size: 110, alignment: 2, elements: 256)
        XCTAssertEqual(MemoryLayout<BlockQ3_K>.offset(of: \.qs), BlockQ3_K.quantsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ3_K>.offset(of: \.scales), BlockQ3_K.scalesOffset)
        XCTAssertEqual(MemoryLayout<BlockQ3_K>.offset(of: \.d), BlockQ3_K.scaleOffset)
        checkLayout(BlockQ5_K.self, .q5_K, size: 176, alignment: 2, elements: 256)
        XCTAssertEqual(MemoryLayout<BlockQ5_K>.offset(of: \.scales), BlockQ5_K.scalesOffset)
        XCTAssertEqual(MemoryLayout<BlockQ5_K>.offset(of: \.qh), BlockQ5_K.highBitsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ5_K>.offset(of: \.qs), BlockQ5_K.quantsOffset)
        checkLayout(BlockQ6_K.self, .q6_K, size: 210, alignment: 2, elements: 256)
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.offset(of: \.qh), BlockQ6_K.highBitsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.offset(of: \.scales), BlockQ6_K.scalesOffset)
        XCTAssertEqual(MemoryLayout<BlockQ6_K>.offset(of: \.d), BlockQ6_K.scaleOffset)
        checkLayout(BlockQ8_K.self, .q8_K, size: 292, alignment: 4, elements: 256)
        XCTAssertEqual(MemoryLayout<BlockQ8_K>.offset(of: \.qs), BlockQ8_K.quantsOffset)
        XCTAssertEqual(MemoryLayout<BlockQ8_K>.offset(of: \.bsums), BlockQ8_K.sumsOffset)
    }

    // MARK: dequantization, against ggml's loops transcribed independently

    private func ggmlQ5_0(_ b: [UInt8]) -> [Float] {
        let d = b.withUnsafeBytes { Float($0.loadUnaligned(as: Float16.self)) }
        let qh = UInt32(b[2]) | UInt32(b[3]) << 8 | UInt32(b[4]) << 16 | UInt32(b[5]) << 24
        var y = [Float](repeating: 0, count: 32)
        for j in 0..<16 {
            let xh0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
            let xh1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float(Int(b[6 + j] & 0x0F | xh0) - 16) * d
            y[j + 16] = Float(Int(b[6 + j] >> 4 | xh1) - 16) * d
        }
        return y
    }

    private func ggmlQ5_1(_ b: [UInt8]) -> [Float] {
        let (d, m) = b.withUnsafeBytes {
            (Float($0.loadUnaligned(as: Float16.self)), Float($0.loadUnaligned(fromByteOffset: 2, as: Float16.self)))
        }
        let qh = UInt32(b[4]) | UInt32(b[5]) << 8 | UInt32(b[6]) << 16 | UInt32(b[7]) << 24
        var y = [Float](repeating: 0, count: 32)
        for j in 0..<16 {
            let xh0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
            let xh1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
            y[j] = Float(b[8 + j] & 0x0F | xh0) * d + m
            y[j + 16] = Float(b[8 + j] >> 4 | xh1) * d + m
        }
        return y
    }

    private func ggmlQ4_K(_ b: [UInt8]) -> [Float] {
        let (d, dmin) = b.withUnsafeBytes {
            (Float($0.loadUnaligned(as: Float16.self)), Float($0.loadUnaligned(fromByteOffset: 2, as: Float16.self)))
        }
        func scaleMin(_ j: Int) -> (Float, Float) {
            let q = Array(b[4..<16])
            if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
            return (Float((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)), Float((q[j + 4] >> 4) | ((q[j] >> 6) << 4)))
        }
        var y = [Float](), q = 16, s = 0
        for _ in stride(from: 0, to: 256, by: 64) {
            let (sc1, m1) = scaleMin(s), (sc2, m2) = scaleMin(s + 1)
            for l in 0..<32 { y.append(d * sc1 * Float(b[q + l] & 0xF) - dmin * m1) }
            for l in 0..<32 { y.append(d * sc2 * Float(b[q + l] >> 4) - dmin * m2) }
            q += 32; s += 2
        }
        return y
    }

    /// ggml's dequantize_row_q2_K.
    private func ggmlQ2_K(_ b: [UInt8]) -> [Float] {
        let (d, dmin) = b.withUnsafeBytes {
            (Float($0.loadUnaligned(fromByteOffset: 80, as: Float16.self)), Float($0.loadUnaligned(fromByteOffset: 82, as: Float16.self)))
        }
        var y = [Float](), q = 16, isc = 0
        for _ in 0..<2 {
            var shift = 0
            for _ in 0..<4 {
                for half in 0..<2 {
                    let sc = b[isc]; isc += 1
                    let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
                    for l in 16 * half ..< 16 * half + 16 { y.append(dl * Float((b[q + l] >> UInt8(shift)) & 3) - ml) }
                }
                shift += 2
            }
            q += 32
        }
        return y
    }

    /// ggml's dequantize_row_q3_K: the kmask shuffle of the scales, then 2-bit + high-bit quants.
    private func ggmlQ3_K(_ b: [UInt8]) -> [Float] {
        let dAll = b.withUnsafeBytes { Float($0.loadUnaligned(fromByteOffset: 108, as: Float16.self)) }
        func word(_ i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[96 + 4 * i + $1]) << (8 * UInt32($1)) } }
        let kmask1: UInt32 = 0x0303_0303, kmask2: UInt32 = 0x0f0f_0f0f
        var aux = [word(0), word(1), word(2), 0]
        let tmp = aux[2]
        aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4)
        aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4)
        aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4)
        aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4)
        let scales = (0..<16).map { Int(Int8(bitPattern: UInt8(truncatingIfNeeded: aux[$0 / 4] >> (8 * UInt32($0 % 4))))) - 32 }
        var y = [Float](), q = 32, m: UInt8 = 1, isc = 0
        for _ in 0..<2 {
            var shift = 0
            for _ in 0..<4 {
                for half in 0..<2 {
                    let dl = dAll * Float(scales[isc]); isc += 1
                    for l in 16 * half ..< 16 * half + 16 {
                        let v = Int((b[q + l] >> UInt8(shift)) & 3) - (b[l] & m != 0 ? 0 : 4)
                        y.append(dl * Float(v))
                    }
                }
                shift += 2; m <<= 1
            }
            q += 32
        }
        return y
    }

    private func ggmlQ5_K(_ b: [UInt8]) -> [Float] {
        let (d, dmin) = b.withUnsafeBytes {
            (Float($0.loadUnaligned(as: Float16.self)), Float($0.loadUnaligned(fromByteOffset: 2, as: Float16.self)))
        }
        func scaleMin(_ j: Int) -> (Float, Float) {
            let q = Array(b[4..<16])
            if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
            return (Float((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)), Float((q[j + 4] >> 4) | ((q[j] >> 6) << 4)))
        }
        var y = [Float](), ql = 48, s = 0
        var u1: UInt8 = 1, u2: UInt8 = 2
        for _ in stride(from: 0, to: 256, by: 64) {
            let (sc1, m1) = scaleMin(s), (sc2, m2) = scaleMin(s + 1)
            for l in 0..<32 { y.append(d * sc1 * Float(Int(b[ql + l] & 0xF) + (b[16 + l] & u1 != 0 ? 16 : 0)) - dmin * m1) }
            for l in 0..<32 { y.append(d * sc2 * Float(Int(b[ql + l] >> 4) + (b[16 + l] & u2 != 0 ? 16 : 0)) - dmin * m2) }
            ql += 32; s += 2; u1 <<= 2; u2 <<= 2
        }
        return y
    }

    private func ggmlQ6_K(_ b: [UInt8]) -> [Float] {
        let d = b.withUnsafeBytes { Float($0.loadUnaligned(fromByteOffset: 208, as: Float16.self)) }
        var y = [Float](repeating: 0, count: 256)
        var ql = 0, qh = 128, sc = 192, out = 0
        for _ in 0..<2 {
            for l in 0..<32 {
                let i = l / 16
                let q1 = Int(b[ql + l] & 0xF | ((b[qh + l] >> 0) & 3) << 4) - 32
                let q2 = Int(b[ql + l + 32] & 0xF | ((b[qh + l] >> 2) & 3) << 4) - 32
                let q3 = Int(b[ql + l] >> 4 | ((b[qh + l] >> 4) & 3) << 4) - 32
                let q4 = Int(b[ql + l + 32] >> 4 | ((b[qh + l] >> 6) & 3) << 4) - 32
                func s(_ k: Int) -> Float { Float(Int8(bitPattern: b[sc + k])) }
                y[out + l] = d * s(i) * Float(q1)
                y[out + l + 32] = d * s(i + 2) * Float(q2)
                y[out + l + 64] = d * s(i + 4) * Float(q3)
                y[out + l + 96] = d * s(i + 6) * Float(q4)
            }
            out += 128; ql += 64; qh += 32; sc += 8
        }
        return y
    }

    func testDequantizeMatchesGGMLLoops() {
        var rng = TestRandom(seed: 5150)
        for (type, ggml) in [(GGMLType.q2_K, ggmlQ2_K), (.q5_0, ggmlQ5_0), (.q5_1, ggmlQ5_1), (.q3_K, ggmlQ3_K), (.q4_K, ggmlQ4_K), (.q5_K, ggmlQ5_K),
                                 (.q6_K, ggmlQ6_K)] {
            let n = type.blockSize
            let bytes = randomWeights(type, rows: 1, columns: 3 * n, rng: &rng)
            var got = [Float](repeating: .nan, count: 3 * n)
            Reference.dequantize(type, bytes, count: 3 * n, into: &got)
            for b in 0..<3 {
                let expected = ggml(Array(bytes[b * type.blockBytes..<(b + 1) * type.blockBytes]))
                for i in 0..<n where abs(got[b * n + i] - expected[i]) > 1e-6 * max(1, abs(expected[i])) {
                    return XCTFail("\(type) block \(b) element \(i): \(got[b * n + i]) != \(expected[i])")
                }
            }
        }
    }

    // MARK: Q8_K

    func testQ8_KQuantizerRules() {
        var rng = TestRandom(seed: 4242)
        var x = rng.floats(512)
        x[37] = 9.5          // block 0: the max magnitude is positive, so its quant is -127
        x[300] = -11         // block 1: negative; the max element gets -127 either way
        var q = [UInt8](repeating: 0xAA, count: 2 * 292)
        Reference.quantizeQ8_K(x, count: 512, into: &q)
        q.withUnsafeBytes { raw in
            for b in 0..<2 {
                let block = raw.baseAddress! + b * 292
                let d = block.loadUnaligned(as: Float.self)
                let iscale: Float = b == 0 ? -127 / 9.5 : -127 / -11
                XCTAssertEqual(d, 1 / iscale)
                for j in 0..<256 {
                    let v = Int32(block.load(fromByteOffset: 4 + j, as: Int8.self))
                    let exact = (iscale * x[b * 256 + j]).rounded(.toNearestOrEven)
                    XCTAssertEqual(Float(v), min(127, exact), "block \(b) element \(j)")
                }
                XCTAssertEqual(block.load(fromByteOffset: 4 + (b == 0 ? 37 : 300 - 256), as: Int8.self), -127)
                for g in 0..<16 {
                    var sum: Int32 = 0
                    for i in 0..<16 { sum += Int32(block.load(fromByteOffset: 4 + 16 * g + i, as: Int8.self)) }
                    XCTAssertEqual(Int32(block.loadUnaligned(fromByteOffset: 260 + 2 * g, as: Int16.self)), sum)
                }
            }
        }
        // All zero: everything zero.
        let zeros = [Float](repeating: 0, count: 256)
        Reference.quantizeQ8_K(zeros, count: 256, into: &q)
        XCTAssertTrue(q[0..<292].allSatisfy { $0 == 0 })
        // Halves round to even, as ggml's nearest_int.
        XCTAssertEqual(Reference.nearestInt(2.5), 2)
        XCTAssertEqual(Reference.nearestInt(-3.5), -4)
        XCTAssertEqual(Reference.nearestInt(126.49), 126)
    }

    /// The activation buffer's Q8_K rows are the reference quantizer's blocks.
    func testActivationBufferQ8_K() {
        var rng = TestRandom(seed: 99)
        let columns = 768, tokens = 3
        let x = rng.floats(tokens * columns)
        let buffer = ActivationBuffer(maxTokens: 4, maxColumns: 1000)
        buffer.quantize(x, tokens: tokens, columns: columns, for: .q6_K)
        XCTAssertEqual(buffer.contents, .quantizedK)
        for t in 0..<tokens {
            var expected = [UInt8](repeating: 0, count: 3 * 292)
            x.withUnsafeBufferPointer { Reference.quantizeQ8_K($0.baseAddress! + t * columns, count: columns, into: &expected) }
            let got = Array(UnsafeRawBufferPointer(start: buffer.superBlockRow(t), count: 3 * 292))
            XCTAssertEqual(got, expected, "token \(t)")
        }
    }

    // MARK: reference dot products against Double

    private func activationBlocks(_ type: GGMLType, _ x: [Float]) -> [UInt8] {
        var q = [UInt8](repeating: 0, count: x.count / type.blockSize * type.blockBytes)
        switch type {
        case .q8_K: Reference.quantizeQ8_K(x, count: x.count, into: &q)
        case .q8_1: Reference.quantizeQ8_1(x, count: x.count, into: &q)
        default: Reference.quantizeQ8_0(x, count: x.count, into: &q)
        }
        return q
    }

    func testReferenceDotsAgainstDouble() {
        var rng = TestRandom(seed: 31337)
        let cases: [(GGMLType, GGMLType, (UnsafeRawPointer, UnsafeRawPointer, Int) -> Float, [Int])] = [
            (.q5_0, .q8_0, Reference.dotQ5_0Q8_0, oddBlockCounts),
            (.q5_1, .q8_1, Reference.dotQ5_1Q8_1, oddBlockCounts),
            (.q4_K, .q8_K, { Reference.dotQ4_KQ8_K($0, $1, count: $2) }, [1, 2, 3, 5, 7, 9, 13, 31]),
            (.q4_K, .q8_K, { Reference.dotQ4_KQ8_K($0, $1, count: $2, grouped: true) }, [1, 3, 9]),
            (.q4_K, .q8_K, Reference.dotQ4_KQ8_KVecDot, [1, 3, 9]),
            (.q6_K, .q8_K, Reference.dotQ6_KQ8_K, [1, 2, 3, 5, 7, 9, 13, 31]),
            (.q5_K, .q8_K, Reference.dotQ5_KQ8_K, [1, 2, 3, 5, 7, 9, 13, 31]),
            (.q3_K, .q8_K, Reference.dotQ3_KQ8_K, [1, 2, 3, 5, 7, 9, 13, 31]),
            (.q2_K, .q8_K, Reference.dotQ2_KQ8_K, [1, 2, 3, 5, 7, 9, 13, 31]),
        ]
        for (type, activation, dot, counts) in cases {
            for blocks in counts {
                let n = blocks * type.blockSize
                let w = randomWeights(type, rows: 1, columns: n, rng: &rng)
                let xq = activationBlocks(activation, rng.floats(n))
                var wf = [Float](repeating: 0, count: n), xf = wf
                Reference.dequantize(type, w, count: n, into: &wf)
                Reference.dequantize(activation, xq, count: n, into: &xf)
                var exact = 0.0, magnitude = 0.0
                for i in 0..<n { exact += Double(wf[i]) * Double(xf[i]); magnitude += abs(Double(wf[i]) * Double(xf[i])) }
                // Q4_K's dequantized weight is d·sc·q − dmin·m, rounded; the kernel keeps the
                // two parts apart, so allow for both parts' magnitudes (≈ 4 × the products).
                var bound = Double(blocks + 16) * 4.8e-7 * magnitude * (type == .q4_K || type == .q5_K || type == .q2_K ? 8 : 1) + 1e-5
                if type == .q5_1 { bound += minTermRounding(w, xf, blocks: blocks, blockBytes: 24) }
                let got = w.withUnsafeBytes { wr in xq.withUnsafeBytes { xr in dot(wr.baseAddress!, xr.baseAddress!, n) } }
                XCTAssertLessThanOrEqual(abs(Double(got) - exact), bound, "\(type) blocks \(blocks): \(got) vs \(exact)")
            }
        }
    }
}
