import Foundation
import XCTest
@testable import Speech

/// The short window (``WhisperShortWindow``, whisper.cpp's `audio_ctx`): how many encoder
/// positions a clip gets, the fall-back to the full window for long clips, and the quality gate
/// that lets `clicky talk` use it — over the 28 test utterances at most one word error more
/// than the full window in total, and no repetition the speaker did not say.
final class WhisperShortWindowTests: XCTestCase {
    nonisolated(unsafe) private static var loaded: WhisperTranscriber?

    /// One transcriber made with `shortWindow: true`; the full window is asked for per call.
    private func transcriber() throws -> WhisperTranscriber {
        _ = try WhisperFixtures.modelFiles()
        if let loaded = Self.loaded { return loaded }
        let made = try WhisperTranscriber(threads: 2, shortWindow: true)
        Self.loaded = made
        return made
    }

    func testPositionsAreTheSpeechPlusTheMarginUpToTheFullWindow() {
        let second = WhisperShortWindow(margin: 1)
        XCTAssertEqual(second.positions(speechFrames: 300, audioContext: 1500), 150 + 50)
        XCTAssertEqual(second.positions(speechFrames: 301, audioContext: 1500), 151 + 50, "a half position rounds up")
        XCTAssertEqual(second.positions(speechFrames: 1, audioContext: 1500), 1 + 50)
        XCTAssertEqual(WhisperShortWindow(margin: 0.5).positions(speechFrames: 300, audioContext: 1500), 150 + 25)
        XCTAssertEqual(WhisperShortWindow(margin: 0.01).positions(speechFrames: 300, audioContext: 1500), 151,
                       "a margin under one position still gets one")
        XCTAssertEqual(WhisperShortWindow(margin: 0).positions(speechFrames: 0, audioContext: 1500), 1)
        // 29.5 s of speech plus a second is more than the window: the full window.
        XCTAssertEqual(second.positions(speechFrames: 2950, audioContext: 1500), 1500)
        XCTAssertEqual(second.positions(speechFrames: 2900, audioContext: 1500), 1500)
        XCTAssertEqual(second.positions(speechFrames: 2898, audioContext: 1500), 1499)
        // 30 s and more: the full window, never more.
        XCTAssertEqual(second.positions(speechFrames: 3000, audioContext: 1500), 1500)
        XCTAssertEqual(second.positions(speechFrames: 6000, audioContext: 1500), 1500)
        // The tuned margin: a 3 s question gets 650 positions; from 20 s of speech on, all 1500.
        XCTAssertEqual(WhisperShortWindow.standard.positions(speechFrames: 300, audioContext: 1500), 650)
        XCTAssertEqual(WhisperShortWindow.standard.positions(speechFrames: 2000, audioContext: 1500), 1500)
    }

    func testTranscriberDefaultsToTheFullWindow() throws {
        _ = try WhisperFixtures.modelFiles()
        XCTAssertNil(try WhisperTranscriber(threads: 1).shortWindow)
        XCTAssertEqual(try transcriber().shortWindow, .standard)
    }

    /// A short clip encodes its speech plus the margin; a clip of more than 30 s runs full
    /// windows even from a short-window transcriber.
    func testShortClipIsShortenedAndLongClipFallsBackToFullWindows() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let transcriber = try transcriber()
        let short = try transcriber.transcribe(try WhisperFixtures.clip("u04_slt_100.wav"))
        XCTAssertEqual(short.text, "What is the capital of France?")
        XCTAssertLessThan(short.positions, 1500)
        XCTAssertGreaterThanOrEqual(Double(short.positions), short.audioSeconds * 50 * 0.6)
        let full = try transcriber.transcribe(try WhisperFixtures.clip("u04_slt_100.wav"), shortWindow: nil)
        XCTAssertEqual(full.positions, 1500)

        var samples: [Float] = []
        for utterance in try WhisperFixtures.utterances() where utterance.sample_rate == 16_000 {
            samples += try WhisperFixtures.clip(utterance.file).samples + [Float](repeating: 0, count: 6_400)
            if samples.count > 41 * 16_000 { break }
        }
        let long = try transcriber.transcribe(AudioClip(samples: samples, sampleRate: 16_000))
        XCTAssertEqual(long.windows, 2)
        XCTAssertEqual(long.positions, 1500)
        // The voice loop's seam uses the transcriber's window.
        let clip = try WhisperFixtures.clip("u21_slt_100.wav")
        XCTAssertEqual(try awaitText(transcriber, clip.samples), try transcriber.transcribe(clip).text)
    }

    /// The gate for `clicky talk`: the short window's word errors over the test speech are at
    /// most the full window's + 1, and it repeats nothing the speaker did not say. Prints every
    /// utterance whose text differs.
    func testShortWindowWordErrorsWithinOneOfTheFullWindow() throws {
        try WhisperFixtures.requireOptimizedBuild()
        let gate = try measure(.standard)
        print("short window, margin \(WhisperShortWindow.standard.margin) s: \(gate.shortErrors) word errors, "
              + "full window \(gate.fullErrors), of \(gate.words) words; repetitions: \(gate.repetitions)")
        XCTAssertLessThanOrEqual(gate.shortErrors, gate.fullErrors + 1)
        XCTAssertEqual(gate.repetitions, [])
    }

    /// `CLICKY_WHISPER_MARGINS=0,0.5,1` measures other margins (tuning only; skipped otherwise).
    func testMarginSweep() throws {
        try WhisperFixtures.requireOptimizedBuild()
        guard let list = ProcessInfo.processInfo.environment["CLICKY_WHISPER_MARGINS"] else {
            throw XCTSkip("set CLICKY_WHISPER_MARGINS=0.5,1,… to measure margins")
        }
        for margin in list.split(separator: ",").compactMap({ Double($0) }) {
            let gate = try measure(WhisperShortWindow(margin: margin))
            print(String(format: "margin %.2f s: short %d, full %d word errors of %d; encoder %.3f vs %.3f s; "
                         + "repetitions %@", margin, gate.shortErrors, gate.fullErrors, gate.words,
                         gate.shortEncoder, gate.fullEncoder, gate.repetitions.description))
        }
    }

    private struct Gate {
        var fullErrors = 0, shortErrors = 0, words = 0
        var fullEncoder = 0.0, shortEncoder = 0.0
        var repetitions: [String] = []
    }

    private func measure(_ window: WhisperShortWindow) throws -> Gate {
        let transcriber = try transcriber()
        var gate = Gate()
        for utterance in try WhisperFixtures.utterances() {
            let clip = try WhisperFixtures.clip(utterance.file)
            let full = try transcriber.transcribe(clip, shortWindow: nil)
            let short = try transcriber.transcribe(clip, shortWindow: window)
            let f = WordErrorRate.errors(reference: utterance.text, hypothesis: full.text)
            let s = WordErrorRate.errors(reference: utterance.text, hypothesis: short.text)
            gate.fullErrors += f.errors
            gate.shortErrors += s.errors
            gate.words += f.words
            gate.fullEncoder += full.timings.encoder
            gate.shortEncoder += short.timings.encoder
            if let repeated = Self.repetition(in: short.text, reference: utterance.text) {
                gate.repetitions.append("\(utterance.file): \(repeated)")
            }
            if short.text != full.text {
                print("\(utterance.file) (\(short.positions) positions): \(f.errors) → \(s.errors) errors\n"
                      + "  full:  \(full.text)\n  short: \(short.text)")
            }
        }
        return gate
    }

    /// The first run of words said twice in a row (one word three times) in `text` that the
    /// reference does not say so: the decoder looping, Whisper's usual hallucination.
    static func repetition(in text: String, reference: String) -> String? {
        let words = WordErrorRate.normalize(text), spoken = WordErrorRate.normalize(reference).joined(separator: " ")
        for n in 1...6 {
            let times = n == 1 ? 3 : 2
            guard words.count >= n * times else { continue }
            for start in 0...(words.count - n * times) {
                let unit = Array(words[start..<start + n])
                let run = (0..<times).allSatisfy { Array(words[start + $0 * n..<start + ($0 + 1) * n]) == unit }
                let said = Array(repeating: unit.joined(separator: " "), count: times).joined(separator: " ")
                if run && !(" " + spoken + " ").contains(" " + said + " ") { return said }
            }
        }
        return nil
    }

    func testRepetitionFinder() {
        XCTAssertNil(Self.repetition(in: "What is the capital of France?", reference: "What is the capital of France?"))
        XCTAssertEqual(Self.repetition(in: "the the the end", reference: "the end"), "the the the")
        XCTAssertEqual(Self.repetition(in: "open the menu. Open the menu.", reference: "Open the menu."),
                       "open the menu open the menu")
        XCTAssertNil(Self.repetition(in: "very very good", reference: "very very good"))
    }

    private func awaitText(_ transcriber: WhisperTranscriber, _ samples: [Float]) throws -> String {
        let box = TextBox()
        let done = expectation(description: "transcribed")
        Task {
            box.text = try? await transcriber.transcribe(samples)
            done.fulfill()
        }
        wait(for: [done], timeout: 60)
        return try XCTUnwrap(box.text)
    }
}

private final class TextBox: @unchecked Sendable {
    var text: String?
}
