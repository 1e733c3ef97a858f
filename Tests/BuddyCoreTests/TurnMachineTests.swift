import BuddyCore
import XCTest

/// Every transition of the turn machine, barge-in from each phase, and late events from a
/// cancelled turn.
final class TurnMachineTests: XCTestCase {
    private func machine(in phase: TurnMachine.Phase) -> TurnMachine {
        var m = TurnMachine()
        if phase == .idle { return m }
        _ = m.handle(.talkPressed)
        if phase == .listening { return m }
        _ = m.handle(.talkReleased)
        if phase == .transcribing { return m }
        _ = m.handle(.transcribed("what is a cat"), turn: 1)
        if phase == .thinking { return m }
        _ = m.handle(.answered("a small furry animal.", canPoint: false), turn: 1)
        XCTAssertEqual(m.phase, .speaking)
        return m
    }

    func testAWholeTurn() {
        var m = TurnMachine()
        XCTAssertEqual(m.handle(.talkPressed), [.startListening(turn: 1)])
        XCTAssertEqual(m.phase, .listening)
        XCTAssertEqual(m.handle(.talkReleased), [.stopListeningAndTranscribe(turn: 1)])
        XCTAssertEqual(m.phase, .transcribing)
        XCTAssertEqual(m.handle(.transcribed("  where is the save button \n"), turn: 1),
                       [.ask(transcript: "where is the save button", turn: 1)])
        XCTAssertEqual(m.phase, .thinking)
        XCTAssertEqual(m.handle(.answered("right up there. [POINT:12,34:save:screen2]", canPoint: true), turn: 1),
                       [.point(PointTag(x: 12, y: 34, label: "save", screen: 2), turn: 1), .speak("right up there.", turn: 1)])
        XCTAssertEqual(m.phase, .speaking)
        XCTAssertEqual(m.handle(.speechFinished, turn: 1), [])
        XCTAssertEqual(m.phase, .idle)
    }

    func testTheLocalBrainNeverPointsEvenWithAStrayTag() {
        var m = machine(in: .thinking)
        XCTAssertEqual(m.handle(.answered("it's a gear icon [POINT:5,5:gear]", canPoint: false), turn: 1),
                       [.speak("it's a gear icon", turn: 1)])
    }

    func testSilenceEndsTheTurnWithoutAsking() {
        var m = machine(in: .transcribing)
        XCTAssertEqual(m.handle(.transcribed("   "), turn: 1), [])
        XCTAssertEqual(m.phase, .idle)
    }

    func testPointNoneIsNotSpokenAndATagOnlyAnswerEndsQuietly() {
        var m = machine(in: .thinking)
        XCTAssertEqual(m.handle(.answered("html is for web pages [POINT:none]", canPoint: true), turn: 1),
                       [.speak("html is for web pages", turn: 1)])
        var quiet = machine(in: .thinking)
        XCTAssertEqual(quiet.handle(.answered("[POINT:7,8:here]", canPoint: true), turn: 1),
                       [.point(PointTag(x: 7, y: 8, label: "here"), turn: 1)])
        XCTAssertEqual(quiet.phase, .idle)
    }

    func testBargeInFromEveryBusyPhaseCancelsAndListensAgain() {
        for phase in [TurnMachine.Phase.listening, .transcribing, .thinking, .speaking] {
            var m = machine(in: phase)
            XCTAssertEqual(m.handle(.talkPressed), [.cancel(turn: 1), .startListening(turn: 2)], "\(phase)")
            XCTAssertEqual(m.phase, .listening)
            XCTAssertEqual(m.turn, 2)
        }
    }

    func testLateEventsFromACancelledTurnAreIgnored() {
        var m = machine(in: .thinking)
        _ = m.handle(.talkPressed)            // barge-in: turn 2 listening
        XCTAssertEqual(m.handle(.answered("old answer", canPoint: true), turn: 1), [])
        XCTAssertEqual(m.handle(.speechFinished, turn: 1), [])
        XCTAssertEqual(m.handle(.transcribed("old words"), turn: 1), [])
        XCTAssertEqual(m.phase, .listening)
        XCTAssertEqual(m.handle(.talkReleased), [.stopListeningAndTranscribe(turn: 2)])
    }

    func testEscapeCancelsAnyBusyPhaseAndIsIgnoredWhenIdle() {
        var idle = TurnMachine()
        XCTAssertEqual(idle.handle(.cancelPressed), [])
        for phase in [TurnMachine.Phase.listening, .transcribing, .thinking, .speaking] {
            var m = machine(in: phase)
            XCTAssertEqual(m.handle(.cancelPressed), [.cancel(turn: 1)], "\(phase)")
            XCTAssertEqual(m.phase, .idle)
        }
    }

    func testFailuresAreSpokenWithTheOriginalsLines() {
        let cases: [(TurnMachine.Failure, String)] = [
            (.localNotReady, SpokenLines.warmingUp), (.offline, SpokenLines.offline),
            (.brainFailed(local: true), SpokenLines.localHiccup), (.brainFailed(local: false), SpokenLines.cloudHiccup),
        ]
        for (failure, line) in cases {
            var m = machine(in: .thinking)
            XCTAssertEqual(m.handle(.failed(failure), turn: 1), [.speak(line, turn: 1)])
            XCTAssertEqual(m.phase, .speaking)
        }
        var hearing = machine(in: .transcribing)
        XCTAssertEqual(hearing.handle(.failed(.hearingFailed), turn: 1), [.speak(SpokenLines.didNotHear, turn: 1)])
        XCTAssertTrue(SpokenLines.warmingUp.hasPrefix("still warming up my local brain"))
        XCTAssertTrue(SpokenLines.localHiccup == "hmm, my local brain hiccuped. give it another try.")
    }

    func testEventsThatDoNotApplyChangeNothing() {
        var m = TurnMachine()
        XCTAssertEqual(m.handle(.talkReleased), [])
        XCTAssertEqual(m.handle(.speechFinished, turn: 0), [])
        XCTAssertEqual(m.handle(.answered("x", canPoint: true), turn: 0), [])
        XCTAssertEqual(m, TurnMachine())
        var listening = machine(in: .listening)
        XCTAssertEqual(listening.handle(.answered("too early", canPoint: false), turn: 1), [])
        XCTAssertEqual(listening.phase, .listening)
    }

    func testAStreamedAnswerSpeaksBeforeItEndsAndCanFailMidWay() {
        var m = TurnMachine()
        _ = m.handle(.talkPressed)
        _ = m.handle(.talkReleased)
        _ = m.handle(.transcribed("hi"), turn: 1)
        XCTAssertEqual(m.handle(.speakingStarted, turn: 1), [])
        XCTAssertEqual(m.phase, .speaking)
        XCTAssertEqual(m.handle(.failed(.brainFailed(local: true)), turn: 1), [.speak(SpokenLines.localHiccup, turn: 1)])
        XCTAssertEqual(m.handle(.speechFinished, turn: 1), [])
        XCTAssertEqual(m.phase, .idle)

        var quiet = TurnMachine()   // an answer with nothing to say ends from .thinking
        _ = quiet.handle(.talkPressed)
        _ = quiet.handle(.talkReleased)
        _ = quiet.handle(.transcribed("hi"), turn: 1)
        XCTAssertEqual(quiet.handle(.speechFinished, turn: 1), [])
        XCTAssertEqual(quiet.phase, .idle)
        XCTAssertEqual(quiet.handle(.speakingStarted, turn: 1), [], "not after the turn ended")
        XCTAssertEqual(quiet.phase, .idle)
    }
}
