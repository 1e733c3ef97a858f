import GGUF
import XCTest
@testable import LLMKernels

final class LayoutTests: XCTestCase {
    private func check<T>(_: T.Type, size: Int, alignment: Int = 2, _ type: GGMLType,
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(MemoryLayout<T>.size, size, "size", file: file, line: line)
        XCTAssertEqual(MemoryLayout<T>.stride, size, "stride (blocks are packed back to back)", file: file, line: line)
        XCTAssertEqual(MemoryLayout<T>.alignment, alignment, "alignment", file: file, line: line)
        XCTAssertEqual(type.blockBytes, size, "GGMLType.blockBytes", file: file, line: line)
        XCTAssertEqual(type.blockSize, 32, file: file, line: line)
    }

    func testQ4_0() {
        check(BlockQ4_0.self, size: 18, .q4_0)
        XCTAssertEqual(MemoryLayout<BlockQ4_0>.offset(of: \.d), 0)
        XCTAssertEqual(MemoryLayout<BlockQ4_0>.offset(of: \.qs), BlockQ4_0.quantsOffset)
        XCTAssertEqual(BlockQ4_0.byteCount, 18)
    }

    func testQ4_1() {
        check(BlockQ4_1.self, size: 20, .q4_1)
        XCTAssertEqual(MemoryLayout<BlockQ4_1>.offset(of: \.m), 2)
        XCTAssertEqual(MemoryLayout<BlockQ4_1>.offset(of: \.qs), BlockQ4_1.quantsOffset)
        XCTAssertEqual(BlockQ4_1.byteCount, 20)
    }

    func testQ8_0() {
        check(BlockQ8_0.self, size: 34, .q8_0)
        XCTAssertEqual(MemoryLayout<BlockQ8_0>.offset(of: \.qs), BlockQ8_0.quantsOffset)
        XCTAssertEqual(BlockQ8_0.byteCount, 34)
    }

    func testQ8_1() {
        check(BlockQ8_1.self, size: 36, .q8_1)
        XCTAssertEqual(MemoryLayout<BlockQ8_1>.offset(of: \.s), 2)
        XCTAssertEqual(MemoryLayout<BlockQ8_1>.offset(of: \.qs), BlockQ8_1.quantsOffset)
        XCTAssertEqual(BlockQ8_1.byteCount, 36)
    }

    func testFloatElementSizes() {
        XCTAssertEqual(GGMLType.f32.blockBytes, F32Format.elementBytes)
        XCTAssertEqual(GGMLType.f16.blockBytes, F16Format.elementBytes)
        XCTAssertEqual(GGMLType.bf16.blockBytes, BF16Format.elementBytes)
        XCTAssertEqual(MemoryLayout<Float16>.size, 2)
    }

    /// Low nibbles are elements 0..15, high nibbles 16..31, and Q4_0 is offset by 8.
    func testNibbleOrder() {
        var block = [UInt8](repeating: 0, count: 18)
        block.withUnsafeMutableBytes { $0.storeBytes(of: Float16(0.5), as: Float16.self) }
        for j in 0..<16 { block[2 + j] = UInt8(j) | UInt8(15 - j) << 4 }
        var out = [Float](repeating: 0, count: 32)
        Reference.dequantizeQ4_0(block, count: 32, into: &out)
        for j in 0..<16 {
            XCTAssertEqual(out[j], Float(j - 8) * 0.5)
            XCTAssertEqual(out[j + 16], Float(15 - j - 8) * 0.5)
        }
        var block1 = [UInt8](repeating: 0, count: 20)
        block1.withUnsafeMutableBytes {
            $0.storeBytes(of: Float16(0.25), as: Float16.self)
            $0.storeBytes(of: Float16(-1), toByteOffset: 2, as: Float16.self)
        }
        for j in 0..<16 { block1[4 + j] = UInt8(j) | UInt8(15 - j) << 4 }
        Reference.dequantizeQ4_1(block1, count: 32, into: &out)
        for j in 0..<16 {
            XCTAssertEqual(out[j], Float(j) * 0.25 - 1)
            XCTAssertEqual(out[j + 16], Float(15 - j) * 0.25 - 1)
        }
    }
}
