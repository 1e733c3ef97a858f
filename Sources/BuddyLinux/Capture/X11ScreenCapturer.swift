import BuddyCore
import CX11
import Foundation

/// Why a screenshot could not be taken. Each description is one line for the user.
public enum ScreenCaptureError: Error, Equatable, CustomStringConvertible {
    /// No X display to capture: DISPLAY unset (nil) or the named one would not open.
    case noDisplay(String?)
    case unsupportedVisual(String)
    case grabFailed(DesktopRect)
    case encodeFailed(String)

    public var description: String {
        switch self {
        case .noDisplay(nil): "screen capture needs an X11 display, and DISPLAY is not set"
        case .noDisplay(let name?): "screen capture could not open X11 display \(name)"
        case .unsupportedVisual(let why): "screen capture supports TrueColor displays only: \(why)"
        case .grabFailed(let area): "could not read the screen area \(area.width)x\(area.height)+\(area.x)+\(area.y)"
        case .encodeFailed(let why): "could not encode a screenshot: \(why)"
        }
    }
}

/// Screenshots of every monitor for a cloud turn, the way the original app sends them
/// (clicky-behaviour.md §1.5): the pointer's monitor first, each scaled to 1280 pixels on the
/// long side, JPEG quality 80, labelled with its place and size.
///
/// Each capture opens its own X connection and closes it after, so nothing X-related is shared
/// between threads and the type needs no lock (libX11 1.8 also initialises Xlib's thread
/// support by itself). The blocking work runs on a thread of its own, off the async pool.
public final class X11ScreenCapturer: ScreenCapturer {
    /// The longest side of a sent screenshot, in pixels; smaller monitors keep their size.
    public static let longSide = 1280
    public static let jpegQuality = 80

    private let displayName: String
    private let excluded: @Sendable () -> [UInt]
    private let settle: Duration

    /// - Parameters:
    ///   - display: the X display; nil means `$DISPLAY`.
    ///   - excluding: the ids of our own windows (the overlay), asked at every capture; they
    ///     are hidden for the grab and shown again after (see `WindowHider`).
    ///   - settle: how long to let the windows beneath repaint after hiding ours.
    /// - Throws: `ScreenCaptureError.noDisplay` when there is no display or it does not open.
    public init(display: String? = nil, excluding: @escaping @Sendable () -> [UInt] = { [] },
                settle: Duration = .milliseconds(40)) throws(ScreenCaptureError) {
        let environment = ProcessInfo.processInfo.environment["DISPLAY"]
        guard let name = display ?? environment, !name.isEmpty else { throw .noDisplay(nil) }
        // Fail at start-up, not at the first question, when the display is wrong.
        guard let connection = XOpenDisplay(name) else { throw .noDisplay(name) }
        XCloseDisplay(connection)
        displayName = name
        excluded = excluding
        self.settle = settle
    }

    public func captureScreens() async throws(ScreenCaptureError) -> [ScreenImage] {
        let result: Result<[ScreenImage], ScreenCaptureError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                continuation.resume(returning: Result { () throws(ScreenCaptureError) in try captureNow() })
            }
        }
        return try result.get()
    }

    /// The whole capture, blocking: monitors, hide our windows, grab, show them, then scale and
    /// encode (after showing them again, so the overlay is gone only for the grabs).
    func captureNow() throws(ScreenCaptureError) -> [ScreenImage] {
        guard let display = XOpenDisplay(displayName) else { throw .noDisplay(displayName) }
        defer { XCloseDisplay(display) }
        let layout = MonitorLayout.read(from: display)
        var hider = WindowHider(display: display, windows: excluded())
        hider.hide(settle: settle)
        let grabs: [RGBImage]
        do {
            defer { hider.restore() }
            grabs = try layout.monitors.map { (area) throws(ScreenCaptureError) in try RootGrab.grab(display, area: area) }
        }
        return try zip(layout.monitors, grabs).enumerated().map { (index, pair) throws(ScreenCaptureError) in
            let (monitor, grab) = pair
            let size = RGBImage.fittedSize(width: grab.width, height: grab.height, longSide: Self.longSide)
            let scaled = grab.downscaled(toWidth: size.width, height: size.height)
            let bytes = try JPEGEncoder.encode(scaled, quality: Self.jpegQuality)
            let label = Self.label(index: index, count: layout.monitors.count,
                                   isCursorScreen: index == 0 && layout.cursorOnFirst,
                                   width: scaled.width, height: scaled.height)
            return ScreenImage(bytes: bytes, label: label,
                               capture: ScreenCapture(imageWidth: scaled.width, imageHeight: scaled.height, monitor: monitor))
        }
    }

    /// The text sent with screenshot `index` (0-based) of `count`, worded as the original
    /// (clicky-behaviour.md §1.5), with the image size the model should answer in.
    public static func label(index: Int, count: Int, isCursorScreen: Bool, width: Int, height: Int) -> String {
        let place: String
        if count == 1 {
            place = "user's screen (cursor is here)"
        } else if isCursorScreen {
            place = "screen \(index + 1) of \(count) — cursor is on this screen (primary focus)"
        } else {
            place = "screen \(index + 1) of \(count) — secondary screen"
        }
        return "\(place) (image dimensions: \(width)x\(height) pixels)"
    }
}
