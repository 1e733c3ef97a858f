import Foundation
import XCTest

/// `clicky voice` through the built binary: a spoken question (made with flite) answered and
/// spoken back in a network namespace with no network, silence answered with the
/// didn't-catch-that line, an offline cloud refusal spoken and exit 4, a malformed WAV exit 3.
final class VoiceCommandTests: XCTestCase {
    private static let didNotHear = "sorry, i didn't catch that. try again?"
    private static let flite = "/usr/bin/flite"

    private var whisperModel: URL {
        CLIRunner.modelsDirectory.appendingPathComponent("whisper-tiny.en/model.bin")
    }

    /// A whole turn needs flite, Whisper tiny.en and a release clicky (Whisper is ~500× slower
    /// in a debug build).
    private func requireVoiceLoop() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.flite) else { throw XCTSkip("flite is not installed") }
        guard FileManager.default.fileExists(atPath: whisperModel.path) else {
            throw XCTSkip("whisper-tiny.en is not installed; run scripts/setup.sh")
        }
        if try CLIRunner.binary().pathComponents.contains("debug") {
            throw XCTSkip("a debug clicky runs Whisper ~500× slower; build release (scripts/test.sh)")
        }
    }

    private func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("voice-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs clicky inside a fresh network namespace (`unshare -n`): no network at all.
    private func runOffline(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Result {
        try CLIRunner.run(["-n", try CLIRunner.binary().path] + arguments, environment: environment,
                          executable: URL(fileURLWithPath: "/usr/bin/unshare"))
    }

    private func speak(_ text: String, to url: URL) throws {
        let result = try CLIRunner.run(["-voice", "slt", "-t", text, "-o", url.path], executable: URL(fileURLWithPath: Self.flite))
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// The samples of a 16-bit PCM mono WAV as `clicky voice` writes it.
    private func pcm16(_ url: URL) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertGreaterThan(bytes.count, 44)
        XCTAssertEqual(Array(bytes[0..<4]), Array("RIFF".utf8))
        XCTAssertEqual(Array(bytes[36..<40]), Array("data".utf8))
        return stride(from: 44, to: bytes.count - 1, by: 2).map {
            Float(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)) / 32768
        }
    }

    private func assertSpeech(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let samples = try pcm16(url)
        XCTAssertGreaterThan(samples.count, 8_000, "at least half a second", file: file, line: line)
        let rms = (samples.reduce(0) { $0 + $1 * $1 } / Float(max(samples.count, 1))).squareRoot()
        XCTAssertGreaterThan(rms, 0.01, "speech has energy", file: file, line: line)
    }

    private static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    private func json(_ result: CLIRunner.Result) throws -> [String: Any] {
        XCTAssertEqual(result.stdout.filter { $0 == "\n" }.count, 1, "one JSON line: \(result.stdout)")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testASpokenQuestionIsAnsweredAloudWithNoNetwork() throws {
        try requireVoiceLoop()
        _ = try CLIRunner.defaultModel()
        let directory = try scratchDirectory()
        let question = directory.appendingPathComponent("Q.wav"), answer = directory.appendingPathComponent("A.wav")
        try speak("what is the capital of france", to: question)

        let result = try runOffline(["voice", "--in", question.path, "--out", answer.path, "--brain", "local", "--json",
                                     "--temperature", "0", "--max-tokens", "32"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try json(result)
        let transcript = try XCTUnwrap(report["transcript"] as? String)
        XCTAssertEqual(Self.words(transcript).joined(separator: " "), "what is the capital of france")
        let text = try XCTUnwrap(report["answer"] as? String)
        XCTAssertFalse(text.isEmpty)
        XCTAssertEqual(report["brain"] as? String, "local")
        XCTAssertNotNil(report["badge"] as? String)
        XCTAssertEqual(report["out"] as? String, answer.path)
        let timings = try XCTUnwrap(report["timings"] as? [String: Any])
        let stt = try XCTUnwrap(timings["speech_to_text"] as? Double)
        let firstToken = try XCTUnwrap(timings["first_token"] as? Double)
        let firstAudio = try XCTUnwrap(timings["first_audio"] as? Double)
        let total = try XCTUnwrap(timings["total"] as? Double)
        XCTAssertTrue(0 < stt && stt <= firstToken && firstToken <= firstAudio && firstAudio <= total, "\(timings)")
        print("voice turn timings: \(timings)")

        try assertSpeech(answer)
        let heard = try CLIRunner.run(["transcribe", answer.path])
        XCTAssertEqual(heard.status, 0, heard.stderr)
        let shared = Set(Self.words(heard.stdout)).intersection(Self.words(text))
        XCTAssertGreaterThanOrEqual(shared.count, 2, "spoken \"\(text)\", heard back \"\(heard.stdout)\"")
    }

    func testTheAnswerGoesToStandardOutAndWhatWasHeardToStandardError() throws {
        try requireVoiceLoop()
        _ = try CLIRunner.defaultModel()
        let directory = try scratchDirectory()
        let question = directory.appendingPathComponent("Q.wav"), answer = directory.appendingPathComponent("A.wav")
        try speak("what is the capital of france", to: question)
        let result = try runOffline(["voice", "--in", question.path, "--out", answer.path, "--brain", "local",
                                     "--temperature", "0", "--max-tokens", "16"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("heard: What is the capital of France"), result.stderr)
        XCTAssertTrue(result.stderr.contains("local"), "the badge: \(result.stderr)")
        XCTAssertFalse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        try assertSpeech(answer)
    }

    func testSilenceIsAnsweredWithTheDidNotCatchThatLine() throws {
        try requireVoiceLoop()
        _ = try CLIRunner.defaultModel()
        let directory = try scratchDirectory()
        let question = directory.appendingPathComponent("silence.wav"), answer = directory.appendingPathComponent("A.wav")
        // Two seconds of digital silence, 16-bit PCM mono at 16 kHz.
        func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        let data = [UInt8](repeating: 0, count: 64_000)
        let header = Array("RIFF".utf8) + le(36 + data.count, 4) + Array("WAVEfmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2)
            + le(16_000, 4) + le(32_000, 4) + le(2, 2) + le(16, 2) + Array("data".utf8) + le(data.count, 4)
        try Data(header + data).write(to: question)

        let result = try runOffline(["voice", "--in", question.path, "--out", answer.path, "--brain", "local", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try json(result)
        XCTAssertEqual(report["transcript"] as? String, "")
        XCTAssertEqual(report["answer"] as? String, Self.didNotHear)
        try assertSpeech(answer)
    }

    func testAnOfflineCloudRefusalIsStillSpokenAndExitsFour() throws {
        try requireVoiceLoop()
        let directory = try scratchDirectory()
        let question = directory.appendingPathComponent("Q.wav"), answer = directory.appendingPathComponent("A.wav")
        try speak("what is on my screen", to: question)
        let result = try runOffline(["voice", "--in", question.path, "--out", answer.path, "--brain", "sonnet"],
                                    environment: ["ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key"])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("looks like the internet is out"), result.stderr)
        XCTAssertEqual(result.stdout, "")
        try assertSpeech(answer)
    }

    func testAMalformedWAVExitsThreeWithOneLine() throws {
        let directory = try scratchDirectory()
        let question = directory.appendingPathComponent("Q.wav"), answer = directory.appendingPathComponent("A.wav")
        try Data("RIFF\u{10}\0\0\0WAVEnot a wav at all".utf8).write(to: question)
        let result = try CLIRunner.run(["voice", "--in", question.path, "--out", answer.path, "--brain", "local"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(question.path), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: answer.path))
    }
}
