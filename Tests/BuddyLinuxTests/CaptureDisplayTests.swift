@testable import BuddyLinux
import BuddyCore
import TestSupport
import XCTest

/// Captures from a private Xvfb split into RandR monitors: what the cloud brain receives.
final class CaptureDisplayTests: XCTestCase {
    private static let rootColour: UInt = 0x204080
    private static let red: UInt = 0xE02020
    private static let green: UInt = 0x20C040

    private func display(width: Int, height: Int, monitors: [VirtualDisplay.Monitor]) throws -> VirtualDisplay {
        let display: VirtualDisplay
        do { display = try VirtualDisplay(width: width, height: height, monitors: monitors) } catch { throw XCTSkip("\(error)") }
        try display.run("xsetroot", ["-solid", String(format: "#%06x", Self.rootColour)])
        return display
    }

    private func movePointer(_ display: VirtualDisplay, _ x: Int, _ y: Int) throws {
        XCTAssertEqual(try display.run("xdotool", ["mousemove", "\(x)", "\(y)"]).status, 0)
    }

    func testTwoMonitorsGiveTwoImagesWithThePointersMonitorFirst() async throws {
        let screen = try display(width: 2560, height: 800, monitors: [.init(x: 0, y: 0, width: 1280, height: 800),
                                                                      .init(x: 1280, y: 0, width: 1280, height: 800)])
        let left = try CaptureColourWindow(on: screen.display, x: 100, y: 100, width: 200, height: 200, rgb: Self.red)
        let right = try CaptureColourWindow(on: screen.display, x: 1280 + 600, y: 500, width: 200, height: 100, rgb: Self.green)
        let capturer = try X11ScreenCapturer(display: screen.display)

        try movePointer(screen, 1900, 300)
        var shots = try await capturer.captureScreens()
        XCTAssertEqual(shots.map(\.capture.monitor), [DesktopRect(x: 1280, y: 0, width: 1280, height: 800),
                                                      DesktopRect(x: 0, y: 0, width: 1280, height: 800)])
        XCTAssertEqual(shots.map(\.label), [
            "screen 1 of 2 — cursor is on this screen (primary focus) (image dimensions: 1280x800 pixels)",
            "screen 2 of 2 — secondary screen (image dimensions: 1280x800 pixels)",
        ])
        for shot in shots {
            XCTAssertEqual(shot.mediaType, "image/jpeg")
            XCTAssertEqual(Array(shot.bytes.prefix(3)), [0xFF, 0xD8, 0xFF])
            XCTAssertEqual([shot.capture.imageWidth, shot.capture.imageHeight], [1280, 800])
        }
        let rightImage = try DecodedJPEG(shots[0].bytes), leftImage = try DecodedJPEG(shots[1].bytes)
        XCTAssertEqual([rightImage.width, rightImage.height, leftImage.width, leftImage.height], [1280, 800, 1280, 800])
        rightImage.assertColour(700, 550, Self.green)
        rightImage.assertColour(200, 200, Self.rootColour)  // the red window is on the other monitor
        leftImage.assertColour(200, 200, Self.red)
        leftImage.assertColour(700, 550, Self.rootColour)

        // The pointer moves left: the order follows it.
        try movePointer(screen, 50, 700)
        shots = try await capturer.captureScreens()
        XCTAssertEqual(shots.map(\.capture.monitor.x), [0, 1280])
        XCTAssertTrue(shots[0].label.hasPrefix("screen 1 of 2 — cursor is on this screen (primary focus)"))
        withExtendedLifetime((left, right)) {}
    }

    func testLargeMonitorsShrinkToTheLongSideAndPointsMapBack() async throws {
        // A 2560×1600 landscape monitor and an 800×1280 portrait one side by side.
        let screen = try display(width: 3360, height: 1600, monitors: [.init(x: 0, y: 0, width: 2560, height: 1600),
                                                                       .init(x: 2560, y: 0, width: 800, height: 1280)])
        let big = try CaptureColourWindow(on: screen.display, x: 400, y: 400, width: 400, height: 400, rgb: Self.red)
        let tall = try CaptureColourWindow(on: screen.display, x: 2560 + 100, y: 1000, width: 200, height: 200, rgb: Self.green)
        try movePointer(screen, 10, 10)
        let shots = try await X11ScreenCapturer(display: screen.display).captureScreens()

        XCTAssertEqual(shots.map { [$0.capture.imageWidth, $0.capture.imageHeight] }, [[1280, 800], [800, 1280]])
        XCTAssertEqual(shots.map(\.label), [
            "screen 1 of 2 — cursor is on this screen (primary focus) (image dimensions: 1280x800 pixels)",
            "screen 2 of 2 — secondary screen (image dimensions: 800x1280 pixels)",
        ])
        let landscape = try DecodedJPEG(shots[0].bytes), portrait = try DecodedJPEG(shots[1].bytes)
        XCTAssertEqual([landscape.width, landscape.height, portrait.width, portrait.height], [1280, 800, 800, 1280])
        landscape.assertColour(300, 300, Self.red)   // desktop (600,600), halved
        landscape.assertColour(150, 150, Self.rootColour)
        portrait.assertColour(200, 1100, Self.green)  // not scaled: its long side is already 1280

        // A POINT the model gives in screenshot pixels lands on the same thing on the desktop.
        let captures = shots.map(\.capture)
        let onBig = try XCTUnwrap(ScreenMapping.capture(for: PointTag(x: 300, y: 300, screen: 1), in: captures))
        XCTAssertEqual(ScreenMapping.desktopPoint(for: PointTag(x: 300, y: 300, screen: 1), on: onBig.capture),
                       DesktopPoint(x: 600, y: 600))
        let onTall = try XCTUnwrap(ScreenMapping.capture(for: PointTag(x: 200, y: 1100, screen: 2), in: captures))
        XCTAssertEqual(ScreenMapping.desktopPoint(for: PointTag(x: 200, y: 1100, screen: 2), on: onTall.capture),
                       DesktopPoint(x: 2760, y: 1100))
        withExtendedLifetime((big, tall)) {}
    }

    func testOneMonitorIsTheUsersScreen() async throws {
        let screen = try display(width: 1280, height: 800, monitors: [])
        let shots = try await X11ScreenCapturer(display: screen.display).captureScreens()
        XCTAssertEqual(shots.map(\.label), ["user's screen (cursor is here) (image dimensions: 1280x800 pixels)"])
        XCTAssertEqual(shots.first?.capture.monitor, DesktopRect(x: 0, y: 0, width: 1280, height: 800))
        try DecodedJPEG(XCTUnwrap(shots.first).bytes).assertColour(640, 400, Self.rootColour)
    }
}
