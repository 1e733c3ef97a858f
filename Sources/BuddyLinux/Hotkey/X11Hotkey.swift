import CX11
import Foundation
import Synchronization

/// The global push-to-talk chord on X11 (linux-desktop.md §2.4): passive key grabs on the root
/// window, one per CapsLock/NumLock combination so the chord works with either on, read on the
/// hotkey's own X connection and thread. A modifier-only chord (Ctrl+Alt) is grabbed as each of
/// its keys with the others held; once it fires the keyboard is ours until the keys go up, so
/// the first release ends the question and M pressed meanwhile cycles the brain instead.
/// Escape is grabbed only while a turn is in flight (`armCancel`), so other programs keep it.
public final class X11Hotkey: @unchecked Sendable {
    // @unchecked: the X connection and `held`/`toggled` are used only by the hotkey thread;
    // what other threads set goes through the atomics.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let chord: HotkeyChord
    public let toggle: Bool
    private let display: OpaquePointer
    private let root: Window
    private let onEvent: @Sendable (HotkeyEvent) -> Void
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let cancelWanted = Atomic<Bool>(false)
    private var cancelGrabbed = false
    private var held = false
    private var toggled = false
    private var chordKeys: Set<UInt32> = []
    private let cycleKey: UInt32
    private let escapeKey: UInt32

    /// Grabs `chord` on `display` (nil: $DISPLAY). `toggle`: one press starts, the next stops.
    public init(display name: String? = nil, chord: HotkeyChord = .pushToTalk, toggle: Bool = false,
                onEvent: @escaping @Sendable (HotkeyEvent) -> Void) throws(Failure) {
        XInitThreads()
        guard let display = XOpenDisplay(name) else {
            throw Failure(description: "cannot open the X display \(name ?? ProcessInfo.processInfo.environment["DISPLAY"] ?? "(DISPLAY is not set)")")
        }
        self.display = display
        self.chord = chord
        self.toggle = toggle
        self.onEvent = onEvent
        root = XDefaultRootWindow(display)
        cycleKey = UInt32(XKeysymToKeycode(display, KeySym(XK_m)))
        escapeKey = UInt32(XKeysymToKeycode(display, KeySym(XK_Escape)))
        var supported: Int32 = 0
        XkbSetDetectableAutoRepeat(display, 1, &supported)   // holding gives no fake release/press pairs
        X11Errors.install()
        X11Errors.reset()
        try grabChord()
    }

    /// The masks under which CapsLock and NumLock leave a chord working.
    private static let lockVariants: [UInt32] = [0, UInt32(LockMask), UInt32(Mod2Mask), UInt32(LockMask | Mod2Mask)]

    static func mask(_ modifier: HotkeyChord.Modifier) -> UInt32 {
        switch modifier {
        case .ctrl: UInt32(ControlMask)
        case .alt: UInt32(Mod1Mask)
        case .shift: UInt32(ShiftMask)
        case .super: UInt32(Mod4Mask)
        }
    }

    static func keysyms(_ modifier: HotkeyChord.Modifier) -> [Int32] {
        switch modifier {
        case .ctrl: [XK_Control_L, XK_Control_R]
        case .alt: [XK_Alt_L, XK_Alt_R]
        case .shift: [XK_Shift_L, XK_Shift_R]
        case .super: [XK_Super_L, XK_Super_R]
        }
    }

    private func keycode(_ keysym: Int32) -> UInt32 { UInt32(XKeysymToKeycode(display, KeySym(keysym))) }

    private func grabChord() throws(Failure) {
        var grabs: [(UInt32, UInt32)] = []
        if let key = chord.key {
            let keysym = XStringToKeysym(key)
            guard keysym != 0 else { throw Failure(description: "unknown key \"\(key)\" in the hotkey \(chord)") }
            let code = UInt32(XKeysymToKeycode(display, keysym))
            chordKeys = [code]
            grabs = [(code, chord.modifiers.reduce(0) { $0 | Self.mask($1) })]
        } else {
            for modifier in chord.modifiers {
                let others = chord.modifiers.subtracting([modifier]).reduce(0) { $0 | Self.mask($1) }
                for code in Self.keysyms(modifier).map(keycode) where code != 0 {
                    chordKeys.insert(code)
                    grabs.append((code, others))
                }
            }
        }
        for (code, modifiers) in grabs {
            for variant in Self.lockVariants {
                XGrabKey(display, Int32(code), modifiers | variant, root, 1, GrabModeAsync, GrabModeAsync)
            }
        }
        XSync(display, 0)
        if X11Errors.sawBadAccess {
            throw Failure(description: "another program already holds the hotkey \(chord); choose another with --hotkey")
        }
    }

    /// Escape cancels only while a turn runs: grabbed then, released otherwise.
    public func armCancel(_ armed: Bool) { cancelWanted.store(armed, ordering: .releasing) }

    /// Reads key events on its own thread until `stop()`.
    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) {
                syncCancelGrab()
                while XPending(display) > 0 {
                    var event = XEvent()
                    XNextEvent(display, &event)
                    handle(event)
                }
                usleep(5_000)
            }
            XCloseDisplay(display)
            finished.signal()
        }
        thread.name = "clicky hotkey"
        thread.start()
    }

    /// Stops reading and closes the X connection; returns once it is closed (so the X server
    /// may go away afterwards without Xlib ending the process).
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        _ = finished.wait(timeout: .now() + 2)
    }

    private func syncCancelGrab() {
        let wanted = cancelWanted.load(ordering: .acquiring)
        guard wanted != cancelGrabbed else { return }
        for variant in Self.lockVariants {
            if wanted {
                XGrabKey(display, Int32(escapeKey), variant, root, 1, GrabModeAsync, GrabModeAsync)
            } else {
                XUngrabKey(display, Int32(escapeKey), variant, root)
            }
        }
        XFlush(display)
        cancelGrabbed = wanted
    }

    private func handle(_ event: XEvent) {
        let type = event.type, code = event.xkey.keycode
        if type == KeyPress, code == escapeKey, cancelGrabbed {
            onEvent(.cancel)
        } else if type == KeyPress, code == cycleKey, held || chordHeld(event.xkey.state) {
            // Ctrl+Alt+M: a brain switch, not a question.
            if held, !toggle { onEvent(.cancel) }
            held = chord.key == nil ? true : held
            suppressRelease = true
            onEvent(.cycleBrain)
        } else if type == KeyPress, chordKeys.contains(code), !held {
            held = true
            suppressRelease = false
            if toggle {
                toggled.toggle()
                onEvent(toggled ? .talkPressed : .talkReleased)
            } else {
                onEvent(.talkPressed)
            }
        } else if type == KeyRelease, chordKeys.contains(code), held {
            held = false
            if !toggle, !suppressRelease { onEvent(.talkReleased) }
            suppressRelease = false
        }
    }

    private var suppressRelease = false

    /// Whether the state mask holds the chord's modifiers (CapsLock/NumLock ignored).
    private func chordHeld(_ state: UInt32) -> Bool {
        let wanted = chord.modifiers.reduce(UInt32(0)) { $0 | Self.mask($1) }
        return state & wanted == wanted
    }
}

/// Xlib reports a failed grab asynchronously through the error handler; the handler must be a
/// plain C function, so what it saw goes through a global.
enum X11Errors {
    nonisolated(unsafe) private static var badAccess = false
    private static let installed = Mutex(false)

    static func install() {
        installed.withLock { done in
            guard !done else { return }
            done = true
            XSetErrorHandler { _, error in
                if let error, error.pointee.error_code == UInt8(BadAccess) { X11Errors.badAccess = true }
                return 0
            }
        }
    }

    static func reset() { badAccess = false }
    static var sawBadAccess: Bool { badAccess }
}
