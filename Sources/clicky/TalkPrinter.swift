import BuddyCore
import Foundation
import Synchronization

/// Shows the voice loop's events in a terminal: the answer on standard output as it streams, the
/// rest (listening, a level meter on a terminal, what was heard, the badge) on standard error; or,
/// with --json, one JSON object per event on standard output.
final class TalkPrinter: Sendable {
    private struct State {
        var listening = false
        var meterShown = false
    }

    let json: Bool
    private let start = ContinuousClock.now
    private let state = Mutex(State())
    private let meter = isatty(STDERR_FILENO) == 1

    init(json: Bool) { self.json = json }

    /// Whether the loop is (about to be) listening: the next Enter stops the question.
    var isListening: Bool { state.withLock { $0.listening } }

    func expectListening(_ listening: Bool) { state.withLock { $0.listening = listening } }

    func show(_ event: VoiceLoopEvent) {
        switch event {
        case .listening: expectListening(true)
        case .released, .idle, .problem: expectListening(false)
        default: break
        }
        json ? showJSON(event) : showText(event)
    }

    private func showText(_ event: VoiceLoopEvent) {
        switch event {
        case .listening:
            printError("listening… (Enter to stop)")
        case .level(let level):
            guard meter else { return }
            let bars = String(repeating: "█", count: Int((level * 30).rounded()))
            FileHandle.standardError.write(Data("\r\u{1B}[2K🎙 \(bars)".utf8))
            state.withLock { $0.meterShown = true }
        case .released:
            clearMeter()
        case .heard(let text, _):
            printError(text.isEmpty ? "heard nothing" : "heard: \(text)")
        case .text(let piece, _):
            writeOut(piece)
        case .refused(let line, _):
            writeOut(line + "\n")
        case .answered(let outcome, _):
            writeOut("\n")
            if let badge = outcome.badge { printError(badge) }
        case .firstAudio(_, let afterRelease):
            printError(String(format: "(first sound %.2f s after Enter)", afterRelease))
        case .stopped:
            writeOut("\n")
            printError("(stopped)")
        case .problem(let line):
            clearMeter()
            printError(line)
        case .asking, .saying, .idle:
            break
        }
    }

    private func clearMeter() {
        let shown = state.withLock { state in
            defer { state.meterShown = false }
            return state.meterShown
        }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    private func showJSON(_ event: VoiceLoopEvent) {
        var object: [String: Any]
        switch event {
        case .listening(let turn): object = ["event": "listening", "turn": turn]
        case .level(let level): object = ["event": "level", "value": (level * 1000).rounded() / 1000]
        case .released(let turn, let seconds): object = ["event": "released", "turn": turn, "seconds": seconds]
        case .heard(let text, let turn): object = ["event": "heard", "turn": turn, "text": text]
        case .asking(let brain, let turn): object = ["event": "asking", "turn": turn, "brain": brain]
        case .text(let piece, let turn): object = ["event": "text", "turn": turn, "text": piece]
        case .saying(let sentence, let turn): object = ["event": "saying", "turn": turn, "text": sentence]
        case .firstAudio(let turn, let after): object = ["event": "first_audio", "turn": turn, "after_release": after]
        case .refused(let line, let turn): object = ["event": "refused", "turn": turn, "text": line]
        case .answered(let outcome, let turn):
            object = ["event": "answered", "turn": turn, "text": outcome.spokenText, "brain": outcome.brainName,
                      "badge": outcome.badge ?? NSNull()]
        case .stopped(let turn, let soundStopped):
            object = ["event": "stopped", "turn": turn, "sound_stopped": soundStopped ?? NSNull()]
        case .idle(let turn): object = ["event": "idle", "turn": turn]
        case .problem(let line): object = ["event": "problem", "text": line]
        }
        object["t"] = ((ContinuousClock.now - start).seconds * 1000).rounded() / 1000
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        writeOut(String(decoding: data, as: UTF8.self) + "\n")
    }
}
