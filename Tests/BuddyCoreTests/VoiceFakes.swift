import BuddyCore
import Foundation
import XCTest

/// A microphone that "hears" fixed samples; `missing` behaves like no device.
final class FakeMicrophone: Microphone, @unchecked Sendable {
    let samples: [Float]
    let missing: Bool
    let starts = Observed(0)
    let stops = Observed(0)

    init(seconds: Double = 1, missing: Bool = false) {
        samples = [Float](repeating: 0.1, count: Int(seconds * 16_000))
        self.missing = missing
    }

    func start(level: @escaping @Sendable (Double) -> Void) async throws {
        if missing { throw AudioDeviceError(.noMicrophone, device: "default", reason: "No such file or directory") }
        starts.update { $0 += 1 }
        level(0.5)
    }

    func stop() async -> [Float] {
        stops.update { $0 += 1 }
        return samples
    }
}

/// Speech-to-text that returns scripted transcripts in order (the last one repeats).
final class FakeEars: SpeechToText, @unchecked Sendable {
    let transcripts: [String]
    let calls = Observed(0)

    init(_ transcripts: [String]) { self.transcripts = transcripts }

    func transcribe(_ samples: [Float]) async throws -> String {
        let index = calls.value
        calls.update { $0 += 1 }
        try await Task.sleep(for: .milliseconds(20))
        return transcripts[min(index, transcripts.count - 1)]
    }
}

/// A voice whose clips are 0.05 s per word at 16 kHz, every sample equal to `tag` so the
/// speaker can tell which voice made it.
struct FakeVoice: SpeechSynthesizer {
    let tag: Float
    let needsInternet: Bool
    let failing: Bool
    let spoken: Observed<[String]>

    init(tag: Float, needsInternet: Bool = false, failing: Bool = false) {
        self.tag = tag
        self.needsInternet = needsInternet
        self.failing = failing
        spoken = Observed([])
    }

    struct QuotaUsedUp: Error {}

    func synthesize(_ text: String) async throws -> AudioClip {
        if failing { throw QuotaUsedUp() }
        spoken.update { $0.append(text) }
        let words = text.split(separator: " ").count
        return AudioClip(samples: [Float](repeating: tag, count: words * 800), sampleRate: 16_000)
    }
}

/// A speaker that plays in real time (10 ms steps) and stops at once when cancelled.
final class FakeSpeaker: Speaker, @unchecked Sendable {
    /// The voice tag (last sample) and duration of each clip that started.
    let played = Observed<[(tag: Float, seconds: Double)]>([])
    let cancelled = Observed(0)
    /// Seconds of sound per second of wall time (speeds tests up).
    let speed: Double

    init(speed: Double = 1) { self.speed = speed }

    func play(_ clip: AudioClip) async throws {
        played.update { $0.append((clip.samples.last ?? 0, clip.seconds)) }
        var remaining = clip.seconds / speed
        while remaining > 0 {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                cancelled.update { $0 += 1 }
                throw error
            }
            remaining -= 0.01
        }
    }
}

/// A local brain that writes its pieces with a pause before each, and notes a cancellation.
final class PacedLocalBrain: LocalBrain, @unchecked Sendable {
    let pieces: [String]
    let pause: Duration
    let error: BrainError?
    let asked = Observed<[String]>([])
    let stopped = Observed(false)

    init(_ pieces: [String], pause: Duration = .milliseconds(50), error: BrainError? = nil) {
        self.pieces = pieces
        self.pause = pause
        self.error = error
    }

    func readiness() async -> LocalReadiness { .ready }

    func answer(_ question: BrainQuestion) -> BrainStream {
        asked.update { $0.append(question.question) }
        let (pieces, pause, error, stopped) = (self.pieces, self.pause, self.error, self.stopped)
        return AsyncThrowingStream { continuation in
            let task = Task {
                for piece in pieces {
                    do { try await Task.sleep(for: pause) } catch { stopped.update { $0 = true }; return }
                    continuation.yield(.text(piece))
                }
                if let error { continuation.finish(throwing: error); return }
                continuation.yield(.finished(BrainRecord(firstTokenSeconds: 0.05, totalSeconds: 0.5, outputTokens: pieces.count,
                                                         tokensPerSecond: 50, stopReason: .complete)))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Collects a loop's events and waits for one.
final class LoopRecorder: @unchecked Sendable {
    let events = Observed<[VoiceLoopEvent]>([])

    var report: @Sendable (VoiceLoopEvent) -> Void { { [events] event in events.update { $0.append(event) } } }

    /// Waits (up to `timeout` seconds) until an event matches; fails the wait by returning nil.
    func wait(for timeout: Double = 5, _ matches: (VoiceLoopEvent) -> Bool) async -> VoiceLoopEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = events.value.first(where: matches) { return found }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Fails the test when no event matches within `timeout` seconds.
    func expect(within timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line,
                _ matches: (VoiceLoopEvent) -> Bool) async {
        if await wait(for: timeout, matches) == nil {
            XCTFail("no such event within \(timeout) s in \(events.value)", file: file, line: line)
        }
    }
}
