import Foundation
import XCTest

/// `clicky transcribe` through the built binary: a test WAV to its text, the --json report, and
/// exit 3 with one line for a malformed WAV or a damaged model directory.
final class TranscribeCommandTests: XCTestCase {
    private static let speech = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/speech")

    private var whisperDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/share")
        return URL(fileURLWithPath: dataHome).appendingPathComponent("clicky/models/whisper-tiny.en")
    }

    private func requireModel() throws {
        guard FileManager.default.fileExists(atPath: whisperDirectory.appendingPathComponent("model.bin").path) else {
            throw XCTSkip("whisper-tiny.en is not installed; run scripts/setup.sh")
        }
    }

    /// Transcribing takes a third of a second in a release binary and minutes in a debug one.
    private func requireReleaseBinary() throws {
        try requireModel()
        if try CLIRunner.binary().pathComponents.contains("debug") {
            throw XCTSkip("a debug clicky runs Whisper ~500× slower; build release (scripts/test.sh)")
        }
    }

    private func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("transcribe-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTranscribesAWAVFileToItsText() throws {
        try requireReleaseBinary()
        let result = try CLIRunner.run(["transcribe", Self.speech.appendingPathComponent("u04_slt_100.wav").path,
                                        "--threads", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "What is the capital of France?\n")
        XCTAssertEqual(result.stderr, "")
        // An 8 kHz file is resampled on the way in.
        let narrow = try CLIRunner.run(["transcribe", Self.speech.appendingPathComponent("u09_kal_085.wav").path])
        XCTAssertEqual(narrow.status, 0, narrow.stderr)
        XCTAssertEqual(narrow.stdout, "Open the settings menu.\n")
    }

    func testJSONReport() throws {
        try requireReleaseBinary()
        let result = try CLIRunner.run(["transcribe", Self.speech.appendingPathComponent("u26_slt_100.wav").path,
                                        "--json", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.filter { $0 == "\n" }.count, 1, "one JSON line")
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["text"] as? String, "I am trying to save the spreadsheet as a document but the button "
                                                   + "is gray and I do not know what I am doing wrong.")
        let audio = try XCTUnwrap(report["audio_seconds"] as? Double)
        XCTAssertEqual(audio, 5.905, accuracy: 0.01)
        let seconds = try XCTUnwrap(report["seconds"] as? Double)
        XCTAssertGreaterThan(seconds, 0)
        XCTAssertEqual(try XCTUnwrap(report["real_time_factor"] as? Double), seconds / audio, accuracy: 1e-9)
        let timings = try XCTUnwrap(report["timings"] as? [String: Double])
        XCTAssertEqual(Set(timings.keys), ["load", "read", "mel", "encoder", "decoder"])
        XCTAssertEqual(timings["mel"]! + timings["encoder"]! + timings["decoder"]!, seconds, accuracy: 1e-9)
        XCTAssertEqual(report["windows"] as? Int, 1)
        XCTAssertEqual(report["threads"] as? Int, 1)
        XCTAssertEqual((report["tokens"] as? [Int])?.count, 26)
    }

    /// --short-window encodes the speech plus a margin, not the 30 s window, and says so in
    /// "positions"; the text is the same on this clip.
    func testShortWindow() throws {
        try requireReleaseBinary()
        let wav = Self.speech.appendingPathComponent("u04_slt_100.wav").path
        var positions: [Int] = []
        for extra in [[], ["--short-window"]] {
            let result = try CLIRunner.run(["transcribe", wav, "--json", "--threads", "2"] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(report["text"] as? String, "What is the capital of France?")
            positions.append(try XCTUnwrap(report["positions"] as? Int))
        }
        XCTAssertEqual(positions[0], 1500)
        XCTAssertLessThan(positions[1], 1500)
    }

    func testSilenceGivesAnEmptyLine() throws {
        try requireModel()
        let wav = try scratchDirectory().appendingPathComponent("silence.wav")
        try Self.wav(samples: [Int16](repeating: 0, count: 16_000), rate: 16_000).write(to: wav)
        let result = try CLIRunner.run(["transcribe", wav.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "\n")
    }

    func testMalformedWAVExitsThreeWithOneLine() throws {
        let directory = try scratchDirectory()
        let cases: [(String, Data)] = [
            ("empty.wav", Data()),
            ("text.wav", Data("this is not audio\n".utf8)),
            ("truncated.wav", Self.wav(samples: [Int16](repeating: 100, count: 1000), rate: 16_000).prefix(300)),
        ]
        for (name, bytes) in cases {
            let path = directory.appendingPathComponent(name)
            try bytes.write(to: path)
            let result = try CLIRunner.run(["transcribe", path.path])
            XCTAssertEqual(result.status, 3, "\(name): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", name)
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(name), result.stderr)
        }
        let missing = try CLIRunner.run(["transcribe", directory.appendingPathComponent("nothing.wav").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(missing.stderr.filter { $0 == "\n" }.count, 1, missing.stderr)
    }

    func testCorruptModelDirectoryExitsThree() throws {
        try requireModel()
        let directory = try scratchDirectory()
        for name in ["config.json", "vocabulary.txt"] {
            try FileManager.default.copyItem(at: whisperDirectory.appendingPathComponent(name),
                                             to: directory.appendingPathComponent(name))
        }
        let model = try Data(contentsOf: whisperDirectory.appendingPathComponent("model.bin"))
        try model.prefix(model.count / 3).write(to: directory.appendingPathComponent("model.bin"))
        let wav = Self.speech.appendingPathComponent("u04_slt_100.wav").path
        for arguments in [["--model-dir", directory.path], ["--model-dir", directory.path + "/absent"]] {
            let result = try CLIRunner.run(["transcribe", wav] + arguments)
            XCTAssertEqual(result.status, 3, result.stderr)
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        }
    }

    /// A 16-bit mono PCM WAV.
    static func wav(samples: [Int16], rate: Int) -> Data {
        var data = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + 2 * samples.count)
        data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1); u32(rate); u32(2 * rate); u16(2); u16(16)
        data.append(contentsOf: Array("data".utf8)); u32(2 * samples.count)
        for s in samples { withUnsafeBytes(of: s.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
