import ArgumentParser
import BuddyCore
import Speech

/// The voice loop's devices and voice, shared by `clicky talk` and the desktop buddy.
struct VoiceOptions: ParsableArguments {
    enum OfflineVoice: String, ExpressibleByArgument, CaseIterable {
        case flite
        case espeak = "espeak-ng"
    }

    @Option(name: .long, help: "The offline voice: flite (default) or espeak-ng (many languages).")
    var voice: OfflineVoice = .flite

    @Option(name: .long, help: "The voice's own name: a flite voice (slt, kal, awb, rms) or an espeak-ng language (en-us, fr, de, …).")
    var voiceName: String?

    @Option(name: .long, help: "The ALSA capture device (\"default\" follows PulseAudio/PipeWire).")
    var microphone = "default"

    @Option(name: .long, help: "The ALSA playback device.")
    var speaker = "default"

    @Flag(name: .long, help: "Never speak with the cloud voice (ElevenLabs), even for cloud answers.")
    var noCloudVoice = false

    /// The microphone, ears, voice and speaker; a missing voice program is one line, exit 1.
    /// `cloudVoice` builds the voice for cloud answers; with --no-cloud-voice it is not even called.
    func devices(ears: any SpeechToText, cloudVoice: () throws -> (any SpeechSynthesizer)?) throws -> VoiceLoop.Devices {
        let offline: any SpeechSynthesizer
        do throws(SpeechError) {
            switch voice {
            case .flite: offline = try FliteVoice(voice: voiceName ?? "slt")
            case .espeak: offline = try EspeakVoice(voice: voiceName ?? "en-us")
            }
        } catch {
            throw CLIError(error.description, exitCode: error.isInvalidInput ? ExitStatus.invalidInput : ExitStatus.failure)
        }
        return VoiceLoop.Devices(microphone: AlsaMicrophone(device: microphone), ears: ears, voice: offline,
                                 cloudVoice: noCloudVoice ? nil : try cloudVoice(), speaker: AlsaSpeaker(device: speaker))
    }
}

/// Runs a speech step, reporting its error as one line: exit 3 for invalid input (a bad WAV, a
/// missing or corrupt model), 1 otherwise.
func speechStep<T>(_ body: () throws(SpeechError) -> T) throws(CLIError) -> T {
    do {
        return try body()
    } catch {
        throw CLIError(error.description, exitCode: error.isInvalidInput ? ExitStatus.invalidInput : ExitStatus.failure)
    }
}
