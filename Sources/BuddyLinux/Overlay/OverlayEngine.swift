import BuddyCore
import CX11
import Foundation
import Synchronization

/// What the async side asks of the overlay's thread, behind a mutex.
struct OverlayRequests: Sendable {
    struct PointRequest: Sendable {
        var target: DesktopPoint
        var label: String
        var done: CheckedContinuation<Void, Never>
    }

    var state = OverlayState.idle
    var pending: PointRequest?
    var running = false
    var stopping = false
    /// Stopped for good: the windows are gone and the connection closed.
    var closed = false
}

/// The overlay's X connection, windows and animation. Xlib is not thread-safe unless
/// XInitThreads runs before anything else in the process, which a library cannot promise; so
/// every X call happens on the one loop thread (or in init/deinit, when no loop runs). That
/// confinement, not the type system, is what makes the `@unchecked Sendable` sound.
final class OverlayEngine: @unchecked Sendable {
    let requests = Mutex(OverlayRequests())
    let monitors: [DesktopRect]
    let translucent: Bool
    let windows: [OverlayWindow]
    private let display: OpaquePointer
    private let root: Window
    private let finished = DispatchSemaphore(value: 0)

    /// Frames are about 60 Hz; while only the pointer moves a frame costs one XQueryPointer and
    /// perhaps one XMoveWindow.
    static let frameInterval: useconds_t = 16_000

    init(display: OpaquePointer) {
        self.display = display
        let screen = XDefaultScreen(display)
        root = XRootWindow(display, screen)
        // A compositor owns the _NET_WM_CM_Sn selection; only then does window alpha mean anything.
        translucent = XGetSelectionOwner(display, XInternAtom(display, "_NET_WM_CM_S\(screen)", 0)) != 0
        monitors = OverlayMonitors.monitors(of: display, root: root, screen: screen)
        windows = monitors.indices.map { [display, root, translucent] index in
            OverlayWindow(display: display, screen: screen, root: root, translucent: translucent, name: "clicky-buddy-\(index + 1)")
        }
        XSync(display, 0)
    }

    deinit { stop() }

    /// Starts the loop thread unless it runs. Returns at once.
    func start() {
        let begin = requests.withLock { requests -> Bool in
            guard !requests.running, !requests.closed else { return false }
            requests.running = true
            requests.stopping = false
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in run() }
        thread.name = "clicky-overlay"
        thread.start()
    }

    /// Stops the loop, then destroys the windows and closes the connection right away — while
    /// the X server is surely still there. Closing later (at deinit) could meet a server that
    /// has gone, and Xlib answers a broken connection by exiting the process. Final: a stopped
    /// overlay does not start again.
    func stop() {
        let (wait, close) = requests.withLock { requests -> (Bool, Bool) in
            guard !requests.closed else { return (false, false) }
            requests.closed = true
            requests.stopping = true
            return (requests.running, true)
        }
        if wait { finished.wait() }
        guard close else { return }
        requests.withLock { $0.running = false }
        for window in windows { window.destroy() }
        XCloseDisplay(display)
    }

    private func run() {
        var motion = BuddyMotion()
        var waiter: CheckedContinuation<Void, Never>?
        var drawn: (scene: BuddyScene, window: Int)?
        var widths: [String: Double] = [:]
        var event = XEvent()
        while true {
            let (state, request, stopping) = requests.withLock { requests in
                defer { requests.pending = nil }
                return (requests.state, requests.pending, requests.stopping)
            }
            if stopping { break }
            while XPending(display) > 0 {
                XNextEvent(display, &event)
                // Lost pixels (mapped again, or moved in from off-screen): paint the next frame anew.
                if event.type == Expose { drawn = nil }
            }
            let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            let pointer = queryPointer() ?? DesktopPoint(x: 0, y: 0)
            if let request {
                // A newer point replaces the one in progress; its caller stops waiting.
                waiter?.resume()
                waiter = request.done
                let monitor = monitors[OverlayMonitors.index(of: request.target, in: monitors)]
                motion.point(to: Pointing.landing(for: request.target, on: monitor), label: request.label, now: now, pointer: pointer)
            }
            let (frame, done) = motion.frame(now: now, pointer: pointer)
            if done {
                waiter?.resume()
                waiter = nil
            }
            let index = OverlayMonitors.index(of: frame.pointing ? frame.position : pointer, in: monitors)
            var scene = Self.scene(state: state, frame: frame, now: now)
            if let bubble = frame.bubble {
                let width = widths[bubble.text] ?? BuddyPainter.bubbleWidth(for: bubble.text)
                widths[bubble.text] = width
                (scene.bubbleOnLeft, scene.bubbleAbove) = BuddyScene.flips(for: frame.position, bubbleWidth: width, on: monitors[index])
            }
            for (other, window) in windows.enumerated() where other != index { window.hide() }
            windows[index].place(x: Int(frame.position.x.rounded()), y: Int(frame.position.y.rounded()))
            if drawn == nil || drawn!.scene != scene || drawn!.window != index {
                windows[index].draw(scene)
                drawn = (scene, index)
            }
            XFlush(display)
            usleep(Self.frameInterval)
        }
        waiter?.resume()
        for window in windows { window.hide() }
        XSync(display, 0)
        finished.signal()
    }

    /// The picture for the voice `state`; pointing always shows the triangle, as the original
    /// sets its state to idle before flying.
    static func scene(state: OverlayState, frame: BuddyMotion.Frame, now: Double) -> BuddyScene {
        let triangle = BuddyScene.Figure.triangle(rotation: frame.rotation, scale: frame.scale)
        var scene = BuddyScene(figure: triangle, bubble: frame.bubble)
        guard !frame.pointing else { return scene }
        switch state {
        case .idle: break
        case .listening(let level): scene.figure = .waveform(BuddyScene.waveform(level: level, at: now))
        case .thinking: scene.figure = .spinner((now / 0.8).truncatingRemainder(dividingBy: 1) * 2 * Double.pi)
        case .answering(let badge): scene.badge = badge.isEmpty ? nil : badge
        }
        return scene
    }

    private func queryPointer() -> DesktopPoint? {
        var rootReturn: Window = 0, child: Window = 0
        var x: Int32 = 0, y: Int32 = 0, windowX: Int32 = 0, windowY: Int32 = 0
        var buttons: UInt32 = 0
        guard XQueryPointer(display, root, &rootReturn, &child, &x, &y, &windowX, &windowY, &buttons) != 0 else { return nil }
        return DesktopPoint(x: Double(x), y: Double(y))
    }
}


/// The monitors the buddy has a window on, from RandR.
enum OverlayMonitors {
    /// The active RandR monitors of `display`, without the whole-screen one; the whole screen
    /// when RandR reports none (an X server without RandR 1.5).
    static func monitors(of display: OpaquePointer, root: Window, screen: Int32) -> [DesktopRect] {
        var count: Int32 = 0
        var found: [DesktopRect] = []
        if let list = XRRGetMonitors(display, root, 1, &count) {
            for index in 0..<Int(max(count, 0)) {
                let info = list[index]
                found.append(DesktopRect(x: Int(info.x), y: Int(info.y), width: Int(info.width), height: Int(info.height)))
            }
            XRRFreeMonitors(list)
        }
        let monitors = withoutCoveringMonitors(found)
        if monitors.isEmpty {
            return [DesktopRect(x: 0, y: 0, width: Int(XDisplayWidth(display, screen)), height: Int(XDisplayHeight(display, screen)))]
        }
        return monitors
    }

    /// Drops every monitor that is exactly tiled by the others it contains — the automatic
    /// `screen` monitor Xvfb (and some drivers) report beside monitors declared with
    /// `xrandr --setmonitor` (linux-desktop.md §2.7). Keeping it would put two buddies on screen.
    /// A monitor only partly covered stays: it shows desktop the others do not.
    static func withoutCoveringMonitors(_ monitors: [DesktopRect]) -> [DesktopRect] {
        var unique: [DesktopRect] = []
        for monitor in monitors where !unique.contains(monitor) { unique.append(monitor) }
        return unique.filter { outer in
            let inside = unique.filter { $0 != outer && contains(outer, $0) }
            guard !inside.isEmpty else { return true }
            let covered = inside.reduce(0) { $0 + $1.width * $1.height }
            return covered != outer.width * outer.height || overlaps(inside)
        }
    }

    /// The monitor holding `point`, else the nearest one (the pointer can sit in a gap between
    /// monitors of different heights).
    static func index(of point: DesktopPoint, in monitors: [DesktopRect]) -> Int {
        var best = 0, bestDistance = Double.infinity
        for (index, monitor) in monitors.enumerated() {
            let dx = max(Double(monitor.x) - point.x, 0, point.x - Double(monitor.x + monitor.width - 1))
            let dy = max(Double(monitor.y) - point.y, 0, point.y - Double(monitor.y + monitor.height - 1))
            let distance = dx * dx + dy * dy
            if distance < bestDistance { best = index; bestDistance = distance }
        }
        return best
    }

    private static func contains(_ outer: DesktopRect, _ inner: DesktopRect) -> Bool {
        inner.x >= outer.x && inner.y >= outer.y
            && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height
    }

    private static func overlaps(_ rects: [DesktopRect]) -> Bool {
        for (i, a) in rects.enumerated() {
            for b in rects[(i + 1)...] where a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height {
                return true
            }
        }
        return false
    }
}
