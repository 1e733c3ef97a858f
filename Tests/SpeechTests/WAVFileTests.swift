import Foundation
import Speech
import XCTest

/// Shared by the audio front-end tests: the fixture folder, a byte-level WAV writer and a
/// deterministic random source.
enum AudioFrontEndFixtures {
    static let speechDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/speech")

    static func path(_ name: String) -> String { speechDirectory.appendingPathComponent(name).path }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16((v >> 16) & 0xFFFF) }

    static func chunk(_ id: String, _ body: [UInt8], pad: Bool = true) -> [UInt8] {
        Array(id.utf8) + le32(body.count) + body + (pad && body.count % 2 == 1 ? [0] : [])
    }

    /// A `fmt ` body; `extensible` wraps `code` as the sub-format of WAVE_FORMAT_EXTENSIBLE.
    static func fmt(code: Int, channels: Int, rate: Int, bits: Int, blockAlign: Int? = nil,
                    extensible: Bool = false, validBits: Int? = nil) -> [UInt8] {
        let align = blockAlign ?? channels * bits / 8
        var body = le16(extensible ? 0xFFFE : code) + le16(channels) + le32(rate) + le32(rate * align)
            + le16(align) + le16(bits)
        if extensible {
            body += le16(22) + le16(validBits ?? bits) + le32(0) + le16(code)
                + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
        }
        return body
    }

    static func riff(_ chunks: [[UInt8]]) -> [UInt8] {
        let body = Array("WAVE".utf8) + chunks.flatMap { $0 }
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    /// A 16-bit mono file of `samples`.
    static func pcm16(_ samples: [Int], rate: Int = 16_000) -> [UInt8] {
        riff([chunk("fmt ", fmt(code: 1, channels: 1, rate: rate, bits: 16)),
              chunk("data", samples.flatMap { le16($0 & 0xFFFF) })])
    }

    /// A 64-bit linear congruential generator: the same numbers on every machine.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        mutating func uniform() -> Float { Float(next() % 1_000_000) / 500_000 - 1 }   // -1…1
    }
}

final class WAVFileTests: XCTestCase {
    typealias F = AudioFrontEndFixtures

    func decode(_ bytes: [UInt8]) throws -> AudioClip { try WAVFile.decode(bytes, path: "t.wav") }

    func assertError(_ bytes: [UInt8], invalid: Bool, containing text: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
        do throws(SpeechError) {
            _ = try WAVFile.decode(bytes, path: "t.wav")
            XCTFail("decoded a file that should fail (\(text))", file: file, line: line)
        } catch {
            switch error {
            case .invalidAudio(_, let reason):
                XCTAssertTrue(invalid, "invalidAudio: \(reason)", file: file, line: line)
                XCTAssertTrue(text.isEmpty || reason.contains(text), reason, file: file, line: line)
            case .unsupportedAudio(_, let reason):
                XCTAssertFalse(invalid, "unsupportedAudio: \(reason)", file: file, line: line)
                XCTAssertTrue(text.isEmpty || reason.contains(text), reason, file: file, line: line)
            default: XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
        }
    }

    func testEveryIntegerEncodingScalesToUnitRange() throws {
        let u8 = try decode(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 8000, bits: 8)),
                                    F.chunk("data", [0, 128, 255, 64])]))
        XCTAssertEqual(u8.samples, [-1, 0, 127.0 / 128, -0.5])
        XCTAssertEqual(u8.sampleRate, 8000)
        XCTAssertEqual(try decode(F.pcm16([-32768, 0, 32767, 16384])).samples, [-1, 0, 32767.0 / 32768, 0.5])
        let i24: [Int] = [-8_388_608, 0, 8_388_607, -1, 4_194_304]
        let b24 = i24.flatMap { v in [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF)] }
        let s24 = try decode(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 48000, bits: 24)),
                                     F.chunk("data", b24)]))
        XCTAssertEqual(s24.samples, i24.map { Float($0) / 8_388_608 })
        let i32: [Int] = [Int(Int32.min), 0, Int(Int32.max), -1_073_741_824]
        let s32 = try decode(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 44100, bits: 32)),
                                     F.chunk("data", i32.flatMap { F.le32($0) })]))
        XCTAssertEqual(s32.samples, [-1, 0, 1, -0.5])
    }

    func testFloatEncodingsAndExtensibleSubformats() throws {
        let values: [Float] = [0.5, -0.25, 1.5, 0]
        let f32 = values.flatMap { F.le32(Int($0.bitPattern)) }
        let f64 = values.flatMap { v -> [UInt8] in
            let bits = Double(v).bitPattern
            return (0..<8).map { UInt8((bits >> (8 * UInt64($0))) & 0xFF) }
        }
        for (format, body) in [(F.fmt(code: 3, channels: 1, rate: 16000, bits: 32), f32),
                               (F.fmt(code: 3, channels: 1, rate: 16000, bits: 64), f64),
                               (F.fmt(code: 3, channels: 1, rate: 16000, bits: 32, extensible: true), f32),
                               (F.fmt(code: 3, channels: 1, rate: 16000, bits: 64, extensible: true), f64)] {
            XCTAssertEqual(try decode(F.riff([F.chunk("fmt ", format), F.chunk("data", body)])).samples, values)
        }
        let ext16 = F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 16000, bits: 16, extensible: true)),
                            F.chunk("data", F.le16(0x4000) + F.le16(0xC000))])
        XCTAssertEqual(try decode(ext16).samples, [0.5, -0.5])
        // 24 valid bits left-justified in a 32-bit container.
        let ext24in32 = F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 16000, bits: 32,
                                                      extensible: true, validBits: 24)),
                                F.chunk("data", F.le32(0x4000_0000) + F.le32(0xC000_0000))])
        XCTAssertEqual(try decode(ext24in32).samples, [0.5, -0.5])
        var nan = F.riff([F.chunk("fmt ", F.fmt(code: 3, channels: 1, rate: 16000, bits: 32)),
                          F.chunk("data", F.le32(Int(Float.nan.bitPattern)))])
        assertError(nan, invalid: true, containing: "NaN")
        nan = F.riff([F.chunk("fmt ", F.fmt(code: 3, channels: 1, rate: 16000, bits: 64)),
                      F.chunk("data", (0..<8).map { UInt8((Double.greatestFiniteMagnitude.bitPattern >> (8 * UInt64($0))) & 0xFF) })])
        assertError(nan, invalid: true, containing: "out of range")
    }

    func testChannelsAreAveragedIntoMono() throws {
        for channels in 1...8 {
            // Channel c holds (c + 1) × 1024 in frame 0 and its negation in frame 1.
            let frame0 = (0..<channels).flatMap { F.le16(($0 + 1) * 1024) }
            let frame1 = (0..<channels).flatMap { F.le16((-($0 + 1) * 1024) & 0xFFFF) }
            let clip = try decode(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: channels, rate: 22050, bits: 16)),
                                          F.chunk("data", frame0 + frame1)]))
            let mean = Float(channels + 1) / 2 * 1024 / 32768
            XCTAssertEqual(clip.samples.count, 2)
            XCTAssertEqual(clip.samples[0], mean, accuracy: 1e-6)
            XCTAssertEqual(clip.samples[1], -mean, accuracy: 1e-6)
        }
        assertError(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 9, rate: 16000, bits: 16)),
                            F.chunk("data", [])]), invalid: false, containing: "9 channels")
        assertError(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 0, rate: 16000, bits: 16, blockAlign: 2)),
                            F.chunk("data", [])]), invalid: true, containing: "zero channels")
        assertError(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 2, rate: 16000, bits: 16, blockAlign: 2)),
                            F.chunk("data", [0, 0])]), invalid: true, containing: "block align")
    }

    func testChunksInAnyOrderUnknownOnesSkippedOddSizesPadded() throws {
        let format = F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 16000, bits: 16))
        let data = F.chunk("data", F.le16(16384) + F.le16(0xC000))
        let list = F.chunk("LIST", Array("INFOISFT".utf8) + [1, 2, 3])      // 11 bytes + pad
        let fact = F.chunk("fact", F.le32(2))
        for order in [[format, list, data], [data, format], [list, data, fact, format], [fact, format, list, data]] {
            XCTAssertEqual(try decode(F.riff(order)).samples, [0.5, -0.5])
        }
        // Bytes after the RIFF body, a missing final pad byte and a partial last frame are tolerated.
        XCTAssertEqual(try decode(F.riff([format, data]) + [9, 9, 9]).samples, [0.5, -0.5])
        XCTAssertEqual(try decode(F.riff([format, data, F.chunk("junk", [7], pad: false)])).samples, [0.5, -0.5])
        let partial = F.riff([format, F.chunk("data", F.le16(16384) + [0x55])])
        XCTAssertEqual(try decode(partial).samples, [0.5])
        XCTAssertEqual(try decode(F.riff([format, F.chunk("data", [])])).samples, [])
    }

    func testRatesFrom8kTo192kOthersRefused() throws {
        for rate in [8000, 11025, 16000, 44100, 96000, 192_000] {
            XCTAssertEqual(try decode(F.pcm16([1, 2], rate: rate)).sampleRate, rate)
        }
        assertError(F.pcm16([1], rate: 7999), invalid: false, containing: "7999 Hz")
        assertError(F.pcm16([1], rate: 192_001), invalid: false, containing: "192001 Hz")
        assertError(F.pcm16([1], rate: 0xFFFF_FFFF), invalid: false, containing: "4294967295 Hz")
        assertError(F.pcm16([1], rate: 0), invalid: true, containing: "sample rate 0")
    }

    func testCompressedAndOddEncodingsAreUnsupportedByName() {
        let cases: [(Int, Int, String)] = [(7, 8, "0x0007 (μ-law)"), (6, 8, "0x0006 (A-law)"),
                                           (2, 4, "0x0002 (Microsoft ADPCM)"), (0x11, 4, "0x0011 (IMA ADPCM)"),
                                           (0x55, 0, "0x0055 (MPEG layer 3"), (0x1234, 16, "0x1234")]
        for (code, bits, text) in cases {
            assertError(F.riff([F.chunk("fmt ", F.fmt(code: code, channels: 1, rate: 8000, bits: bits, blockAlign: 1)),
                                F.chunk("data", [1, 2, 3, 4])]), invalid: false, containing: text)
        }
        assertError(F.riff([F.chunk("fmt ", F.fmt(code: 7, channels: 1, rate: 8000, bits: 8, extensible: true)),
                            F.chunk("data", [1])]), invalid: false, containing: "μ-law")
        assertError(F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 8000, bits: 12, blockAlign: 2)),
                            F.chunk("data", [1, 2])]), invalid: false, containing: "PCM with 12 bits")
        assertError(F.riff([F.chunk("fmt ", F.fmt(code: 3, channels: 1, rate: 8000, bits: 16)),
                            F.chunk("data", [1, 2])]), invalid: false, containing: "IEEE float with 16 bits")
        assertError(Array("RIFX".utf8) + F.pcm16([1]).dropFirst(4), invalid: false, containing: "RIFX")
    }

    func testMalformedStructureIsInvalid() {
        let format = F.chunk("fmt ", F.fmt(code: 1, channels: 1, rate: 16000, bits: 16))
        let data = F.chunk("data", F.le16(1) + F.le16(2))
        assertError(F.riff([data]), invalid: true, containing: "no 'fmt ' chunk")
        assertError(F.riff([format]), invalid: true, containing: "no 'data' chunk")
        assertError(F.riff([format, format, data]), invalid: true, containing: "second 'fmt '")
        assertError(F.riff([format, data, data]), invalid: true, containing: "second 'data'")
        assertError(F.riff([F.chunk("fmt ", Array(F.fmt(code: 1, channels: 1, rate: 16000, bits: 16).prefix(14))), data]),
                    invalid: true, containing: "needs at least 16")
        assertError(F.riff([F.chunk("fmt ", Array(F.fmt(code: 1, channels: 1, rate: 16000, bits: 16,
                                                          extensible: true).prefix(30))), data]),
                    invalid: true, containing: "EXTENSIBLE")
        // A data chunk that claims more than the file holds (RIFF size consistent with the file).
        var big = F.riff([format, data])
        big.replaceSubrange((big.count - 8)..<(big.count - 4), with: F.le32(1000))
        assertError(big, invalid: true, containing: "declares 1000 bytes")
        var huge = F.riff([format, data])
        huge.replaceSubrange(16..<20, with: F.le32(0xFFFF_FFF0))
        assertError(huge, invalid: true, containing: "'fmt '")
        var riffBig = F.riff([format, data])
        riffBig.replaceSubrange(4..<8, with: F.le32(riffBig.count))
        assertError(riffBig, invalid: true, containing: "truncated")
        var riffTiny = F.riff([format, data])
        riffTiny.replaceSubrange(4..<8, with: F.le32(2))
        assertError(riffTiny, invalid: true, containing: "smaller than its WAVE tag")
        assertError(Array("RIFF".utf8) + F.le32(4) + Array("AVI ".utf8), invalid: true, containing: "not WAVE")
        assertError(Array("OggS".utf8) + [UInt8](repeating: 0, count: 40), invalid: true, containing: "'OggS'")
        assertError([0x00, 0xFF, 0x10, 0x80] + [UInt8](repeating: 0, count: 40), invalid: true, containing: "0x00FF1080")
    }

    func testEveryTruncationIsInvalid() {
        let whole = F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 2, rate: 16000, bits: 16)),
                            F.chunk("LIST", [1, 2, 3]), F.chunk("data", (0..<40).map { UInt8($0) })])
        XCTAssertNoThrow(try decode(whole))
        for length in 0..<whole.count { assertError(Array(whole.prefix(length)), invalid: true) }
    }

    func testGarbageAndMutationsNeverCrash() {
        var random = F.Random(state: 42)
        let valid = F.riff([F.chunk("fmt ", F.fmt(code: 1, channels: 2, rate: 44100, bits: 24)),
                            F.chunk("LIST", [1, 2, 3]), F.chunk("data", (0..<60).map { UInt8($0) })])
        var decoded = 0
        for round in 0..<4000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(random.next() & 0xFF) }
                if round % 8 == 0, bytes.count >= 12 {    // a plausible header over garbage
                    bytes.replaceSubrange(0..<12, with: Array("RIFF".utf8) + F.le32(bytes.count - 8) + Array("WAVE".utf8))
                }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(random.next() & 0xFF)
                }
            }
            do throws(SpeechError) {
                let clip = try WAVFile.decode(bytes, path: "fuzz.wav")
                XCTAssertTrue(clip.samples.allSatisfy { $0.isFinite })
                decoded += 1
            } catch {
                XCTAssertTrue(error.isInvalidInput, "\(error)")
            }
        }
        XCTAssertGreaterThan(decoded, 100)   // mutations of sample bytes still decode
    }

    func testReadsTheTestSpeechAndReportsMissingFiles() throws {
        let clip = try WAVFile.read(path: F.path("u04_slt_100.wav"))
        XCTAssertEqual(clip.sampleRate, 16000)
        XCTAssertEqual(clip.seconds, 1.935, accuracy: 0.001)
        XCTAssertGreaterThan(clip.samples.map(abs).max() ?? 0, 0.3)
        XCTAssertEqual(try WAVFile.read(path: F.path("u02_kal_100.wav")).sampleRate, 8000)
        XCTAssertThrowsError(try WAVFile.read(path: F.path("no-such-file.wav"))) { error in
            guard case .io(let path, _)? = error as? SpeechError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("no-such-file.wav"))
        }
    }
}
