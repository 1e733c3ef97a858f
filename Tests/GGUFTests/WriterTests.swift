import Foundation
import GGUF
import XCTest

/// The public writer: it refuses what the reader would refuse, lays files out as the reader
/// expects, writes paths atomically, and reproduces a real model byte for byte.
final class WriterTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func refusal(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> GGUFWriteError? {
        do {
            try body()
            XCTFail("expected a GGUFWriteError", file: file, line: line)
        } catch let error as GGUFWriteError {
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
            return error
        } catch {
            XCTFail("expected a GGUFWriteError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testInvalidInputIsRefusedAndLeavesTheWriterUnchanged() throws {
        var writer = try sampleWriter()
        let before = writer.encoded()
        let keyCases: [(String, GGUFWriter.Value, GGUFWriteError.Kind)] = [
            ("", .uint8(1), .invalidKey),
            (String(repeating: "k", count: 65_536), .uint8(1), .invalidKey),
            ("mixed", .array(.int32, [.int32(1), .uint32(2)]), .invalidValue),
            ("deep", .array(.array, [.array(.array, [])]), .invalidValue),
            ("general.alignment", .uint32(48), .invalidValue),
            ("general.alignment", .uint32(1 << 21), .invalidValue),
            ("general.alignment", .uint64(32), .invalidValue),
        ]
        for (key, value, kind) in keyCases {
            XCTAssertEqual(refusal { try writer.setValue(value, forKey: key) }?.kind, kind, "\(key.prefix(20))")
        }
        let tensorCases: [(String, GGMLType, [Int], Int, GGUFWriteError.Kind)] = [
            ("", .f32, [4], 16, .invalidName),
            (String(repeating: "n", count: 65), .f32, [4], 16, .invalidName),
            ("token_embd.weight", .q8_0, [64, 4], 272, .duplicateTensor),
            ("none", .f32, [], 4, .badDimensions),
            ("five", .f32, [1, 1, 1, 1, 1], 4, .badDimensions),
            ("zero", .f32, [4, 0], 0, .badDimensions),
            ("negative", .f32, [-4], 0, .badDimensions),
            ("overflow", .f32, [1 << 32, 1 << 32], 0, .badDimensions),
            ("partial.block", .q8_0, [33], 34, .badDimensions),
            ("short", .q4_0, [64, 2], 71, .byteCountMismatch),
        ]
        for (name, type, dimensions, count, kind) in tensorCases {
            let error = refusal {
                try writer.addTensor(name: name, type: type, dimensions: dimensions, bytes: [UInt8](repeating: 0, count: count))
            }
            XCTAssertEqual(error?.kind, kind, "\(name.prefix(20)) \(dimensions)")
        }
        XCTAssertEqual(refusal { try writer.addTensor(name: "short", type: .q4_0, dimensions: [64, 2], bytes: []) }?
            .description, "cannot write GGUF: tensor 'short' has 0 bytes, but 128 Q4_0 elements take 72")
        XCTAssertEqual(writer.encoded(), before)
    }

    func testSetValueReplacesInPlaceAndRemoveValueDeletes() throws {
        var writer = GGUFWriter()
        try writer.setValue(.text("a"), forKey: "first")
        try writer.setValue(.uint32(256), forKey: "general.alignment")
        try writer.setValue(.text("b"), forKey: "first")
        XCTAssertEqual(writer.metadata.map(\.key), ["first", "general.alignment"])
        XCTAssertEqual(writer.value(forKey: "first"), .text("b"))
        XCTAssertEqual(writer.alignment, 256)
        writer.removeValue(forKey: "general.alignment")
        XCTAssertEqual(writer.alignment, 32)
        XCTAssertNil(writer.value(forKey: "general.alignment"))
        let file = try GGUFFile(bytes: writer.encoded())
        XCTAssertEqual(try file.string("first"), "b")
        XCTAssertEqual(file.metadata.count, 1)
    }

    func testLayoutDescribesTheEncodedBytes() throws {
        let writer = try sampleWriter()
        let bytes = writer.encoded()
        let layout = writer.layout
        XCTAssertEqual(layout.fileSize, bytes.count)
        XCTAssertEqual(layout.fileSize % 64, 0, "the last tensor is padded to the alignment")
        XCTAssertEqual(layout.dataOffset, (layout.headerSize + 63) / 64 * 64)
        XCTAssertTrue(bytes[layout.headerSize..<layout.dataOffset].allSatisfy { $0 == 0 })
        XCTAssertEqual(layout.tensorOffsets, [0, 320, 576])

        var empty = GGUFWriter(version: .v2)
        try empty.setValue(.text("x"), forKey: "k")
        XCTAssertEqual(empty.layout.fileSize, empty.encoded().count)
        XCTAssertEqual(empty.layout.fileSize, empty.layout.headerSize)
        XCTAssertEqual(Array(empty.encoded()[0..<8]), Array("GGUF".utf8) + [2, 0, 0, 0])
    }

    func testWritingToAPathReplacesTheFileAtomically() throws {
        let path = directory.appendingPathComponent("model.gguf").path
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        let writer = try sampleWriter()
        try writer.write(toPath: path)
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.fileSize, writer.layout.fileSize)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), writer.encoded())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.gguf"])
    }

    func testFailedWriteLeavesNoTemporaryFileAndTheDestinationUntouched() throws {
        let writer = try sampleWriter()
        // A non-empty directory in the way: everything is written, then the rename fails.
        let blocked = directory.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: blocked.appendingPathComponent("inside"))
        let error = refusal { try writer.write(toPath: blocked.path) }
        XCTAssertEqual(error?.kind, .cannotWrite)
        XCTAssertTrue(error?.description.hasPrefix("cannot write model file '\(blocked.path)': ") ?? false)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["blocked"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: blocked.path), ["inside"])

        let missing = directory.appendingPathComponent("no/such/dir/model.gguf").path
        XCTAssertEqual(refusal { try writer.write(toPath: missing) }?.description,
                       "cannot write model file '\(missing)': No such file or directory")
        XCTAssertEqual(refusal { try writer.write(toPath: directory.path + "/") }?.kind, .cannotWrite)
    }

    func testTheDefaultModelIsRewrittenByteForByte() throws {
        let dataHome = ProcessInfo.processInfo.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? NSHomeDirectory() + "/.local/share"
        let source = dataHome + "/clicky/models/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: source) else { throw XCTSkip("model not present at \(source)") }
        let original = try GGUFFile(path: source)
        var writer = GGUFWriter(version: .v3)
        try writer.copyMetadata(from: original)
        for tensor in original.tensors {
            try writer.addTensor(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions,
                                 bytes: Array(original.bytes(of: tensor)))
        }
        let copy = directory.appendingPathComponent("copy.gguf").path
        try writer.write(toPath: copy)
        let written = try Data(contentsOf: URL(fileURLWithPath: copy))
        let expected = try Data(contentsOf: URL(fileURLWithPath: source))
        // This writer pads the last tensor (as gguf-py does); the files agree up to that padding.
        XCTAssertEqual(written.prefix(expected.count), expected)
        XCTAssertTrue(written.dropFirst(expected.count).allSatisfy { $0 == 0 })
        XCTAssertLessThan(written.count - expected.count, original.alignment)
    }
}
