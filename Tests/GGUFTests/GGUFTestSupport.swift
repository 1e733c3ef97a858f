import GGUF
import XCTest

/// Opens `bytes` and returns the error it must produce, failing the test when it opens.
@discardableResult
func assertRejects(_ bytes: [UInt8], as kind: GGUFError.Kind, field: String? = nil,
                   file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
    do {
        _ = try GGUFFile(bytes: bytes)
        XCTFail("expected \(kind), but the file opened", file: file, line: line)
        return nil
    } catch {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        if let field { XCTAssertEqual(error.field, field, "\(error)", file: file, line: line) }
        XCTAssertFalse(error.description.contains("\n"), "description must be one line", file: file, line: line)
        return error
    }
}

/// Runs `body` and returns the `GGUFError` it throws, failing the test when it returns or
/// throws anything else. (Closures infer untyped `throws`, hence the cast.)
func caughtError<T>(_ body: () throws -> T,
                    file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
    do {
        _ = try body()
        XCTFail("expected a GGUFError", file: file, line: line)
        return nil
    } catch let error as GGUFError {
        return error
    } catch {
        XCTFail("expected a GGUFError, got \(error)", file: file, line: line)
        return nil
    }
}

/// SplitMix64: a tiny deterministic generator, so fuzz failures reproduce from the seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A small valid file touching every part of the format: scalars, strings, a string array,
/// a nested array, alignment, and tensors of three types.
func sampleWriter(version: GGUFWriter.Version = .v3) throws -> GGUFWriter {
    var writer = GGUFWriter(version: version)
    try writer.set("general.architecture", .text("llama"))
    try writer.set("general.alignment", .uint32(64))
    try writer.set("llama.embedding_length", .uint32(64))
    try writer.set("llama.rope.freq_base", .float32(10000))
    try writer.set("tokenizer.ggml.add_bos_token", .bool(true))
    try writer.set("tokenizer.ggml.tokens", .array(.string, [.text("<s>"), .text("a"), .text("bc"), .bytes([0xFF])]))
    try writer.set("tokenizer.ggml.token_type", .array(.int32, [.int32(3), .int32(1), .int32(1), .int32(6)]))
    try writer.set("test.nested", .array(.array, [.array(.uint16, [.uint16(1), .uint16(2)]), .array(.string, [])]))
    try writer.addPatternTensor("token_embd.weight", .q8_0, [64, 4])
    try writer.addPatternTensor("blk.0.attn_norm.weight", .f32, [64])
    try writer.addPatternTensor("output.weight", .q4_K, [256, 2])
    return writer
}
