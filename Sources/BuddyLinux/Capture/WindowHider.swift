import BuddyCore
import CX11
import Foundation
import Synchronization

/// Keeps the buddy's own windows (the overlay) out of screenshots: unmaps those that are
/// showing, waits for the windows beneath to repaint, and maps them again after the grab.
///
/// Why unmapping: on X11 the overlay's pixels are in the screen image itself, so the only way to
/// see what lies under it is to take it off the screen and let the windows below redraw (the
/// server paints the root background at once; other clients answer Expose within a few
/// milliseconds, hence `settle`). An empty XShape bounding region would expose the same area
/// but needs the overlay's shape restored exactly afterwards; unmapping is undone by one
/// XMapWindow, which keeps the window's place in the stacking order. The overlay sees an
/// UnmapNotify/MapNotify pair on its own connection and should not react to it.
///
/// Known race: should the owner itself unmap one of these windows during the grab (tens of
/// milliseconds), `restore` maps it again behind the owner's back. Only the owner can close
/// that gap (by hiding for the capture on its own thread); for the overlay it would leave the
/// sprite on a monitor the pointer just left until the pointer comes back.
struct WindowHider {
    let display: OpaquePointer
    let windows: [UInt]
    private var hidden: [UInt] = []

    init(display: OpaquePointer, windows: [UInt]) {
        self.display = display
        self.windows = windows
    }

    /// Unmaps every listed window that is viewable. Ids of windows that no longer exist are
    /// skipped: their BadWindow errors are swallowed for this connection (`XErrorTrap`).
    mutating func hide(settle: Duration) {
        guard !windows.isEmpty else { return }
        XErrorTrap.ignoreErrors(on: display)
        for window in windows {
            var attributes = XWindowAttributes()
            guard XGetWindowAttributes(display, window, &attributes) != 0, attributes.map_state == IsViewable else { continue }
            XUnmapWindow(display, window)
            hidden.append(window)
        }
        XSync(display, 0)
        if !hidden.isEmpty {
            Thread.sleep(forTimeInterval: settle.seconds)
        }
    }

    /// Maps again exactly the windows `hide` unmapped, and waits until the server has done it.
    func restore() {
        guard !windows.isEmpty else { return }
        for window in hidden { XMapWindow(display, window) }
        XSync(display, 0)
        XErrorTrap.stopIgnoring(display)
    }
}

/// Xlib's error handler is one per process, and the default one exits. While a capture's
/// connection touches windows it does not own, errors on that connection are ignored; errors
/// on any other connection go to the handler that was installed before ours, so the overlay's
/// own handling (or Xlib's default) is unchanged.
enum XErrorTrap {
    private static let ignored = Mutex<Set<UInt>>([])
    private nonisolated(unsafe) static var previous: XErrorHandler?
    private static let installed = Mutex(false)

    static func ignoreErrors(on display: OpaquePointer) {
        installed.withLock { done in
            guard !done else { return }
            previous = XSetErrorHandler { display, event in
                let key = UInt(bitPattern: display.map { Int(bitPattern: $0) } ?? 0)
                if XErrorTrap.ignored.withLock({ $0.contains(key) }) { return 0 }
                return XErrorTrap.previous?(display, event) ?? 0
            }
            done = true
        }
        ignored.withLock { _ = $0.insert(UInt(bitPattern: Int(bitPattern: display))) }
    }

    static func stopIgnoring(_ display: OpaquePointer) {
        ignored.withLock { _ = $0.remove(UInt(bitPattern: Int(bitPattern: display))) }
    }
}
