/// A rectangle on the X11 desktop, in pixels: origin top-left, y down (a monitor's area).
public struct DesktopRect: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// A point on the desktop, in pixels (fractional: the overlay animates between pixels).
public struct DesktopPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One monitor's screenshot as the cloud brain saw it: the image size it was scaled to and the
/// monitor it shows. Captures are numbered from 1 in the order sent, the cursor's monitor first.
public struct ScreenCapture: Sendable, Equatable {
    public var imageWidth: Int
    public var imageHeight: Int
    public var monitor: DesktopRect

    public init(imageWidth: Int, imageHeight: Int, monitor: DesktopRect) {
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.monitor = monitor
    }
}

/// From a `[POINT:x,y…:screenN]` target in screenshot pixels to a desktop point
/// (`clicky-behaviour.md` §1.10, for X11's top-left origin: no y flip).
public enum ScreenMapping {
    /// The capture a target refers to: screen N when 1 ≤ N ≤ count, otherwise the cursor's
    /// (the first). Nil only when there are no captures.
    public static func capture(for target: PointTag, in captures: [ScreenCapture]) -> (index: Int, capture: ScreenCapture)? {
        guard !captures.isEmpty else { return nil }
        if let screen = target.screen, (1...captures.count).contains(screen) {
            return (screen - 1, captures[screen - 1])
        }
        return (0, captures[0])
    }

    /// The desktop point for `target` on `capture`: clamped to the image, scaled from image
    /// pixels to the monitor's pixels, offset by the monitor's origin. Always inside the monitor
    /// (its right and bottom edges included, as the original clamps to the image size).
    public static func desktopPoint(for target: PointTag, on capture: ScreenCapture) -> DesktopPoint {
        let width = max(capture.imageWidth, 1), height = max(capture.imageHeight, 1)
        let x = Double(min(max(target.x, 0), width))
        let y = Double(min(max(target.y, 0), height))
        let monitor = capture.monitor
        return DesktopPoint(x: Double(monitor.x) + x * Double(monitor.width) / Double(width),
                            y: Double(monitor.y) + y * Double(monitor.height) / Double(height))
    }
}
