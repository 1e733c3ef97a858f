import Foundation
import GGUF
import XCTest
@testable import LLMTokenizers

/// The real Gemma 3 SentencePiece vocabulary against llama.cpp's own output (fixture made by
/// scripts/golden/make_gemma_tokenizer_fixture.py) and against the engine goldens.
final class GemmaTokenizerTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let ids_parse_special: [TokenID]
            let ids_plain: [TokenID]
            let decoded_plain: String
        }
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
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.gemmaTokenizerFixture))
    }

    func testEveryFixtureCaseMatchesLlamaCpp() throws {
        let tokenizer = try Gemma.tokenizer()
        let fixture = try fixture()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 100)
        for testCase in fixture.cases {
            XCTAssertEqual(tokenizer.encode(testCase.text, parseSpecialTokens: true), testCase.ids_parse_special,
                           "parse special: \(testCase.text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(testCase.text, parseSpecialTokens: false), testCase.ids_plain,
                           "plain: \(testCase.text.debugDescription)")
        }
    }

    func testDecodeMatchesLlamaCpp() throws {
        let tokenizer = try Gemma.tokenizer()
        for testCase in try fixture().cases {
            let plain = tokenizer.encode(testCase.text, parseSpecialTokens: false)
            XCTAssertEqual(tokenizer.decode(plain, renderSpecialTokens: true), testCase.decoded_plain,
                           testCase.text.debugDescription)
        }
    }

    func testGoldenPromptsTokenizeLikeLlamaCpp() throws {
        let tokenizer = try Gemma.tokenizer()
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: TestPaths.gemmaGolden))
        XCTAssertFalse(golden.cases.isEmpty)
        for testCase in golden.cases {
            let ids = [tokenizer.bosToken].compactMap { $0 } + tokenizer.encode(testCase.prompt, parseSpecialTokens: true)
            XCTAssertEqual(ids, testCase.prompt_token_ids, testCase.prompt.debugDescription)
        }
    }

    func testSpecialTokensAndFlags() throws {
        let tokenizer = try Gemma.tokenizer()
        let fixture = try fixture()
        XCTAssertEqual(tokenizer.vocabularySize, fixture.vocabulary_size)
        XCTAssertEqual(tokenizer.bosToken, fixture.bos)
        XCTAssertEqual(tokenizer.eosToken, fixture.eos)
        XCTAssertEqual(tokenizer.eotToken, fixture.eot)
        XCTAssertEqual(tokenizer.addsBOS, fixture.adds_bos)
        XCTAssertFalse(tokenizer.addsSpacePrefix)
        XCTAssertEqual(tokenizer.endOfGenerationTokens, Set(fixture.end_of_generation_ids))
        let control = (0..<tokenizer.vocabularySize).filter { tokenizer.tokenKind(TokenID($0)) == .control }
        XCTAssertEqual(control.map { TokenID($0) }, fixture.control_ids)
        XCTAssertEqual(tokenizer.token(spelled: "<start_of_turn>"), 105)
        XCTAssertEqual(tokenizer.token(spelled: "<end_of_turn>"), 106)
    }

    /// Every token's bytes, compared through a checksum of llama.cpp's `token_to_piece` output.
    func testEveryTokenDecodesLikeLlamaCpp() throws {
        let tokenizer = try Gemma.tokenizer()
        let fixture = try fixture()
        XCTAssertEqual(piecesChecksum(tokenizer, renderSpecial: true), fixture.pieces_fnv1a64_special)
        XCTAssertEqual(piecesChecksum(tokenizer, renderSpecial: false), fixture.pieces_fnv1a64_plain)
    }

    func testMakeTokenizerDispatchesToSentencePiece() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.gemmaModel.path) else {
            throw XCTSkip("model not installed at \(TestPaths.gemmaModel.path); run scripts/setup.sh")
        }
        let tokenizer = try makeTokenizer(from: GGUFFile(path: TestPaths.gemmaModel.path))
        XCTAssertTrue(tokenizer is SentencePieceTokenizer)
    }

    func testByteFallbackAndSpacesStreamWholeCharacters() throws {
        let tokenizer = try Gemma.tokenizer()
        let text = "  Hi there, 𝕏 \u{E0041} 𐍈 \u{1F9D1}\u{200D}\u{1F4BB} 中文 end "
        let ids = tokenizer.encode(text, parseSpecialTokens: false)
        XCTAssertTrue(ids.contains { tokenizer.tokenKind($0) == .byte }, "expected byte-fallback tokens")
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

/// FNV-1a 64 over every token's piece, each prefixed by its length (as the fixture scripts do).
func piecesChecksum(_ tokenizer: any Tokenizer, renderSpecial: Bool) -> String {
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
    let digits = String(state, radix: 16)
    return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}
