import BuddyCore
import XCTest

/// The POINT grammar of `clicky-behaviour.md` §1.9, form by form, with the original's
/// `[POINT:x,y:screenN]` misreading fixed, and what must not parse.
final class PointTagTests: XCTestCase {
    func testEveryFormParses() {
        XCTAssertEqual(PointedAnswer(parsing: "click the gear [POINT:1100,42]").target, PointTag(x: 1100, y: 42))
        XCTAssertEqual(PointedAnswer(parsing: "it's up here [POINT:1100,42:color inspector]").target,
                       PointTag(x: 1100, y: 42, label: "color inspector"))
        XCTAssertEqual(PointedAnswer(parsing: "over there [POINT:400,300:terminal:screen2]").target,
                       PointTag(x: 400, y: 300, label: "terminal", screen: 2))
        XCTAssertEqual(PointedAnswer(parsing: "spaces are fine [POINT: 5 , 6 :  save button ]").target,
                       PointTag(x: 5, y: 6, label: "save button"))
    }

    func testScreenWithoutLabelNamesTheScreen() {
        // The original took "screen2" for a label here and pointed at the cursor's screen.
        let answer = PointedAnswer(parsing: "on your other monitor [POINT:10,20:screen2]")
        XCTAssertEqual(answer.target, PointTag(x: 10, y: 20, label: nil, screen: 2))
    }

    func testNoneDeclinesAndIsNotSpoken() {
        let answer = PointedAnswer(parsing: "html is the language of web pages. [POINT:none]\n")
        XCTAssertNil(answer.target)
        XCTAssertTrue(answer.declined)
        XCTAssertEqual(answer.spokenText, "html is the language of web pages.")
    }

    func testSpokenTextIsWhatComesBeforeTheTag() {
        let answer = PointedAnswer(parsing: "  open the source control tab.  [POINT:285,11:source control]  \n")
        XCTAssertEqual(answer.spokenText, "open the source control tab.")
        XCTAssertFalse(answer.declined)
    }

    func testOnlyATrailingTagCounts() {
        let text = "see [POINT:1,2:here] and then more words"
        let answer = PointedAnswer(parsing: text)
        XCTAssertNil(answer.target)
        XCTAssertFalse(answer.declined)
        XCTAssertEqual(answer.spokenText, text)
        XCTAssertEqual(PointedAnswer(parsing: "no tag at all").spokenText, "no tag at all")
    }

    func testTheLastTagWinsWhenTwoAreAtTheEnd() {
        let answer = PointedAnswer(parsing: "first [POINT:1,2:a] [POINT:3,4:b]")
        XCTAssertEqual(answer.target, PointTag(x: 3, y: 4, label: "b"))
        XCTAssertEqual(answer.spokenText, "first [POINT:1,2:a]")
    }

    func testMalformedTagsStayText() {
        for bad in ["[POINT:-1,5]", "[POINT:1.5,2]", "[POINT:1]", "[POINT:a,b]", "[POINT:1,2:]",
                    "[POINT:1,2:label:screen]", "[POINT:1,2:label:monitor2]", "[POINT:1,2:a:b:screen1]",
                    "[POINT:1,2,3]", "[POINT:]", "[POINT:None]", "[POINT:99999999999,1]"] {
            let answer = PointedAnswer(parsing: "words " + bad)
            XCTAssertNil(answer.target, bad)
            XCTAssertFalse(answer.declined, bad)
            XCTAssertEqual(answer.spokenText, "words " + bad, bad)
        }
    }
}
