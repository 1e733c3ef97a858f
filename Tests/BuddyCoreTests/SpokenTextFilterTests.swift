import BuddyCore
import XCTest

/// The streamed spoken text never contains a trailing POINT tag, however the answer is split.
final class SpokenTextFilterTests: XCTestCase {
    private func stream(_ answer: String, splitAt cut: Int) -> (spoken: String, answer: PointedAnswer) {
        let characters = Array(answer)
        let cut = min(cut, characters.count)
        var filter = SpokenTextFilter(), spoken = ""
        spoken += filter.feed(String(characters[..<cut]))
        spoken += filter.feed(String(characters[cut...]))
        let (parsed, remainder) = filter.finish()
        return (spoken + remainder, parsed)
    }

    func testATrailingTagIsHeldBackAtEverySplit() {
        let answer = "open the menu [at the top]. [POINT:120,40:file menu:screen2]\n"
        for cut in 0...answer.count {
            let result = stream(answer, splitAt: cut)
            XCTAssertEqual(result.spoken, "open the menu [at the top]. ", "cut \(cut)")
            XCTAssertEqual(result.answer.target, PointTag(x: 120, y: 40, label: "file menu", screen: 2))
        }
    }

    func testTextWithBracketsButNoTagIsSpokenWhole() {
        for answer in ["press [ctrl] then [", "a [POINT:1,2] in the middle, then more", "[POINT:abc]", "ends with [POI"] {
            for cut in 0...answer.count {
                XCTAssertEqual(stream(answer, splitAt: cut).spoken, answer, "\(answer) cut \(cut)")
            }
        }
    }

    func testPointNoneIsDroppedToo() {
        let result = stream("nothing to point at. [POINT:none]", splitAt: 25)
        XCTAssertEqual(result.spoken, "nothing to point at. ")
        XCTAssertTrue(result.answer.declined)
    }

    func testPiecesPassThroughAtOnceWhenNoTagCouldStart() {
        var filter = SpokenTextFilter()
        XCTAssertEqual(filter.feed("hello "), "hello ")
        XCTAssertEqual(filter.feed("there [P"), "there ")
        XCTAssertEqual(filter.feed("S]"), "[PS]")
    }
}
