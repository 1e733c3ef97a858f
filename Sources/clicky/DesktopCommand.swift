import ArgumentParser
import BuddyCore
import BuddyLinux
import Foundation
import Synchronization

/// The desktop buddy's parts on X11: the overlay, the capturer that leaves the overlay out of
/// screenshots, and the push-to-talk chord.
struct DesktopParts {
    let overlay: X11Overlay
    let capturer: X11ScreenCapturer
    let chord: HotkeyChord
    let toggle: Bool

    /// Opens the display (a Wayland session without X11 is one line saying so).
    static func open(hotkey: String, toggle: Bool) throws -> DesktopParts {
        let environment = ProcessInfo.processInfo.environment
        if (environment["DISPLAY"] ?? "").isEmpty, !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty {
            throw CLIError("the desktop buddy needs X11 for now (a Wayland session gives no global pointer); log in to an X11 session, or use `clicky talk`")
        }
        guard let chord = HotkeyChord(parsing: hotkey) else {
            throw CLIError("cannot read the hotkey \"\(hotkey)\": write modifiers and at most one key, like ctrl+alt or super+space",
                           exitCode: ExitStatus.usage)
        }
        do {
            let overlay = try X11Overlay()
            let capturer = try X11ScreenCapturer(excluding: { overlay.windowIDs })
            overlay.start()
            return DesktopParts(overlay: overlay, capturer: capturer, chord: chord, toggle: toggle)
        } catch {
            throw CLIError(String(describing: error))
        }
    }
}

/// `clicky desktop`: the buddy beside the cursor (what `clicky` runs when there is a display).
struct Desktop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The buddy beside the cursor on X11: hold Ctrl+Alt to talk, Escape cancels, Ctrl+Alt+M switches brains.")

    @Option(name: .long, help: "The push-to-talk chord: modifiers and at most one key (ctrl+alt, super+space, F9).")
    var hotkey = "ctrl+alt"

    @Flag(name: .long, help: "Press the chord once to start and once to stop, instead of holding it.")
    var toggle = false

    @Flag(name: .long, help: "Print every event as a JSON line.")
    var json = false

    @OptionGroup var voiceOptions: VoiceOptions
    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func run() async throws {
        let desktop = try DesktopParts.open(hotkey: hotkey, toggle: toggle)
        defer { desktop.overlay.stop() }
        try await Talk.talk(voiceOptions: voiceOptions, brains: brains, options: options, json: json,
                            speakWholeAnswer: false, desktop: desktop)
    }
}

/// The hotkey of a running desktop buddy: chord events become the loop's keys, Ctrl+Alt+M
/// cycles the brain (the overlay's chip says which), and Escape is grabbed only while a turn
/// is in flight.
final class DesktopHotkey: Sendable {
    private let hotkey = Mutex<X11Hotkey?>(nil)

    func start(_ desktop: DesktopParts, loop: VoiceLoop, buddy: Buddy, printer: TalkPrinter) throws {
        let overlay = desktop.overlay
        let grabbed: X11Hotkey
        do {
            grabbed = try X11Hotkey(chord: desktop.chord, toggle: desktop.toggle) { event in
                switch event {
                case .talkPressed: loop.press(.talkPressed)
                case .talkReleased: loop.press(.talkReleased)
                case .cancel: loop.press(.cancel)
                case .cycleBrain:
                    Task {
                        let all = BrainMode.allCases
                        let current = await buddy.mode
                        let next = all[((all.firstIndex(of: current) ?? 0) + 1) % all.count]
                        await buddy.setMode(next)
                        printError("brain: \(next.rawValue)")
                        await overlay.show(.answering(badge: "brain: \(next.rawValue)"))
                    }
                }
            }
        } catch {
            throw CLIError(error.description)
        }
        grabbed.start()
        hotkey.withLock { $0 = grabbed }
    }

    /// Escape belongs to the buddy only while a turn runs.
    func follow(_ event: VoiceLoopEvent) {
        switch event {
        case .listening, .released, .asking: hotkey.withLock { $0?.armCancel(true) }
        case .idle, .stopped: hotkey.withLock { $0?.armCancel(false) }
        default: break
        }
    }

    func stop() { hotkey.withLock { $0?.stop() } }
}
