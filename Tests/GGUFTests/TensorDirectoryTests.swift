@testable import GGUF
import XCTest

/// The tensor directory: layout, alignment, data pointers, and every way an entry can be wrong.
final class TensorDirectoryTests: XCTestCase {
    func testTensorsAndTheirDataInVersions2And3() throws {
        for version: GGUFWriter.Version in [.v2, .v3] {
            let writer = try sampleWriter(version: version)
            let layout = writer.layout
            let file = try GGUFFile(bytes: writer.encoded())
            XCTAssertEqual(file.version, version.rawValue)
            XCTAssertEqual(file.alignment, 64)
            XCTAssertEqual(file.dataSectionOffset, layout.dataOffset)
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
                XCTAssertEqual(data.first, patternByte(tensor: index, index: 0))
                XCTAssertEqual(data.last, patternByte(tensor: index, index: tensor.byteCount - 1))
                XCTAssertEqual(file.data(of: tensor), data.baseAddress)
            }
        }
    }

    func testAlignmentDefaultsTo32AndFollowsGeneralAlignment() throws {
        for alignment: UInt32? in [nil, 1, 8, 256, 4096, 1 << 20] {
            var writer = GGUFWriter()
            if let alignment { try writer.set("general.alignment", .uint32(alignment)) }
            try writer.set("pad", .text("x"))   // makes the header end at an unaligned byte
            try writer.addPatternTensor("a", .f32, [3])
            try writer.addPatternTensor("b", .f16, [5, 2])
            let layout = writer.layout
            let file = try GGUFFile(bytes: writer.encoded())
            let expected = Int(alignment ?? 32)
            XCTAssertEqual(file.alignment, expected)
            XCTAssertEqual(file.dataSectionOffset, (layout.headerSize + expected - 1) / expected * expected)
            XCTAssertEqual(file.tensors.map(\.offset), layout.tensorOffsets)
        }
    }

    func testBadAlignmentValuesAreRefused() {
        for value: GGUFWriter.Value in [.uint32(0), .uint32(3), .uint32(48), .uint32(1 << 21), .uint32(.max),
                                        .uint64(32), .text("32")] {
            var damaged = DamagedFile()
            damaged.add("general.alignment", .valid(value))
            assertRejects(damaged.bytes, as: .badAlignment, field: "general.alignment")
        }
    }

    func testFileWithoutTensorsMayEndAtItsHeader() throws {
        var writer = GGUFWriter()
        try writer.set("general.architecture", .text("llama"))
        let file = try GGUFFile(bytes: writer.encoded())
        XCTAssertTrue(file.tensors.isEmpty)
        XCTAssertEqual(file.dataSectionSize, 0)
    }

    /// A file of two valid f32 tensors whose second directory entry `change` damages.
    private func rejectTensor(_ change: (inout RawHeader.Entry) -> Void, as kind: GGUFError.Kind, field: String,
                              file: StaticString = #filePath, line: UInt = #line) throws -> GGUFError? {
        var writer = GGUFWriter()
        try writer.addPatternTensor("fine", .f32, [8])
        try writer.addPatternTensor("t", .f32, [8])
        var damaged = DamagedFile(writer)
        damaged.changeTensor(1, change)
        return assertRejects(damaged.bytes, as: kind, field: field, file: file, line: line)
    }

    func testDimensionCountMustBeOneToFour() throws {
        _ = try rejectTensor({ $0.dimensions = [] }, as: .badDimensions, field: "tensor[1].n_dims")
        _ = try rejectTensor({ $0.dimensions = [1, 1, 1, 1, 1] }, as: .badDimensions, field: "tensor[1].n_dims")
        var writer = GGUFWriter()
        try writer.addPatternTensor("t", .f32, [2, 1, 3, 1])
        XCTAssertNoThrow(try GGUFFile(bytes: writer.encoded()))
    }

    func testDimensionsMustBePositiveAndFitInt() throws {
        _ = try rejectTensor({ $0.dimensions = [4, 0] }, as: .badDimensions, field: "tensor[1].dims[1]")
        let negative = try rejectTensor({ $0.dimensions = [UInt64(bitPattern: -4)] }, as: .badDimensions,
                                        field: "tensor[1].dims[0]")
        XCTAssertTrue(negative?.description.contains("-4 as a signed number") ?? false)
    }

    func testElementCountAndByteSizeOverflowsAreRefused() throws {
        _ = try rejectTensor({ $0.dimensions = [1 << 32, 1 << 32] }, as: .sizeOverflow, field: "tensor[1].dims[1]")
        _ = try rejectTensor({ $0.dimensions = [1 << 31, 1 << 31] }, as: .sizeOverflow, field: "tensor[1].type")
    }

    func testRowsMustHoldWholeBlocks() throws {
        _ = try rejectTensor({ $0.typeID = GGMLType.q4_K.rawValue; $0.dimensions = [128, 2] },
                             as: .badDimensions, field: "tensor[1].dims[0]")
        _ = try rejectTensor({ $0.typeID = GGMLType.q8_0.rawValue; $0.dimensions = [33] },
                             as: .badDimensions, field: "tensor[1].dims[0]")
    }

    func testUnknownTensorTypeNamesTheId() throws {
        for id: UInt32 in [4, 5, 16, 29, 31, 9999, .max] {
            let error = try rejectTensor({ $0.typeID = id }, as: .unknownTensorType, field: "tensor[1].type")
            XCTAssertTrue(error?.description.contains("type id \(id)") ?? false, "\(String(describing: error))")
        }
    }

    func testOffsetsMustBeAlignedAndInsideTheDataSection() throws {
        for (offset, kind): (UInt64, GGUFError.Kind) in [(40, .misaligned), (1 << 40, .offsetOutOfBounds),
                                                         (1 << 63, .offsetOutOfBounds), (.max - 31, .offsetOutOfBounds)] {
            _ = try rejectTensor({ $0.offset = offset }, as: kind, field: "tensor[1].offset")
        }

        // Starts inside the data section but its bytes run past the end.
        var writer = GGUFWriter()
        try writer.addPatternTensor("fine", .f32, [8])
        try writer.addPatternTensor("long", .f32, [1024])
        var damaged = DamagedFile(writer)
        damaged.changeTensor(1) { $0.offset = 32 }
        var bytes = damaged.headerBytes
        bytes += [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32 + 64)
        let error = assertRejects(bytes, as: .offsetOutOfBounds, field: "tensor[1].offset")
        XCTAssertTrue(error?.description.contains("runs past the end of the data section (64 bytes)") ?? false)
    }

    func testOutOfBoundsMessageIsOneReadableLine() throws {
        var writer = GGUFWriter()
        try writer.addPatternTensor("blk.0.attn_q.weight", .f32, [8])
        var damaged = DamagedFile(writer)
        damaged.changeTensor(0) { $0.offset = 123_456 }
        var bytes = damaged.headerBytes
        let fieldOffset = bytes.count - 8
        bytes += [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32 + 32)
        let error = try XCTUnwrap(assertRejects(bytes, as: .offsetOutOfBounds))
        XCTAssertEqual(error.byteOffset, fieldOffset)
        XCTAssertEqual(error.description, "invalid model file: tensor 'blk.0.attn_q.weight' offset 123456 at byte "
                       + "\(fieldOffset) is past the end of the data section (32 bytes)")
    }

    func testDuplicateAndBadNamesAreRefused() throws {
        _ = try rejectTensor({ $0.name = Array("fine".utf8) }, as: .duplicateTensor, field: "tensor[1].name")
        _ = try rejectTensor({ $0.name = Array(repeating: UInt8(ascii: "n"), count: 65) }, as: .stringTooLong,
                             field: "tensor[1].name")
        _ = try rejectTensor({ $0.name = [0x74, 0xFF] }, as: .invalidUTF8, field: "tensor[1].name")
    }
}
