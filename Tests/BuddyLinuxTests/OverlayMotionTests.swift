import BuddyCore
@testable import BuddyLinux
import XCTest

/// The pointing choreography stepped on a fake clock, with no display.
final class OverlayMotionTests: XCTestCase {
    func testOutHoldFadeBack() {
        var motion = BuddyMotion()
        let pointer = DesktopPoint(x: 240, y: 640)
        _ = motion.frame(now: 0, pointer: pointer)
        let landing = DesktopPoint(x: 608, y: 342)
        motion.point(to: landing, label: "this one!", now: 0, pointer: pointer)
        let flight = Flight(from: Pointing.following(pointer), to: landing)
        let mid = motion.frame(now: flight.duration / 2, pointer: pointer).frame
        XCTAssertTrue(mid.pointing)
        XCTAssertEqual(mid.scale, 1.3, accuracy: 1e-9)
        let held = motion.frame(now: flight.duration + 1, pointer: pointer).frame
        XCTAssertEqual(held.position, landing)
        XCTAssertEqual(held.rotation, Flight.restingRotation)
        XCTAssertEqual(held.bubble?.text, "this one!")
        XCTAssertEqual(held.bubble?.visibleCount, 9)
        XCTAssertEqual(held.bubble?.opacity, 1)
        let fading = motion.frame(now: flight.duration + 3.25, pointer: pointer).frame
        XCTAssertEqual(fading.bubble?.opacity ?? 0, 0.5, accuracy: 1e-9)
        let returning = motion.frame(now: flight.duration + 3.5 + 0.1, pointer: pointer)
        XCTAssertTrue(returning.frame.pointing)
        XCTAssertNil(returning.frame.bubble)
        XCTAssertFalse(returning.finished)
        let back = motion.frame(now: flight.duration + 3.5 + 1.5, pointer: pointer)
        XCTAssertTrue(back.finished)
        XCTAssertEqual(back.frame.position, Pointing.following(pointer))
        XCTAssertFalse(motion.isPointing)
    }

    func testTheHoldSceneShowsTheRestingTriangle() {
        var motion = BuddyMotion()
        motion.point(to: DesktopPoint(x: 608, y: 342), label: "x", now: 0, pointer: DesktopPoint(x: 240, y: 640))
        let held = motion.frame(now: 2, pointer: DesktopPoint(x: 240, y: 640)).frame
        let scene = OverlayEngine.scene(state: .idle, frame: held, now: 2)
        XCTAssertEqual(scene.figure, .triangle(rotation: Flight.restingRotation, scale: 1))
    }
}
