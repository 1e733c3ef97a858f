import Foundation
@testable import Speech
import XCTest

/// eSpeak NG as a voice: real speech from the real program, voices checked up front, text
/// that looks like an option spoken rather than obeyed.
final class EspeakVoiceTests: XCTestCase {
    private func requireEspeak(voice: String = "en-us", wordsPerMinute: Int? = nil) throws -> EspeakVoice {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng") || ProcessInfo.processInfo.environment["PATH"]?
            .split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/espeak-ng") }) == true else {
            throw XCTSkip("espeak-ng is not installed (apt install espeak-ng)")
        }
        return try EspeakVoice(voice: voice, wordsPerMinute: wordsPerMinute)
    }

    private static func rms(_ samples: [Float]) -> Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
    }

    func testSynthesizeGivesSpeech() async throws {
        let voice = try requireEspeak()
        XCTAssertFalse(voice.needsInternet)
        let clip = try await voice.synthesize("Paris is the capital of France.")
        XCTAssertEqual(clip.sampleRate, 22_050)
        // Six words at espeak-ng's 175 words per minute: about two seconds.
        XCTAssertGreaterThan(clip.seconds, 1)
        XCTAssertLessThan(clip.seconds, 5)
        XCTAssertGreaterThan(Self.rms(clip.samples), 0.01, "speech has energy")
    }

    func testSpeedChangesTheDuration() throws {
        let sentence = "Open the settings menu and choose the display tab."
        let slow = try requireEspeak(wordsPerMinute: 100).synthesize(sentence)
        let fast = try requireEspeak(wordsPerMinute: 300).synthesize(sentence)
        XCTAssertGreaterThan(slow.seconds, fast.seconds * 2)
        XCTAssertThrowsError(try EspeakVoice(wordsPerMinute: 5_000)) { error in
            XCTAssertTrue("\(error)".contains("80–450"), "\(error)")
        }
    }

    func testLanguageCodesAndNamesAreAccepted() throws {
        _ = try requireEspeak()
        for name in ["fr", "de", "en-gb", "German", "en-us+f3"] {
            let clip = try EspeakVoice(voice: name).synthesize("un deux trois")
            XCTAssertGreaterThan(Self.rms(clip.samples), 0.01, name)
        }
    }

    func testTextThatLooksLikeAnOptionIsSpoken() throws {
        let voice = try requireEspeak()
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("espeak-\(UUID().uuidString).wav")
        // Read as options these would pick a missing voice, write elsewhere or print help.
        for text in ["-v", "-v xx", "--help", "-w \(marker.path) hello", "--stdout"] {
            let clip = try voice.synthesize(text)
            XCTAssertGreaterThan(clip.seconds, 0.2, text)
            XCTAssertGreaterThan(Self.rms(clip.samples), 0.01, "\(text) is spoken")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
    }

    func testUnknownVoiceIsAClearError() throws {
        _ = try requireEspeak()
        XCTAssertThrowsError(try EspeakVoice(voice: "no-such-voice")) { error in
            guard case .io = error as? SpeechError else { return XCTFail("\(error)") }
            let line = "\(error)"
            XCTAssertTrue(line.contains("no voice \"no-such-voice\""), line)
            XCTAssertTrue(line.contains("en-us") && line.contains("espeak-ng --voices"), "says what to pick: \(line)")
            XCTAssertFalse(line.contains("\n"))
        }
        XCTAssertThrowsError(try EspeakVoice(voice: "  "))
    }

    func testMissingExecutableNamesTheDebianPackage() {
        XCTAssertThrowsError(try EspeakVoice(executable: "/nonexistent/bin/espeak-ng")) { error in
            guard let error = error as? SpeechError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("/nonexistent/bin/espeak-ng"), error.description)
            XCTAssertTrue(error.description.contains("apt install espeak-ng"), error.description)
        }
    }

    func testTheVoiceListingNamesEveryWayToPickAVoice() {
        let listing = """
        Pty Language       Age/Gender VoiceName          File                 Other Languages
         5  af              --/M      Afrikaans          gmw/af
         2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
         5  en-gb           --/M      English_(Great_Britain) gmw/en    (en-gb 3)(en 8)
        """
        var voices = EspeakVoiceListing(listing)
        voices.read("Pty Language VoiceName\n 5  en-us  --/F  us-mbrola-1  mb/mb-us1  (en 8)\n", offeringLanguages: false)
        XCTAssertEqual(voices.languages, ["af", "en-us", "en-gb"])
        for name in ["af", "EN-US", "en", "en-gb", "English (America)", "english_(america)", "gmw/en-US", "en-us",
                     "us-mbrola-1", "mb-us1"] {
            XCTAssertTrue(voices.contains(name), name)
        }
        for name in ["", "no", "gmw", "English", "3", "--/M"] {
            XCTAssertFalse(voices.contains(name), name)
        }
        XCTAssertEqual(EspeakVoiceListing.mbrolaHint("Cannot find MBROLA voice file 'us1' in neither of paths:"),
                       "apt install mbrola mbrola-us1")
    }

    func testAnUnknownVariantOrAnUninstalledMBROLAVoiceIsAClearError() throws {
        _ = try requireEspeak()
        XCTAssertThrowsError(try EspeakVoice(voice: "en-us+no-such-variant")) { error in
            XCTAssertTrue("\(error)".contains("no variant \"no-such-variant\""), "\(error)")
        }
        guard !FileManager.default.fileExists(atPath: "/usr/share/mbrola/us1") else { return }
        XCTAssertThrowsError(try EspeakVoice(voice: "us-mbrola-1")) { error in
            XCTAssertTrue("\(error)".contains("needs MBROLA") && "\(error)".contains("apt install mbrola mbrola-us1"), "\(error)")
        }
    }

    func testNoTemporaryFilesAreLeftBehind() throws {
        let voice = try requireEspeak()
        let before = try leftovers()
        _ = try voice.synthesize("Tidy up.")
        XCTAssertEqual(try leftovers(), before)
    }

    private func leftovers() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("clicky-espeak-ng-") })
    }
}
