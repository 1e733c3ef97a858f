import BuddyCore
import XCTest

/// The history and analytics halves of the privacy contract (issue 5, scope 5).
final class PrivacyTests: XCTestCase {
    func testLocalExchangesDoNotReachACloudBrainUnlessTheUserOptsIn() {
        var history = ConversationHistory()
        history.append(Exchange(question: "my bank pin is 1234, remember it", answer: "ok", origin: .local))
        history.append(Exchange(question: "what is this button", answer: "it saves", origin: .cloud))
        XCTAssertEqual(history.context(for: .cloud).map(\.question), ["what is this button"])
        XCTAssertEqual(history.context(for: .local).count, 2, "the local brain keeps the whole conversation")
        history.shareLocalHistoryWithCloud = true
        XCTAssertEqual(history.context(for: .cloud).count, 2)
    }

    func testHistoryKeepsTheLastTenExchanges() {
        var history = ConversationHistory()
        for i in 0..<13 { history.append(Exchange(question: "q\(i)", answer: "a\(i)", origin: .cloud)) }
        XCTAssertEqual(history.exchanges.map(\.question), (3..<13).map { "q\($0)" })
        history.clear()
        XCTAssertTrue(history.exchanges.isEmpty)
    }

    func testAnalyticsAreOffByDefaultAndNeverCarryContentWithoutTheOptIn() {
        let off = AnalyticsPolicy()
        XCTAssertNil(off.allows(.pushToTalkStarted))
        XCTAssertNil(off.contentEvent("user_message_sent", text: "hello", origin: .cloud))

        let on = AnalyticsPolicy(enabled: true)
        XCTAssertEqual(on.allows(.answered(brain: "cloud", characters: 12, firstTokenSeconds: 1.9))?.name, "ai_response_received")
        XCTAssertNil(on.contentEvent("user_message_sent", text: "hello", origin: .cloud), "content needs its own opt-in")

        let content = AnalyticsPolicy(enabled: true, includeConversationContent: true)
        XCTAssertEqual(content.contentEvent("user_message_sent", text: "hello", origin: .cloud)?.text, "hello")
        XCTAssertNil(content.contentEvent("user_message_sent", text: "hello", origin: .local),
                     "a local turn's words never leave the machine, opt-in or not")
    }
}
