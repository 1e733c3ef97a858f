import Speech
import XCTest

final class SpeechTypesTests: XCTestCase {
    func testErrorsAreOneLineAndMalformedInputIsExitCodeThree() {
        let errors: [SpeechError] = [.invalidAudio(path: "a.wav", reason: "truncated header"),
                                     .unsupportedAudio(path: "a.wav", reason: "μ-law"),
                                     .invalidModel(path: "m", reason: "bad magic"), .io(path: "x", reason: "denied")]
        for error in errors { XCTAssertFalse(error.description.contains("\n")) }
        XCTAssertEqual(errors.map(\.isInvalidInput), [true, true, true, false])
        XCTAssertEqual(AudioClip(samples: Array(repeating: 0, count: 8000), sampleRate: 16000).seconds, 0.5)
    }
}
