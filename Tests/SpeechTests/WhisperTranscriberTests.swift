import Foundation
import XCTest
@testable import Speech

/// The transcriber end to end on the test speech: every utterance, the word error rate over the
/// set, silence, long audio cut into windows, bad input.
final class WhisperTranscriberTests: XCTestCase {
    /// One loaded model for the whole class (loading repacks the encoder weights: ~0.1 s).
    nonisolated(unsafe) private static var loaded: WhisperTranscriber?

    private func transcriber() throws -> WhisperTranscriber {
        _ = try WhisperFixtures.modelFiles()   // skips when the model is not installed
        if let loaded = Self.loaded { return loaded }
        let made = try WhisperTranscriber(threads: 2)
        Self.loaded = made
        return made
    }

    func testEveryUtteranceIsTranscribedWithinTenPercentWordErrorRate() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let transcriber = try transcriber()
        var errors = 0, words = 0
        for utterance in try WhisperFixtures.utterances() {
            let result = try transcriber.transcribe(try WhisperFixtures.clip(utterance.file))
            let (e, n) = WordErrorRate.errors(reference: utterance.text, hypothesis: result.text)
            errors += e
            words += n
            XCTAssertFalse(result.text.isEmpty, utterance.file)
            XCTAssertEqual(result.windows, 1, utterance.file)
            XCTAssertEqual(result.audioSeconds, utterance.seconds, accuracy: 0.01, utterance.file)
            print(String(format: "%@  %d/%d errors  %.2fs audio  mel %.3f enc %.3f dec %.3f  %@  [spoken: %@]",
                         utterance.file, e, n, result.audioSeconds, result.timings.mel, result.timings.encoder,
                         result.timings.decoder, result.text, utterance.text))
        }
        let rate = Double(errors) / Double(max(words, 1))
        print(String(format: "Whisper tiny.en word error rate: %d/%d = %.1f %%", errors, words, 100 * rate))
        XCTAssertLessThanOrEqual(rate, 0.10)
    }

    func testSilenceAndEmptyClipsGiveEmptyText() throws {
        let transcriber = try transcriber()
        var noise = WhisperTestNoise(state: 3)
        let clips = [
            AudioClip(samples: [], sampleRate: 16_000),
            AudioClip(samples: [], sampleRate: 0),
            AudioClip(samples: [Float](repeating: 0, count: 32_000), sampleRate: 16_000),
            AudioClip(samples: [Float](repeating: 0, count: 24_000), sampleRate: 48_000),
            AudioClip(samples: (0..<32_000).map { _ in 0.0005 * noise.nextSigned() }, sampleRate: 16_000),
            AudioClip(samples: [0.3, -0.2, 0.1], sampleRate: 16_000),
        ]
        for clip in clips {
            let result = try transcriber.transcribe(clip)
            XCTAssertEqual(result.text, "", "\(clip.samples.count) samples at \(clip.sampleRate) Hz")
            XCTAssertEqual(result.windows, 0)
            XCTAssertEqual(result.tokens, [])
            XCTAssertEqual(result.timings.encoder, 0)
        }
        let text = try awaitText(transcriber, [Float](repeating: 0, count: 16_000))
        XCTAssertEqual(text, "")
    }

    /// Over 40 s of speech (16 kHz utterances with 0.4 s pauses) is cut at a pause near 30 s
    /// and both windows are transcribed.
    func testLongClipIsCutIntoWindowsAndTranscribed() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let transcriber = try transcriber()
        var samples: [Float] = [], spoken: [String] = []
        for utterance in try WhisperFixtures.utterances() where utterance.sample_rate == 16_000 {
            samples += try WhisperFixtures.clip(utterance.file).samples + [Float](repeating: 0, count: 6_400)
            spoken.append(utterance.text)
            if samples.count > 41 * 16_000 { break }
        }
        let result = try transcriber.transcribe(AudioClip(samples: samples, sampleRate: 16_000))
        let (errors, words) = WordErrorRate.errors(reference: spoken.joined(separator: " "), hypothesis: result.text)
        print(String(format: "%.1f s in %d windows: %d/%d word errors; mel %.3f enc %.3f dec %.3f\n%@",
                     result.audioSeconds, result.windows, errors, words, result.timings.mel, result.timings.encoder,
                     result.timings.decoder, result.text))
        XCTAssertGreaterThan(result.audioSeconds, 40)
        XCTAssertEqual(result.windows, 2)
        XCTAssertLessThanOrEqual(Double(errors) / Double(words), 0.15)
    }

    /// The `SpeechToText` seam gives the same text as the clip API for 16 kHz samples.
    func testSpeechToTextConformance() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let transcriber = try transcriber()
        let samples = try WhisperFixtures.clip("u21_slt_100.wav").samples
        let direct = try transcriber.transcribe(AudioClip(samples: samples, sampleRate: 16_000)).text
        XCTAssertEqual(try awaitText(transcriber, samples), direct)
        XCTAssertEqual(direct, "Is there a keyboard shortcut for copy and paste?")
    }

    func testUnusableSamplesAreRefused() throws {
        let transcriber = try transcriber()
        XCTAssertThrowsError(try transcriber.transcribe(AudioClip(samples: [0, .nan, 0], sampleRate: 16_000))) {
            XCTAssertEqual(($0 as? SpeechError)?.isInvalidInput, true)
        }
        XCTAssertThrowsError(try transcriber.transcribe(AudioClip(samples: [0, 0.1], sampleRate: 0))) {
            XCTAssertEqual(($0 as? SpeechError)?.isInvalidInput, true)
        }
    }

    func testDamagedModelDirectoriesAreInvalidModels() throws {
        let files = try WhisperFixtures.modelFiles()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whisper-damaged-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["config.json", "vocabulary.txt", "tokenizer.json"] {
            try FileManager.default.copyItem(atPath: files.directory + "/" + name, toPath: directory.path + "/" + name)
        }
        let model = try Data(contentsOf: URL(fileURLWithPath: files.directory + "/model.bin"))
        for length in [0, 100, model.count / 2, model.count - 1] {
            try model.prefix(length).write(to: directory.appendingPathComponent("model.bin"))
            XCTAssertThrowsError(try WhisperTranscriber(directory: directory.path, threads: 1)) { error in
                guard case .invalidModel = error as? SpeechError else { return XCTFail("\(length): \(error)") }
            }
        }
        XCTAssertThrowsError(try WhisperTranscriber(directory: directory.path + "/missing", threads: 1))
    }

    private func awaitText(_ transcriber: WhisperTranscriber, _ samples: [Float]) throws -> String {
        let box = ResultBox()
        let done = expectation(description: "transcribed")
        Task {
            do { box.text = try await transcriber.transcribe(samples) } catch { box.error = error }
            done.fulfill()
        }
        wait(for: [done], timeout: 60)
        if let error = box.error { throw error }
        return box.text ?? ""
    }
}

private final class ResultBox: @unchecked Sendable {
    var text: String?
    var error: Error?
}
