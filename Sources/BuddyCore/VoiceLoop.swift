import Synchronization

/// The voice loop: talk key → microphone → speech-to-text → the buddy → voice → speaker, driven
/// by the `TurnMachine`. Keys and the adapters' results go into one inbox and are handled one at
/// a time by `run()`, so the machine sees events in order; the slow work of a turn (hearing,
/// thinking, speaking) runs in the turn's own task, which reports back through the inbox with its
/// turn number. Barge-in (the talk key during a turn) and Escape cancel that task: the brain
/// stops, the voice stops, and the speaker drops its buffer.
///
/// Voices: the offline voice speaks everything, except that a configured cloud voice may speak
/// the answers of cloud brains. Local Mode answers and every spoken error line (which include the
/// offline nudge) use the offline voice, so no text reaches a cloud voice from a local turn.
public final class VoiceLoop: Sendable {
    public struct Devices: Sendable {
        public var microphone: any Microphone
        public var ears: any SpeechToText
        /// The offline voice (flite, espeak-ng). A voice that needs the internet is refused.
        public var voice: any SpeechSynthesizer
        /// A voice for cloud answers (ElevenLabs), if one is set up.
        public var cloudVoice: (any SpeechSynthesizer)?
        public var speaker: any Speaker
        public var overlay: (any Overlay)?

        public init(microphone: any Microphone, ears: any SpeechToText, voice: any SpeechSynthesizer,
                    cloudVoice: (any SpeechSynthesizer)? = nil, speaker: any Speaker, overlay: (any Overlay)? = nil) {
            self.microphone = microphone
            self.ears = ears
            self.voice = voice
            self.cloudVoice = cloudVoice
            self.speaker = speaker
            self.overlay = overlay
        }
    }

    enum Input: Sendable {
        case key(VoiceKey, at: Double)
        case turn(TurnMachine.Event, turn: Int)
        case finish
    }

    let buddy: Buddy
    let devices: Devices
    let wantsScreens: Bool
    /// False: the answer is spoken only once it is complete, as the original did (for the
    /// latency benchmark's side-by-side).
    let speaksWhileThinking: Bool
    let report: @Sendable (VoiceLoopEvent) -> Void
    let clock: @Sendable () -> Double
    private let inputs: AsyncStream<Input>
    private let inbox: AsyncStream<Input>.Continuation

    /// `wantsScreens`: cloud turns are shown the screens (the desktop buddy; not the terminal).
    /// `report` is called from the loop's tasks, in order for one turn.
    public init(buddy: Buddy, devices: Devices, wantsScreens: Bool = false, speaksWhileThinking: Bool = true,
                report: @escaping @Sendable (VoiceLoopEvent) -> Void) {
        precondition(!devices.voice.needsInternet, "the offline voice must not need the internet")
        self.buddy = buddy
        self.devices = devices
        self.wantsScreens = wantsScreens
        self.speaksWhileThinking = speaksWhileThinking
        self.report = report
        let start = ContinuousClock.now
        self.clock = { (ContinuousClock.now - start).seconds }
        (inputs, inbox) = AsyncStream<Input>.makeStream()
    }

    /// A key went down or up; callable from any thread (a terminal reader, the X11 hotkey).
    public func press(_ key: VoiceKey) {
        inbox.yield(.key(key, at: clock()))
    }

    /// No more keys will come: `run` returns once the turn in flight has finished.
    public func finish() {
        inbox.yield(.finish)
    }

    /// Handles keys and turn events until `finish()` and the end of the turn in flight.
    public func run() async {
        var state = LoopState()
        for await input in inputs {
            switch input {
            case .key(let key, let at):
                state.keyTime = at
                let event: TurnMachine.Event = switch key {
                case .talkPressed: .talkPressed
                case .talkReleased: .talkReleased
                case .cancel: .cancelPressed
                }
                await apply(event, turn: nil, state: &state)
            case .turn(let event, let turn):
                await apply(event, turn: turn, state: &state)
            case .finish:
                state.finishing = true
            }
            if state.finishing, state.machine.phase == .idle {
                await state.current?.value
                break
            }
        }
        inbox.finish()
    }

    /// Feeds `event` to the machine and carries out what it asks, in order.
    private func apply(_ event: TurnMachine.Event, turn: Int?, state: inout LoopState) async {
        let before = state.machine.phase
        if case .transcribed(let text) = event, let turn, turn == state.machine.turn {
            report(.heard(text.trimmingWhitespace, turn: turn))
        }
        for action in state.machine.handle(event, turn: turn) {
            await perform(action, state: &state)
        }
        if before != .idle, state.machine.phase == .idle {
            report(.idle(turn: state.machine.turn))
            await devices.overlay?.show(.idle)
        }
    }

    private func perform(_ action: TurnMachine.Action, state: inout LoopState) async {
        switch action {
        case .cancel(let turn):
            await stop(turn: turn, state: &state)
        case .startListening(let turn):
            do {
                let report = self.report
                try await devices.microphone.start(level: { report(.level($0)) })
                state.microphoneOpen = true
                report(.listening(turn: turn))
                await devices.overlay?.show(.listening(level: 0))
            } catch {
                report(.problem(String(describing: error)))
                _ = state.machine.handle(.cancelPressed)   // nothing is in flight to cancel
                report(.idle(turn: turn))
            }
        case .stopListeningAndTranscribe(let turn):
            let samples = await devices.microphone.stop()
            state.microphoneOpen = false
            state.releasedAt = state.keyTime
            report(.released(turn: turn, seconds: Double(samples.count) / 16_000))
            await devices.overlay?.show(.thinking)
            let ears = devices.ears
            state.current = Task { [inbox] in
                do {
                    let text = try await ears.transcribe(samples)
                    inbox.yield(.turn(.transcribed(text), turn: turn))
                } catch {
                    if !Task.isCancelled { inbox.yield(.turn(.failed(.hearingFailed), turn: turn)) }
                }
            }
        case .ask(let question, let turn):
            let releasedAt = state.releasedAt ?? clock()
            let soundStop = state.newSoundStop()
            state.current = Task { await self.answer(question, turn: turn, releasedAt: releasedAt, soundStop: soundStop) }
        case .speak(let line, let turn):
            report(.refused(line: line, turn: turn))
            let releasedAt = state.releasedAt ?? clock()
            let soundStop = state.newSoundStop()
            state.current = Task { await self.say(line, turn: turn, releasedAt: releasedAt, soundStop: soundStop) }
        case .point:
            break   // a streamed answer's point comes mapped in its outcome (see `answer`)
        }
    }

    /// Barge-in or Escape: stops the turn's task (brain, voice, speaker) and the microphone.
    private func stop(turn: Int, state: inout LoopState) async {
        state.current?.cancel()
        await state.current?.value
        state.current = nil
        if state.microphoneOpen {
            _ = await devices.microphone.stop()
            state.microphoneOpen = false
        }
        let stoppedAt = state.soundStop?.withLock { $0 }
        report(.stopped(turn: turn, soundStopped: stoppedAt.map { max(0, $0 - state.keyTime) }))
        await devices.overlay?.show(.idle)
    }

    func post(_ event: TurnMachine.Event, turn: Int) {
        inbox.yield(.turn(event, turn: turn))
    }
}

extension Duration {
    /// The duration in seconds, for clocks reported as plain numbers.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// The loop's own state, touched only by `run()`.
struct LoopState {
    var machine = TurnMachine()
    var current: Task<Void, Never>?
    var microphoneOpen = false
    /// When the last key arrived (clock seconds).
    var keyTime: Double = 0
    /// When the talk key went up for the turn in flight.
    var releasedAt: Double?
    /// When the turn's sound was cut short, written by the turn's task.
    var soundStop: SoundStop?
    var finishing = false

    mutating func newSoundStop() -> SoundStop {
        let stop = SoundStop(nil)
        soundStop = stop
        return stop
    }
}

typealias SoundStop = SharedBox<Double?>

/// A value shared between the loop and a turn's task.
final class SharedBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
}
