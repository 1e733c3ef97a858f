import BuddyCore
import XCTest

/// Screenshot pixels → desktop pixels on every monitor (`clicky-behaviour.md` §1.10 for X11),
/// and which capture a target refers to.
final class ScreenMappingTests: XCTestCase {
    // Two monitors side by side: a 2560×1440 primary at the origin (captured at 1280×720) and a
    // 1920×1080 one to its right, 200 px lower (captured at 1280×720).
    let captures = [
        ScreenCapture(imageWidth: 1280, imageHeight: 720, monitor: DesktopRect(x: 0, y: 0, width: 2560, height: 1440)),
        ScreenCapture(imageWidth: 1280, imageHeight: 720, monitor: DesktopRect(x: 2560, y: 200, width: 1920, height: 1080)),
    ]

    func testScalesAndOffsetsPerMonitor() {
        let first = ScreenMapping.desktopPoint(for: PointTag(x: 640, y: 360), on: captures[0])
        XCTAssertEqual(first, DesktopPoint(x: 1280, y: 720))
        let second = ScreenMapping.desktopPoint(for: PointTag(x: 640, y: 360), on: captures[1])
        XCTAssertEqual(second, DesktopPoint(x: 2560 + 960, y: 200 + 540))
        let corner = ScreenMapping.desktopPoint(for: PointTag(x: 0, y: 0), on: captures[1])
        XCTAssertEqual(corner, DesktopPoint(x: 2560, y: 200))
    }

    func testClampsToTheImage() {
        let far = ScreenMapping.desktopPoint(for: PointTag(x: 99_999, y: 5_000), on: captures[1])
        XCTAssertEqual(far, DesktopPoint(x: 2560 + 1920, y: 200 + 1080))
    }

    func testScreenNumberPicksTheCaptureAndBadNumbersFallBackToTheCursorScreen() {
        XCTAssertEqual(ScreenMapping.capture(for: PointTag(x: 1, y: 1, screen: 2), in: captures)?.index, 1)
        XCTAssertEqual(ScreenMapping.capture(for: PointTag(x: 1, y: 1, screen: 1), in: captures)?.index, 0)
        XCTAssertEqual(ScreenMapping.capture(for: PointTag(x: 1, y: 1, screen: 3), in: captures)?.index, 0)
        XCTAssertEqual(ScreenMapping.capture(for: PointTag(x: 1, y: 1, screen: 0), in: captures)?.index, 0)
        XCTAssertEqual(ScreenMapping.capture(for: PointTag(x: 1, y: 1), in: captures)?.index, 0)
        XCTAssertNil(ScreenMapping.capture(for: PointTag(x: 1, y: 1), in: []))
    }

    func testParsedTagToDesktopEndToEnd() throws {
        let answer = PointedAnswer(parsing: "that's your terminal [POINT:400,300:terminal:screen2]")
        let target = try XCTUnwrap(answer.target)
        let capture = try XCTUnwrap(ScreenMapping.capture(for: target, in: captures))
        XCTAssertEqual(ScreenMapping.desktopPoint(for: target, on: capture.capture), DesktopPoint(x: 2560 + 600, y: 200 + 450))
    }
}
