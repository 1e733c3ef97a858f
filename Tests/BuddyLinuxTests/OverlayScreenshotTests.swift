import BuddyCore
import BuddyLinux
import Foundation
import TestSupport
import XCTest

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
