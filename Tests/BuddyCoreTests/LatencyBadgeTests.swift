import BuddyCore
import XCTest

/// The badge text exactly as the original shows it (`clicky-behaviour.md` §3.7).
final class LatencyBadgeTests: XCTestCase {
    func testTheOriginalsExamples() {
        XCTAssertEqual(LatencyBadge.text(brain: "local", firstTokenSeconds: 0.6, tokensPerSecond: 58), "local · 0.6s · 58 tok/s")
        XCTAssertEqual(LatencyBadge.text(brain: "cloud", firstTokenSeconds: 1.9), "cloud · 1.9s")
    }

    func testRoundingAndRouting() {
        XCTAssertEqual(LatencyBadge.text(brain: LatencyBadge.routed(to: "local"), firstTokenSeconds: 0.36, tokensPerSecond: 149.6),
                       "auto→local · 0.4s · 150 tok/s")
        XCTAssertEqual(LatencyBadge.text(brain: "local", firstTokenSeconds: 0.04, tokensPerSecond: 0), "local · 0.0s")
        XCTAssertEqual(LatencyBadge.text(brain: "cloud", firstTokenSeconds: 12.25, tokensPerSecond: .nan), "cloud · 12.3s")
    }

    func testTheLocalPromptNeverAsksForPointing() {
        XCTAssertTrue(BuddyPrompts.local.contains("never write coordinate tags"))
        XCTAssertFalse(BuddyPrompts.local.contains("[POINT:x,y"))
    }
}

/// The cloud prompt teaches exactly the grammar the parser reads: its examples parse.
final class CloudPromptTests: XCTestCase {
    func testEveryExampleInTheCloudPromptParses() {
        let lines = BuddyPrompts.cloud.split(separator: "\n").filter { $0.hasPrefix("you: ") }
        XCTAssertEqual(lines.count, 4)
        let answers = lines.map { PointedAnswer(parsing: String($0.dropFirst(5))) }
        XCTAssertEqual(answers.map(\.target), [PointTag(x: 1100, y: 42, label: "color inspector"), nil,
                                               PointTag(x: 285, y: 11, label: "source control"),
                                               PointTag(x: 400, y: 300, label: "terminal", screen: 2)])
        XCTAssertTrue(answers[1].declined)
        XCTAssertFalse(answers.contains { $0.spokenText.contains("[POINT") })
    }
}
