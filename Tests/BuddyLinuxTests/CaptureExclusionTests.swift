import BuddyCore
@testable import BuddyLinux
import Foundation
import TestSupport
import XCTest

/// The buddy's overlay must not appear in what the model sees, yet stay on screen for the user.
final class CaptureExclusionTests: XCTestCase {
    private static let rootColour: UInt = 0x204080
    private static let magenta: UInt = 0xD020D0

    /// The colour ImageMagick reads at (x, y) of a full-screen screenshot, as "r,g,b".
    private func screenColour(_ screen: VirtualDisplay, _ x: Int, _ y: Int) throws -> String {
        let path = NSTemporaryDirectory() + "capture-\(getpid())-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try screen.screenshot(to: path)
        let result = try screen.run("convert", [path, "-format", "%[fx:int(255*p{\(x),\(y)}.r)],%[fx:int(255*p{\(x),\(y)}.g)],%[fx:int(255*p{\(x),\(y)}.b)]", "info:"])
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testAnExcludedWindowIsAbsentFromTheCaptureAndShownAgainAfter() async throws {
        let screen: VirtualDisplay
        do {
            screen = try VirtualDisplay(width: 2560, height: 800, monitors: [.init(x: 0, y: 0, width: 1280, height: 800),
                                                                            .init(x: 1280, y: 0, width: 1280, height: 800)])
        } catch { throw XCTSkip("\(error)") }
        try screen.run("xsetroot", ["-solid", "#204080"])
        try screen.run("xdotool", ["mousemove", "100", "100"])
        let overlay = try CaptureColourWindow(on: screen.display, x: 300, y: 200, width: 300, height: 200, rgb: Self.magenta)
        let overlayID = overlay.id
        XCTAssertEqual(try screenColour(screen, 450, 300), "208,32,208")

        // Without exclusion the window is in the picture (the control for the next check).
        let plain = try await X11ScreenCapturer(display: screen.display).captureScreens()
        try DecodedJPEG(plain[0].bytes).assertColour(450, 300, Self.magenta)

        let capturer = try X11ScreenCapturer(display: screen.display, excluding: { [overlayID, 0x7FFF_FFF0] })
        let shots = try await capturer.captureScreens()
        XCTAssertEqual(shots.count, 2)
        try DecodedJPEG(shots[0].bytes).assertColour(450, 300, Self.rootColour)
        // Shown again, in place, and the stale id (no such window) did not end the process.
        XCTAssertTrue(overlay.isViewable)
        XCTAssertEqual(try screenColour(screen, 450, 300), "208,32,208")

        // An unmapped window stays unmapped: only what was showing is restored.
        let hiddenWindow = try CaptureColourWindow(on: screen.display, x: 700, y: 200, width: 100, height: 100, rgb: Self.magenta)
        hiddenWindow.unmap()
        let hiddenID = hiddenWindow.id
        _ = try await X11ScreenCapturer(display: screen.display, excluding: { [hiddenID] }).captureScreens()
        XCTAssertFalse(hiddenWindow.isViewable)
    }
}
