@testable import BuddyCore
import XCTest

/// The `auto` brain's routing rules (issue 5, scope 6).
final class BrainRouterTests: XCTestCase {
    func testOfflineIsAlwaysLocal() {
        XCTAssertEqual(BrainRouter.route("where is the save button on my screen?", isOnline: false), .local)
        XCTAssertEqual(BrainRouter.route("explain why the sky is blue", isOnline: false), .local)
    }

    func testScreenQuestionsGoToTheCloud() {
        for question in ["what does this do?", "where is the export menu", "Which button saves it?",
                         "can you see what's on my screen", "what should I click next?", "is it here?",
                         "Where's the terminal?"] {
            XCTAssertEqual(BrainRouter.route(question, isOnline: true), .cloud, question)
        }
    }

    func testShortGeneralQuestionsStayLocal() {
        for question in ["what's the capital of france?", "give me a quick dinner idea with eggs and rice",
                         "what does git rebase actually do?", "how many ounces in a cup", "thistle or thyme?"] {
            XCTAssertEqual(BrainRouter.route(question, isOnline: true), .local, question)
        }
    }

    func testLongOrReasoningQuestionsGoToTheCloud() {
        XCTAssertEqual(BrainRouter.route("explain how a compiler turns code into machine instructions", isOnline: true), .cloud)
        XCTAssertEqual(BrainRouter.route("why do cats purr", isOnline: true), .cloud)
        let long = Array(repeating: "word", count: 30).joined(separator: " ")
        XCTAssertEqual(BrainRouter.route(long, isOnline: true), .cloud)
    }

    func testWordsAreWholeAndLowercased() {
        XCTAssertEqual(BrainRouter.words("Where's THIS, thistle-down?"), ["where's", "this", "thistle-down"])
    }
}
