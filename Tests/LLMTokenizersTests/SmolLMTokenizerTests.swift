import Foundation
import XCTest
@testable import LLMTokenizers

/// The real SmolLM2 vocabulary against llama.cpp's own output (fixture made by
/// scripts/golden/make_tokenizer_fixture.py) and against the engine goldens.
final class SmolLMTokenizerTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let ids_parse_special: [TokenID]
            let ids_plain: [TokenID]
            let decoded_plain: String
        }
        let model_sha256: String
        let vocabulary_size: Int
        let bos: TokenID?
        let eos: TokenID?
        let eot: TokenID?
        let adds_bos: Bool
        let end_of_generation_ids: [TokenID]
        let control_ids: [TokenID]
        let pieces_fnv1a64_special: String
        let pieces_fnv1a64_plain: String
        let cases: [Case]
    }

    private struct Golden: Decodable {
        struct Case: Decodable {
            let prompt: String
            let prompt_token_ids: [TokenID]
        }
        let cases: [Case]
    }

    private func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.tokenizerFixture))
    }

    func testEveryFixtureCaseMatchesLlamaCpp() throws {
        let tokenizer = try SmolLM.tokenizer()
        let fixture = try fixture()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 100)
        for testCase in fixture.cases {
            XCTAssertEqual(tokenizer.encode(testCase.text, parseSpecialTokens: true), testCase.ids_parse_special,
                           "parse special: \(testCase.text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(testCase.text, parseSpecialTokens: false), testCase.ids_plain,
                           "plain: \(testCase.text.debugDescription)")
        }
    }

    func testDecodeRestoresEveryFixtureString() throws {
        let tokenizer = try SmolLM.tokenizer()
        for testCase in try fixture().cases {
            let plain = tokenizer.encode(testCase.text, parseSpecialTokens: false)
            XCTAssertEqual(tokenizer.decode(plain, renderSpecialTokens: true), testCase.decoded_plain)
            XCTAssertEqual(tokenizer.decode(plain), testCase.text, testCase.text.debugDescription)
            let parsed = tokenizer.encode(testCase.text, parseSpecialTokens: true)
            XCTAssertEqual(tokenizer.decode(parsed, renderSpecialTokens: true), testCase.text)
        }
    }

    func testGoldenPromptsTokenizeLikeLlamaCpp() throws {
        let tokenizer = try SmolLM.tokenizer()
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: TestPaths.smolLMGolden))
        XCTAssertEqual(golden.cases.count, 4)
        for testCase in golden.cases {
            XCTAssertEqual(tokenizer.encode(testCase.prompt, parseSpecialTokens: true), testCase.prompt_token_ids)
        }
    }

    func testSpecialTokensAndFlags() throws {
        let tokenizer = try SmolLM.tokenizer()
        let fixture = try fixture()
        XCTAssertEqual(tokenizer.vocabularySize, fixture.vocabulary_size)
        XCTAssertEqual(tokenizer.bosToken, fixture.bos)
        XCTAssertEqual(tokenizer.eosToken, fixture.eos)
        XCTAssertEqual(tokenizer.eotToken, fixture.eot)
        XCTAssertEqual(tokenizer.addsBOS, fixture.adds_bos)
        XCTAssertEqual(tokenizer.endOfGenerationTokens, Set(fixture.end_of_generation_ids))
        let control = (0..<tokenizer.vocabularySize).filter { tokenizer.tokenKind(TokenID($0)) == .control }
        XCTAssertEqual(control.map { TokenID($0) }, fixture.control_ids)
        XCTAssertEqual(tokenizer.preTokenizer, .smollm)
        XCTAssertEqual(tokenizer.token(spelled: "<|im_end|>"), 2)
        XCTAssertEqual(tokenizer.tokenText(216), "Ġ")
    }

    /// Every token's bytes, compared through a checksum of llama.cpp's `token_to_piece` output.
    func testEveryTokenDecodesLikeLlamaCpp() throws {
        let tokenizer = try SmolLM.tokenizer()
        let fixture = try fixture()
        func checksum(renderSpecial: Bool) -> String {
            var state: UInt64 = 0xCBF2_9CE4_8422_2325
            func mix(_ bytes: [UInt8]) {
                for byte in bytes { state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            }
            for id in 0..<TokenID(tokenizer.vocabularySize) {
                let kind = tokenizer.tokenKind(id)
                let piece = !renderSpecial && (kind == .control || kind == .unknown) ? [] : tokenizer.tokenBytes(id)
                mix(withUnsafeBytes(of: UInt32(piece.count).littleEndian, Array.init))
                mix(piece)
            }
            return String(state, radix: 16).leftPadded(to: 16)
        }
        XCTAssertEqual(checksum(renderSpecial: true), fixture.pieces_fnv1a64_special)
        XCTAssertEqual(checksum(renderSpecial: false), fixture.pieces_fnv1a64_plain)
    }

    func testEmojiSplitAcrossTokensStreamsWholeCharacters() throws {
        let tokenizer = try SmolLM.tokenizer()
        let text = "Family: 👨‍👩‍👧‍👦, flags 🇫🇷, 𝄞 and 中文."
        let ids = tokenizer.encode(text, parseSpecialTokens: false)
        XCTAssertTrue(ids.contains { tokenizer.tokenBytes($0).count < 4 && tokenizer.tokenBytes($0).contains { $0 >= 0xF0 } },
                      "expected a token holding part of a 4-byte character")
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        var streamed = ""
        for id in ids {
            let chunk = detokenizer.append(id)
            XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"))
            streamed += chunk
        }
        XCTAssertEqual(streamed + detokenizer.finish(), text)
    }
}

private extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
