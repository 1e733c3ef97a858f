import XCTest
@testable import LLMTokenizers

/// The merge loop, markup splitting and vocabulary rules on small in-memory vocabularies.
final class ByteLevelBPETests: XCTestCase {
    func testAlphabetSpellsEveryByteAsOnePrintableScalar() {
        XCTAssertEqual(ByteLevelAlphabet.encode(Array(" \n\t".utf8)), "ĠĊĉ")
        for byte in 0...255 {
            let spelling = ByteLevelAlphabet.encode([UInt8(byte)])
            XCTAssertEqual(spelling.unicodeScalars.count, 1)
            XCTAssertEqual(ByteLevelAlphabet.decode(Array(spelling.utf8)), [UInt8(byte)])
        }
        XCTAssertNil(ByteLevelAlphabet.decode(Array("a b".utf8)), "a literal space is not in the alphabet")
    }

    func testMergesApplyByRankNotByPosition() throws {
        // "abc": rank 0 is b+c, so a+b (rank 1) never happens.
        let toy = ToyVocabulary(extraTokens: ["bc", "ab", "abc"], merges: ["b c", "a b", "a bc"])
        let tokenizer = try toy.tokenizer()
        XCTAssertEqual(tokenizer.encode("abc", parseSpecialTokens: false), [toy.id(of: "abc")])
        XCTAssertEqual(tokenizer.encode("ab", parseSpecialTokens: false), [toy.id(of: "ab")])
        XCTAssertEqual(tokenizer.encode("cab", parseSpecialTokens: false).map { tokenizer.tokenText($0) }, ["c", "ab"])
    }

    func testEqualRanksMergeLeftmostFirst() throws {
        let toy = ToyVocabulary(extraTokens: ["aa"], merges: ["a a"])
        let tokenizer = try toy.tokenizer()
        XCTAssertEqual(tokenizer.encode("aaa", parseSpecialTokens: false).map { tokenizer.tokenText($0) }, ["aa", "a"])
        XCTAssertEqual(tokenizer.encode("aaaa", parseSpecialTokens: false).map { tokenizer.tokenText($0) }, ["aa", "aa"])
    }

    func testMergesNeverCrossWords() throws {
        let space = ToyVocabulary.spell(" ")
        let toy = ToyVocabulary(extraTokens: ["a" + space, space + "b"], merges: ["a " + space, space + " b"])
        let tokenizer = try toy.tokenizer()
        // "a b" pre-tokenizes as "a" " b": the space belongs to the second word.
        XCTAssertEqual(tokenizer.encode("a b", parseSpecialTokens: false).map { tokenizer.tokenText($0) }, ["a", space + "b"])
    }

    func testMarkupIsSplitOnlyWhenParsingSpecialTokens() throws {
        let toy = ToyVocabulary(controlTokens: ["<|im_end|>"])
        let tokenizer = try toy.tokenizer()
        let end = try XCTUnwrap(toy.id(of: "<|im_end|>"))
        XCTAssertEqual(tokenizer.encode("a<|im_end|>b", parseSpecialTokens: true), [97, end, 98])
        XCTAssertFalse(tokenizer.encode("a<|im_end|>b", parseSpecialTokens: false).contains(end))
        XCTAssertTrue(tokenizer.isSpecial(end))
        XCTAssertEqual(tokenizer.tokenBytes(end), Array("<|im_end|>".utf8))
    }

    func testLongerMarkupWinsAndUserDefinedTokensAlwaysSplit() throws {
        let toy = ToyVocabulary(controlTokens: ["<a>", "<a><b>"], userDefinedTokens: ["<think>"])
        let tokenizer = try toy.tokenizer()
        let long = try XCTUnwrap(toy.id(of: "<a><b>")), short = try XCTUnwrap(toy.id(of: "<a>"))
        let think = try XCTUnwrap(toy.id(of: "<think>"))
        XCTAssertEqual(tokenizer.encode("<a><b><a>", parseSpecialTokens: true), [long, short])
        XCTAssertEqual(tokenizer.encode("x<think>", parseSpecialTokens: false), [120, think])
        XCTAssertEqual(tokenizer.decode([think]), "<think>", "user-defined tokens are text")
    }

    func testEndOfGenerationFollowsLlamaCppSpellingRules() throws {
        var toy = ToyVocabulary(extraTokens: ["<|im_end|>", "<|endoftext|>", "<reponame>", "<|im_start|>"])
        toy.specialTokenIDs = [.eos: 256]
        let tokenizer = try toy.tokenizer()
        // <|im_end|> (also EOS), <|endoftext|> by spelling, <reponame> as the FIM repository marker.
        XCTAssertEqual(tokenizer.endOfGenerationTokens, [256, 257, 258])
        XCTAssertEqual(tokenizer.eotToken, 256)
        // Detected markers are forced to control even though the file said normal.
        XCTAssertEqual(tokenizer.tokenKind(257), .control)
        XCTAssertEqual(tokenizer.tokenKind(259), .normal)
    }

    func testTypedErrors() {
        var toy = ToyVocabulary()
        toy.preTokenizer = "not-a-pre-tokenizer"
        XCTAssertThrowsError(try toy.tokenizer()) { error in
            guard case .unsupportedPreTokenizer("not-a-pre-tokenizer", _)? = error as? TokenizerError else {
                return XCTFail("\(error)")
            }
        }
        var wordPiece = ToyVocabulary().metadata
        wordPiece.model = "bert"
        XCTAssertThrowsError(try makeTokenizer(from: wordPiece)) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedModel("bert", supported: ["gpt2", "llama"]))
            XCTAssertEqual("\(error)", "unsupported tokenizer model 'bert' (tokenizer.ggml.model); supported: gpt2, llama")
        }
        var outOfRange = ToyVocabulary()
        outOfRange.specialTokenIDs = [.bos: 9999]
        XCTAssertThrowsError(try outOfRange.tokenizer()) { error in
            XCTAssertEqual(error as? TokenizerError,
                           .tokenIDOutOfRange(key: "tokenizer.ggml.bos_token_id", id: 9999, vocabularySize: 256))
        }
        let duplicate = ToyVocabulary(extraTokens: ["a"])
        XCTAssertThrowsError(try duplicate.tokenizer()) { error in
            XCTAssertEqual(error as? TokenizerError, .duplicateToken(id: 256, sameAs: 97))
        }
    }
}
