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

    func testLlama3GroupsDigitsInThreesAndQwen2IsolatesThem() {
        XCTAssertEqual(words("1234567 x12", .llama3), ["123", "456", "7", " x", "12"])
        XCTAssertEqual(words("1234 x12", .qwen2), ["1", "2", "3", "4", " x", "1", "2"])
        XCTAssertEqual(words("a 12", .llama3), ["a", " ", "12"])
    }

    func testLlama3ContractionsIgnoreCaseAndLettersTakeOneLeadingScalar() {
        XCTAssertEqual(words("IT'S we'LL", .llama3), ["IT", "'S", " we", "'LL"])
        XCTAssertEqual(words("\tTab (x) _y (_z", .llama3), ["\tTab", " (", "x", ")", " _", "y", " (_", "z"])
    }

    func testLlama3KeepsLineBreaksWithPrecedingWhitespace() {
        XCTAssertEqual(words("a \n\n b", .llama3), ["a", " \n\n", " b"])
        XCTAssertEqual(words("x!!\n\ny", .llama3), ["x", "!!\n\n", "y"])
        XCTAssertEqual(words("a   b  ", .llama3), ["a", "  ", " b", "  "])
    }

    func testWordsCoverTheTextExactly() {
        for text in ["", " ", "  a  ", "1 2  3", "x\r\n\ty", "🇫🇷🇯🇵", "e\u{301}\u{302}"] {
            for preTokenizer in PreTokenizer.allCases {
                XCTAssertEqual(words(text, preTokenizer).joined(), text, "\(preTokenizer) \(text.debugDescription)")
            }
        }
    }

    func testUnknownPreTokenizerIsATypedErrorListingTheSupportedOnes() {
        XCTAssertThrowsError(try PreTokenizer(ggufName: "deepseek-llm")) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedPreTokenizer(
                "deepseek-llm", supported: ["gpt-2", "smollm", "llama-bpe", "qwen2", "deepseek-r1-qwen", "llama-v3", "llama3"]))
            XCTAssertTrue("\(error)".contains("gpt-2, smollm, llama-bpe, qwen2"))
        }
        XCTAssertEqual(try PreTokenizer(ggufName: "llama3"), .llama3)
        XCTAssertEqual(try PreTokenizer(ggufName: "deepseek-r1-qwen"), .qwen2)
        XCTAssertThrowsError(try PreTokenizer(ggufName: nil))
    }
}
