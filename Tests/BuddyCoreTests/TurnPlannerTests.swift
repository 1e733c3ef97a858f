import BuddyCore
import XCTest

/// Which brain answers, and the fail-fast refusals (issue 5, scopes 6–7).
final class TurnPlannerTests: XCTestCase {
    func testCloudWhileOfflineRefusesWithTheNudgeInsteadOfRequesting() {
        for mode in [BrainMode.sonnet, .opus, .openai] {
            XCTAssertEqual(TurnPlanner.plan(question: "hi", mode: mode, isOnline: false, local: .ready), .refuse(.offline))
            XCTAssertEqual(TurnPlanner.plan(question: "hi", mode: mode, isOnline: true, local: .notDownloaded),
                           .cloud(mode, badgeName: "cloud"))
        }
        XCTAssertEqual(SpokenLines.line(for: .offline), SpokenLines.offline)
    }

    func testLocalNeedsAReadyModelAndNeverTheNetwork() {
        XCTAssertEqual(TurnPlanner.plan(question: "hi", mode: .local, isOnline: false, local: .ready), .local(badgeName: "local"))
        for state in [LocalReadiness.notDownloaded, .downloading(fraction: 0.4), .loading, .failed("disk")] {
            XCTAssertEqual(TurnPlanner.plan(question: "hi", mode: .local, isOnline: true, local: state), .refuse(.localNotReady))
        }
    }

    func testAutoFollowsTheRouterAndSaysSoInTheBadge() {
        XCTAssertEqual(TurnPlanner.plan(question: "what's the capital of france", mode: .auto, isOnline: true, local: .ready),
                       .local(badgeName: "auto→local"))
        XCTAssertEqual(TurnPlanner.plan(question: "where is the save button", mode: .auto, isOnline: true, local: .ready),
                       .cloud(.sonnet, badgeName: "auto→cloud"))
        XCTAssertEqual(TurnPlanner.plan(question: "where is the save button", mode: .auto, isOnline: false, local: .ready),
                       .local(badgeName: "auto→local"), "offline: local, even for screen questions")
        XCTAssertEqual(TurnPlanner.plan(question: "hi there", mode: .auto, isOnline: true, local: .loading),
                       .cloud(.sonnet, badgeName: "auto→cloud"), "online, local not ready: the cloud answers")
        XCTAssertEqual(TurnPlanner.plan(question: "hi there", mode: .auto, isOnline: false, local: .loading),
                       .refuse(.localNotReady))
    }

    func testModesKnowWhichRunElsewhere() {
        XCTAssertEqual(BrainMode.allCases.filter(\.isCloud), [.sonnet, .opus, .openai])
    }
}
