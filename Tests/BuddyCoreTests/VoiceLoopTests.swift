import BuddyCore
import XCTest

/// The voice loop with fake devices: a whole turn, speaking while the brain writes, barge-in,
/// Escape, refusals, which voice speaks what, and failing devices.
final class VoiceLoopTests: XCTestCase {
    struct Rig {
        let loop: VoiceLoop
        let recorder: LoopRecorder
        let microphone: FakeMicrophone
        let speaker: FakeSpeaker
        let offline: FakeVoice
        let cloud: FakeVoice
        let running: Task<Void, Never>
    }

    func makeRig(brains: Buddy.Brains, mode: BrainMode = .local, online: Bool = true, transcripts: [String] = ["what is the capital of france"],
                 microphone: FakeMicrophone = FakeMicrophone(), speaker: FakeSpeaker = FakeSpeaker(speed: 4),
                 speaksWhileThinking: Bool = true, cloudVoiceFails: Bool = false) -> Rig {
        let buddy = Buddy(brains: brains, mode: mode, capturer: nil, network: FixedNetwork(online: online))
        let offline = FakeVoice(tag: 0.25), cloud = FakeVoice(tag: 0.75, needsInternet: true, failing: cloudVoiceFails)
        let recorder = LoopRecorder()
        let devices = VoiceLoop.Devices(microphone: microphone, ears: FakeEars(transcripts), voice: offline,
                                        cloudVoice: cloud, speaker: speaker)
        let loop = VoiceLoop(buddy: buddy, devices: devices, speaksWhileThinking: speaksWhileThinking, report: recorder.report)
        let running = Task { await loop.run() }
        return Rig(loop: loop, recorder: recorder, microphone: microphone, speaker: speaker, offline: offline, cloud: cloud,
                   running: running)
    }

    func finish(_ rig: Rig) async {
        rig.loop.finish()
        await rig.running.value
    }

    func testAWholeTurnIsHeardAnsweredAndSpokenSentenceBySentence() async throws {
        let brain = PacedLocalBrain(["Paris is the capital. ", "It is on the Seine. ", "It is lovely."], pause: .milliseconds(150))
        let rig = makeRig(brains: Buddy.Brains(local: brain))
        rig.loop.press(.talkPressed)
        _ = await rig.recorder.wait { $0 == .listening(turn: 1) }
        rig.loop.press(.talkReleased)
        await rig.recorder.expect(within: 10) { $0 == .idle(turn: 1) }
        await finish(rig)

        let events = rig.recorder.events.value
        XCTAssertTrue(events.contains(.heard("what is the capital of france", turn: 1)))
        XCTAssertTrue(events.contains(.asking(brainName: "local", turn: 1)))
        XCTAssertEqual(brain.asked.value, ["what is the capital of france"])
        let said = events.compactMap { if case .saying(let s, _) = $0 { s } else { nil } }
        XCTAssertEqual(said, ["Paris is the capital.", "It is on the Seine.", "It is lovely."])
        XCTAssertEqual(rig.offline.spoken.value, said)
        XCTAssertTrue(rig.cloud.spoken.value.isEmpty, "a local answer never goes to the cloud voice")
        // The first sentence played before the brain had written the last one.
        let firstAudio = events.firstIndex { if case .firstAudio = $0 { true } else { false } }
        let lastText = events.lastIndex { if case .text = $0 { true } else { false } }
        XCTAssertLessThan(try XCTUnwrap(firstAudio), try XCTUnwrap(lastText))
        guard case .answered(let outcome, 1)? = events.first(where: { if case .answered = $0 { true } else { false } }) else {
            return XCTFail("no answer in \(events)")
        }
        XCTAssertEqual(outcome.spokenText, "Paris is the capital. It is on the Seine. It is lovely.")
        XCTAssertEqual(rig.microphone.starts.value, 1)
        XCTAssertEqual(rig.microphone.stops.value, 1)
    }

    func testBargeInStopsTheSoundAndTheBrainAndTheNextTurnStartsClean() async throws {
        let brain = PacedLocalBrain(["This first sentence is rather long and takes a while to say out loud. ",
                                     "A second one. ", "A third one. ", "A fourth one."], pause: .milliseconds(100))
        let rig = makeRig(brains: Buddy.Brains(local: brain), speaker: FakeSpeaker(speed: 1))
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        _ = await rig.recorder.wait { if case .saying = $0 { true } else { false } }
        try await Task.sleep(for: .milliseconds(100))
        rig.loop.press(.talkPressed)   // barge-in while the first sentence plays
        let stopped = await rig.recorder.wait { if case .stopped = $0 { true } else { false } }
        guard case .stopped(1, let soundStopped)? = stopped else { return XCTFail("no stop: \(rig.recorder.events.value)") }
        XCTAssertLessThan(try XCTUnwrap(soundStopped), 0.1, "the sound stops within 100 ms of the press")
        XCTAssertEqual(rig.speaker.cancelled.value, 1)
        XCTAssertTrue(brain.stopped.value, "generation stopped too")
        let playedBefore = rig.speaker.played.value.count
        await rig.recorder.expect { $0 == .listening(turn: 2) }

        rig.loop.press(.talkReleased)
        await rig.recorder.expect(within: 15) { $0 == .idle(turn: 2) }
        await finish(rig)
        let events = rig.recorder.events.value
        // Nothing of turn 1 was said after the barge-in; turn 2 said its whole answer.
        let stopIndex = try XCTUnwrap(events.firstIndex { if case .stopped = $0 { true } else { false } })
        XCTAssertFalse(events[stopIndex...].contains { if case .saying(_, 1) = $0 { true } else { false } })
        XCTAssertFalse(events[stopIndex...].contains { if case .text(_, 1) = $0 { true } else { false } })
        XCTAssertEqual(events.filter { if case .saying(_, 2) = $0 { true } else { false } }.count, 4)
        XCTAssertEqual(rig.speaker.played.value.count, playedBefore + 4)
        XCTAssertEqual(brain.asked.value.count, 2)
    }

    func testEscapeWhileThinkingCancelsWithoutSayingAnything() async throws {
        let brain = PacedLocalBrain(["Slow answer."], pause: .seconds(5))
        let rig = makeRig(brains: Buddy.Brains(local: brain))
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        _ = await rig.recorder.wait { if case .asking = $0 { true } else { false } }
        rig.loop.press(.cancel)
        await rig.recorder.expect { $0 == .stopped(turn: 1, soundStopped: nil) }
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        await finish(rig)
        XCTAssertTrue(rig.speaker.played.value.isEmpty)
        XCTAssertTrue(brain.stopped.value)
    }

    func testALocalModelThatIsNotReadyIsAnsweredWithTheWarmingUpLine() async {
        let rig = makeRig(brains: Buddy.Brains(local: FakeLocalBrain(state: .loading)))
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        await finish(rig)
        XCTAssertTrue(rig.recorder.events.value.contains(.refused(line: SpokenLines.warmingUp, turn: 1)))
        XCTAssertEqual(rig.offline.spoken.value, [SpokenLines.warmingUp])
    }

    func testCloudAnswersMayUseTheCloudVoiceButTheOfflineNudgeNeverDoes() async {
        let online = makeRig(brains: Buddy.Brains(local: nil, remote: [.sonnet: FakeRemoteBrain(pieces: ["Click save. [POINT:none]"])]),
                             mode: .sonnet)
        online.loop.press(.talkPressed)
        online.loop.press(.talkReleased)
        await online.recorder.expect { $0 == .idle(turn: 1) }
        await finish(online)
        XCTAssertEqual(online.cloud.spoken.value, ["Click save."])
        XCTAssertTrue(online.offline.spoken.value.isEmpty)
        XCTAssertEqual(online.speaker.played.value.map(\.tag), [0.75])

        let offline = makeRig(brains: Buddy.Brains(local: nil, remote: [.sonnet: FakeRemoteBrain()]), mode: .sonnet, online: false)
        offline.loop.press(.talkPressed)
        offline.loop.press(.talkReleased)
        await offline.recorder.expect { $0 == .idle(turn: 1) }
        await finish(offline)
        XCTAssertEqual(offline.offline.spoken.value, [SpokenLines.offline])
        XCTAssertTrue(offline.cloud.spoken.value.isEmpty)
    }

    func testABrainFailingMidAnswerIsFollowedByTheHiccupLine() async {
        let brain = PacedLocalBrain(["Paris is. "], pause: .milliseconds(20), error: .local("decode failed"))
        let rig = makeRig(brains: Buddy.Brains(local: brain))
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        await finish(rig)
        XCTAssertEqual(rig.offline.spoken.value.last, SpokenLines.localHiccup)
    }

    func testSilenceAsksNoOneAndSaysNothing() async {
        let brain = PacedLocalBrain(["Hi."])
        let rig = makeRig(brains: Buddy.Brains(local: brain), transcripts: ["   "])
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        await finish(rig)
        XCTAssertTrue(brain.asked.value.isEmpty)
        XCTAssertTrue(rig.speaker.played.value.isEmpty)
        XCTAssertTrue(rig.recorder.events.value.contains(.heard("", turn: 1)))
    }

    func testNoMicrophoneIsOneProblemLineAndTheLoopKeepsGoing() async {
        let rig = makeRig(brains: Buddy.Brains(local: PacedLocalBrain(["Hi."])), microphone: FakeMicrophone(missing: true))
        rig.loop.press(.talkPressed)
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        rig.loop.press(.talkReleased)   // ignored: not listening
        rig.loop.press(.talkPressed)
        await rig.recorder.expect { $0 == .idle(turn: 2) }
        await finish(rig)
        let problems = rig.recorder.events.value.compactMap { if case .problem(let line) = $0 { line } else { nil } }
        XCTAssertEqual(problems.count, 2)
        XCTAssertTrue(problems[0].hasPrefix("no microphone"), problems[0])
        XCTAssertFalse(problems[0].contains("\n"))
    }

    func testTheOriginalsWayWaitsForTheWholeAnswerBeforeSpeaking() async throws {
        let brain = PacedLocalBrain(["Paris is the capital. ", "It is on the Seine."], pause: .milliseconds(100))
        let rig = makeRig(brains: Buddy.Brains(local: brain), speaksWhileThinking: false)
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        await finish(rig)
        let events = rig.recorder.events.value
        let firstAudio = try XCTUnwrap(events.firstIndex { if case .firstAudio = $0 { true } else { false } })
        let lastText = try XCTUnwrap(events.lastIndex { if case .text = $0 { true } else { false } })
        XCTAssertGreaterThan(firstAudio, lastText)
        XCTAssertEqual(rig.offline.spoken.value, ["Paris is the capital.", "It is on the Seine."])
    }

    func testWhenTheCloudVoiceFailsTheOfflineVoiceSaysTheAnswer() async {
        let rig = makeRig(brains: Buddy.Brains(local: nil, remote: [.sonnet: FakeRemoteBrain(pieces: ["Click save. Then close it."])]),
                          mode: .sonnet, cloudVoiceFails: true)
        rig.loop.press(.talkPressed)
        rig.loop.press(.talkReleased)
        await rig.recorder.expect { $0 == .idle(turn: 1) }
        await finish(rig)
        XCTAssertEqual(rig.offline.spoken.value, ["Click save.", "Then close it."])
        XCTAssertEqual(rig.speaker.played.value.map(\.tag), [0.25, 0.25])
    }

    func testACloudAnswerWithAPointFliesTheOverlayToTheMappedDesktopPoint() async {
        final class RecordingOverlay: Overlay, @unchecked Sendable {
            let states = Observed<[OverlayState]>([])
            let points = Observed<[(DesktopPoint, String?)]>([])
            func show(_ state: OverlayState) async { states.update { $0.append(state) } }
            func point(at point: DesktopPoint, label: String?) async { points.update { $0.append((point, label)) } }
        }
        let overlay = RecordingOverlay()
        let capturer = SpyCapturer()
        let buddy = Buddy(brains: Buddy.Brains(local: nil, remote: [.sonnet: FakeRemoteBrain()]), mode: .sonnet,
                          capturer: capturer, network: FixedNetwork(online: true))
        let recorder = LoopRecorder()
        let devices = VoiceLoop.Devices(microphone: FakeMicrophone(), ears: FakeEars(["where is save"]), voice: FakeVoice(tag: 0.25),
                                        speaker: FakeSpeaker(speed: 4), overlay: overlay)
        let loop = VoiceLoop(buddy: buddy, devices: devices, wantsScreens: true, report: recorder.report)
        let running = Task { await loop.run() }
        loop.press(.talkPressed)
        loop.press(.talkReleased)
        await recorder.expect { $0 == .idle(turn: 1) }
        loop.finish()
        await running.value
        XCTAssertEqual(capturer.count.value, 1, "the desktop buddy shows the screens to a cloud brain")
        // [POINT:100,50:save:screen2] on a 640×400 capture of the 1280×800 monitor at x 1920.
        let points = overlay.points.value
        XCTAssertEqual(points.count, 1)
        XCTAssertEqual(points.first?.0, DesktopPoint(x: 2120, y: 100))
        XCTAssertEqual(points.first?.1, "save")
        let states = overlay.states.value
        XCTAssertEqual(states.first, .listening(level: 0))
        XCTAssertTrue(states.contains(.thinking))
        XCTAssertTrue(states.contains { if case .answering = $0 { true } else { false } })
        XCTAssertEqual(states.last, .idle)
    }
}
