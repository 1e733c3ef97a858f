import Foundation
import TestSupport
import XCTest

/// A private PulseAudio for one test, run by `Tests/Servers/pulse_server.sh`: a null sink
/// "speaker" whose monitor hears everything played, and a pipe source "mic" fed through a fifo.
///
/// While it runs, this process's `PULSE_SERVER` and `XDG_RUNTIME_DIR` point at it (the values
/// before are put back by `stop`), so the ALSA device "pulse" opens on it: the pulse plugin
/// reads `PULSE_SERVER` at every open.
///
/// The ALSA device "default" is not used. alsa-lib decides what "default" is once, when a
/// process first loads its configuration: /etc/alsa/conf.d/99-pulse.conf's hook makes it the
/// pulse plugin only if a server answers at that moment, and the result is kept until the
/// configuration files change. Measured with alsa-lib 1.2.8: a process whose first open ran
/// with no server reachable keeps failing "default" with ENOENT after a server starts (while
/// "pulse" opens), and one that first loaded it with a server keeps "default" as pulse and
/// follows `PULSE_SERVER` from then on. Which of these a test process sees would depend on test
/// order, so the tests name "pulse"; in the app the server is normally up before clicky starts.
final class PulseAudioTestServer {
    let directory: URL
    /// The lines the script printed: PULSE_SERVER, XDG_RUNTIME_DIR, CLICKY_MIC_FIFO, ...
    let environment: [String: String]
    private var savedEnvironment: [String: String?] = [:]
    private var running = true

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Servers/pulse_server.sh").standardized.path

    /// Starts the daemon (skipping the test when PulseAudio is not installed) and points this
    /// process at it.
    init() throws {
        for program in ["pulseaudio", "pactl", "parecord"] where SpawnedProcess.find(program) == nil {
            throw XCTSkip("\(program) is not installed (apt install pulseaudio pulseaudio-utils; scripts/setup.sh)")
        }
        // The fifo feeder writes to a pipe whose reader is the daemon; if the daemon goes first,
        // that write must fail with EPIPE rather than kill the test process.
        signal(SIGPIPE, SIG_IGN)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-pulse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let run = try SpawnedProcess.run(Self.script, ["start", directory.path, String(getpid())])
        guard run.status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw XCTSkip("the private PulseAudio did not start: \(run.error)")
        }
        var values: [String: String] = [:]
        for line in run.output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        environment = values
        for key in ["PULSE_SERVER", "XDG_RUNTIME_DIR"] {
            savedEnvironment[key] = ProcessInfo.processInfo.environment[key]
            if let value = values[key] { setenv(key, value, 1) }
        }
    }

    /// The fifo behind the "mic" source.
    var micFifo: String { environment["CLICKY_MIC_FIFO"] ?? directory.appendingPathComponent("mic.fifo").path }

    /// Stops the daemon, removes its directory and restores the environment. Safe to call twice.
    func stop() {
        guard running else { return }
        running = false
        _ = try? SpawnedProcess.run(Self.script, ["stop", directory.path])
        for (key, value) in savedEnvironment {
            if let value { setenv(key, value, 1) } else { unsetenv(key) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// Starts recording the speaker's monitor (everything played to the null sink), as 16 kHz
    /// mono, and returns once audio is arriving.
    ///
    /// The recorder asks for 20 ms of latency. That matters beyond the recording: the null sink
    /// renders in blocks as large as its clients allow (up to 2 s), and with no low-latency
    /// client a 1.9 s clip took 3.9 s to play through it, in bursts.
    func recordSpeaker() throws -> MonitorRecording {
        try MonitorRecording(file: directory.appendingPathComponent("speaker-\(UUID().uuidString).raw").path)
    }
}

/// `parecord` on speaker.monitor, writing raw s16le to a file until `stop`.
final class MonitorRecording {
    private let file: String
    private let process: SpawnedProcess
    private var samples: [Float]?

    init(file: String) throws {
        self.file = file
        process = try SpawnedProcess(SpawnedProcess.find("parecord") ?? "parecord",
                                     ["--device=speaker.monitor", "--raw", "--format=s16le", "--rate=16000",
                                      "--channels=1", "--latency-msec=20", file])
        // The null sink renders silence even when nothing plays, so data flows at once.
        let deadline = Date().addingTimeInterval(5)
        while samplesSoFar < 1600 {
            guard Date() < deadline, process.isRunning else {
                process.stop()
                throw XCTSkip("parecord recorded nothing from speaker.monitor within 5 s")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// How many samples parecord has written so far: a mark on the recording's timeline for
    /// "now", late by parecord's own buffering (tens of milliseconds).
    var samplesSoFar: Int {
        ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) / 2
    }

    /// Ends the recording and returns it (floats in -1…1, 16 kHz mono).
    func stop() -> [Float] {
        if let samples { return samples }
        process.stop(signal: SIGINT)
        let data = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
        let recorded = data.withUnsafeBytes { raw in
            raw.bindMemory(to: Int16.self).map { Float(Int16(littleEndian: $0)) / 32_768 }
        }
        samples = recorded
        return recorded
    }

    deinit { _ = stop() }
}
