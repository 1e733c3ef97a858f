/// One push-to-talk turn as a value type: events in, actions out, no I/O (DESIGN.md habit 12).
///
/// idle → listening (talk key down) → transcribing (key up) → thinking (transcript sent to the
/// brain) → speaking (answer, or a spoken error line) → idle. Pressing the talk key in any state
/// is barge-in: everything in flight is cancelled and a new turn starts listening. Escape
/// cancels the turn. Every turn has a number; actions carry it and the adapters tag their
/// events with it, so a late event from a cancelled turn (a transcript, an answer, the end of
/// playback) is recognised and ignored.
public struct TurnMachine: Sendable, Equatable {
    public enum Phase: Sendable, Equatable { case idle, listening, transcribing, thinking, speaking }

    public enum Event: Sendable, Equatable {
        case talkPressed
        case talkReleased
        case cancelPressed
        /// The final transcript of the turn's recording.
        case transcribed(String)
        /// The brain's whole answer; `canPoint` is true only for a brain that was shown the
        /// screen (a cloud turn with captures), so a stray tag from the local brain never points.
        case answered(String, canPoint: Bool)
        /// The first sound of a streamed answer plays while the brain is still writing (the
        /// voice loop speaks sentence by sentence; `ask` means "ask and speak as it streams").
        case speakingStarted
        case speechFinished
        case failed(Failure)
    }

    public enum Failure: Sendable, Equatable {
        /// The local model is not loaded yet.
        case localNotReady
        /// A cloud brain was chosen while the network is down (no request was made).
        case offline
        /// The brain failed mid-turn.
        case brainFailed(local: Bool)
        /// Speech-to-text failed.
        case hearingFailed
    }

    public enum Action: Sendable, Equatable {
        /// Stop generation, playback and pointing of the turn in flight (barge-in, Escape).
        case cancel(turn: Int)
        case startListening(turn: Int)
        case stopListeningAndTranscribe(turn: Int)
        case ask(transcript: String, turn: Int)
        case point(PointTag, turn: Int)
        case speak(String, turn: Int)
    }

    public private(set) var phase: Phase = .idle
    /// The current turn's number (0 before the first).
    public private(set) var turn = 0

    public init() {}

    /// Applies `event`; `turn` is the turn an adapter's event belongs to (nil for key presses).
    /// Returns what the adapters must do, in order. Events that do not apply change nothing.
    public mutating func handle(_ event: Event, turn eventTurn: Int? = nil) -> [Action] {
        if let eventTurn, eventTurn != turn { return [] }   // late news from a cancelled turn
        switch (event, phase) {
        case (.talkPressed, _):
            let cancel: [Action] = phase == .idle ? [] : [.cancel(turn: turn)]
            turn += 1
            phase = .listening
            return cancel + [.startListening(turn: turn)]
        case (.cancelPressed, .idle):
            return []
        case (.cancelPressed, _):
            phase = .idle
            return [.cancel(turn: turn)]
        case (.talkReleased, .listening):
            phase = .transcribing
            return [.stopListeningAndTranscribe(turn: turn)]
        case (.transcribed(let text), .transcribing):
            let question = text.trimmingWhitespace
            guard !question.isEmpty else {   // silence: nothing is sent, nothing said
                phase = .idle
                return []
            }
            phase = .thinking
            return [.ask(transcript: question, turn: turn)]
        case (.answered(let text, let canPoint), .thinking):
            let answer = PointedAnswer(parsing: text)
            var actions: [Action] = []
            if canPoint, let target = answer.target { actions.append(.point(target, turn: turn)) }
            guard !answer.spokenText.isEmpty else {
                phase = .idle
                return actions
            }
            phase = .speaking
            return actions + [.speak(answer.spokenText, turn: turn)]
        case (.speakingStarted, .thinking):
            phase = .speaking
            return []
        case (.failed(let failure), .transcribing), (.failed(let failure), .thinking), (.failed(let failure), .speaking):
            // In .speaking: the brain failed after part of a streamed answer was said.
            phase = .speaking
            return [.speak(SpokenLines.line(for: failure), turn: turn)]
        case (.speechFinished, .speaking), (.speechFinished, .thinking):
            // From .thinking: a streamed answer that had nothing to say aloud.
            phase = .idle
            return []
        default:
            return []
        }
    }
}

/// What the buddy says when a turn cannot be answered: the original's lines (its "menu bar"
/// becomes our mode hotkey, and its cloud line, which named the author, a plain one).
public enum SpokenLines {
    public static let warmingUp = "still warming up my local brain. give me a moment and try again."
    public static let offline = "looks like the internet is out. flip me to local with control alt m and i can keep helping."
    public static let localHiccup = "hmm, my local brain hiccuped. give it another try."
    public static let cloudHiccup = "hmm, i couldn't reach my cloud brain. give it another try."
    public static let didNotHear = "sorry, i didn't catch that. try again?"

    public static func line(for failure: TurnMachine.Failure) -> String {
        switch failure {
        case .localNotReady: warmingUp
        case .offline: offline
        case .brainFailed(let local): local ? localHiccup : cloudHiccup
        case .hearingFailed: didNotHear
        }
    }
}
