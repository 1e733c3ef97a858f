import Foundation
import XCTest
@testable import Speech

/// The level meter's decibel mapping, and what a missing device looks like: a one-line
/// `AudioDeviceError`, no crash, and not a word from alsa-lib on stderr.
final class AudioLevelAndMissingDeviceTests: XCTestCase {
    private static let missing = "clicky_no_such_device"

    func testLoudnessMapsMinus60To0dBFSOntoZeroToOne() {
        XCTAssertEqual(AudioLevel.loudness(rms: 1), 1, accuracy: 1e-12)
        XCTAssertEqual(AudioLevel.loudness(rms: 0.001), 0, accuracy: 1e-12)              // -60 dBFS
        XCTAssertEqual(AudioLevel.loudness(rms: pow(10, -30.0 / 20)), 0.5, accuracy: 1e-12)
        XCTAssertEqual(AudioLevel.loudness(rms: pow(10, -15.0 / 20)), 0.75, accuracy: 1e-12)
        XCTAssertEqual(AudioLevel.loudness(rms: 0.0001), 0)                               // below the floor
        XCTAssertEqual(AudioLevel.loudness(rms: 4), 1)                                    // above full scale
        XCTAssertEqual(AudioLevel.loudness(rms: 0), 0)
        XCTAssertEqual(AudioLevel.loudness(rms: .nan), 0)
        XCTAssertEqual(AudioLevel.loudness(rms: -1), 0)
        // A full-scale sine has an RMS of 1/√2, -3 dBFS.
        let sine = (0..<1600).map { Float(sin(2 * Double.pi * 440 * Double($0) / 16_000)) }
        XCTAssertEqual(AudioLevel.loudness(of: sine), 1 - 3.0103 / 60, accuracy: 1e-3)
        XCTAssertEqual(AudioLevel.loudness(of: [Float]()), 0)
        // Louder is never lower.
        let steps = stride(from: -80.0, through: 10, by: 0.5).map { AudioLevel.loudness(rms: pow(10, $0 / 20)) }
        XCTAssertEqual(steps, steps.sorted())
    }

    func testLevelMeterGivesOneLevelPerStretch() {
        var meter = LevelMeter(framesPerLevel: 800)
        var levels: [Double] = []
        let quiet = [Float](repeating: 0, count: 1000), loud = [Float](repeating: 0.5, count: 1400)
        quiet.withUnsafeBufferPointer { meter.add($0) { levels.append($0) } }
        XCTAssertEqual(levels, [0], "1000 samples complete one 800-sample stretch")
        loud.withUnsafeBufferPointer { meter.add($0) { levels.append($0) } }
        // 200 quiet + 600 loud, then 800 loud; 0 samples left over.
        XCTAssertEqual(levels.count, 3)
        XCTAssertEqual(levels[1], AudioLevel.loudness(rms: (0.25 * 600 / 800).squareRoot()), accuracy: 1e-9)
        XCTAssertEqual(levels[2], AudioLevel.loudness(rms: 0.5), accuracy: 1e-9)
    }

    func testMissingDevicesAreOneLineErrorsWithNothingOnStderr() async throws {
        let stderrText = try await Self.capturingStandardError {
            let microphone = AlsaMicrophone(device: Self.missing)
            do {
                try await microphone.start { _ in }
                XCTFail("a missing microphone opened")
            } catch let error as AudioDeviceError {
                XCTAssertEqual(error.kind, .noMicrophone)
                XCTAssertEqual(error.device, Self.missing)
                XCTAssertFalse(error.reason.isEmpty)
                XCTAssertFalse(error.description.contains("\n"), error.description)
                XCTAssertTrue(error.description.contains("no microphone"), error.description)
            }
            let nothing = await microphone.stop()
            XCTAssertEqual(nothing, [], "stop after a failed start")

            do {
                try await AlsaSpeaker(device: Self.missing).play(AudioClip(samples: [0, 0.1, 0], sampleRate: 16_000))
                XCTFail("a missing speaker opened")
            } catch let error as AudioDeviceError {
                XCTAssertEqual(error.kind, .noSpeaker)
                XCTAssertFalse(error.description.contains("\n"), error.description)
            }

            guard case .failure(let mic) = AudioDevices.checkMicrophone(device: Self.missing),
                  case .failure(let speaker) = AudioDevices.checkSpeaker(device: Self.missing) else {
                return XCTFail("the probes found a missing device")
            }
            XCTAssertEqual([mic.kind, speaker.kind], [.noMicrophone, .noSpeaker])
            print("no device: \(mic)")
        }
        XCTAssertEqual(stderrText, "", "alsa-lib wrote to stderr")
    }

    /// The pulse device with no server where PULSE_SERVER points: refused, quietly.
    func testPulseWithNoServerIsRefusedQuietly() async throws {
        let saved = ProcessInfo.processInfo.environment["PULSE_SERVER"]
        setenv("PULSE_SERVER", "unix:/nonexistent/clicky/native", 1)
        defer { if let saved { setenv("PULSE_SERVER", saved, 1) } else { unsetenv("PULSE_SERVER") } }
        let stderrText = try await Self.capturingStandardError {
            guard case .failure(let error) = AudioDevices.checkSpeaker(device: "pulse") else {
                return XCTFail("pulse opened with no server")
            }
            XCTAssertEqual(error.kind, .noSpeaker)
            print("pulse with no server: \(error)")
        }
        XCTAssertEqual(stderrText, "")
    }

    func testStartingTwiceAndStoppingWithoutStartAreHarmless() async throws {
        let microphone = AlsaMicrophone(device: Self.missing)
        let nothing = await microphone.stop()
        XCTAssertEqual(nothing, [])
        let again = await microphone.stop()
        XCTAssertEqual(again, [])
    }

    /// Runs `body` with this process's stderr (fd 2) going to a file; returns what was written.
    static func capturingStandardError(_ body: () async throws -> Void) async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard file >= 0 else { throw XCTSkip("cannot create \(path)") }
        fflush(nil)
        let saved = dup(2)
        dup2(file, 2)
        close(file)
        do {
            try await body()
        } catch {
            dup2(saved, 2)
            close(saved)
            throw error
        }
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
