import XCTest
@testable import Speech

final class WhisperTokenizerTests: XCTestCase {
    func testSpecialTokensOfTinyEnglish() throws {
        let files = try WhisperFixtures.modelFiles()
        let tokenizer = try WhisperTokenizer(vocabulary: files.vocabulary, path: files.directory)
        XCTAssertEqual(tokenizer.endOfText, 50256)
        XCTAssertEqual(tokenizer.startOfTranscript, 50257)
        XCTAssertEqual(tokenizer.noTimestamps, 50362)
        XCTAssertEqual(tokenizer.timestampBegin, 50363)
        XCTAssertEqual(tokenizer.count, 51864)
        // "Please open the settings menu and turn on dark mode." as CTranslate2 decodes it.
        let ids = [4222, 1280, 262, 6460, 6859, 290, 1210, 319, 3223, 4235, 13]
        XCTAssertEqual(tokenizer.decode(ids), " Please open the settings menu and turn on dark mode.")
        // Specials and timestamps are never text.
        XCTAssertEqual(tokenizer.decode([50257, 50362, 4222, 50363, 13, 50256]), " Please.")
    }

    func testByteLevelSpellings() throws {
        XCTAssertEqual(WhisperTokenizer.bytes(spelledAs: "Ġhello"), Array(" hello".utf8))
        XCTAssertEqual(WhisperTokenizer.bytes(spelledAs: "Ċ"), [0x0A])
        XCTAssertEqual(WhisperTokenizer.bytes(spelledAs: "Ã©"), [0xC3, 0xA9])          // é
        XCTAssertEqual(WhisperTokenizer.bytes(spelledAs: "Ń"), [0xAD])                 // soft hyphen, shifted
        XCTAssertEqual(WhisperTokenizer.bytes(spelledAs: "ł"), [0xA0])                 // no-break space, shifted
        XCTAssertNil(WhisperTokenizer.bytes(spelledAs: "€"))
        XCTAssertNil(WhisperTokenizer.bytes(spelledAs: " "))                            // a raw space is not a spelling
        // Every byte has exactly one spelling.
        var seen = Set<[UInt8]>()
        for scalar in 0..<(256 + 68) {
            guard let s = Unicode.Scalar(scalar), let bytes = WhisperTokenizer.bytes(spelledAs: String(s)) else { continue }
            XCTAssertEqual(bytes.count, 1)
            seen.insert(bytes)
        }
        XCTAssertEqual(seen.count, 256)
    }

    func testDecodingSplitsAndBadUTF8() throws {
        let vocabulary = ["Ã", "©", "Ġcaf", "Ã©", "ÿ", "<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>", "<|0.00|>"]
        let tokenizer = try WhisperTokenizer(vocabulary: vocabulary, path: "test")
        XCTAssertEqual(tokenizer.decode([2, 0, 1]), " café")        // one character over two tokens
        XCTAssertEqual(tokenizer.decode([2, 3]), " café")
        XCTAssertEqual(tokenizer.decode([2, 4]), " caf\u{FFFD}")    // a lone 0xFF is not UTF-8
        XCTAssertEqual(tokenizer.decode([]), "")
    }

    func testMissingSpecialsOrBadSpellingsAreInvalidModels() {
        for vocabulary in [["a", "<|startoftranscript|>", "<|notimestamps|>", "<|0.00|>"],
                           ["a", "<|endoftext|>", "<|notimestamps|>", "<|0.00|>"],
                           ["a", "<|endoftext|>", "<|startoftranscript|>", "<|0.00|>"],
                           ["a", "<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>"],
                           ["a b", "<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>", "<|0.00|>"],
                           ["<|endoftext|>", "<|notimestamps|>", "<|startoftranscript|>", "<|0.00|>"]] {
            XCTAssertThrowsError(try WhisperTokenizer(vocabulary: vocabulary, path: "v.txt"), "\(vocabulary)") {
                guard case .invalidModel(let path, _) = $0 as? SpeechError else { return XCTFail("\($0)") }
                XCTAssertEqual(path, "v.txt")
            }
        }
    }
}
