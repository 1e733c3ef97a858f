import BuddyCore
import XCTest

/// History, analytics, text-only and cancellation rules of whole turns.
final class BuddyPrivacyTests: XCTestCase {
    func testLocalExchangesReachTheCloudBrainOnlyWithTheOptIn() async {
        for optIn in [false, true] {
            let remote = FakeRemoteBrain(pieces: ["sure."])
            let buddy = Buddy(brains: .init(local: FakeLocalBrain(), remote: [.sonnet: remote]), mode: .local,
                              capturer: nil, network: FixedNetwork(online: true),
                              history: ConversationHistory(shareLocalHistoryWithCloud: optIn))
            _ = await runTurn(buddy, "my pin is 1234")
            await buddy.setMode(.sonnet)
            _ = await runTurn(buddy, "what did i just say", wantsScreens: false)
            let history = remote.calls.value.first?.question.history ?? []
            XCTAssertEqual(history.map(\.question), optIn ? ["my pin is 1234"] : [], "opt-in \(optIn)")
        }
    }

    func testALocalTurnSendsNoContentToAnalyticsEvenWithEveryOptIn() async {
        let analytics = RecordingAnalytics()
        let buddy = Buddy(brains: .init(local: FakeLocalBrain(), remote: [.sonnet: FakeRemoteBrain()]), mode: .local,
                          capturer: nil, network: FixedNetwork(online: true), analytics: analytics,
                          policy: AnalyticsPolicy(enabled: true, includeConversationContent: true))
        _ = await runTurn(buddy, "my pin is 1234")
        XCTAssertEqual(analytics.events.value, ["ai_response_received"])
        XCTAssertTrue(analytics.contents.value.isEmpty)

        await buddy.setMode(.sonnet)
        _ = await runTurn(buddy, "what is this", wantsScreens: false)
        XCTAssertEqual(analytics.contents.value.map(\.name), ["user_message_sent", "ai_response_received"],
                       "a cloud turn's content goes only because the user opted in")
        XCTAssertEqual(analytics.events.value, ["ai_response_received", "brain_selected"],
                       "the cloud answer is reported once, with its text, not a second time without")
    }

    func testAnalyticsOffRecordsNothing() async {
        let analytics = RecordingAnalytics()
        let buddy = Buddy(brains: .init(local: FakeLocalBrain()), mode: .local, capturer: nil,
                          network: FixedNetwork(online: true), analytics: analytics)
        _ = await runTurn(buddy, "hello")
        XCTAssertTrue(analytics.events.value.isEmpty)
    }

    func testWithoutADisplayACloudTurnGoesTextOnlyAndSaysSoOnce() async {
        let remote = FakeRemoteBrain(pieces: ["ok"])
        let buddy = Buddy(brains: .init(local: nil, remote: [.sonnet: remote]), mode: .sonnet, capturer: nil,
                          network: FixedNetwork(online: true))
        let first = await runTurn(buddy, "what is this")
        XCTAssertEqual(first.events.first, .textOnly(reason: "no display: answering without seeing the screen"))
        let second = await runTurn(buddy, "and this")
        XCTAssertFalse(second.events.contains { if case .textOnly = $0 { true } else { false } })
        XCTAssertEqual(remote.calls.value.map(\.screens), [0, 0])
    }

    func testATerminalTurnWithoutScreenNeitherCapturesNorMentionsIt() async {
        let capturer = SpyCapturer()
        let buddy = Buddy(brains: .init(local: nil, remote: [.sonnet: FakeRemoteBrain(pieces: ["ok"])]), mode: .sonnet,
                          capturer: capturer, network: FixedNetwork(online: true))
        let turn = await runTurn(buddy, "what is this", wantsScreens: false)
        XCTAssertEqual(capturer.count.value, 0)
        XCTAssertEqual(turn.events.first, .asking(brainName: "cloud", screens: 0))
    }

    func testCancellingTheTurnStopsTheBrain() async throws {
        let local = FakeLocalBrain(pieces: ["thinking"], hang: true)
        let buddy = Buddy(brains: .init(local: local), mode: .local, capturer: nil, network: FixedNetwork(online: true))
        let task = Task { await runTurn(buddy, "tell me a long story") }
        for _ in 0..<200 where local.questions.value.isEmpty { try await Task.sleep(nanoseconds: 5_000_000) }
        task.cancel()
        let turn = await task.value
        XCTAssertNil(turn.events.outcome)
        for _ in 0..<200 where !local.terminated.value { try await Task.sleep(nanoseconds: 5_000_000) }
        XCTAssertTrue(local.terminated.value, "the brain's stream was dropped")
        let history = await buddy.history
        XCTAssertTrue(history.exchanges.isEmpty, "an interrupted answer is not remembered")
    }

    func testAFailedBrainIsReportedAndNotRemembered() async {
        let analytics = RecordingAnalytics()
        let remote = FakeRemoteBrain(pieces: ["half"], error: .failedMidAnswer(type: "overloaded_error", message: "Overloaded"))
        let buddy = Buddy(brains: .init(local: nil, remote: [.sonnet: remote]), mode: .sonnet, capturer: nil,
                          network: FixedNetwork(online: true), analytics: analytics, policy: AnalyticsPolicy(enabled: true))
        let turn = await runTurn(buddy, "hello", wantsScreens: false)
        XCTAssertEqual(turn.error as? BrainError, .failedMidAnswer(type: "overloaded_error", message: "Overloaded"))
        XCTAssertEqual(analytics.events.value, ["response_error"])
        let history = await buddy.history
        XCTAssertTrue(history.exchanges.isEmpty)
    }
}
