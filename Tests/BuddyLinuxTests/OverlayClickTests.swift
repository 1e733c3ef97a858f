import BuddyCore
import BuddyLinux
import CX11
import Foundation
import TestSupport
import XCTest

/// The overlay never takes a click: a press on the triangle reaches the window under it.
final class OverlayClickTests: XCTestCase {
    func testClicksOnTheTrianglePassThroughWithoutACompositor() async throws {
        try await clickThrough(compositor: false)
    }

    func testClicksOnTheTrianglePassThroughWithACompositor() async throws {
        try await clickThrough(compositor: true)
    }

    /// A window of the test's own counts ButtonPress; the buddy is sent to hold over it, and
    /// xdotool clicks a pixel the screenshot shows to be the triangle's.
    private func clickThrough(compositor: Bool) async throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let compositorProcess = compositor ? try startCompositor(display) : nil
        defer { compositorProcess?.stop() }
        let observer = try XCTUnwrap(XOpenDisplay(display.display))
        defer { XCloseDisplay(observer) }
        let screen = XDefaultScreen(observer)
        let window = XCreateSimpleWindow(observer, XRootWindow(observer, screen), 200, 150, 500, 400, 0, 0, XWhitePixel(observer, screen))
        XSelectInput(observer, window, Int(ButtonPressMask))
        XMapWindow(observer, window)
        XSync(observer, 0)

        let overlay = try X11Overlay(display: display.display)
        XCTAssertEqual(overlay.isTranslucent, compositor)
        overlay.start()
        defer { overlay.stop() }
        try movePointer(display, 900, 700)
        let target = DesktopPoint(x: 400, y: 300)
        let pointing = Task { await overlay.point(at: target, label: "click me") }
        try await Task.sleep(for: .seconds(1.5))
        let landing = Pointing.landing(for: target, on: overlay.monitors[0])
        let shot = try OverlayShot.take(display)
        let box = DesktopRect(x: Int(landing.x) - 12, y: Int(landing.y) - 12, width: 24, height: 24)
        let centre = try XCTUnwrap(shot.blueCentre(in: box), "the buddy is not holding at \(landing)")
        let (x, y) = (Int(centre.x.rounded()), Int(centre.y.rounded()))
        XCTAssertTrue(shot.isBuddyBlue(x, y), "the click point \(x),\(y) is not on the triangle")

        try display.run("xdotool", ["mousemove", "\(x)", "\(y)", "click", "1"])
        var presses: [(Int32, Int32)] = []
        let deadline = Date().addingTimeInterval(1)
        var event = XEvent()
        while Date() < deadline, presses.isEmpty {
            while XPending(observer) > 0 {
                XNextEvent(observer, &event)
                if event.type == ButtonPress { presses.append((event.xbutton.x_root, event.xbutton.y_root)) }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(presses.count, 1, "the window under the triangle got no click")
        if let press = presses.first {
            XCTAssertEqual(press.0, Int32(x))
            XCTAssertEqual(press.1, Int32(y))
        }
        print("compositor \(compositor): clicked the triangle at \(x),\(y); the window below got \(presses)")
        overlay.stop()
        await pointing.value
    }
}


/// Takes the README's picture of the buddy pointing (docs/images/buddy-pointing.png) on a
/// desktop-like scene, and checks the picture shows what it claims.
final class OverlayScreenshotTests: XCTestCase {
    func testThePointingScreenshotForTheReadme() async throws {
        let display = try VirtualDisplay(width: 1280, height: 800)
        defer { display.stop() }
        try paintRoot(display)
        let logo = try SpawnedProcess("xlogo", ["-geometry", "460x330+330+210"], environment: display.environment)
        defer { logo.stop() }
        let clock = try SpawnedProcess("xclock", ["-geometry", "180x180+1010+90"], environment: display.environment)
        defer { clock.stop() }
        let compositor = try startCompositor(display)
        defer { compositor.stop() }

        let overlay = try X11Overlay(display: display.display)
        overlay.start()
        defer { overlay.stop() }
        try movePointer(display, 240, 640)
        let target = DesktopPoint(x: 600, y: 330)
        let pointing = Task { await overlay.point(at: target, label: "this one!") }
        try await Task.sleep(for: .seconds(1.6))

        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let images = repository.appendingPathComponent("docs/images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let path = images.appendingPathComponent("buddy-pointing.png").path
        let shot = try OverlayShot.take(display, keepingAt: path)
        let landing = Pointing.landing(for: target, on: overlay.monitors[0])
        let box = DesktopRect(x: Int(landing.x) - 12, y: Int(landing.y) - 12, width: 24, height: 24)
        let centre = try XCTUnwrap(shot.blueCentre(in: box))
        XCTAssertLessThanOrEqual(distance(centre, landing), 3)
        let bubble = DesktopRect(x: Int(landing.x) + 14, y: Int(landing.y) + 4, width: 70, height: 24)
        XCTAssertGreaterThan(shot.bluePixels(in: bubble).count, 400)
        print("saved \(path): buddy at \(centre) pointing at \(target)")
        overlay.stop()
        await pointing.value
    }
}
