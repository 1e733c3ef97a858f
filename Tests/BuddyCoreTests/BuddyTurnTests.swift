import BuddyCore
import XCTest

/// Whole turns through `Buddy` with fake adapters: which brain answers, what it is given, what
/// is spoken, where it points, and what it may never touch (issue 5, scopes 2, 5–7).
final class BuddyTurnTests: XCTestCase {
    func testALocalTurnNeverCapturesOrAsksACloudBrainEvenForAScreenQuestion() async {
        let local = FakeLocalBrain(), remote = FakeRemoteBrain(), capturer = SpyCapturer()
        let buddy = Buddy(brains: .init(local: local, remote: [.sonnet: remote]), mode: .local,
                          capturer: capturer, network: FixedNetwork(online: true))
        let turn = await runTurn(buddy, "where is the save button on my screen", wantsScreens: true)
        XCTAssertNil(turn.error)
        XCTAssertEqual(turn.events.first, .asking(brainName: "local", screens: 0))
        XCTAssertEqual(turn.events.spoken, "Paris is the capital.")
        XCTAssertEqual(turn.events.outcome?.badge, "local · 0.4s · 58 tok/s")
        XCTAssertEqual(turn.events.outcome?.origin, .local)
        XCTAssertEqual(capturer.count.value, 0, "Local Mode never reaches the capture adapter")
        XCTAssertTrue(remote.calls.value.isEmpty)
        XCTAssertEqual(local.questions.value.first?.system, BuddyPrompts.local)
    }

    func testALocalAnswerWithATagDoesNotPointAndDoesNotSpeakTheTag() async {
        let local = FakeLocalBrain(pieces: ["it is there ", "[POINT:10,", "20:x]"])
        let buddy = Buddy(brains: .init(local: local), mode: .local, capturer: SpyCapturer(),
                          network: FixedNetwork(online: true))
        let turn = await runTurn(buddy, "hi")
        XCTAssertEqual(turn.events.spoken, "it is there ")
        XCTAssertNil(turn.events.outcome?.point)
        XCTAssertEqual(turn.events.outcome?.spokenText, "it is there")
    }

    func testACloudTurnSeesEveryScreenAndPointsOnTheNamedMonitor() async throws {
        let remote = FakeRemoteBrain(), capturer = SpyCapturer()
        let buddy = Buddy(brains: .init(local: FakeLocalBrain(), remote: [.sonnet: remote]), mode: .sonnet,
                          capturer: capturer, network: FixedNetwork(online: true))
        let turn = await runTurn(buddy, "which button saves this")
        XCTAssertNil(turn.error)
        XCTAssertEqual(capturer.count.value, 1)
        XCTAssertEqual(remote.calls.value.first?.screens, 2)
        XCTAssertEqual(remote.calls.value.first?.question.system, BuddyPrompts.cloud)
        XCTAssertFalse(turn.events.spoken.contains("[POINT"), "the tag is never spoken")
        XCTAssertEqual(turn.events.spoken, "click the save button. ")
        let point = try XCTUnwrap(turn.events.outcome?.point)
        XCTAssertEqual(point.captureIndex, 1)
        // (100, 50) on a 640×400 image of a 1280×800 monitor at x = 1920.
        XCTAssertEqual(point.desktop, DesktopPoint(x: 2120, y: 100))
        XCTAssertEqual(point.tag.label, "save")
        XCTAssertEqual(turn.events.outcome?.badge, "cloud · 0.4s")
    }

    func testACloudBrainWhileOfflineRefusesAtOnceWithTheNudgeAndAsksNoOne() async {
        let remote = FakeRemoteBrain(), capturer = SpyCapturer()
        let buddy = Buddy(brains: .init(local: FakeLocalBrain(), remote: [.opus: remote]), mode: .opus,
                          capturer: capturer, network: FixedNetwork(online: false))
        let start = Date()
        let turn = await runTurn(buddy, "what is this")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(turn.events, [.refused(.offline, line: SpokenLines.offline)])
        XCTAssertTrue(remote.calls.value.isEmpty)
        XCTAssertEqual(capturer.count.value, 0)
    }

    func testALocalModelThatIsNotReadySaysItIsWarmingUp() async {
        for state in [LocalReadiness.notDownloaded, .downloading(fraction: 0.4), .loading, .failed("bad file")] {
            let buddy = Buddy(brains: .init(local: FakeLocalBrain(state: state)), mode: .local, capturer: nil,
                              network: FixedNetwork(online: true))
            let turn = await runTurn(buddy, "hello")
            XCTAssertEqual(turn.events, [.refused(.localNotReady, line: SpokenLines.warmingUp)], "\(state)")
        }
    }

    func testAutoRoutesShortQuestionsLocallyAndScreenQuestionsToTheCloud() async {
        let local = FakeLocalBrain(), remote = FakeRemoteBrain(), capturer = SpyCapturer()
        let buddy = Buddy(brains: .init(local: local, remote: [.sonnet: remote]), mode: .auto,
                          capturer: capturer, network: FixedNetwork(online: true))
        let short = await runTurn(buddy, "what is the capital of france")
        XCTAssertEqual(short.events.outcome?.badge, "auto→local · 0.4s · 58 tok/s")
        XCTAssertEqual(capturer.count.value, 0)
        let screen = await runTurn(buddy, "where is the save button on my screen")
        XCTAssertEqual(screen.events.outcome?.brainName, "auto→cloud")
        XCTAssertEqual(capturer.count.value, 1)

        let offline = Buddy(brains: .init(local: local, remote: [.sonnet: remote]), mode: .auto,
                            capturer: capturer, network: FixedNetwork(online: false))
        let routed = await runTurn(offline, "where is the save button on my screen")
        XCTAssertEqual(routed.events.outcome?.brainName, "auto→local", "offline, auto answers locally")
        XCTAssertEqual(capturer.count.value, 1)
    }

    func testAutoWithNoCloudBrainSetUpAnswersLocally() async {
        let buddy = Buddy(brains: .init(local: FakeLocalBrain()), mode: .auto, capturer: nil,
                          network: FixedNetwork(online: true))
        let turn = await runTurn(buddy, "where is the save button on my screen")
        XCTAssertEqual(turn.events.outcome?.brainName, "auto→local")
    }

    func testACloudBrainThatIsNotSetUpSaysWhatIsMissing() async {
        let buddy = Buddy(brains: .init(local: FakeLocalBrain()), mode: .sonnet, capturer: nil,
                          network: FixedNetwork(online: true))
        let turn = await runTurn(buddy, "hello")
        guard case .notConfigured(let hint)? = turn.error as? BrainError else { return XCTFail("\(String(describing: turn.error))") }
        XCTAssertTrue(hint.contains("ANTHROPIC_API_KEY"))
    }
}

/// A server on this machine (a local Ollama) answers with the network down.
final class OnMachineServerTests: XCTestCase {
    final class LoopbackServerBrain: RemoteBrain, @unchecked Sendable {
        let badgeName = "cloud"
        let needsInternet = false
        func answer(_ question: BrainQuestion, screens: [ScreenImage]) -> BrainStream { scriptedStream(["hi"]) }
    }

    func testAnOpenAICompatibleServerOnThisMachineIsAskedWhileOffline() async {
        let buddy = Buddy(brains: .init(local: nil, remote: [.openai: LoopbackServerBrain()]), mode: .openai,
                          capturer: nil, network: FixedNetwork(online: false))
        let turn = await runTurn(buddy, "hello", wantsScreens: false)
        XCTAssertEqual(turn.events.outcome?.spokenText, "hi")
    }
}
