import Foundation
import XCTest
@testable import Speech

/// Our transcripts against faster-whisper's on the same model, the same audio and the same
/// greedy options (`Tests/Fixtures/speech/faster-whisper.json`, made by
/// `scripts/whisper/faster_whisper_reference.py`). Issue 6 asks for the same text on at least
/// 90 % of the utterances; every difference is printed, and the README explains them.
final class FasterWhisperParityTests: XCTestCase {
    private struct Reference: Decodable {
        struct Utterance: Decodable {
            let file: String
            let text: String
            let tokens: [Int]
        }
        let utterances: [Utterance]
    }

    func testTranscriptsEqualFasterWhispersOnAtLeastNinetyPercent() throws {
        try WhisperFixtures.requireOptimizedBuild()
        _ = try WhisperFixtures.modelFiles()
        let data = try Data(contentsOf: WhisperFixtures.speech.appendingPathComponent("faster-whisper.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        XCTAssertGreaterThanOrEqual(reference.utterances.count, 20)
        let transcriber = try WhisperTranscriber(threads: 2)
        var sameText = 0, sameTokens = 0
        for utterance in reference.utterances {
            let ours = try transcriber.transcribe(try WhisperFixtures.clip(utterance.file))
            let theirs = utterance.text.trimmingCharacters(in: .whitespaces)
            if ours.text == theirs { sameText += 1 } else {
                print("differs: \(utterance.file)\n  ours:           \(ours.text)\n  faster-whisper: \(theirs)")
            }
            if ours.tokens == utterance.tokens { sameTokens += 1 }
        }
        let total = reference.utterances.count
        print("same text as faster-whisper: \(sameText)/\(total); same token ids: \(sameTokens)/\(total)")
        XCTAssertGreaterThanOrEqual(Double(sameText), 0.9 * Double(total))
    }
}
