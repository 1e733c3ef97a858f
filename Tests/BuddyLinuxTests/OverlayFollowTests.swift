import BuddyCore
@testable import BuddyLinux
import Foundation
import TestSupport
import XCTest

/// The buddy beside the pointer on a real (virtual) X server, read back from screenshots.
final class OverlayFollowTests: XCTestCase {
    func testNoDisplayIsAOneLineError() {
        XCTAssertThrowsError(try X11Overlay(display: ":4242")) { error in
            XCTAssertEqual(error as? OverlayError, .cannotOpen(":4242"))
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testTheWholeScreenMonitorIsDroppedWhenDeclaredMonitorsTileIt() {
        let left = DesktopRect(x: 0, y: 0, width: 1280, height: 800), right = DesktopRect(x: 1280, y: 0, width: 1280, height: 800)
        let screen = DesktopRect(x: 0, y: 0, width: 2560, height: 800)
        XCTAssertEqual(OverlayMonitors.withoutCoveringMonitors([left, right, screen]), [left, right])
        // Monitors of different heights leave part of the screen uncovered: the big one stays.
        let short = DesktopRect(x: 1280, y: 0, width: 1024, height: 768)
        XCTAssertEqual(OverlayMonitors.withoutCoveringMonitors([left, short, DesktopRect(x: 0, y: 0, width: 2304, height: 800)]).count, 3)
        XCTAssertEqual(OverlayMonitors.withoutCoveringMonitors([screen]), [screen])
    }

    /// Without a compositor: shaped windows, one per monitor, the triangle 35 px right and 25 px
    /// below the pointer on whichever monitor holds it, and nothing but the root colour around it.
    func testTheTriangleTrailsThePointerOnEachMonitorWithoutABlackBox() throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let overlay = try X11Overlay(display: display.display)
        XCTAssertEqual(overlay.monitors.count, 2)
        XCTAssertEqual(overlay.windowIDs.count, 2)
        XCTAssertFalse(overlay.isTranslucent)
        let background = try OverlayShot.take(display)
        overlay.start()
        defer { overlay.stop() }
        for (x, y, monitor) in [(300, 200, 0), (2100, 600, 1), (1300, 50, 1)] {
            try movePointer(display, x, y)
            let shot = try OverlayShot.take(display)
            let expected = DesktopPoint(x: Double(x) + 35, y: Double(y) + 25)
            let centre = try XCTUnwrap(shot.blueCentre(), "no triangle for pointer \(x),\(y)")
            XCTAssertLessThanOrEqual(distance(centre, expected), 2, "triangle at \(centre) for pointer \(x),\(y)")
            // Only one buddy: no blue anywhere else (the other monitor's window is hidden).
            let other = overlay.monitors[1 - monitor]
            XCTAssertTrue(shot.bluePixels(in: other).isEmpty)
            XCTAssertEqual(shot.changedPixels(around: centre, radius: 14, comparedWith: background), 0)
            print("pointer \(x),\(y): triangle centre \(centre), \(shot.bluePixels().count) blue px")
        }
    }

    /// With xcompmgr: ARGB windows whose transparent pixels show the desktop, glow included.
    func testWithACompositorTheWindowIsTranslucentWithoutABlackBox() throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let compositor = try startCompositor(display)
        defer { compositor.stop() }
        let overlay = try X11Overlay(display: display.display)
        XCTAssertTrue(overlay.isTranslucent)
        try movePointer(display, 600, 400)
        let background = try OverlayShot.take(display)
        XCTAssertTrue(background.pixel(5, 5) == (0x6a, 0x8c, 0xaf), "the compositor hides the root colour: \(background.pixel(5, 5))")
        overlay.start()
        defer { overlay.stop() }
        var previous: DesktopPoint?
        for (x, y) in [(600, 400), (1900, 300)] {
            try movePointer(display, x, y)
            let shot = try OverlayShot.take(display)
            let centre = try XCTUnwrap(shot.blueCentre())
            // Where the buddy was, the desktop is back: no trail left by the compositor.
            if let previous {
                XCTAssertEqual(shot.changedPixels(around: previous, radius: 0, comparedWith: background), 0)
            }
            previous = centre
            XCTAssertLessThanOrEqual(distance(centre, DesktopPoint(x: Double(x) + 35, y: Double(y) + 25)), 2)
            // The glow reaches about 10 px past the 16 px triangle; beyond that the desktop is untouched.
            XCTAssertEqual(shot.changedPixels(around: centre, radius: 24, comparedWith: background), 0)
            let glow = shot.changedPixels(around: centre, radius: 11, comparedWith: background)
            XCTAssertGreaterThan(glow, 0, "the glow should tint the desktop around the triangle")
            print("compositor, pointer \(x),\(y): triangle centre \(centre), glow px \(glow)")
        }
    }

    func testStatesDrawAWaveformASpinnerAndTheBadge() async throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let overlay = try X11Overlay(display: display.display)
        overlay.start()
        defer { overlay.stop() }
        try movePointer(display, 400, 300)
        let box = DesktopRect(x: 400, y: 270, width: 80, height: 80)
        let triangle = try OverlayShot.take(display).bluePixels(in: box).count
        await overlay.show(.listening(level: 1))
        try await Task.sleep(for: .seconds(0.2))
        let bars = try OverlayShot.take(display).bluePixels(in: box)
        // Five 2 px bars: ten distinct columns of blue.
        XCTAssertEqual(Set(bars.map(\.x)).count, 10)
        await overlay.show(.thinking)
        try await Task.sleep(for: .seconds(0.2))
        let ring = try OverlayShot.take(display).bluePixels(in: box)
        XCTAssertGreaterThan(ring.count, 10)
        await overlay.show(.answering(badge: "local · 0.6s"))
        try await Task.sleep(for: .seconds(0.2))
        let answering = try OverlayShot.take(display)
        XCTAssertEqual(answering.bluePixels(in: box).count, triangle)
        // The chip: dark pixels above the triangle.
        let chipPixel = answering.pixel(435, 325 - 30)
        XCTAssertLessThan(chipPixel.r + chipPixel.g + chipPixel.b, 120, "chip pixel \(chipPixel)")
        print("triangle \(triangle) px, waveform \(bars.count) px, spinner \(ring.count) px")
    }
}
