import ArgumentParser
import Foundation
import Speech

/// `clicky` with no command: the buddy in whatever form this machine allows. With a microphone
/// and a terminal it is `clicky talk` (Enter to talk); without a microphone, `clicky chat`
/// (typed). With a display it is `clicky desktop`, the buddy beside the cursor.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the buddy: voice through the microphone when there is one (Enter to talk), else typed chat.",
        shouldDisplay: false)

    @OptionGroup var voiceOptions: VoiceOptions
    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func run() async throws {
        if !(ProcessInfo.processInfo.environment["DISPLAY"] ?? "").isEmpty {
            // A display: the buddy beside the cursor, with the default chord.
            let desktop = try DesktopParts.open(hotkey: "ctrl+alt", toggle: false)
            defer { desktop.overlay.stop() }
            try await Talk.talk(voiceOptions: voiceOptions, brains: brains, options: options, json: false,
                                speakWholeAnswer: false, desktop: desktop)
            return
        }
        switch AudioDevices.checkMicrophone(device: voiceOptions.microphone) {
        case .success:
            try await Talk.talk(voiceOptions: voiceOptions, brains: brains, options: options, json: false,
                                speakWholeAnswer: false, microphoneChecked: true)
        case .failure(let error):
            printError("\(error.description)\nNo microphone, so typing instead (clicky chat).")
            try await Chat.chat(brains: brains, options: options)
        }
    }
}
