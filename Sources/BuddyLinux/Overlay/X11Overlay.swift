import BuddyCore
import CX11
import Foundation

/// The buddy beside the cursor on X11: a blue triangle trailing the pointer on whichever
/// monitor holds it, a waveform while listening, a spinner while thinking, the latency chip
/// while answering, and the flight to a pointed-at spot with its bubble. One click-through
/// window per RandR monitor, drawn by its own thread (see `OverlayEngine`).
public final class X11Overlay: Overlay {
    private let engine: OverlayEngine

    /// Opens `display` (nil: $DISPLAY) and creates the windows, hidden until `start()`.
    public init(display name: String? = nil) throws(OverlayError) {
        guard name != nil || ProcessInfo.processInfo.environment["DISPLAY"].map({ !$0.isEmpty }) == true else {
            throw .noDisplay
        }
        let opened = name.map { XOpenDisplay($0) } ?? XOpenDisplay(nil)
        guard let display = opened else {
            throw .cannotOpen(name ?? ProcessInfo.processInfo.environment["DISPLAY"] ?? "")
        }
        engine = OverlayEngine(display: display)
    }

    deinit { engine.stop() }

    /// The overlay's X windows, for the screen capture to leave out of screenshots.
    public var windowIDs: [UInt] { engine.windows.map(\.window) }

    /// The monitors it has a window on (the whole-screen RandR monitor dropped when others tile it).
    public var monitors: [DesktopRect] { engine.monitors }

    /// True when a compositor ran at start-up, so the windows are ARGB with a soft glow; false
    /// when they are shaped (crisp edges, no glow) because alpha would show black.
    public var isTranslucent: Bool { engine.translucent }

    /// Shows the buddy and starts following the pointer (about 60 Hz).
    public func start() { engine.start() }

    /// Hides the buddy for good: stops its thread and closes the X connection; a pointing in
    /// progress returns at once. Call it before the X server goes away (Xlib exits the process
    /// on a connection it finds broken); make a new overlay to show the buddy again.
    public func stop() { engine.stop() }

    public func show(_ state: OverlayState) async {
        engine.requests.withLock { $0.state = state }
    }

    /// Flies to `point`, shows `label` (a random phrase of the original's when nil), holds 3 s,
    /// fades and flies back; returns when it follows the pointer again, or at once when stopped.
    public func point(at point: DesktopPoint, label: String?) async {
        let text = Self.bubbleText(label)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let (accepted, replaced) = engine.requests.withLock { requests -> (Bool, CheckedContinuation<Void, Never>?) in
                guard requests.running, !requests.stopping else { return (false, nil) }
                let replaced = requests.pending?.done
                requests.pending = .init(target: point, label: text, done: done)
                return (true, replaced)
            }
            replaced?.resume()
            if !accepted { done.resume() }
        }
    }

    /// Bubble text that fits the sprite: trimmed, at most 34 characters with an ellipsis.
    static func bubbleText(_ label: String?) -> String {
        let trimmed = label?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty else { return Pointing.phrases.randomElement() ?? "right here!" }
        return trimmed.count > 34 ? String(trimmed.prefix(33)) + "…" : trimmed
    }
}

/// Why the overlay could not start. Each case reads as one line for the terminal.
public enum OverlayError: Error, Equatable, CustomStringConvertible {
    /// Neither a display name was given nor DISPLAY set (a Wayland-only or headless session).
    case noDisplay
    /// XOpenDisplay refused the named display (no server, or no permission).
    case cannotOpen(String)

    public var description: String {
        switch self {
        case .noDisplay: "no X display: DISPLAY is not set, so the buddy cannot appear beside the cursor"
        case .cannotOpen(let name): "cannot open X display \(name): is the X server running and reachable?"
        }
    }
}
