@testable import BuddyLinux
import Foundation
import XCTest

final class CaptureErrorTests: XCTestCase {
    func testNoDisplayIsOneLine() throws {
        let saved = ProcessInfo.processInfo.environment["DISPLAY"]
        unsetenv("DISPLAY")
        defer { if let saved { setenv("DISPLAY", saved, 1) } }
        XCTAssertThrowsError(try X11ScreenCapturer()) { error in
            XCTAssertEqual(error as? ScreenCaptureError, .noDisplay(nil))
            XCTAssertEqual("\(error)", "screen capture needs an X11 display, and DISPLAY is not set")
        }
    }

    func testADisplayThatDoesNotOpenIsNamed() {
        XCTAssertThrowsError(try X11ScreenCapturer(display: ":987")) { error in
            XCTAssertEqual(error as? ScreenCaptureError, .noDisplay(":987"))
            XCTAssertEqual("\(error)", "screen capture could not open X11 display :987")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testALibjpegErrorIsThrownAndTheProcessLives() {
        let image = RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 128, count: 48))
        XCTAssertThrowsError(try JPEGEncoder.encodeOutOfOrderForTesting(image)) { error in
            guard case .encodeFailed(let why)? = error as? ScreenCaptureError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.hasPrefix("libjpeg: "), why)
        }
        // The encoder still works afterwards.
        XCTAssertEqual(try JPEGEncoder.encode(image, quality: 80).prefix(3), [0xFF, 0xD8, 0xFF])
    }

    func testInputsLibjpegWouldRejectAreRefusedFirst() {
        let empty = RGBImage(width: 0, height: 0, pixels: [])
        XCTAssertThrowsError(try JPEGEncoder.encode(empty, quality: 80))
        let image = RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
        XCTAssertThrowsError(try JPEGEncoder.encode(image, quality: 0))
    }
}
