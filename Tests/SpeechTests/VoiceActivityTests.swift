import Foundation
import Speech
import XCTest

final class VoiceActivityTests: XCTestCase {
    struct Utterances: Decodable {
        struct Item: Decodable { let file: String; let text: String; let voice: String; let rate: Double }
        let utterances: [Item]
    }

    func utterances() throws -> [Utterances.Item] {
        let data = try Data(contentsOf: AudioFrontEndFixtures.speechDirectory.appendingPathComponent("utterances.json"))
        return try JSONDecoder().decode(Utterances.self, from: data).utterances
    }

    /// White noise with the given RMS level in dBFS (uniform samples, RMS = peak / √3).
    func noise(_ count: Int, dB: Double, seed: UInt64 = 3) -> [Float] {
        var random = AudioFrontEndFixtures.Random(state: seed)
        let peak = Float(pow(10, dB / 20) * 3.0.squareRoot())
        return (0..<count).map { _ in random.uniform() * peak }
    }

    /// Where the sound in a clean clip is: first and last sample above 1 % of its peak.
    func soundBounds(_ samples: [Float]) -> (Int, Int) {
        let limit = (samples.map(abs).max() ?? 0) * 0.01
        let first = samples.firstIndex { abs($0) > limit } ?? 0
        let last = samples.lastIndex { abs($0) > limit } ?? 0
        return (first, last)
    }

    func testNothingToHear() {
        XCTAssertNil(VoiceActivity.speechRange([], sampleRate: 16000))
        XCTAssertNil(VoiceActivity.speechRange([0.3], sampleRate: 16000))
        XCTAssertNil(VoiceActivity.speechRange([Float](repeating: 0, count: 32000), sampleRate: 16000))
        XCTAssertNil(VoiceActivity.speechRange(noise(32000, dB: -60), sampleRate: 16000))
        XCTAssertNil(VoiceActivity.speechRange(noise(32000, dB: -55), sampleRate: 8000))
        // A DC offset with a little hiss on it is still silence.
        XCTAssertNil(VoiceActivity.speechRange(noise(32000, dB: -60).map { $0 + 0.3 }, sampleRate: 16000))
        // A single click is too short to be speech.
        var click = [Float](repeating: 0, count: 32000)
        click[16000] = 0.9
        click[16001] = -0.9
        XCTAssertNil(VoiceActivity.speechRange(click, sampleRate: 16000))
        XCTAssertNil(VoiceActivity.speechRange(noise(32000, dB: -20), sampleRate: 0))
    }

    func testSpeechIsTrimmedToWithinAThirdOfASecond() throws {
        for item in try utterances() {
            let clip = try WAVFile.read(path: AudioFrontEndFixtures.path(item.file))
            let rate = clip.sampleRate
            let (first, last) = soundBounds(clip.samples)
            for floor in [nil, -60.0, -50.0] {
                var samples = [Float](repeating: 0, count: rate) + clip.samples + [Float](repeating: 0, count: rate)
                if let dB = floor {
                    let hiss = noise(samples.count, dB: dB, seed: UInt64(item.file.count))
                    for i in samples.indices { samples[i] += hiss[i] + 0.05 }     // hiss and a DC offset
                }
                let range = try XCTUnwrap(VoiceActivity.speechRange(samples, sampleRate: rate), item.file)
                let startError = Double(range.lowerBound - (rate + first)) / Double(rate)
                let endError = Double(range.upperBound - (rate + last)) / Double(rate)
                let label = "\(item.file) floor \(floor.map { "\($0) dB" } ?? "none"): \(startError) s, \(endError) s"
                XCTAssertLessThanOrEqual(abs(startError), 0.3, label)
                XCTAssertLessThanOrEqual(abs(endError), 0.3, label)
                XCTAssertLessThanOrEqual(range.lowerBound, rate + first + rate / 20, "the onset is kept: \(label)")
                XCTAssertGreaterThanOrEqual(range.upperBound, rate + last - rate / 20, "the ending is kept: \(label)")
            }
        }
    }

    func testSpeechFillingTheClipIsKeptWhole() throws {
        let clip = try WAVFile.read(path: AudioFrontEndFixtures.path("u26_slt_100.wav"))
        let (first, last) = soundBounds(clip.samples)
        let speech = Array(clip.samples[first...last])
        let range = try XCTUnwrap(VoiceActivity.speechRange(speech, sampleRate: clip.sampleRate))
        XCTAssertEqual(range, 0..<speech.count)
        // A steady tone from end to end is kept too: nothing marks part of it as background.
        let tone = (0..<16000).map { Float(0.3 * sin(Double($0) * 0.2)) }
        XCTAssertEqual(VoiceActivity.speechRange(tone, sampleRate: 16000), 0..<16000)
    }

    func testSpeechOverLouderNoiseIsStillFound() throws {
        let clip = try WAVFile.read(path: AudioFrontEndFixtures.path("u13_awb_120.wav"))
        let rate = clip.sampleRate
        let (first, last) = soundBounds(clip.samples)
        var samples = [Float](repeating: 0, count: 2 * rate) + clip.samples + [Float](repeating: 0, count: 2 * rate)
        let hiss = noise(samples.count, dB: -40)
        for i in samples.indices { samples[i] += hiss[i] }
        let range = try XCTUnwrap(VoiceActivity.speechRange(samples, sampleRate: rate))
        XCTAssertLessThan(abs(range.lowerBound - (2 * rate + first)), rate * 4 / 10)
        XCTAssertLessThan(abs(range.upperBound - (2 * rate + last)), rate * 4 / 10)
    }
}
