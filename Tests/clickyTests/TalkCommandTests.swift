import Foundation
import TestSupport
import XCTest

/// `clicky talk` through a real audio server: a private PulseAudio with a null sink as the
/// speaker (its monitor records what was played) and a pipe source as the microphone (fed by
/// `Tests/Servers/mic_feeder.py`), the binary inside a network namespace with no network, Enter
/// keys on its standard input, its JSON events read as they come.
final class TalkCommandTests: XCTestCase {
    private var rig: AudioRig!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pulseaudio") else { throw XCTSkip("pulseaudio is not installed") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/flite") else { throw XCTSkip("flite is not installed") }
        guard FileManager.default.fileExists(atPath: CLIRunner.modelsDirectory.appendingPathComponent("whisper-tiny.en/model.bin").path) else {
            throw XCTSkip("whisper-tiny.en is not installed; run scripts/setup.sh")
        }
        if try CLIRunner.binary().pathComponents.contains("debug") {
            throw XCTSkip("a debug clicky runs Whisper ~500× slower; build release (scripts/test.sh)")
        }
        _ = try CLIRunner.defaultModel()
        rig = try AudioRig()
    }

    override func tearDown() {
        rig?.stop()
    }

    /// Starts `clicky talk --json` in a network namespace with no network, on the rig's devices.
    private func talk(_ extra: [String] = []) throws -> SpawnedProcess {
        try SpawnedProcess("/usr/bin/unshare",
                           ["-n", try CLIRunner.binary().path, "talk", "--json", "--brain", "local", "--temperature", "0"] + extra,
                           environment: rig.environment, input: true)
    }

    private func event(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    private func waitForEvent(_ talk: SpawnedProcess, _ name: String, turn: Int? = nil, after: Int = 0,
                              timeout: Double = 30) -> (index: Int, event: [String: Any])? {
        let found = talk.waitForLine(after: after, timeout: timeout) { line in
            guard let object = self.event(line), object["event"] as? String == name else { return false }
            return turn == nil || object["turn"] as? Int == turn
        }
        return found.flatMap { found in event(found.line).map { (found.index, $0) } }
    }

    /// One spoken question: Enter, the question into the microphone, Enter.
    private func ask(_ talk: SpawnedProcess, _ question: URL, turn: Int, after: Int = 0) throws -> Int {
        talk.send("\n")
        let listening = try XCTUnwrap(waitForEvent(talk, "listening", turn: turn, after: after, timeout: 60),
                                      "never listened: \(talk.errorOutput)")
        try rig.play(question)
        talk.send("\n")
        return listening.index
    }

    func testASpokenQuestionIsHeardAnsweredAndPlayedThroughTheAudioServerWithNoNetwork() throws {
        let question = try rig.speech("what is the capital of france")
        let talk = try talk(["--max-tokens", "40"])
        defer { talk.stop() }
        try rig.startRecordingSpeaker()
        _ = try ask(talk, question, turn: 1)
        let idle = try XCTUnwrap(waitForEvent(talk, "idle", turn: 1, timeout: 60), "\(talk.outputLines)\n\(talk.errorOutput)")
        talk.send("q\n")
        XCTAssertEqual(talk.wait(timeout: 20), 0, talk.errorOutput)
        let recorded = try rig.stopRecordingSpeaker()

        let events = talk.outputLines[...idle.index].compactMap(event)
        let heard = try XCTUnwrap(events.first { $0["event"] as? String == "heard" }?["text"] as? String)
        XCTAssertTrue(heard.lowercased().contains("capital of france"), heard)
        let answered = try XCTUnwrap(events.first { $0["event"] as? String == "answered" }, "\(events)")
        let answer = try XCTUnwrap(answered["text"] as? String)
        XCTAssertFalse(answer.isEmpty)
        XCTAssertEqual(answered["brain"] as? String, "local")
        let firstAudio = try XCTUnwrap(events.first { $0["event"] as? String == "first_audio" }?["after_release"] as? Double)
        XCTAssertLessThan(firstAudio, 5)
        XCTAssertFalse(events.contains { $0["event"] as? String == "problem" }, "\(events)")

        // What the speaker played is the answer: speech, which Whisper reads back with its words.
        XCTAssertGreaterThan(recorded.activeSeconds, 0.5, "the answer was played")
        let heardBack = try rig.transcribe(recorded.wav)
        let answerWords = Set(Self.words(answer)), backWords = Set(Self.words(heardBack))
        XCTAssertGreaterThanOrEqual(answerWords.intersection(backWords).count, 2, "answer \(answer) / played \(heardBack)")
    }

    func testASecondPressWhileSpeakingStopsTheSoundAndTheNextTurnStartsClean() throws {
        let story = try rig.speech("tell me a long story about a dragon and a knight")
        let question = try rig.speech("what is the capital of france")
        let talk = try talk(["--max-tokens", "200"])
        defer { talk.stop() }
        _ = try ask(talk, story, turn: 1)
        let saying = try XCTUnwrap(waitForEvent(talk, "saying", turn: 1, timeout: 60), "\(talk.outputLines)\n\(talk.errorOutput)")
        Thread.sleep(forTimeInterval: 0.4)
        talk.send("\n")   // barge-in: stop talking and listen
        let stopped = try XCTUnwrap(waitForEvent(talk, "stopped", turn: 1, after: saying.index, timeout: 10))
        let soundStopped = try XCTUnwrap(stopped.event["sound_stopped"] as? Double, "the sound was playing: \(stopped.event)")
        XCTAssertLessThan(soundStopped, 0.1, "playback stops within 100 ms of the press")
        let listening = try XCTUnwrap(waitForEvent(talk, "listening", turn: 2, after: stopped.index, timeout: 10))
        try rig.play(question)
        talk.send("\n")
        let idle = try XCTUnwrap(waitForEvent(talk, "idle", turn: 2, after: listening.index, timeout: 60))
        talk.send("q\n")
        XCTAssertEqual(talk.wait(timeout: 20), 0, talk.errorOutput)

        let after = talk.outputLines[stopped.index...idle.index].compactMap(event)
        XCTAssertFalse(after.contains { ["text", "saying"].contains($0["event"] as? String) && $0["turn"] as? Int == 1 },
                       "nothing of turn 1 after the barge-in: \(after)")
        let heard = try XCTUnwrap(after.first { $0["event"] as? String == "heard" }?["text"] as? String)
        XCTAssertTrue(heard.lowercased().contains("capital of france"), heard)
        XCTAssertTrue(after.contains { $0["event"] as? String == "answered" && $0["turn"] as? Int == 2 }, "\(after)")
    }

    func testNoMicrophoneIsOneClearLine() throws {
        let result = try CLIRunner.run(["talk", "--brain", "local", "--microphone", "clicky_no_such_device"], stdin: "\nq\n",
                                       environment: rig.environment)
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("no microphone"), result.stderr)
        XCTAssertTrue(result.stderr.contains("clicky doctor"), result.stderr)
    }

    func testModeAndStatusReachTheRunningBuddy() throws {
        let talk = try talk()
        defer { talk.stop() }
        let control = rig.environment
        let binary = try CLIRunner.binary().path
        var status: (status: Int32, output: String, error: String) = (1, "", "")
        let deadline = Date().addingTimeInterval(60)
        repeat {   // the buddy opens its control socket once its models are loaded
            status = try SpawnedProcess.run(binary, ["status", "--json"], environment: control)
            if status.status == 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        XCTAssertEqual(status.status, 0, status.error)
        XCTAssertTrue(status.output.contains("\"mode\":\"local\""), status.output)
        let switched = try SpawnedProcess.run(binary, ["mode", "opus"], environment: control)
        XCTAssertEqual(switched.status, 0, switched.error)
        XCTAssertEqual(switched.output, "mode: opus\n")
        let after = try SpawnedProcess.run(binary, ["status"], environment: control)
        XCTAssertTrue(after.output.contains("brain opus"), after.output)
        talk.send("q\n")
        XCTAssertEqual(talk.wait(timeout: 20), 0, talk.errorOutput)
        let gone = try SpawnedProcess.run(binary, ["status"], environment: control)
        XCTAssertEqual(gone.status, 1)
        XCTAssertTrue(gone.error.hasPrefix("no clicky buddy is running"), gone.error)
    }

    func testTheDesktopHotkeyStartsAndEndsATurnOnAVirtualDisplay() throws {
        let display = try VirtualDisplay(width: 2560, height: 800, monitors: [.init(x: 0, y: 0, width: 1280, height: 800),
                                                                              .init(x: 1280, y: 0, width: 1280, height: 800)])
        let question = try rig.speech("what is the capital of france")
        var environment = rig.environment
        environment["DISPLAY"] = display.display
        let binary = try CLIRunner.binary().path
        let desktop = try SpawnedProcess("/usr/bin/unshare", ["-n", binary, "desktop", "--json", "--brain", "local", "--temperature", "0",
                                                              "--max-tokens", "30"], environment: environment, input: true)
        defer { desktop.stop(); display.stop() }
        let deadline = Date().addingTimeInterval(60)
        while try SpawnedProcess.run(binary, ["status"], environment: environment).status != 0, Date() < deadline, desktop.isRunning {
            Thread.sleep(forTimeInterval: 0.1)
        }
        try display.run("xdotool", ["mousemove", "1500", "300", "keydown", "ctrl+alt"])
        let listening = try XCTUnwrap(waitForEvent(desktop, "listening", turn: 1, timeout: 20), desktop.errorOutput)
        try rig.play(question)
        try display.run("xdotool", ["keyup", "ctrl+alt"])
        let idle = try XCTUnwrap(waitForEvent(desktop, "idle", turn: 1, after: listening.index, timeout: 60), desktop.errorOutput)
        let events = desktop.outputLines[listening.index...idle.index].compactMap(event)
        let heard = try XCTUnwrap(events.first { $0["event"] as? String == "heard" }?["text"] as? String)
        XCTAssertTrue(heard.lowercased().contains("capital of france"), heard)
        XCTAssertTrue(events.contains { $0["event"] as? String == "answered" }, "\(events)")
        desktop.send("q\n")
        XCTAssertEqual(desktop.wait(timeout: 20), 0, desktop.errorOutput)
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init).filter { $0.count > 2 }
    }
}
