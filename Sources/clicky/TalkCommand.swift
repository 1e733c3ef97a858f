import ArgumentParser
import BuddyCore
import BuddyProviders
import Foundation
import LLMEngine
import Speech
import Synchronization

/// `clicky talk`: the voice loop in a terminal, for a machine with a microphone and no display.
/// Enter starts listening and Enter again stops (hold-free push-to-talk); Enter while the buddy
/// speaks interrupts it and listens again. `c` + Enter cancels the turn (the desktop's Escape),
/// `q` + Enter or end of input quits after the turn in flight.
struct Talk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk to the buddy through the microphone and speaker: Enter to start, Enter to stop.",
        discussion: """
        --json prints one JSON object per event on standard output (listening, level, released, heard, \
        asking, text, saying, first_audio, refused, answered, stopped, idle, problem), each with "t", the \
        seconds since start; first_audio carries "after_release", the seconds from the key that ended \
        the question to the first sound of the reply.
        """)

    @OptionGroup var voiceOptions: VoiceOptions

    @Flag(name: .long, help: "Print every event as a JSON line.")
    var json = false

    @Flag(name: .long, help: .hidden)   // the original's way, for bench/voice-latency: speak only the whole answer
    var speakWholeAnswer = false

    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func run() async throws {
        try await Self.talk(voiceOptions: voiceOptions, brains: brains, options: options, json: json,
                            speakWholeAnswer: speakWholeAnswer)
    }

    /// The voice loop with Enter as the talk key; with `desktop`, also the overlay beside the
    /// cursor, the global hotkey and screen capture for cloud brains.
    static func talk(voiceOptions: VoiceOptions, brains: BrainOptions, options: ModelOptions, json: Bool,
                     speakWholeAnswer: Bool, desktop: DesktopParts? = nil, microphoneChecked: Bool = false) async throws {
        let threads = options.threads ?? EngineOptions.defaultThreads
        let ears = try speechStep { () throws(SpeechError) in
            try WhisperTranscriber(directory: WhisperModelFiles.defaultDirectory, threads: threads, shortWindow: true)
        }
        // No microphone is one line before anything loads (clicky doctor says more).
        if !microphoneChecked, case .failure(let error) = AudioDevices.checkMicrophone(device: voiceOptions.microphone) {
            throw CLIError(error.description)
        }
        let assembled = try brains.assemble(model: options, capturer: desktop?.capturer)
        var devices = try voiceOptions.devices(ears: ears, cloudVoice: assembled.cloudVoice)
        devices.overlay = desktop?.overlay
        // The system prompt is computed now, not after the first question.
        await assembled.engine?.prewarm(system: BuddyPrompts.local)
        let printer = TalkPrinter(json: json)
        let hotkey = DesktopHotkey()
        let loop = VoiceLoop(buddy: assembled.buddy, devices: devices, wantsScreens: desktop != nil,
                             speaksWhileThinking: !speakWholeAnswer, report: { event in
                                 printer.show(event)
                                 hotkey.follow(event)
                             })
        let keys = EnterKeys(loop: loop, printer: printer)
        if let desktop {
            try hotkey.start(desktop, loop: loop, buddy: assembled.buddy, printer: printer)
        }
        defer { hotkey.stop() }
        if !json {
            let how = desktop.map { "hold \($0.chord) to talk (Escape cancels, \($0.chord)+m switches brains); " } ?? ""
            printError("clicky: \(assembled.mode.rawValue) brain, \(voiceOptions.voice.rawValue) voice. \(how)"
                       + "Enter to talk, Enter again to stop; c + Enter cancels; q + Enter quits.")
        }
        // `clicky mode …` and `clicky status` reach this buddy through its control socket.
        let buddy = assembled.buddy, voiceName = voiceOptions.voice.rawValue
        let control: ControlServer
        do {
            control = try ControlServer { request in await BuddyControl.answer(request, buddy: buddy, voice: voiceName) }
        } catch {
            throw CLIError(error.description)
        }
        defer { control.stop() }
        keys.start()
        await InterruptMonitor().whileRunning(cancel: { loop.press(.cancel); loop.finish(); keys.stop() }) {
            await loop.run()
        }
        await assembled.analytics?.flush()
    }
}

/// Reads standard input line by line on its own thread: an empty line is the Enter key.
final class EnterKeys: Sendable {
    let loop: VoiceLoop
    let printer: TalkPrinter
    private let stopped = Mutex(false)

    init(loop: VoiceLoop, printer: TalkPrinter) {
        self.loop = loop
        self.printer = printer
    }

    func start() {
        let thread = Thread { [self] in
            while let line = readLine(strippingNewline: true) {
                if stopped.withLock({ $0 }) { return }
                switch line.trimmingCharacters(in: .whitespaces).lowercased() {
                case "":
                    // Enter toggles: it stops a question being spoken, else it starts one (which
                    // interrupts an answer being said).
                    let listening = printer.isListening
                    loop.press(listening ? .talkReleased : .talkPressed)
                    printer.expectListening(!listening)
                case "c", "cancel", "esc":
                    loop.press(.cancel)
                case "q", "quit", "exit":
                    loop.finish()
                    return
                default:
                    printError("Enter talks; c cancels; q quits")
                }
            }
            loop.finish()   // end of input
        }
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }
}
