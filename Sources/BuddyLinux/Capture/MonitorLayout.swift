import BuddyCore
import CX11

/// The desktop's monitors as RandR reports them, in the order the buddy sends screenshots:
/// the monitor under the pointer first (it becomes "screen 1"), then the others left to right,
/// top to bottom for monitors in the same column.
struct MonitorLayout: Sendable, Equatable {
    /// Each monitor's area on the desktop (root window pixels).
    var monitors: [DesktopRect]
    /// Whether `monitors[0]` holds the pointer. False when the pointer is in a gap between
    /// monitors or on another X screen; then every capture is labelled secondary.
    var cursorOnFirst: Bool

    /// Reads the monitors of `display`'s default screen and the pointer position.
    static func read(from display: OpaquePointer) -> MonitorLayout {
        let screen = XDefaultScreen(display)
        let root = XRootWindow(display, screen)
        let bounds = DesktopRect(x: 0, y: 0, width: Int(XDisplayWidth(display, screen)),
                                 height: Int(XDisplayHeight(display, screen)))
        return arrange(randrMonitors(display, root: root), screen: bounds, pointer: pointer(display, root: root))
    }

    /// The pure part of `read`, so the ordering rules are testable without a server.
    static func arrange(_ reported: [DesktopRect], screen: DesktopRect, pointer: (x: Int, y: Int)?) -> MonitorLayout {
        // XGetImage on the root fails (BadMatch) for any area outside the root window, so a
        // monitor reaching past the screen is cut to it; one wholly outside is dropped.
        var monitors = distinctOutputs(reported.compactMap { intersect($0, screen) })
        if monitors.isEmpty { monitors = [screen] }
        monitors.sort { ($0.x, $0.y) < ($1.x, $1.y) }
        guard let pointer, let index = monitors.firstIndex(where: { contains($0, pointer) }) else {
            return MonitorLayout(monitors: monitors, cursorOnFirst: false)
        }
        monitors.insert(monitors.remove(at: index), at: 0)
        return MonitorLayout(monitors: monitors, cursorOnFirst: true)
    }

    /// Drops duplicates (mirrored outputs) and every monitor that contains another one. RandR
    /// adds an automatic monitor for the whole screen when monitors are declared with
    /// `xrandr --setmonitor` (linux-desktop.md §2.7); a screenshot of it would repeat the real
    /// monitors at half the detail, so aggregates go and the smallest tiles stay.
    static func distinctOutputs(_ rects: [DesktopRect]) -> [DesktopRect] {
        var unique: [DesktopRect] = []
        for rect in rects where !unique.contains(rect) { unique.append(rect) }
        return unique.filter { outer in
            !unique.contains { inner in inner != outer && encloses(outer, inner) }
        }
    }

    static func contains(_ rect: DesktopRect, _ point: (x: Int, y: Int)) -> Bool {
        point.x >= rect.x && point.x < rect.x + rect.width && point.y >= rect.y && point.y < rect.y + rect.height
    }

    private static func encloses(_ outer: DesktopRect, _ inner: DesktopRect) -> Bool {
        inner.x >= outer.x && inner.y >= outer.y
            && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height
    }

    private static func intersect(_ a: DesktopRect, _ b: DesktopRect) -> DesktopRect? {
        let left = max(a.x, b.x), top = max(a.y, b.y)
        let right = min(a.x + a.width, b.x + b.width), bottom = min(a.y + a.height, b.y + b.height)
        guard right > left, bottom > top else { return nil }
        return DesktopRect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// Active monitors from RandR 1.5+. Empty when the extension is missing, in which case the
    /// caller falls back to the whole screen.
    private static func randrMonitors(_ display: OpaquePointer, root: Window) -> [DesktopRect] {
        var eventBase: Int32 = 0, errorBase: Int32 = 0
        guard XRRQueryExtension(display, &eventBase, &errorBase) != 0 else { return [] }
        var count: Int32 = 0
        guard let list = XRRGetMonitors(display, root, 1, &count) else { return [] }
        defer { XRRFreeMonitors(list) }
        return (0..<Int(max(count, 0))).map { index in
            let monitor = list[index]
            return DesktopRect(x: Int(monitor.x), y: Int(monitor.y), width: Int(monitor.width), height: Int(monitor.height))
        }
    }

    /// The pointer in root coordinates, or nil when it is on another X screen.
    private static func pointer(_ display: OpaquePointer, root: Window) -> (x: Int, y: Int)? {
        var rootReturn: Window = 0, child: Window = 0
        var rootX: Int32 = 0, rootY: Int32 = 0, windowX: Int32 = 0, windowY: Int32 = 0
        var mask: UInt32 = 0
        let sameScreen = XQueryPointer(display, root, &rootReturn, &child, &rootX, &rootY, &windowX, &windowY, &mask)
        return sameScreen != 0 ? (Int(rootX), Int(rootY)) : nil
    }
}
