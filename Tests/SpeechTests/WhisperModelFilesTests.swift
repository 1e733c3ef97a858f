import Foundation
@testable import Speech
import XCTest

/// Model directories that are missing, incomplete or inconsistent: each is refused as
/// `.invalidModel` naming the file and the problem.
final class WhisperModelFilesTests: XCTestCase {
    private let config = """
        {"alignment_heads": [[1, 0], [0, 1]], "lang_ids": [3], "suppress_ids": [1, 2], "suppress_ids_begin": [4]}
        """

    /// A complete directory with a five-token model (embedding [5, 2]).
    private func makeDirectory(model: CT2FileBuilder? = nil, vocabulary: [UInt8]? = nil,
                               config: String? = nil) throws -> String {
        let directory = try temporaryDirectory(self)
        var builder = CT2FileBuilder()
        builder.add("decoder/embeddings/weight", [5, 2], .float16, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        try Data((model ?? builder).bytes).write(to: URL(fileURLWithPath: directory + "/model.bin"))
        try Data(vocabulary ?? Array("a\nĠb\n<|endoftext|>\nc\nd\n".utf8))
            .write(to: URL(fileURLWithPath: directory + "/vocabulary.txt"))
        try Data((config ?? self.config).utf8).write(to: URL(fileURLWithPath: directory + "/config.json"))
        return directory
    }

    private func assertRefused(_ directory: String, file name: String, mentioning words: [String],
                               line: UInt = #line) {
        do {
            _ = try WhisperModelFiles(directory: directory)
            XCTFail("the directory opened", line: line)
        } catch {
            guard case .invalidModel(let path, let reason) = error else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(path, name.isEmpty ? directory : directory + "/" + name, line: line)
            for word in words { XCTAssertTrue(reason.contains(word), "'\(reason)' lacks '\(word)'", line: line) }
            XCTAssertFalse(error.description.contains("\n"), line: line)
        }
    }

    func testACompleteDirectoryOpens() throws {
        let files = try WhisperModelFiles(directory: try makeDirectory())
        XCTAssertEqual(files.vocabulary, ["a", "Ġb", "<|endoftext|>", "c", "d"])
        XCTAssertEqual(files.config, WhisperCT2Config(suppressIDs: [1, 2], suppressIDsBegin: [4], langIDs: [3],
                                                      alignmentHeads: [.init(layer: 1, head: 0), .init(layer: 0, head: 1)]))
        // Windows line endings and a missing final newline read the same; absent optional lists are empty.
        let crlf = try WhisperModelFiles(directory: try makeDirectory(
            vocabulary: Array("a\r\nĠb\r\n<|endoftext|>\r\nc\r\nd".utf8),
            config: #"{"suppress_ids": [], "suppress_ids_begin": []}"#))
        XCTAssertEqual(crlf.vocabulary, files.vocabulary)
        XCTAssertEqual(crlf.config.langIDs, [])
        XCTAssertEqual(crlf.config.alignmentHeads, [])
    }

    func testMissingDirectoryAndFiles() throws {
        assertRefused("/nonexistent/clicky-models/whisper-tiny.en", file: "", mentioning: ["no model directory", "setup.sh"])
        let plainFile = try makeDirectory() + "/config.json"
        assertRefused(plainFile, file: "", mentioning: ["no model directory"])
        for name in ["model.bin", "vocabulary.txt", "config.json"] {
            let directory = try makeDirectory()
            try FileManager.default.removeItem(atPath: directory + "/" + name)
            assertRefused(directory, file: name, mentioning: [name == "model.bin" ? "does not exist" : "missing"])
        }
        let directory = try makeDirectory()
        try FileManager.default.removeItem(atPath: directory + "/config.json")
        try FileManager.default.createDirectory(atPath: directory + "/config.json", withIntermediateDirectories: false)
        assertRefused(directory, file: "config.json", mentioning: ["not a regular file"])
        try FileManager.default.removeItem(atPath: directory + "/model.bin")
        try FileManager.default.createDirectory(atPath: directory + "/model.bin", withIntermediateDirectories: false)
        assertRefused(directory, file: "model.bin", mentioning: ["directory"])
    }

    func testTheModelMustBeTheWhisperWeKnow() throws {
        var translator = CT2FileBuilder()
        translator.specName = "TransformerSpec"
        translator.add("decoder/embeddings/weight", [5, 2], .float16, Array(repeating: 0, count: 10))
        assertRefused(try makeDirectory(model: translator), file: "model.bin", mentioning: ["'TransformerSpec'", "WhisperSpec"])

        var revision = translator
        revision.specName = "WhisperSpec"
        revision.specRevision = 2
        assertRefused(try makeDirectory(model: revision), file: "model.bin", mentioning: ["revision 2", "only revision 3"])

        var noEmbedding = CT2FileBuilder()
        noEmbedding.add("encoder/num_heads", [], .int16, [6])
        assertRefused(try makeDirectory(model: noEmbedding), file: "model.bin",
                      mentioning: ["'decoder/embeddings/weight'", "missing"])

        var flat = CT2FileBuilder()
        flat.add("decoder/embeddings/weight", [10], .float16, Array(repeating: 0, count: 10))
        assertRefused(try makeDirectory(model: flat), file: "model.bin", mentioning: ["[10]", "2 dimensions"])
    }

    func testVocabularyMustMatchTheEmbedding() throws {
        let cases: [([UInt8], [String])] = [
            ([], ["empty"]),
            (Array("\n".utf8), ["line 1 is empty"]),
            (Array("a\nb\nc\n".utf8), ["3 tokens", "5 rows"]),
            (Array("a\nb\nc\nd\ne\nf\n".utf8), ["6 tokens", "5 rows"]),
            (Array("a\nb\n\nd\ne\n".utf8), ["line 3 is empty"]),
            (Array("a\nb\nc\n".utf8) + [0xC3, 0x28] + Array("\ne\n".utf8), ["line 4", "UTF-8"]),
        ]
        for (vocabulary, words) in cases {
            assertRefused(try makeDirectory(vocabulary: vocabulary), file: "vocabulary.txt", mentioning: words)
        }
    }

    func testMalformedConfigIsNamed() throws {
        let cases: [(String, [String])] = [
            ("", ["malformed JSON"]),
            ("{\"suppress_ids\": [1, 2", ["malformed JSON"]),
            ("[1, 2]", ["the top level", "wrong type"]),
            (#"{"suppress_ids_begin": []}"#, ["'suppress_ids'", "missing"]),
            (#"{"suppress_ids": [1, "two"], "suppress_ids_begin": []}"#, ["'suppress_ids[1]'", "wrong type"]),
            (#"{"suppress_ids": null, "suppress_ids_begin": []}"#, ["'suppress_ids'", "null"]),
            (#"{"suppress_ids": [1e300], "suppress_ids_begin": []}"#, ["malformed JSON", "not an integer"]),
            (#"{"suppress_ids": [1.5], "suppress_ids_begin": []}"#, ["malformed JSON", "not an integer"]),
            (#"{"suppress_ids": [], "suppress_ids_begin": [], "alignment_heads": [[1, 2, 3]]}"#,
             ["alignment_heads[0]", "[layer, head]"]),
            (#"{"suppress_ids": [], "suppress_ids_begin": [], "alignment_heads": [[-1, 0]]}"#, ["alignment_heads[0]"]),
            (#"{"suppress_ids": [0, 5], "suppress_ids_begin": []}"#, ["suppress_ids[1] is 5", "not a token id"]),
            (#"{"suppress_ids": [], "suppress_ids_begin": [-1]}"#, ["suppress_ids_begin[0] is -1"]),
            (#"{"suppress_ids": [], "suppress_ids_begin": [], "lang_ids": [4, 50259]}"#, ["lang_ids[1] is 50259"]),
        ]
        for (text, words) in cases {
            assertRefused(try makeDirectory(config: text), file: "config.json", mentioning: words)
        }
    }

    func testOversizedTextFilesAreNotRead() throws {
        let directory = try makeDirectory()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/vocabulary.txt"))
        try handle.truncate(atOffset: UInt64(WhisperModelFiles.maximumTextFileSize + 1))   // sparse: no disk used
        try handle.close()
        assertRefused(directory, file: "vocabulary.txt", mentioning: ["\(WhisperModelFiles.maximumTextFileSize + 1) bytes"])
    }

    /// The installed model with its own config.json missing or damaged (model.bin linked, not copied).
    func testInstalledModelWithBrokenConfig() throws {
        let installed = try installedWhisperDirectory()
        let directory = try temporaryDirectory(self)
        for name in ["model.bin", "vocabulary.txt"] {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + name,
                                                       withDestinationPath: installed + "/" + name)
        }
        assertRefused(directory, file: "config.json", mentioning: ["missing"])
        var text = try String(contentsOfFile: installed + "/config.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"suppress_ids_begin\"", with: "\"suppress_ids_start\"")
        try text.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        assertRefused(directory, file: "config.json", mentioning: ["'suppress_ids_begin'", "missing"])
        try Data(text.utf8.prefix(300)).write(to: URL(fileURLWithPath: directory + "/config.json"))
        assertRefused(directory, file: "config.json", mentioning: ["malformed JSON"])
    }
}
