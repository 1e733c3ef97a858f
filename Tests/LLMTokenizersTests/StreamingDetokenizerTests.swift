import XCTest
@testable import LLMTokenizers

/// The detokenizer never emits half a character, whatever the token boundaries.
final class StreamingDetokenizerTests: XCTestCase {
    private let toy = ToyVocabulary(controlTokens: ["<|im_end|>"])

    /// Feeds single-byte tokens (ids 0...255 are the bytes) and records each emission.
    private func emissions(_ bytes: [UInt8], render: Bool = false) throws -> (chunks: [String], final: String) {
        var detokenizer = StreamingDetokenizer(tokenizer: try toy.tokenizer(), renderSpecialTokens: render)
        let chunks = bytes.map { detokenizer.append(TokenID($0)) }
        return (chunks, detokenizer.finish())
    }

    func testFourByteEmojiSplitIntoSingleByteTokens() throws {
        let emoji = Array("😀".utf8)
        XCTAssertEqual(emoji.count, 4)
        let (chunks, final) = try emissions(Array("a".utf8) + emoji + Array("b".utf8))
        XCTAssertEqual(chunks, ["a", "", "", "", "😀", "b"])
        XCTAssertEqual(final, "")
    }

    func testEveryEmissionIsWholeCharacters() throws {
        let text = "héllo 你好 👨‍👩‍👧 𝄞 Ω"
        let (chunks, final) = try emissions(Array(text.utf8))
        XCTAssertEqual(chunks.joined() + final, text)
        for chunk in chunks {
            XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"), "\(chunks)")
        }
    }

    func testInvalidBytesBecomeReplacementWhenCertain() throws {
        // A stray continuation byte can never become valid: replaced at once.
        XCTAssertEqual(try emissions([0x80, 0x41]).chunks, ["\u{FFFD}", "A"])
        // A lead byte followed by a non-continuation byte: replaced when that byte arrives.
        XCTAssertEqual(try emissions([0xE4, 0x41]).chunks, ["", "\u{FFFD}A"])
        // ED A0 would be a surrogate: invalid as soon as the second byte is seen.
        XCTAssertEqual(try emissions([0xED, 0xA0]).chunks, ["", "\u{FFFD}\u{FFFD}"])
        // An unfinished sequence at the end is held until finish().
        let (chunks, final) = try emissions([0x41, 0xF0, 0x9F])
        XCTAssertEqual(chunks, ["A", "", ""])
        XCTAssertEqual(final, "\u{FFFD}")
    }

    func testControlTokensRenderOnlyWhenAsked() throws {
        let tokenizer = try toy.tokenizer()
        let end = try XCTUnwrap(toy.id(of: "<|im_end|>"))
        var hidden = StreamingDetokenizer(tokenizer: tokenizer)
        XCTAssertEqual(hidden.append(104) + hidden.append(end) + hidden.append(105), "hi")
        var shown = StreamingDetokenizer(tokenizer: tokenizer, renderSpecialTokens: true)
        XCTAssertEqual(shown.append(104) + shown.append(end), "h<|im_end|>")
        XCTAssertEqual(tokenizer.decode([104, end], renderSpecialTokens: true), "h<|im_end|>")
    }

    func testMarkupDoesNotFlushAPendingCharacter() throws {
        let tokenizer = try toy.tokenizer()
        let end = try XCTUnwrap(toy.id(of: "<|im_end|>"))
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        let bytes = Array("é".utf8)
        XCTAssertEqual(detokenizer.append(TokenID(bytes[0])), "")
        XCTAssertEqual(detokenizer.append(end), "")
        XCTAssertEqual(detokenizer.append(TokenID(bytes[1])), "é")
    }

    func testOutOfRangeIdsDecodeToNothing() throws {
        let tokenizer = try toy.tokenizer()
        XCTAssertEqual(tokenizer.tokenBytes(-1), [])
        XCTAssertEqual(tokenizer.tokenBytes(TokenID(tokenizer.vocabularySize)), [])
        XCTAssertEqual(tokenizer.decode([-5, 104, 99999]), "h")
    }
}
