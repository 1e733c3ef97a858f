import Foundation
import XCTest
@testable import Speech

/// The real ALSA devices against a private PulseAudio (PulseAudioTestServer): the microphone
/// hears what is written into the pipe source, the speaker is heard on the null sink's
/// monitor, and cancelling a play silences it. The ALSA device is "pulse" (why not "default":
/// PulseAudioTestServer).
final class AudioDeviceTests: XCTestCase {
    private var server: PulseAudioTestServer?
    private static let rate = 16_000

    override func setUpWithError() throws {
        server = try PulseAudioTestServer()
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    /// "what is the capital of france" (flite slt, 16 kHz, 1.9 s).
    private func question() throws -> AudioClip {
        let clip = try WhisperFixtures.clip("u04_slt_100.wav")
        XCTAssertEqual(clip.sampleRate, Self.rate)
        return clip
    }

    /// Whisper's words for `samples`, in optimised builds only (skips in debug).
    private func transcribe(_ samples: [Float]) throws -> String {
        try WhisperFixtures.requireOptimizedBuild()
        let transcriber = try WhisperTranscriber(directory: try WhisperFixtures.modelFiles().directory, threads: 2)
        return try transcriber.transcribe(AudioClip(samples: samples, sampleRate: Self.rate)).text
    }

    func testMicrophoneRecordsWhatIsSaidWithLevelsEvery50ms() async throws {
        let server = try XCTUnwrap(server)
        let speech = try question()
        let feeder = try MicFifoFeeder(fifo: server.micFifo)
        defer { feeder.stop() }
        let levels = LevelLog()
        let microphone = AlsaMicrophone(device: "pulse")

        try await microphone.start { levels.add($0) }
        let started = Date()
        try await Task.sleep(for: .milliseconds(500))
        feeder.say(speech.samples)
        while !feeder.isQuiet { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(500))
        let samples = await microphone.stop()
        let wall = Date().timeIntervalSince(started)
        feeder.stop()

        // Real time: as many samples as the wall clock says (the feeder paces the pipe).
        let seconds = Double(samples.count) / Double(Self.rate)
        print("capture: \(String(format: "%.3f", seconds)) s recorded in \(String(format: "%.3f", wall)) s")
        XCTAssertEqual(seconds, wall, accuracy: 0.35, "recorded \(seconds) s in \(wall) s")
        // The speech itself, sample for sample (nothing converts 16 kHz mono s16 on this path),
        // where the feeder started saying it.
        let match = AudioSignalMeasures.bestMatch(of: speech.samples, in: samples, sampleRate: Self.rate)
        print("capture: the question found at \(String(format: "%.3f", Double(match.offset) / Double(Self.rate))) s, "
              + "correlation \(String(format: "%.4f", match.correlation))")
        XCTAssertGreaterThan(match.correlation, 0.99, "the question is in the recording")
        let saidAt = try XCTUnwrap(feeder.speechStartedAt).timeIntervalSince(started)
        XCTAssertEqual(Double(match.offset) / Double(Self.rate), saidAt, accuracy: 0.3)
        XCTAssertLessThan(AudioSignalMeasures.rms(samples[0..<min(samples.count, match.offset)]), 1e-3, "silence before it")

        // One level per 50 ms of audio, arriving about every 50 ms, rising with the speech.
        let log = levels.entries
        XCTAssertEqual(log.count, samples.count / 800, "one level per 800 samples")
        let gaps = zip(log, log.dropFirst()).map { $1.time.timeIntervalSince($0.time) }
        // The device hands over 20 ms at a time, so 50 ms stretches complete 40 and 60 ms apart
        // by turns: 50 ms on average.
        let cadence = gaps.reduce(0, +) / Double(max(1, gaps.count))
        print("capture: \(log.count) levels, mean gap \(String(format: "%.1f", cadence * 1000)) ms, "
              + "shortest \(String(format: "%.1f", (gaps.min() ?? 0) * 1000)) ms, "
              + "longest \(String(format: "%.1f", (gaps.max() ?? 0) * 1000)) ms")
        XCTAssertEqual(cadence, 0.05, accuracy: 0.01)
        XCTAssertLessThan(gaps.filter { $0 > 0.15 }.count, max(2, gaps.count / 10), "few late levels")
        let speechLevels = log.filter { abs($0.time.timeIntervalSince(started) - saidAt - 0.9) < 0.7 }.map(\.level)
        let quietLevels = log.filter { $0.time.timeIntervalSince(started) < saidAt - 0.1 }.map(\.level)
        XCTAssertGreaterThan(speechLevels.max() ?? 0, 0.5, "loud while speaking")
        XCTAssertLessThan(quietLevels.max() ?? 1, 0.05, "quiet before")

        let text = try transcribe(samples).lowercased()
        print("capture: Whisper heard \"\(text)\"")
        XCTAssertTrue(text.contains("capital") && text.contains("france"), text)
    }

    /// The pipe source with no writer delivers nothing at all, like a stalled device: stopping
    /// must not wait for audio that never comes. Starting twice keeps the one recording.
    func testMicrophoneStopsPromptlyWhenNothingArrivesAndStartTwiceIsOneRecording() async throws {
        let microphone = AlsaMicrophone(device: "pulse")
        try await microphone.start { _ in }
        try await microphone.start { _ in XCTFail("the second start's level callback was used") }
        try await Task.sleep(for: .milliseconds(300))
        let stopping = Date()
        let samples = await microphone.stop()
        let took = Date().timeIntervalSince(stopping)
        print("microphone: stop with no audio flowing took \(String(format: "%.1f", took * 1000)) ms")
        XCTAssertLessThan(took, 0.2)
        XCTAssertEqual(samples, [])
        let again = await microphone.stop()
        XCTAssertEqual(again, [])
    }

    func testDoctorProbesNameTheDeviceAndNoticeAMicrophoneWithNoAudio() throws {
        let server = try XCTUnwrap(server)
        let speaker = try AudioDevices.checkSpeaker(device: "pulse").get()
        XCTAssertTrue(speaker.contains("IOPLUG") && speaker.contains("pulse"), speaker)
        XCTAssertFalse(speaker.contains("\n"))

        // Nobody at the microphone: the pipe source is silent in the strongest sense.
        let started = Date()
        guard case .failure(let silent) = AudioDevices.checkMicrophone(device: "pulse") else {
            return XCTFail("a microphone with no audio passed")
        }
        XCTAssertEqual(silent.kind, .deviceFailed)
        XCTAssertLessThan(Date().timeIntervalSince(started), AudioDevices.microphoneTimeout + 0.5)

        let feeder = try MicFifoFeeder(fifo: server.micFifo)
        defer { feeder.stop() }
        feeder.say(AudioSignalMeasures.tone(frequency: 300, seconds: 1, amplitude: 0.1, sampleRate: Self.rate))
        let microphone = try AudioDevices.checkMicrophone(device: "pulse").get()
        print("doctor: \(speaker) | \(microphone)")
        XCTAssertTrue(microphone.contains("IOPLUG") && microphone.contains("ms read"), microphone)
    }

    func testSpeakerIsHeardOnTheSinkMonitor() async throws {
        let server = try XCTUnwrap(server)
        let speech = try question()
        let recording = try server.recordSpeaker()
        let speaker = AlsaSpeaker(device: "pulse")

        let started = Date()
        try await speaker.play(speech)
        let took = Date().timeIntervalSince(started)
        try await Task.sleep(for: .milliseconds(300))
        let heard = recording.stop()

        print("playback: a \(String(format: "%.2f", speech.seconds)) s clip took \(String(format: "%.2f", took)) s")
        XCTAssertGreaterThan(took, speech.seconds - 0.1, "play returns once the clip was heard, not when written")
        XCTAssertLessThan(took, speech.seconds + 1.0)
        let played = try XCTUnwrap(AudioSignalMeasures.loudSpan(speech.samples, sampleRate: Self.rate))
        let span = try XCTUnwrap(AudioSignalMeasures.loudSpan(heard, sampleRate: Self.rate), "nothing was heard")
        XCTAssertEqual(span.end - span.start, played.end - played.start, accuracy: 0.1)
        // Through PulseAudio's resampler twice (16 kHz → the sink's rate → 16 kHz): the same
        // waveform at the same loudness, not sample for sample.
        let match = AudioSignalMeasures.bestMatch(of: speech.samples, in: heard, sampleRate: Self.rate)
        print("playback: heard with correlation \(String(format: "%.3f", match.correlation)), "
              + "loud for \(String(format: "%.2f", span.end - span.start)) s of the clip's \(String(format: "%.2f", played.end - played.start)) s")
        XCTAssertGreaterThan(match.correlation, 0.9)
        let heardPart = heard[match.offset..<min(heard.count, match.offset + speech.samples.count)]
        XCTAssertEqual(AudioSignalMeasures.decibels(AudioSignalMeasures.rms(heardPart)),
                       AudioSignalMeasures.decibels(AudioSignalMeasures.rms(speech.samples)), accuracy: 1.5)

        let text = try transcribe(heard).lowercased()
        print("playback: Whisper heard \"\(text)\"")
        XCTAssertTrue(text.contains("capital") && text.contains("france"), text)
    }

    func testConsecutiveClipsPlayOneAfterTheOther() async throws {
        let server = try XCTUnwrap(server)
        let rate = 24_000       // not 16 kHz: the device opens at the clip's rate
        let first = AudioClip(samples: AudioSignalMeasures.tone(frequency: 440, seconds: 0.6, amplitude: 0.3, sampleRate: rate), sampleRate: rate)
        let second = AudioClip(samples: AudioSignalMeasures.tone(frequency: 660, seconds: 0.6, amplitude: 0.3, sampleRate: rate), sampleRate: rate)
        let recording = try server.recordSpeaker()
        let speaker = AlsaSpeaker(device: "pulse")
        try await speaker.play(first)
        try await speaker.play(second)
        try await Task.sleep(for: .milliseconds(300))
        let heard = recording.stop()

        let span = try XCTUnwrap(AudioSignalMeasures.loudSpan(heard, sampleRate: Self.rate, thresholdDecibels: -30))
        // Both tones, with at most a short gap between them (the next clip starts on the open device).
        XCTAssertEqual(span.end - span.start, 1.2, accuracy: 0.25, "both clips, back to back")
        let middle = heard[Int((span.start + 0.4) * 16_000)..<Int((span.end - 0.4) * 16_000)]
        let quietFrames = stride(from: middle.startIndex, to: middle.endIndex - 160, by: 160)
            .filter { AudioSignalMeasures.decibels(AudioSignalMeasures.rms(middle[$0..<($0 + 160)])) < -30 }.count
        print("back to back: \(quietFrames * 10) ms of silence between two clips")
        XCTAssertLessThan(quietFrames * 10, 200, "gap between sentences")
    }

    func testCancellingPlayStopsTheSoundWithin100ms() async throws {
        let server = try XCTUnwrap(server)
        let tone = AudioClip(samples: AudioSignalMeasures.tone(frequency: 440, seconds: 3, amplitude: 0.3, sampleRate: Self.rate),
                             sampleRate: Self.rate)
        let recording = try server.recordSpeaker()
        let speaker = AlsaSpeaker(device: "pulse")

        let called = Date()
        let playing = Task { try await speaker.play(tone) }
        try await Task.sleep(for: .milliseconds(500))
        let cancelled = Date()
        let cancelledInRecording = recording.samplesSoFar
        playing.cancel()
        let result = await playing.result
        let returned = Date().timeIntervalSince(cancelled)
        try await Task.sleep(for: .milliseconds(500))
        let heard = recording.stop()

        print("barge-in: play returned \(String(format: "%.1f", returned * 1000)) ms after the cancel")
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
        XCTAssertLessThan(returned, 0.1, "play returns within 100 ms of the cancel")
        // The tone is heard from when it started until the cancel, and not after: its loud span
        // is no longer than the time from the call to the cancel plus the 100 ms allowed.
        let span = try XCTUnwrap(AudioSignalMeasures.loudSpan(heard, sampleRate: Self.rate))
        let soundFor = span.end - span.start, untilCancel = cancelled.timeIntervalSince(called)
        print("barge-in: the tone sounded \(String(format: "%.0f", soundFor * 1000)) ms; cancelled "
              + "\(String(format: "%.0f", untilCancel * 1000)) ms after play was called")
        XCTAssertGreaterThan(soundFor, 0.2, "it played before the cancel")
        XCTAssertLessThan(soundFor, untilCancel + 0.1, "quiet within 100 ms of the cancel")
        // On the recording's own timeline: the last loud frame against how much had been
        // recorded when the cancel came. parecord's buffering makes that mark late, so this
        // overstates the delay; it is still held to 150 ms.
        let quietAfter = span.end - Double(cancelledInRecording) / Double(Self.rate)
        print("barge-in: the monitor went quiet \(String(format: "%.0f", quietAfter * 1000)) ms after the cancel "
              + "(its recording mark; an overestimate)")
        XCTAssertLessThan(quietAfter, 0.15)
        XCTAssertGreaterThan(Double(heard.count) / Double(Self.rate) - span.end, 0.3, "and quiet after")
    }
}

/// The level callbacks as they came: when, and how loud. `@unchecked Sendable`: under `lock`.
final class LevelLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [(time: Date, level: Double)] = []

    func add(_ level: Double) { lock.withLock { log.append((Date(), level)) } }
    var entries: [(time: Date, level: Double)] { lock.withLock { log } }
}
