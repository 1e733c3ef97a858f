import Foundation
import TestSupport
import XCTest

/// A private PulseAudio for one test (`Tests/Servers/pulse_server.sh`): a null sink `speaker`
/// whose monitor is recorded with parecord, and a pipe source `mic` fed by
/// `Tests/Servers/mic_feeder.py` — silence, or a spoken question when asked.
final class AudioRig {
    let directory: URL
    private(set) var environment: [String: String] = [:]
    private let feeder: SpawnedProcess
    private var recorder: SpawnedProcess?
    private let recording: URL

    static var servers: URL { CLIRunner.packageRoot.appendingPathComponent("Tests/Servers") }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-audio-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        recording = directory.appendingPathComponent("speaker.raw")
        let started = try SpawnedProcess.run(Self.servers.appendingPathComponent("pulse_server.sh").path,
                                             ["start", directory.path, String(getpid())])
        guard started.status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw XCTSkip("could not start PulseAudio: \(started.error)")
        }
        for line in started.output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
        }
        feeder = try SpawnedProcess("/usr/bin/python3",
                                    [Self.servers.appendingPathComponent("mic_feeder.py").path, directory.appendingPathComponent("mic.fifo").path],
                                    environment: environment, input: true)
    }

    func stop() {
        recorder?.stop()
        feeder.stop()
        _ = try? SpawnedProcess.run(Self.servers.appendingPathComponent("pulse_server.sh").path, ["stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// `text` spoken by flite's slt voice, as raw 16 kHz s16le samples for the microphone.
    func speech(_ text: String) throws -> URL {
        let wav = directory.appendingPathComponent("q-\(UUID().uuidString.prefix(6)).wav")
        let made = try SpawnedProcess.run("/usr/bin/flite", ["-voice", "slt", "-t", text, "-o", wav.path])
        XCTAssertEqual(made.status, 0, made.error)
        let bytes = [UInt8](try Data(contentsOf: wav))
        let data = try XCTUnwrap(Self.find(Array("data".utf8), in: bytes))
        let raw = wav.deletingPathExtension().appendingPathExtension("raw")
        try Data(bytes[(data + 8)...]).write(to: raw)
        return raw
    }

    /// Plays raw samples into the microphone and returns once they have been written (plus a
    /// moment for the audio server to pass them on).
    func play(_ raw: URL) throws {
        let before = feeder.outputLines.count
        feeder.send("play \(raw.path)\n")
        _ = try XCTUnwrap(feeder.waitForLine(after: before, timeout: 30) { $0 == "played \(raw.path)" }, "the feeder stalled")
        Thread.sleep(forTimeInterval: 0.3)
    }

    func startRecordingSpeaker() throws {
        recorder = try SpawnedProcess("/usr/bin/parecord",
                                      ["--device=speaker.monitor", "--raw", "--format=s16le", "--rate=16000", "--channels=1",
                                       "--latency-msec=20", recording.path], environment: environment)
        Thread.sleep(forTimeInterval: 0.3)
    }

    struct Recording {
        let wav: URL
        /// Seconds of 20 ms frames louder than -40 dBFS.
        let activeSeconds: Double
    }

    func stopRecordingSpeaker() throws -> Recording {
        let process = try XCTUnwrap(recorder)
        process.stop(signal: SIGINT)   // parecord finishes its file on SIGINT
        recorder = nil
        let raw = [UInt8](try Data(contentsOf: recording))
        let samples = stride(from: 0, to: raw.count - 1, by: 2).map {
            Float(Int16(bitPattern: UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8)) / 32768
        }
        var active = 0
        for start in stride(from: 0, to: samples.count - 320, by: 320) {
            let frame = samples[start..<start + 320]
            let rms = (frame.reduce(0) { $0 + $1 * $1 } / 320).squareRoot()
            if rms > 0.01 { active += 1 }
        }
        let wav = directory.appendingPathComponent("speaker.wav")
        try Data(Self.wavHeader(dataBytes: raw.count) + raw).write(to: wav)
        return Recording(wav: wav, activeSeconds: Double(active) * 0.02)
    }

    /// What `clicky transcribe` hears in `wav`.
    func transcribe(_ wav: URL) throws -> String {
        let result = try SpawnedProcess.run(try CLIRunner.binary().path, ["transcribe", wav.path])
        XCTAssertEqual(result.status, 0, result.error)
        return result.output
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        return (12...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle }
    }

    /// A 16 kHz mono 16-bit PCM WAV header.
    private static func wavHeader(dataBytes: Int) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        return Array("RIFF".utf8) + le32(36 + dataBytes) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1)
            + le32(16_000) + le32(32_000) + le16(2) + le16(16) + Array("data".utf8) + le32(dataBytes)
    }
}
