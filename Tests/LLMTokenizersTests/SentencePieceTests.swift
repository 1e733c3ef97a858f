import XCTest
@testable import LLMTokenizers

/// SentencePiece behaviour on a hand-made vocabulary, no model file needed.
final class SentencePieceTests: XCTestCase {
    /// `<unk>` `<s>` `</s>`, the 256 byte tokens (ids 3...258), then `words` with their scores.
    private func tokenizer(_ words: [(String, Float)], addsSpacePrefix: Bool? = nil,
                           control: [String] = []) throws -> SentencePieceTokenizer {
        let bytes = (0..<256).map { String(format: "<0x%02X>", $0) }
        let spellings = ["<unk>", "<s>", "</s>"] + bytes + words.map(\.0) + control
        let types: [Int32] = [2, 3, 3] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: words.count)
            + Array(repeating: 3, count: control.count)
        let scores: [Float] = [0, 0, 0] + Array(repeating: 0, count: 256) + words.map(\.1) + Array(repeating: 0, count: control.count)
        return try SentencePieceTokenizer(metadata: TokenizerMetadata(
            model: "llama", tokens: spellings.map { Array($0.utf8) }, tokenTypes: types,
            scores: scores, addsSpacePrefix: addsSpacePrefix))
    }

    private let firstWord: TokenID = 259

    func testDefaultsFollowLlamaCpp() throws {
        let spm = try tokenizer([("▁", 0)])
        XCTAssertEqual(spm.bosToken, 1)
        XCTAssertEqual(spm.eosToken, 2)
        XCTAssertTrue(spm.addsBOS)
        XCTAssertTrue(spm.addsSpacePrefix)
        XCTAssertTrue(spm.endOfGenerationTokens.contains(2))
    }

    func testHighestScoringPairMergesFirst() throws {
        // " ab" -> ▁ a b: "▁a" (10) beats "ab" (5), then "▁a"+"b" is not a token.
        let spm = try tokenizer([("▁", 0), ("a", 0), ("b", 0), ("ab", 5), ("▁a", 10)])
        XCTAssertEqual(spm.encode("ab", parseSpecialTokens: false), [firstWord + 4, firstWord + 2])
        // With "ab" scoring higher the other pair wins.
        let other = try tokenizer([("▁", 0), ("a", 0), ("b", 0), ("ab", 20), ("▁a", 10)])
        XCTAssertEqual(other.encode("ab", parseSpecialTokens: false), [firstWord, firstWord + 3])
    }

    func testEqualScoresMergeLeftmostFirst() throws {
        let spm = try tokenizer([("a", 0), ("aa", 1)], addsSpacePrefix: false)
        XCTAssertEqual(spm.encode("aaa", parseSpecialTokens: false), [firstWord + 1, firstWord])
    }

    func testUnknownCharactersFallBackToBytes() throws {
        let spm = try tokenizer([("▁", 0), ("a", 0)], addsSpacePrefix: false)
        // "é" is C3 A9: byte tokens are 3 + byte value.
        XCTAssertEqual(spm.encode("aé", parseSpecialTokens: false), [firstWord + 1, 3 + 0xC3, 3 + 0xA9])
        XCTAssertEqual(spm.decode(spm.encode("a é a", parseSpecialTokens: false)), "a é a")
    }

    func testSpacePrefixFollowsMarkupAndStart() throws {
        let spm = try tokenizer([("▁", 0), ("a", 0), ("▁a", 1)], addsSpacePrefix: true, control: ["<t>"])
        let t = firstWord + 3
        XCTAssertEqual(spm.encode("a<t>a", parseSpecialTokens: true), [firstWord + 2, t, firstWord + 2])
        XCTAssertEqual(spm.encode("a<t>a", parseSpecialTokens: false).first, firstWord + 2)
        let noPrefix = try tokenizer([("▁", 0), ("a", 0), ("▁a", 1)], addsSpacePrefix: false)
        XCTAssertEqual(noPrefix.encode("a a", parseSpecialTokens: false), [firstWord + 1, firstWord + 2])
    }

    func testVisibleSpaceDecodesToSpaceAndControlIsHidden() throws {
        let spm = try tokenizer([("▁", 0), ("a", 0), ("▁a", 1)], addsSpacePrefix: false)
        XCTAssertEqual(spm.tokenBytes(firstWord + 2), Array(" a".utf8))
        XCTAssertEqual(spm.tokenText(firstWord + 2), "▁a")
        XCTAssertEqual(spm.decode([firstWord + 2, 2]), " a")
        XCTAssertEqual(spm.decode([firstWord + 2, 2], renderSpecialTokens: true), " a</s>")
    }

    func testByteFallbackTokensStreamWholeCharacters() throws {
        let spm = try tokenizer([("▁", 0), ("a", 0), ("▁a", 1)], addsSpacePrefix: false)
        let ids = spm.encode("a 😀 a", parseSpecialTokens: false)
        XCTAssertEqual(ids.count, 1 + 1 + 4 + 1, "a, ▁, four byte tokens, ▁a")
        var detokenizer = StreamingDetokenizer(tokenizer: spm)
        let chunks = ids.map { detokenizer.append($0) }
        XCTAssertEqual(chunks, ["a", " ", "", "", "", "😀", " a"])
        XCTAssertEqual(detokenizer.finish(), "")
        var cut = StreamingDetokenizer(tokenizer: spm)
        _ = cut.append(3 + 0xF0)
        XCTAssertEqual(cut.finish(), "\u{FFFD}", "an unfinished character becomes U+FFFD at the end")
    }

    func testUnsupportedModelListsSupportedOnes() {
        let metadata = TokenizerMetadata(model: "bert", tokens: [Array("a".utf8)])
        XCTAssertThrowsError(try makeTokenizer(from: metadata)) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedModel("bert", supported: ["gpt2", "llama"]))
        }
    }

    func testTooFewScoresIsATypedError() {
        let metadata = TokenizerMetadata(model: "llama", tokens: [Array("a".utf8), Array("b".utf8), Array("c".utf8)],
                                         addsBOS: false, scores: [0])
        XCTAssertThrowsError(try SentencePieceTokenizer(metadata: metadata)) { error in
            XCTAssertEqual(error as? TokenizerError, .arrayLengthMismatch(key: "tokenizer.ggml.scores", count: 1, expected: 3))
        }
    }
}
