import BuddyCore
import CX11
import Foundation
import TestSupport
import XCTest

/// A decoded screenshot of a virtual display, for pixel checks on the overlay.
struct OverlayShot {
    let width: Int, height: Int
    let rgb: [UInt8]

    /// Takes a screenshot (ImageMagick `import`) and decodes it to raw RGB with `convert`.
    static func take(_ display: VirtualDisplay, keepingAt path: String? = nil) throws -> OverlayShot {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("overlay-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = path ?? directory.appendingPathComponent("shot.png").path
        try display.screenshot(to: png)
        let raw = directory.appendingPathComponent("shot.rgb").path
        let converted = try display.run("convert", [png, "-depth", "8", "rgb:\(raw)"])
        XCTAssertEqual(converted.status, 0, converted.error)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        XCTAssertEqual(bytes.count, display.width * display.height * 3)
        return OverlayShot(width: display.width, height: display.height, rgb: bytes)
    }

    func pixel(_ x: Int, _ y: Int) -> (r: Int, g: Int, b: Int) {
        let offset = (y * width + x) * 3
        return (Int(rgb[offset]), Int(rgb[offset + 1]), Int(rgb[offset + 2]))
    }

    /// The buddy blue #3380FF, allowing for antialiasing inside the shape.
    func isBuddyBlue(_ x: Int, _ y: Int) -> Bool {
        let p = pixel(x, y)
        return abs(p.r - 0x33) <= 24 && abs(p.g - 0x80) <= 24 && p.b >= 0xE8
    }

    /// Every buddy-blue pixel inside `rect` (the whole screen by default).
    func bluePixels(in rect: DesktopRect? = nil) -> [(x: Int, y: Int)] {
        let area = rect ?? DesktopRect(x: 0, y: 0, width: width, height: height)
        var found: [(x: Int, y: Int)] = []
        for y in max(area.y, 0)..<min(area.y + area.height, height) {
            for x in max(area.x, 0)..<min(area.x + area.width, width) where isBuddyBlue(x, y) { found.append((x, y)) }
        }
        return found
    }

    /// The centre of the blue pixels in `rect`, nil when there are none.
    func blueCentre(in rect: DesktopRect? = nil) -> DesktopPoint? {
        let pixels = bluePixels(in: rect)
        guard !pixels.isEmpty else { return nil }
        return DesktopPoint(x: Double(pixels.reduce(0) { $0 + $1.x }) / Double(pixels.count),
                            y: Double(pixels.reduce(0) { $0 + $1.y }) / Double(pixels.count))
    }

    /// Pixels of the sprite-sized box around `centre` that differ from `background`, ignoring a
    /// disc of `radius` around the centre (the triangle and its glow).
    func changedPixels(around centre: DesktopPoint, radius: Double, comparedWith background: OverlayShot) -> Int {
        var changed = 0
        let cx = Int(centre.x.rounded()), cy = Int(centre.y.rounded())
        for y in max(cy - 100, 0)..<min(cy + 100, height) {
            for x in max(cx - 280, 0)..<min(cx + 280, width) {
                let dx = Double(x) - centre.x, dy = Double(y) - centre.y
                if dx * dx + dy * dy <= radius * radius { continue }
                if pixel(x, y) != background.pixel(x, y) { changed += 1 }
            }
        }
        return changed
    }
}

func distance(_ a: DesktopPoint, _ b: DesktopPoint) -> Double {
    ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
}

/// A two-monitor desktop of 2 × 1280×800 with a known root colour.
func twoMonitorDesktop() throws -> VirtualDisplay {
    let display = try VirtualDisplay(width: 2560, height: 800, monitors: [.init(x: 0, y: 0, width: 1280, height: 800),
                                                                          .init(x: 1280, y: 0, width: 1280, height: 800)])
    try paintRoot(display)
    return display
}

/// Moves the pointer and gives the overlay a few frames to follow.
func movePointer(_ display: VirtualDisplay, _ x: Int, _ y: Int) throws {
    try display.run("xdotool", ["mousemove", "\(x)", "\(y)"])
    Thread.sleep(forTimeInterval: 0.25)
}

/// Starts a compositor on `display` and waits until it owns the _NET_WM_CM_S0 selection.
func startCompositor(_ display: VirtualDisplay) throws -> SpawnedProcess {
    guard let xcompmgr = SpawnedProcess.find("xcompmgr") else { throw XCTSkip("xcompmgr is not installed") }
    let process = try SpawnedProcess(xcompmgr, [], environment: display.environment)
    Thread.sleep(forTimeInterval: 0.6)
    return process
}

/// Paints the root steel blue, the way desktop setters do: a root pixmap announced in
/// _XROOTPMAP_ID. A compositor paints the root from that property; with only a root colour
/// (`xsetroot -solid`) it paints its own grey instead, and pixel checks would compare against
/// the wrong colour. The pixmap is kept after we disconnect (RetainPermanent; Xvfb runs -noreset).
func paintRoot(_ display: VirtualDisplay) throws {
    let connection = try XCTUnwrap(XOpenDisplay(display.display))
    let screen = XDefaultScreen(connection)
    let root = XRootWindow(connection, screen)
    let pixmap = XCreatePixmap(connection, root, 8, 8, UInt32(XDefaultDepth(connection, screen)))
    let gc = XCreateGC(connection, pixmap, 0, nil)
    XSetForeground(connection, gc, 0x6a8caf)
    XFillRectangle(connection, pixmap, gc, 0, 0, 8, 8)
    XFreeGC(connection, gc)
    XSetWindowBackgroundPixmap(connection, root, pixmap)
    XClearWindow(connection, root)
    var id = pixmap
    withUnsafeBytes(of: &id) { bytes in
        let data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for name in ["_XROOTPMAP_ID", "_XSETROOT_ID"] {
            XChangeProperty(connection, root, XInternAtom(connection, name, 0), XA_PIXMAP, 32, PropModeReplace, data, 1)
        }
    }
    XSetCloseDownMode(connection, RetainPermanent)
    XCloseDisplay(connection)
}
