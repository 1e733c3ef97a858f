import BuddyCore
import CX11

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
