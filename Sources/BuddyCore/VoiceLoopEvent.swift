/// What the voice loop reports as turns run: for the terminal (`clicky talk`), the overlay and
/// the latency benchmark. Times are seconds on the loop's clock.
public enum VoiceLoopEvent: Sendable, Equatable {
    /// The microphone is open for `turn`.
    case listening(turn: Int)
    /// The microphone's loudness, 0…1, about every 50 ms while listening.
    case level(Double)
    /// The talk key was released: `seconds` of audio go to speech-to-text.
    case released(turn: Int, seconds: Double)
    /// What speech-to-text heard ("" for silence: nothing is asked).
    case heard(String, turn: Int)
    /// A brain was chosen and asked.
    case asking(brainName: String, turn: Int)
    /// A piece of the answer's text as it streams.
    case text(String, turn: Int)
    /// A sentence starts playing.
    case saying(String, turn: Int)
    /// The first sound of the turn's reply (answer or spoken error line) started playing,
    /// `afterRelease` seconds after the talk key went up.
    case firstAudio(turn: Int, afterRelease: Double)
    /// A spoken line instead of an answer (warming up, offline, hiccup, didn't catch that).
    case refused(line: String, turn: Int)
    /// The answer is over and was spoken; the outcome carries the badge and the brain.
    case answered(TurnOutcome, turn: Int)
    /// The turn in flight was stopped (barge-in or Escape); the sound stopped `soundStopped`
    /// seconds after the key press (nil when nothing was playing).
    case stopped(turn: Int, soundStopped: Double?)
    /// Back to idle after `turn`.
    case idle(turn: Int)
    /// A device or adapter failed; one line saying what to do.
    case problem(String)
}

/// The keys the loop listens to: the talk key (held, or pressed twice for press-to-start /
/// press-to-stop) and cancel (Escape).
public enum VoiceKey: Sendable, Equatable {
    case talkPressed
    case talkReleased
    case cancel
}
