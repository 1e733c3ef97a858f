import XCTest
@testable import LLMTokenizers

/// Word splitting against hand-worked cases of llama.cpp's expressions.
final class PreTokenizerTests: XCTestCase {
    private func words(_ text: String, _ preTokenizer: PreTokenizer) -> [String] {
        let bytes = Array(text.utf8)
        return preTokenizer.words(in: bytes[...]).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    func testGPT2SplitsWordsWithTheirLeadingSpace() {
        XCTAssertEqual(words("Hello world, it's 2024!", .gpt2), ["Hello", " world", ",", " it", "'s", " 2024", "!"])
    }

    func testContractionsAreLowercaseOnly() {
        XCTAssertEqual(words("we'll IT'S", .gpt2), ["we", "'ll", " IT", "'", "S"])
        XCTAssertEqual(words("'re'x", .gpt2), ["'re", "'", "x"])
    }

    func testWhitespaceRunLeavesItsLastSpaceToTheNextWord() {
        XCTAssertEqual(words("a   b", .gpt2), ["a", "  ", " b"])
        XCTAssertEqual(words("a\n\nb", .gpt2), ["a", "\n", "\n", "b"])
        XCTAssertEqual(words("a \n b", .gpt2), ["a", " \n", " b"])
        XCTAssertEqual(words("trailing   ", .gpt2), ["trailing", "   "])
        XCTAssertEqual(words("\tx", .gpt2), ["\t", "x"])
    }

    func testPunctuationRunsStayTogether() {
        XCTAssertEqual(words("Hi!!! ...", .gpt2), ["Hi", "!!!", " ..."])
        XCTAssertEqual(words("a-->b", .gpt2), ["a", "-->", "b"])
    }

    func testUnicodeClasses() {
        XCTAssertEqual(words("café Привет 你好", .gpt2), ["café", " Привет", " 你好"])
        // A combining mark is not a letter: it ends the word and starts an "other" run.
        XCTAssertEqual(words("cafe\u{301}s", .gpt2), ["cafe", "\u{301}", "s"])
        XCTAssertEqual(words("😀 😀", .gpt2), ["😀", " 😀"])
        XCTAssertEqual(words("\u{3000}x", .gpt2), ["\u{3000}", "x"])
    }

    func testSmolLMIsolatesEveryDigit() {
        XCTAssertEqual(words("abc123 4", .smollm), ["abc", "1", "2", "3", " ", "4"])
        XCTAssertEqual(words("x   1", .smollm), ["x", "   ", "1"])
        XCTAssertEqual(words("٣½", .smollm), ["٣", "½"])
        XCTAssertEqual(words("v1.2", .smollm), ["v", "1", ".", "2"])
    }

    func testWordsCoverTheTextExactly() {
        for text in ["", " ", "  a  ", "1 2  3", "x\r\n\ty", "🇫🇷🇯🇵", "e\u{301}\u{302}"] {
            for preTokenizer in PreTokenizer.allCases {
                XCTAssertEqual(words(text, preTokenizer).joined(), text, "\(preTokenizer) \(text.debugDescription)")
            }
        }
    }

    func testUnknownPreTokenizerIsATypedErrorListingTheSupportedOnes() {
        XCTAssertThrowsError(try PreTokenizer(ggufName: "llama-bpe")) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedPreTokenizer("llama-bpe", supported: ["gpt-2", "smollm"]))
            XCTAssertTrue("\(error)".contains("gpt-2, smollm"))
        }
        XCTAssertThrowsError(try PreTokenizer(ggufName: nil))
    }
}
