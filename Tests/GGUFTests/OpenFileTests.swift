import Foundation
import GGUF
import XCTest

/// Opening real paths: the memory-mapped path gives what the in-memory parser gives, and
/// paths that are not model files fail with `.cannotOpen` / `.notAFile`, never a crash.
final class OpenFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func write(_ bytes: [UInt8], named name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testMappedFileMatchesInMemoryParse() throws {
        let bytes = try sampleWriter().encoded()
        let path = try write(bytes, named: "sample.gguf")
        let mapped = try GGUFFile(path: path)
        let copied = try GGUFFile(bytes: bytes)
        XCTAssertEqual(mapped.fileSize, bytes.count)
        XCTAssertEqual(mapped.tensors, copied.tensors)
        XCTAssertEqual(mapped.dataSectionOffset, copied.dataSectionOffset)
        XCTAssertEqual(Set(mapped.metadata.keys), Set(copied.metadata.keys))
        XCTAssertEqual(try mapped.stringArray("tokenizer.ggml.tokens"), ["<s>", "a", "bc", "\u{FFFD}"])
        for tensor in mapped.tensors {
            XCTAssertEqual(Array(mapped.bytes(of: tensor)), Array(copied.bytes(of: tensor)))
        }
    }

    func testMissingPathIsCannotOpen() {
        let path = directory.appendingPathComponent("absent.gguf").path
        let error = caughtError { try GGUFFile(path: path) }
        XCTAssertEqual(error?.kind, .cannotOpen)
        XCTAssertEqual(error?.field, path)
        XCTAssertEqual(error?.description, "cannot open model file '\(path)': No such file or directory")
    }

    func testDirectoryIsNotAFile() {
        let error = caughtError { try GGUFFile(path: directory.path) }
        XCTAssertEqual(error?.kind, .notAFile)
        XCTAssertEqual(error?.description, "cannot open model file '\(directory.path)': it is a directory")
    }

    func testEmptyAndCorruptFilesOnDiskAreInvalid() throws {
        let empty = try write([], named: "empty.gguf")
        XCTAssertEqual(caughtError { try GGUFFile(path: empty) }?.kind, .truncated)
        let text = try write(Array("not a model\n".utf8), named: "notes.txt")
        XCTAssertEqual(caughtError { try GGUFFile(path: text) }?.kind, .badMagic)
    }
}
