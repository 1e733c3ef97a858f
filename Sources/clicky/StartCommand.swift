import ArgumentParser
import Foundation
import Speech

/// `clicky` with no command: the buddy in whatever form this machine allows. With a microphone
/// and a terminal it is `clicky talk` (Enter to talk); without a microphone, `clicky chat`
/// (typed). The desktop buddy beside the cursor (X11) comes with the overlay.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the buddy: voice through the microphone when there is one (Enter to talk), else typed chat.",
        shouldDisplay: false)

    @OptionGroup var voiceOptions: VoiceOptions
    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func run() async throws {
        switch AudioDevices.checkMicrophone(device: voiceOptions.microphone) {
        case .success:
            try await Talk.talk(voiceOptions: voiceOptions, brains: brains, options: options, json: false,
                                speakWholeAnswer: false)
        case .failure(let error):
            printError("\(error.description)\nNo microphone, so typing instead (clicky chat).")
            try await Chat.chat(brains: brains, options: options)
        }
    }
}
