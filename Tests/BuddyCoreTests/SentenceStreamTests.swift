import BuddyCore
import XCTest

/// Sentences come out as soon as they are complete, however the answer is split.
final class SentenceStreamTests: XCTestCase {
    private func sentences(_ answer: String, splitEvery size: Int) -> [String] {
        var stream = SentenceStream(), out: [String] = []
        var rest = Substring(answer)
        while !rest.isEmpty {
            out += stream.feed(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        if let last = stream.finish() { out.append(last) }
        return out
    }

    func testSentencesAreCutAtTheirEndsForEveryChunking() {
        let answer = "paris is the capital of france. it has about 2.1 million people! want more? "
            + "e.g. the louvre is there, dr. who is not. (it is big.) ok.\nnext line"
        let expected = ["paris is the capital of france.", "it has about 2.1 million people!", "want more?",
                        "e.g. the louvre is there, dr. who is not.", "(it is big.)", "ok.", "next line"]
        for size in [1, 2, 3, 7, 50, answer.count] {
            XCTAssertEqual(sentences(answer, splitEvery: size), expected, "chunks of \(size)")
        }
    }

    func testASentenceIsReleasedOnlyWhenTheCharacterAfterItsMarkHasArrived() {
        var stream = SentenceStream()
        XCTAssertEqual(stream.feed("hello there."), [])
        XCTAssertEqual(stream.feed(" how"), ["hello there."])
        XCTAssertEqual(stream.feed(" are you"), [])
        XCTAssertEqual(stream.finish(), "how are you")
        XCTAssertNil(stream.finish())
    }

    func testNumbersInitialsAndEmptyPiecesDoNotEndSentences() {
        XCTAssertEqual(sentences("version 3.5 of j. smith's app is out. ok", splitEvery: 4),
                       ["version 3.5 of j. smith's app is out.", "ok"])
        XCTAssertEqual(sentences("   ", splitEvery: 1), [])
        XCTAssertEqual(sentences("two steps. 1. open the menu. 2. click save.", splitEvery: 3),
                       ["two steps.", "1. open the menu.", "2. click save."], "a list number is not a sentence")
    }

    func testTheFirstLongClauseIsSpokenAloneThenWholeSentences() {
        let answer = "The capital of France is Paris, a city on the Seine. It is big, old and lovely, they say. Yes, 1,000 times."
        for size in [1, 2, 3, 7, 200] {
            var stream = SentenceStream(firstClauseWords: 4)
            var pieces: [String] = []
            var index = answer.startIndex
            while index < answer.endIndex {
                let end = answer.index(index, offsetBy: size, limitedBy: answer.endIndex) ?? answer.endIndex
                pieces += stream.feed(String(answer[index..<end]))
                index = end
            }
            if let last = stream.finish() { pieces.append(last) }
            XCTAssertEqual(pieces, ["The capital of France is Paris,", "a city on the Seine.",
                                    "It is big, old and lovely, they say.", "Yes, 1,000 times."], "chunks of \(size)")
        }
        var short = SentenceStream(firstClauseWords: 4)
        XCTAssertEqual(short.feed("Yes, it is Paris. "), ["Yes, it is Paris."], "a short first clause waits for its sentence")
    }
}
