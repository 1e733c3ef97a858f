import Foundation
import TestSupport
import XCTest

/// `clicky doctor` against a real audio server and against devices that do not exist.
final class DoctorCommandTests: XCTestCase {
    func testWithAnAudioServerTheVoiceLoopsNeedsAreMet() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pulseaudio") else { throw XCTSkip("pulseaudio is not installed") }
        _ = try CLIRunner.defaultModel()
        let rig = try AudioRig()
        defer { rig.stop() }
        let result = try SpawnedProcess.run(try CLIRunner.binary().path, ["doctor"], environment: rig.environment)
        XCTAssertEqual(result.status, 0, result.output + result.error)
        let lines = result.output.split(separator: "\n").map(String.init)
        for name in ["local model", "speech-to-text", "voice flite", "microphone", "speaker"] {
            XCTAssertTrue(lines.contains { $0.hasPrefix("✓ \(name):") }, "\(name) in \(lines)")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("✓ audio server: PulseAudio at unix:") }, "\(lines)")
    }

    func testMissingDevicesAreNamedWithWhatToDoAndExitOne() throws {
        let result = try SpawnedProcess.run(try CLIRunner.binary().path,
                                            ["doctor", "--microphone", "clicky_no_such_device", "--speaker", "clicky_no_such_device"],
                                            environment: ["ELEVENLABS_API_KEY": "sk-doctor-must-not-print-this"])
        XCTAssertEqual(result.status, 1)
        let lines = result.output.split(separator: "\n").map(String.init)
        let microphone = try XCTUnwrap(lines.first { $0.hasPrefix("✗ microphone:") }, "\(lines)")
        XCTAssertTrue(microphone.contains("clicky_no_such_device"), microphone)
        XCTAssertTrue(lines.contains { $0.hasPrefix("✗ speaker:") }, "\(lines)")
        XCTAssertTrue(lines.contains("· elevenlabs key: set") || lines.contains("✓ elevenlabs key: set"), "\(lines)")
        XCTAssertFalse(result.output.contains("sk-doctor-must-not-print-this"), "keys are never printed")
        XCTAssertEqual(result.error.split(separator: "\n").count, 1, "one summary line: \(result.error)")
        XCTAssertTrue(result.error.contains("missing"), result.error)
    }
}

/// `clicky` with no command: typed chat when there is no microphone, said in one line first.
final class StartCommandTests: XCTestCase {
    func testWithoutAMicrophoneTheBuddyChats() throws {
        _ = try CLIRunner.defaultModel()
        let result = try CLIRunner.run(["--microphone", "clicky_no_such_device", "--temperature", "0", "--max-tokens", "8"],
                                       stdin: "what is the capital of france\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("no microphone"), result.stderr)
        XCTAssertTrue(result.stderr.contains("typing instead"), result.stderr)
        XCTAssertFalse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "it answered")
    }
}
