import BuddyCore
import BuddyLinux
import Foundation
import TestSupport
import XCTest

/// The real overlay, left out of screenshots through its window ids.
final class CaptureOverlayTests: XCTestCase {
    /// Pixels of the buddy's blue (#3380FF, allowing for JPEG and antialiasing) in a box of the
    /// first screenshot around the pointer.
    private func buddyPixels(_ shot: ScreenImage, around x: Int, _ y: Int) throws -> Int {
        let image = try DecodedJPEG(shot.bytes)
        var count = 0
        for py in max(y - 80, 0)..<min(y + 120, image.height) {
            for px in max(x - 80, 0)..<min(x + 200, image.width) {
                let (r, g, b) = image.rgb(px, py)
                if abs(r - 0x33) <= 40, abs(g - 0x80) <= 40, b >= 0xD0 { count += 1 }
            }
        }
        return count
    }

    func testTheOverlayIsLeftOutOfTheCaptureAndKeepsFollowing() async throws {
        let screen: VirtualDisplay
        do {
            screen = try VirtualDisplay(width: 2560, height: 800, monitors: [.init(x: 0, y: 0, width: 1280, height: 800),
                                                                            .init(x: 1280, y: 0, width: 1280, height: 800)])
        } catch { throw XCTSkip("\(error)") }
        try screen.run("xsetroot", ["-solid", "#404040"])
        try screen.run("xdotool", ["mousemove", "600", "400"])
        let overlay = try X11Overlay(display: screen.display)
        overlay.start()
        defer { overlay.stop() }
        try await Task.sleep(for: .milliseconds(400))
        XCTAssertFalse(overlay.windowIDs.isEmpty)

        let plain = try X11ScreenCapturer(display: screen.display)
        let clean = try X11ScreenCapturer(display: screen.display, excluding: { overlay.windowIDs })
        let control = try await plain.captureScreens()[0]
        XCTAssertGreaterThan(try buddyPixels(control, around: 600, 400), 20, "the control capture should show the buddy")
        for _ in 0..<3 {
            let shot = try await clean.captureScreens()[0]
            XCTAssertEqual(try buddyPixels(shot, around: 600, 400), 0)
        }
        // Back on screen after the captures, and still following the pointer.
        try screen.run("xdotool", ["mousemove", "900", "300"])
        try await Task.sleep(for: .milliseconds(300))
        let after = try await plain.captureScreens()[0]
        XCTAssertGreaterThan(try buddyPixels(after, around: 900, 300), 20)
    }
}
