import Foundation
import Speech
import XCTest

/// The mouth: flite speaks text into a clip, WAVWriter writes clips that WAVFile reads back,
/// and a missing flite is a clear error naming the package to install.
final class FliteVoiceTests: XCTestCase {
    private func requireFlite() throws -> FliteVoice {
        do { return try FliteVoice() } catch {
            throw XCTSkip("flite is not installed (apt install flite): \(error)")
        }
    }

    private static func rms(_ samples: [Float]) -> Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
    }

    func testSynthesizeGivesSpeech() throws {
        let voice = try requireFlite()
        let clip = try voice.synthesize("Paris is the capital of France.")
        XCTAssertTrue([8_000, 16_000].contains(clip.sampleRate), "rate \(clip.sampleRate)")
        XCTAssertGreaterThan(clip.seconds, 0.8)
        XCTAssertLessThan(clip.seconds, 10)
        XCTAssertGreaterThan(Self.rms(clip.samples), 0.01, "speech has energy")
    }

    func testTextIsPassedAsOneArgumentNeverThroughAShell() throws {
        let voice = try requireFlite()
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("flite-injection-\(UUID().uuidString)")
        let clip = try voice.synthesize("-o x; touch \(marker.path) $(touch \(marker.path)) \"quoted\" 'single'")
        XCTAssertGreaterThan(Self.rms(clip.samples), 0.01)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
    }

    func testEightKilohertzVoice() throws {
        _ = try requireFlite()
        let clip = try FliteVoice(voice: "kal").synthesize("Open the settings menu.")
        XCTAssertEqual(clip.sampleRate, 8_000)
        XCTAssertGreaterThan(Self.rms(clip.samples), 0.01)
    }

    func testUnknownVoiceIsAClearError() throws {
        _ = try requireFlite()
        XCTAssertThrowsError(try FliteVoice(voice: "no-such-voice")) { error in
            XCTAssertTrue("\(error)".contains("no voice \"no-such-voice\""), "\(error)")
            XCTAssertTrue("\(error)".contains("slt"), "lists the voices: \(error)")
        }
    }

    func testMissingExecutableNamesTheDebianPackage() {
        XCTAssertThrowsError(try FliteVoice(executable: "/nonexistent/bin/flite")) { error in
            guard let error = error as? SpeechError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("/nonexistent/bin/flite"), error.description)
            XCTAssertTrue(error.description.contains("apt install flite"), error.description)
        }
    }

    func testWAVWriterRoundTripsThroughWAVFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wavwriter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.wav").path
        let samples = (0..<1601).map { Float(sin(Double($0) * 0.05)) * 0.8 } + [1.5, -1.5, 0, 1, -1]
        try WAVWriter.write(AudioClip(samples: samples, sampleRate: 16_000), to: path)
        let back = try WAVFile.read(path: path)
        XCTAssertEqual(back.sampleRate, 16_000)
        XCTAssertEqual(back.samples.count, samples.count)
        for (written, read) in zip(samples, back.samples) {
            XCTAssertEqual(read, min(1, max(-1, written)), accuracy: 1.0 / 32_000)
        }
        // Overwriting replaces the file whole, and no temporary file is left beside it.
        try WAVWriter.write(AudioClip(samples: [0.5, -0.5], sampleRate: 8_000), to: path)
        XCTAssertEqual(try WAVFile.read(path: path).samples.count, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.wav"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 44 + 4)
    }

    func testWAVWriterIntoAMissingDirectoryIsAnIOError() {
        XCTAssertThrowsError(try WAVWriter.write(AudioClip(samples: [0], sampleRate: 16_000),
                                                 to: "/nonexistent-dir/out.wav")) { error in
            guard case .io = error as? SpeechError else { return XCTFail("\(error)") }
        }
    }
}
