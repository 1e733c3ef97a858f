import ArgumentParser
import BuddyCore
import BuddyProviders
import Foundation
import GGUF
import Speech
import BuddyLinux

/// `clicky doctor`: what the buddy needs on this machine, each with what to do when it is
/// missing. Exit 0 when a Local Mode voice turn can run (model, ears, voice, microphone,
/// speaker), 1 otherwise; the desktop and cloud lines are advice.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the models, voices, microphone, speaker, display and brains, and say how to fix what is missing.")

    @Option(name: .long, help: "The ALSA capture device to check.")
    var microphone = "default"

    @Option(name: .long, help: "The ALSA playback device to check.")
    var speaker = "default"

    func run() async throws {
        var checks: [Check] = []
        checks.append(localModel())
        checks.append(ears())
        checks.append(voice("flite", required: true) { () throws(SpeechError) in try FliteVoice(voice: "slt") })
        checks.append(voice("espeak-ng", required: false) { () throws(SpeechError) in try EspeakVoice(voice: "en-us") })
        checks.append(device("microphone", AudioDevices.checkMicrophone(device: microphone)))
        checks.append(device("speaker", AudioDevices.checkSpeaker(device: speaker)))
        checks.append(audioServer())
        checks.append(display())
        if !(ProcessInfo.processInfo.environment["DISPLAY"] ?? "").isEmpty { checks.append(contentsOf: await desktop()) }
        checks.append(await network())
        checks.append(contentsOf: cloudKeys())
        for check in checks { writeOut(check.line + "\n") }
        let failed = checks.filter { $0.required && $0.state == .missing }
        if !failed.isEmpty {
            throw CLIError("\(failed.count) of the things a Local Mode voice turn needs \(failed.count == 1 ? "is" : "are") missing",
                           exitCode: ExitStatus.failure)
        }
    }

    struct Check {
        enum State: String { case ok = "ok", missing = "missing", note = "note" }
        let name: String
        let state: State
        let detail: String
        var required = false

        var line: String {
            let mark = switch state { case .ok: "✓"; case .missing: required ? "✗" : "–"; case .note: "·" }
            return "\(mark) \(name): \(detail)"
        }
    }

    private func localModel() -> Check {
        do {
            let path = try ModelLocator.resolve(nil)
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            _ = try GGUFFile(path: path)
            return Check(name: "local model", state: .ok, detail: "\(path) (\(size / 1_000_000) MB)", required: true)
        } catch let error as CLIError {
            return Check(name: "local model", state: .missing, detail: error.description, required: true)
        } catch {
            return Check(name: "local model", state: .missing, detail: "\(error); run scripts/setup.sh", required: true)
        }
    }

    private func ears() -> Check {
        let directory = WhisperModelFiles.defaultDirectory
        do {
            _ = try WhisperModelFiles(directory: directory)
            return Check(name: "speech-to-text", state: .ok, detail: "Whisper tiny.en in \(directory)", required: true)
        } catch {
            return Check(name: "speech-to-text", state: .missing, detail: "\(error.description); run scripts/setup.sh", required: true)
        }
    }

    private func voice(_ name: String, required: Bool, _ make: () throws(SpeechError) -> any SpeechSynthesizer) -> Check {
        do {
            _ = try make()
            return Check(name: "voice \(name)", state: .ok, detail: "installed", required: required)
        } catch {
            return Check(name: "voice \(name)", state: .missing, detail: error.description, required: required)
        }
    }

    private func device(_ name: String, _ result: Result<String, AudioDeviceError>) -> Check {
        switch result {
        case .success(let description): Check(name: name, state: .ok, detail: description, required: true)
        case .failure(let error): Check(name: name, state: .missing, detail: error.description, required: true)
        }
    }

    /// PulseAudio or PipeWire: what ALSA's "default" goes through on a desktop.
    private func audioServer() -> Check {
        let environment = ProcessInfo.processInfo.environment
        if let server = environment["PULSE_SERVER"], !server.isEmpty {
            return Check(name: "audio server", state: .ok, detail: "PulseAudio at \(server)")
        }
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/user/\(getuid())"
        for (socket, name) in [("pulse/native", "PulseAudio"), ("pipewire-0", "PipeWire")]
        where FileManager.default.fileExists(atPath: "\(runtime)/\(socket)") {
            return Check(name: "audio server", state: .ok, detail: "\(name) (\(runtime)/\(socket))")
        }
        return Check(name: "audio server", state: .note,
                     detail: "no PulseAudio or PipeWire session found; ALSA devices are used directly (start your desktop's sound server if the microphone is missing)")
    }

    private func display() -> Check {
        let environment = ProcessInfo.processInfo.environment
        let x11 = environment["DISPLAY"].flatMap { $0.isEmpty ? nil : $0 }
        let wayland = environment["WAYLAND_DISPLAY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (x11, wayland) {
        case (let display?, _):
            return Check(name: "display", state: .ok, detail: "X11 display \(display)")
        case (nil, let wayland?):
            return Check(name: "display", state: .missing,
                         detail: "Wayland session \(wayland) without X11: the desktop buddy needs X11 for now (log in to an X11 session); `clicky talk` works without a display")
        case (nil, nil):
            return Check(name: "display", state: .note, detail: "no display: use `clicky talk` (Enter to talk) or `clicky chat`")
        }
    }

    /// On X11: the overlay (and whether a compositor gives it true transparency), the
    /// push-to-talk chord, and screen capture.
    private func desktop() async -> [Check] {
        var checks: [Check] = []
        do {
            let overlay = try X11Overlay()
            let monitors = overlay.monitors.map { "\($0.width)x\($0.height)+\($0.x)+\($0.y)" }.joined(separator: ", ")
            checks.append(Check(name: "overlay", state: .ok,
                                detail: (overlay.isTranslucent ? "compositor running: translucent" : "no compositor: shaped window")
                                    + "; monitors \(monitors)"))
            overlay.stop()
        } catch {
            checks.append(Check(name: "overlay", state: .missing, detail: String(describing: error)))
        }
        do {
            let hotkey = try X11Hotkey(chord: .pushToTalk) { _ in }
            hotkey.start()
            hotkey.stop()
            checks.append(Check(name: "hotkey", state: .ok, detail: "ctrl+alt is free to grab"))
        } catch {
            checks.append(Check(name: "hotkey", state: .missing, detail: error.description))
        }
        do {
            let screens = try await X11ScreenCapturer().captureScreens()
            let sizes = screens.map { "\($0.capture.imageWidth)x\($0.capture.imageHeight)" }.joined(separator: ", ")
            checks.append(Check(name: "screen capture", state: .ok, detail: "\(screens.count) screen(s): \(sizes) JPEG"))
        } catch {
            checks.append(Check(name: "screen capture", state: .missing, detail: String(describing: error)))
        }
        return checks
    }

    private func network() async -> Check {
        let online = await RouteTableNetworkStatus().isOnline()
        return Check(name: "network", state: .note,
                     detail: online ? "online (cloud brains reachable if set up)" : "offline: Local Mode works; cloud brains refuse at once")
    }

    /// Whether each cloud service has a key, never the key itself.
    private func cloudKeys() -> [Check] {
        guard let keys = try? SecretStore(environment: ProcessInfo.processInfo.environment) else {
            return [Check(name: "keys", state: .missing, detail: "the secrets file cannot be read; see ~/.config/clicky/secrets.toml")]
        }
        return SecretKind.allCases.map { kind in
            let found = (try? keys.lookup(kind)) ?? nil
            return Check(name: "\(kind.rawValue) key", state: found == nil ? .note : .ok,
                         detail: found == nil ? "not set (\(kind.environmentVariable) or the keyring)" : "set")
        }
    }
}
