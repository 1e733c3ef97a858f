import GGUF
import XCTest

/// The tensor directory: layout, alignment, data pointers, and every way an entry can be wrong.
final class TensorDirectoryTests: XCTestCase {
    func testTensorsAndTheirDataInVersions2And3() throws {
        for version: UInt32 in [2, 3] {
            let writer = sampleWriter(version: version)
            let (bytes, layout) = writer.buildWithLayout()
            let file = try GGUFFile(bytes: bytes)
            XCTAssertEqual(file.version, version)
            XCTAssertEqual(file.alignment, 64)
            XCTAssertEqual(file.dataSectionOffset, layout.dataStart)
            XCTAssertEqual(file.dataSectionOffset % 64, 0)
            XCTAssertEqual(file.tensors.map(\.name), ["token_embd.weight", "blk.0.attn_norm.weight", "output.weight"])

            let embedding = try XCTUnwrap(file.tensor(named: "token_embd.weight"))
            XCTAssertEqual(embedding.type, .q8_0)
            XCTAssertEqual(embedding.dimensions, [64, 4])
            XCTAssertEqual(embedding.elementCount, 256)
            XCTAssertEqual(embedding.byteCount, 8 * 34)
            XCTAssertEqual(embedding.rowLength, 64)
            XCTAssertEqual(embedding.rowCount, 4)
            XCTAssertNil(file.tensor(named: "missing"))

            for (index, tensor) in file.tensors.enumerated() {
                XCTAssertEqual(tensor.offset, layout.tensorOffsets[index])
                XCTAssertEqual(tensor.offset % file.alignment, 0)
                let data = file.bytes(of: tensor)
                XCTAssertEqual(data.count, tensor.byteCount)
                XCTAssertEqual(data.first, GGUFTestWriter.dataByte(tensor: index, index: 0))
                XCTAssertEqual(data.last, GGUFTestWriter.dataByte(tensor: index, index: tensor.byteCount - 1))
                XCTAssertEqual(file.data(of: tensor), data.baseAddress)
            }
        }
    }

    func testAlignmentDefaultsTo32AndFollowsGeneralAlignment() throws {
        for alignment: UInt32? in [nil, 1, 8, 256, 4096, 1 << 20] {
            var writer = GGUFTestWriter()
            if let alignment { writer.add("general.alignment", .uint32(alignment)) }
            writer.add("pad", .text("x"))   // makes the header end at an unaligned byte
            writer.tensors = [TestTensor("a", .f32, [3]), TestTensor("b", .f16, [5, 2])]
            let (bytes, layout) = writer.buildWithLayout()
            let file = try GGUFFile(bytes: bytes)
            let expected = Int(alignment ?? 32)
            XCTAssertEqual(file.alignment, expected)
            XCTAssertEqual(file.dataSectionOffset, (layout.headerEnd + expected - 1) / expected * expected)
            XCTAssertEqual(file.tensors.map(\.offset), layout.tensorOffsets)
        }
    }

    func testBadAlignmentValuesAreRefused() {
        for value: TestValue in [.uint32(0), .uint32(3), .uint32(48), .uint32(1 << 21), .uint32(.max),
                                 .uint64(32), .text("32")] {
            var writer = GGUFTestWriter()
            writer.add("general.alignment", value)
            writer.layoutAlignment = 32
            assertRejects(writer.build(), as: .badAlignment, field: "general.alignment")
        }
    }

    func testFileWithoutTensorsMayEndAtItsHeader() throws {
        var writer = GGUFTestWriter()
        writer.add("general.architecture", .text("llama"))
        let file = try GGUFFile(bytes: writer.build())
        XCTAssertTrue(file.tensors.isEmpty)
        XCTAssertEqual(file.dataSectionSize, 0)
    }

    private func rejectTensor(_ tensor: TestTensor, as kind: GGUFError.Kind, field: String,
                              file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        var writer = GGUFTestWriter()
        writer.tensors = [TestTensor("fine", .f32, [8]), tensor]
        return assertRejects(writer.build(), as: kind, field: field, file: file, line: line)
    }

    func testDimensionCountMustBeOneToFour() {
        var none = TestTensor("t", .f32, [])
        none.dimensions = []
        _ = rejectTensor(none, as: .badDimensions, field: "tensor[1].n_dims")
        _ = rejectTensor(TestTensor("t", .f32, [1, 1, 1, 1, 1]), as: .badDimensions, field: "tensor[1].n_dims")
        XCTAssertNoThrow(try GGUFFile(bytes: { var w = GGUFTestWriter(); w.tensors = [TestTensor("t", .f32, [2, 1, 3, 1])]; return w.build() }()))
    }

    func testDimensionsMustBePositiveAndFitInt() {
        _ = rejectTensor(TestTensor("t", .f32, [4, 0]), as: .badDimensions, field: "tensor[1].dims[1]")
        let negative = rejectTensor(TestTensor("t", .f32, [UInt64(bitPattern: -4)]), as: .badDimensions,
                                    field: "tensor[1].dims[0]")
        XCTAssertTrue(negative?.description.contains("-4 as a signed number") ?? false)
    }

    func testElementCountAndByteSizeOverflowsAreRefused() {
        _ = rejectTensor(TestTensor("t", .f32, [1 << 32, 1 << 32]), as: .sizeOverflow, field: "tensor[1].dims[1]")
        _ = rejectTensor(TestTensor("t", .f32, [1 << 31, 1 << 31]), as: .sizeOverflow, field: "tensor[1].type")
    }

    func testRowsMustHoldWholeBlocks() {
        _ = rejectTensor(TestTensor("t", .q4_K, [128, 2]), as: .badDimensions, field: "tensor[1].dims[0]")
        _ = rejectTensor(TestTensor("t", .q8_0, [33]), as: .badDimensions, field: "tensor[1].dims[0]")
    }

    func testUnknownTensorTypeNamesTheId() {
        for id: UInt32 in [4, 5, 16, 29, 31, 9999, .max] {
            var tensor = TestTensor("t", .f32, [8])
            tensor.typeID = id
            let error = rejectTensor(tensor, as: .unknownTensorType, field: "tensor[1].type")
            XCTAssertTrue(error?.description.contains("type id \(id)") ?? false, "\(String(describing: error))")
        }
    }

    func testOffsetsMustBeAlignedAndInsideTheDataSection() {
        _ = rejectTensor(TestTensor("t", .f32, [8], offset: 40), as: .misaligned, field: "tensor[1].offset")
        _ = rejectTensor(TestTensor("t", .f32, [8], offset: 1 << 40), as: .offsetOutOfBounds, field: "tensor[1].offset")
        _ = rejectTensor(TestTensor("t", .f32, [8], offset: 1 << 63), as: .offsetOutOfBounds, field: "tensor[1].offset")
        _ = rejectTensor(TestTensor("t", .f32, [8], offset: .max - 31), as: .offsetOutOfBounds, field: "tensor[1].offset")

        // Starts inside the data section but its bytes run past the end.
        var writer = GGUFTestWriter()
        writer.tensors = [TestTensor("fine", .f32, [8]), TestTensor("long", .f32, [1024], offset: 32)]
        writer.writesData = false
        var bytes = writer.build()
        bytes += [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32 + 64)
        let error = assertRejects(bytes, as: .offsetOutOfBounds, field: "tensor[1].offset")
        XCTAssertTrue(error?.description.contains("runs past the end of the data section (64 bytes)") ?? false)
    }

    func testOutOfBoundsMessageIsOneReadableLine() throws {
        var writer = GGUFTestWriter()
        writer.tensors = [TestTensor("blk.0.attn_q.weight", .f32, [8], offset: 123_456)]
        writer.writesData = false
        var (bytes, layout) = writer.buildWithLayout()
        bytes += [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32 + 32)
        let error = try XCTUnwrap(assertRejects(bytes, as: .offsetOutOfBounds))
        let fieldOffset = layout.headerEnd - 8
        XCTAssertEqual(error.byteOffset, fieldOffset)
        XCTAssertEqual(error.description, "invalid model file: tensor 'blk.0.attn_q.weight' offset 123456 at byte "
                       + "\(fieldOffset) is past the end of the data section (32 bytes)")
    }

    func testDuplicateAndBadNamesAreRefused() {
        _ = rejectTensor(TestTensor("fine", .f32, [8]), as: .duplicateTensor, field: "tensor[1].name")
        _ = rejectTensor(TestTensor(String(repeating: "n", count: 65), .f32, [8]), as: .stringTooLong,
                         field: "tensor[1].name")
        var invalid = TestTensor("t", .f32, [8])
        invalid.nameBytes = [0x74, 0xFF]
        _ = rejectTensor(invalid, as: .invalidUTF8, field: "tensor[1].name")
    }
}
