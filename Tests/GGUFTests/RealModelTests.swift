import Foundation
import GGUF
import XCTest

/// The default model, when the set-up script has fetched it: the parser agrees with what
/// llama.cpp's own reader reports, and opening maps instead of reading.
final class RealModelTests: XCTestCase {
    private func modelPath() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? NSHomeDirectory() + "/.local/share"
        let path = dataHome + "/clicky/models/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("model not present at \(path)")
        }
        return path
    }

    func testSmolLM2HeaderAndDirectory() throws {
        let path = try modelPath()
        let start = Date()
        let file = try GGUFFile(path: path)
        let openTime = Date().timeIntervalSince(start)
        print(String(format: "opened SmolLM2-135M (%d bytes) in %.2f ms", file.fileSize, openTime * 1000))

        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.tensors.count, 272)
        XCTAssertEqual(file.headerKeyCount, 33)
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(try file.string("general.architecture"), "llama")
        XCTAssertEqual(try file.integer("llama.embedding_length"), 576)
        XCTAssertEqual(try file.array("tokenizer.ggml.tokens").count, 49152)
        XCTAssertEqual(try file.array("tokenizer.ggml.merges").count, 48900)
        XCTAssertEqual(file.dataSectionOffset + file.tensors.map { $0.offset + $0.byteCount }.max()!, file.fileSize)

        let embedding = try XCTUnwrap(file.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embedding.type, .q8_0)
        XCTAssertEqual(embedding.dimensions, [576, 49152])
        XCTAssertEqual(embedding.offset, 0)
        XCTAssertEqual(file.dataSectionOffset, 1_785_664)

        let decodeStart = Date()
        let tokens = try file.stringArray("tokenizer.ggml.tokens")
        let merges = try file.byteStringArray("tokenizer.ggml.merges")
        let types = try file.int32Array("tokenizer.ggml.token_type")
        print(String(format: "decoded vocabulary and merges in %.2f ms", Date().timeIntervalSince(decodeStart) * 1000))
        XCTAssertEqual(tokens.count, 49152)
        XCTAssertEqual(merges.count, 48900)
        XCTAssertEqual(types.count, 49152)
        XCTAssertEqual(tokens[0], "<|endoftext|>")
    }
}
