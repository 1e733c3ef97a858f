import BuddyCore
import Foundation

/// A thread-safe box for what the fakes observe.
final class Observed<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}

/// A stream that yields `pieces`, then a record (or fails with `error`); `hang` never finishes,
/// and `terminated` records when the consumer went away.
func scriptedStream(_ pieces: [String], tokensPerSecond: Double? = nil, error: BrainError? = nil, hang: Bool = false,
                    terminated: Observed<Bool>? = nil) -> BrainStream {
    AsyncThrowingStream { continuation in
        continuation.onTermination = { _ in terminated?.update { $0 = true } }
        for piece in pieces { continuation.yield(.text(piece)) }
        if hang { return }
        if let error { continuation.finish(throwing: error); return }
        continuation.yield(.finished(BrainRecord(firstTokenSeconds: 0.42, totalSeconds: 1.0, outputTokens: pieces.count,
                                                 tokensPerSecond: tokensPerSecond, stopReason: .complete)))
        continuation.finish()
    }
}

final class FakeLocalBrain: LocalBrain, @unchecked Sendable {
    let state: LocalReadiness
    let pieces: [String]
    let hang: Bool
    let questions = Observed<[BrainQuestion]>([])
    let terminated = Observed(false)

    init(state: LocalReadiness = .ready, pieces: [String] = ["Paris ", "is the capital."], hang: Bool = false) {
        self.state = state
        self.pieces = pieces
        self.hang = hang
    }

    func readiness() async -> LocalReadiness { state }

    func answer(_ question: BrainQuestion) -> BrainStream {
        questions.update { $0.append(question) }
        return scriptedStream(pieces, tokensPerSecond: 58, hang: hang, terminated: terminated)
    }
}

final class FakeRemoteBrain: RemoteBrain, @unchecked Sendable {
    let badgeName = "cloud"
    let pieces: [String]
    let error: BrainError?
    let calls = Observed<[(question: BrainQuestion, screens: Int)]>([])

    init(pieces: [String] = ["click ", "the save button. [POINT:100,50:save:screen2]"], error: BrainError? = nil) {
        self.pieces = pieces
        self.error = error
    }

    func answer(_ question: BrainQuestion, screens: [ScreenImage]) -> BrainStream {
        calls.update { $0.append((question, screens.count)) }
        return scriptedStream(pieces, error: error)
    }
}

/// Counts captures; two monitors side by side, screenshots at half size.
final class SpyCapturer: ScreenCapturer, @unchecked Sendable {
    let count = Observed(0)

    func captureScreens() async throws -> [ScreenImage] {
        count.update { $0 += 1 }
        return [ScreenImage(bytes: [0xFF, 0xD8], label: "screen 1 of 2",
                            capture: ScreenCapture(imageWidth: 960, imageHeight: 540,
                                                   monitor: DesktopRect(x: 0, y: 0, width: 1920, height: 1080))),
                ScreenImage(bytes: [0xFF, 0xD8], label: "screen 2 of 2",
                            capture: ScreenCapture(imageWidth: 640, imageHeight: 400,
                                                   monitor: DesktopRect(x: 1920, y: 0, width: 1280, height: 800)))]
    }
}

struct FixedNetwork: NetworkStatus {
    let online: Bool
    func isOnline() async -> Bool { online }
}

final class RecordingAnalytics: AnalyticsSink, @unchecked Sendable {
    let events = Observed<[String]>([])
    let contents = Observed<[ContentEvent]>([])
    func record(_ event: AnalyticsEvent) { events.update { $0.append(event.name) } }
    func record(_ event: ContentEvent) { contents.update { $0.append(event) } }
    func flush() async {}
}

/// Runs one turn to the end: its events, or the error that ended it.
func runTurn(_ buddy: Buddy, _ question: String, wantsScreens: Bool = true) async -> (events: [TurnEvent], error: Error?) {
    var events: [TurnEvent] = []
    do {
        for try await event in buddy.ask(question, wantsScreens: wantsScreens) { events.append(event) }
        return (events, nil)
    } catch {
        return (events, error)
    }
}

extension Array where Element == TurnEvent {
    var spoken: String {
        compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
    }
    var outcome: TurnOutcome? {
        compactMap { if case .finished(let outcome) = $0 { outcome } else { nil } }.first
    }
}
