import Foundation
import XCTest

/// Every kind of broken model file ends with exit code 3 and one clear line on stderr — never a
/// crash, never a hang.
final class CorruptModelTests: XCTestCase {
    private var original = Data()
    private var map: HeaderMap!
    private var directory: URL!

    override func setUpWithError() throws {
        original = try Data(contentsOf: CLIRunner.defaultModel(), options: .alwaysMapped)
        map = HeaderMap(original)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Writes `data`, runs a one-token generation on it and checks the contract.
    private func expectRejected(_ data: Data, _ label: String, mentioning needle: String? = nil,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let url = directory.appendingPathComponent("\(label.replacingOccurrences(of: " ", with: "-")).gguf")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try CLIRunner.run(["generate", "--raw", "hi", "--max-tokens", "1", "--model", url.path])
        XCTAssertEqual(result.status, 3, "\(label): \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertEqual(lines.count, 1, "\(label): expected one line, got: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stdout.isEmpty, "\(label): printed output", file: file, line: line)
        if let needle {
            XCTAssertTrue(result.stderr.contains(needle), "\(label): '\(result.stderr)' lacks '\(needle)'", file: file, line: line)
        }
    }

    private func patched(_ body: (inout Data) -> Void) -> Data {
        var copy = original
        body(&copy)
        return copy
    }

    func testTruncatedAtManyOffsets() throws {
        let headerOffsets = [0, 3, 4, 7, 8, 15, 16, 23, 24, 30, 100, 1000, 5000, 100_000, 500_000]
        let tensorOffsets = map.tensors.prefix(3).flatMap { [$0.nameOffset, $0.typeOffset, $0.dataOffsetOffset + 4] }
        let dataOffsets = [map.headerEnd + 1000, original.count / 2, original.count - 1]
        for offset in headerOffsets + tensorOffsets + [map.headerEnd] + dataOffsets {
            try expectRejected(original.prefix(offset), "truncated at \(offset)")
        }
    }

    func testWrongMagic() throws {
        try expectRejected(patched { $0[0] = UInt8(ascii: "X") }, "wrong magic", mentioning: "GGUF")
    }

    func testHugeTensorCount() throws {
        try expectRejected(patched { $0.writeLittleEndian(UInt64(1) << 62, at: map.tensorCountOffset) }, "huge tensor count")
    }

    func testHugeKeyCount() throws {
        try expectRejected(patched { $0.writeLittleEndian(UInt64.max - 3, at: map.keyCountOffset) }, "huge key count")
    }

    func testStringLongerThanFile() throws {
        try expectRejected(patched { $0.writeLittleEndian(UInt64(original.count) * 2, at: map.firstKeyLengthOffset) },
                           "string longer than file")
    }

    func testDimensionProductOverflows() throws {
        let tensor = try XCTUnwrap(map.tensors.first { $0.dimensionOffsets.count == 2 })
        try expectRejected(patched {
            $0.writeLittleEndian(UInt64(1) << 40, at: tensor.dimensionOffsets[0])
            $0.writeLittleEndian(UInt64(1) << 40, at: tensor.dimensionOffsets[1])
        }, "dimension overflow")
    }

    func testTensorOffsetPastTheEnd() throws {
        let tensor = try XCTUnwrap(map.tensors.last)
        try expectRejected(patched { $0.writeLittleEndian(UInt64(original.count) * 4, at: tensor.dataOffsetOffset) },
                           "offset past end")
    }

    func testUnknownTensorType() throws {
        let tensor = try XCTUnwrap(map.tensors.first)
        try expectRejected(patched { $0.writeLittleEndian(UInt32(77), at: tensor.typeOffset) }, "unknown tensor type",
                           mentioning: "77")
    }

    func testMissingTensor() throws {
        let tensor = try XCTUnwrap(map.tensors.first { $0.name == "blk.3.ffn_up.weight" })
        // Renaming one byte keeps the file valid but the model incomplete.
        try expectRejected(patched { $0[tensor.nameOffset + 4] = UInt8(ascii: "Z") }, "missing tensor",
                           mentioning: "blk.3.ffn_up.weight")
    }

    func testUnsupportedArchitectureListsTheSupportedOnes() throws {
        let offset = try XCTUnwrap(map.stringValueOffsets["general.architecture"])
        // "llama" -> "mamba": same length, so every other offset stays valid.
        try expectRejected(patched { data in
            for (i, byte) in "mamba".utf8.enumerated() { data[offset + 8 + i] = byte }
        }, "unsupported architecture", mentioning: "supported: gemma3, llama, qwen2")
    }

    func testMissingFileAndDirectory() throws {
        try expectRejected(Data(), "empty file")
        let result = try CLIRunner.run(["generate", "--raw", "hi", "--model", "/nonexistent/model.gguf"])
        XCTAssertEqual(result.status, 3)
        let dir = try CLIRunner.run(["generate", "--raw", "hi", "--model", directory.path + "/"])
        XCTAssertEqual(dir.status, 3, dir.stderr)
    }
}
