import Foundation
import Speech
import XCTest

/// The worker voice's decoder: the committed MP3s (see Tests/Fixtures/speech/README.md) decode
/// to the audio that was encoded, and anything that is not a whole MP3 is a clear
/// `invalidAudio` error, never a crash or a clip of noise.
final class MP3DecoderTests: XCTestCase {
    private func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: AudioFrontEndFixtures.path(name))))
    }

    private static func rms(_ samples: [Float]) -> Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
    }

    /// The error `decode` throws for `bytes`, which must be `invalidAudio` naming the source.
    private func invalidReason(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let clip = try MP3Decoder.decode(bytes, name: "reply")
            XCTFail("decoded \(clip.samples.count) samples from bad input", file: file, line: line)
        } catch {
            guard case .invalidAudio(let path, let reason) = error else {
                XCTFail("not invalidAudio: \(error)", file: file, line: line)
                return ""
            }
            XCTAssertEqual(path, "reply", file: file, line: line)
            XCTAssertTrue(error.isInvalidInput, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
            return reason
        }
        return ""
    }

    /// The byte offset of the second frame: the first one is the LAME Info frame.
    private func secondFrame(_ bytes: [UInt8]) -> Int {
        (4..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] & 0xE0 == 0xE0 } ?? 0
    }

    func testTheSpokenFixtureDecodesToTheEncodedSpeech() throws {
        let clip = try MP3Decoder.decode(try fixture("hello-cloud-voice.mp3"))
        XCTAssertEqual(clip.sampleRate, 44_100)
        // The source WAV is 1.915 s; gapless decoding trims the encoder's delay and padding.
        XCTAssertEqual(clip.seconds, 1.915, accuracy: 0.005)
        XCTAssertEqual(Self.rms(clip.samples), 0.171, accuracy: 0.03, "the speech's energy survives")
        XCTAssertTrue(clip.samples.allSatisfy { $0.isFinite && abs($0) <= 1.01 })
        // Speech starts and ends quietly: the energy is in the middle.
        let tenth = clip.samples.count / 10
        XCTAssertLessThan(Self.rms(Array(clip.samples.prefix(tenth / 2))), 0.02)
        XCTAssertGreaterThan(Self.rms(Array(clip.samples[4 * tenth..<6 * tenth])), 0.1)
    }

    func testWithoutAnInfoFrameTheWholeStreamStillDecodes() throws {
        let bytes = try fixture("hello-cloud-voice.mp3")
        let bare = Array(bytes[secondFrame(bytes)...])
        XCTAssertLessThan(bare.count, bytes.count)
        let clip = try MP3Decoder.decode(bare)
        // No gapless information: the decoder's delay and the last frame's padding remain.
        XCTAssertEqual(clip.seconds, 1.915, accuracy: 0.06)
        XCTAssertEqual(Self.rms(clip.samples), 0.171, accuracy: 0.03)
    }

    func testStereoIsAveragedIntoMono() throws {
        let clip = try MP3Decoder.decode(try fixture("left-tone-stereo-24k.mp3"))
        XCTAssertEqual(clip.sampleRate, 24_000)
        XCTAssertEqual(clip.seconds, 0.3, accuracy: 0.005)
        // Left: a 0.5 tone (RMS 0.354); right: silence. Their mean has half the amplitude.
        let middle = Array(clip.samples[clip.samples.count / 4..<clip.samples.count * 3 / 4])
        XCTAssertEqual(Self.rms(middle), 0.177, accuracy: 0.015)
    }

    func testATrailingID3v1TagIsNotTruncation() throws {
        let bytes = try fixture("hello-cloud-voice.mp3")
        let tag = Array("TAG".utf8) + [UInt8](repeating: 0x20, count: 125)
        let tagged = try MP3Decoder.decode(bytes + tag)
        XCTAssertEqual(tagged, try MP3Decoder.decode(bytes))
    }

    func testEmptyInputIsAnError() {
        XCTAssertTrue(invalidReason([]).contains("empty"))
    }

    func testGarbageIsNotAnMP3() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let noise = (0..<5_000).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let page = Array("<html><body>502 Bad Gateway</body></html>".utf8)
        let json = Array(#"{"detail":{"status":"quota_exceeded","message":"out of credits"}}"#.utf8)
        let bareID3 = Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 10] + [UInt8](repeating: 0, count: 10)
        for bytes in [noise, page, json, bareID3, [0xFF, 0xFB], [UInt8](repeating: 0, count: 4_096)] {
            let reason = invalidReason(bytes)
            XCTAssertTrue(reason.contains("no MPEG audio frame"), reason)
        }
    }

    func testAStreamCutShortIsAnError() throws {
        let bytes = try fixture("hello-cloud-voice.mp3")
        // With the Info frame: fewer samples than it declares.
        let half = invalidReason(Array(bytes.prefix(bytes.count / 2)))
        XCTAssertTrue(half.contains("truncated") && half.contains("84452"), half)
        // Without it: the last frame has lost its end.
        let bare = Array(bytes[secondFrame(bytes)...])
        let cut = invalidReason(Array(bare.prefix(bare.count - 100)))
        XCTAssertTrue(cut.contains("truncated"), cut)
    }

    /// Cuts all through the file, and damage to its first frames, end in a clip or an
    /// error: libmpg123's results are all checked.
    func testNoCutOrDamageCrashes() throws {
        let bytes = try fixture("hello-cloud-voice.mp3")
        for length in stride(from: 0, through: bytes.count, by: 331) {
            _ = try? MP3Decoder.decode(Array(bytes.prefix(length)))
        }
        for offset in stride(from: 0, to: 400, by: 7) {
            var damaged = bytes
            damaged[offset] ^= 0xA5
            if let clip = try? MP3Decoder.decode(damaged) {
                XCTAssertTrue(clip.samples.allSatisfy(\.isFinite), "offset \(offset)")
            }
        }
    }
}
