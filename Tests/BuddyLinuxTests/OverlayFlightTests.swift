import BuddyCore
@testable import BuddyLinux
import Foundation
import TestSupport
import XCTest

/// The flight to a POINT target and back, measured from screenshots of a two-monitor desktop.
final class OverlayFlightTests: XCTestCase {
    /// From the first monitor to a spot on the second: mid-flight the triangle is above the
    /// chord (the arc), it lands within 3 px of the target's landing spot with the bubble beside
    /// it, holds, and is back beside the pointer when `point` returns.
    func testAFlightToTheSecondMonitorLandsOnTheTargetAndReturns() async throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let overlay = try X11Overlay(display: display.display)
        overlay.start()
        defer { overlay.stop() }
        try movePointer(display, 300, 400)
        let target = DesktopPoint(x: 1900, y: 400)
        let landing = Pointing.landing(for: target, on: overlay.monitors[1])
        let flight = Flight(from: DesktopPoint(x: 335, y: 425), to: landing)
        let began = Date()
        let pointing = Task { await overlay.point(at: target, label: "this one!") }

        try await Task.sleep(for: .seconds(flight.duration * 0.45))
        let middle = try OverlayShot.take(display)
        let midCentre = try XCTUnwrap(middle.blueCentre(), "no triangle mid-flight")
        XCTAssertGreaterThan(midCentre.x, 500)
        XCTAssertLessThan(midCentre.x, 1800)
        XCTAssertLessThan(midCentre.y, 425 - 10, "mid-flight at \(midCentre): not above the chord")

        try await Task.sleep(for: .seconds(flight.duration * 0.55 + 0.8))
        let held = try OverlayShot.take(display)
        // Narrow enough to leave out the bubble, which starts 14 px right of the centre.
        let triangle = DesktopRect(x: Int(landing.x) - 12, y: Int(landing.y) - 12, width: 24, height: 24)
        let heldCentre = try XCTUnwrap(held.blueCentre(in: triangle), "nothing at the landing spot")
        let error = distance(heldCentre, landing)
        XCTAssertLessThanOrEqual(error, 3, "landed at \(heldCentre), expected \(landing)")
        // The bubble: a blue box to the right with white text in it.
        let bubble = DesktopRect(x: Int(landing.x) + 14, y: Int(landing.y) + 4, width: 70, height: 24)
        XCTAssertGreaterThan(held.bluePixels(in: bubble).count, 400)
        XCTAssertTrue(held.bluePixels(in: overlay.monitors[0]).isEmpty, "a second buddy on the first monitor")

        await pointing.value
        let total = Date().timeIntervalSince(began)
        // Out, 3 s hold, 0.5 s fade, back: both flights are 0.6–1.4 s.
        XCTAssertGreaterThan(total, flight.duration + 3.5 + 0.6 - 0.1)
        XCTAssertLessThan(total, flight.duration + 3.5 + 1.4 + 0.5)
        try await Task.sleep(for: .seconds(0.1))
        let back = try OverlayShot.take(display)
        let backCentre = try XCTUnwrap(back.blueCentre())
        XCTAssertLessThanOrEqual(distance(backCentre, DesktopPoint(x: 335, y: 425)), 2)
        print("flight \(String(format: "%.3f", flight.duration)) s; mid-flight \(midCentre); landed \(heldCentre) " +
              "(\(String(format: "%.2f", error)) px from \(landing)); point() took \(String(format: "%.2f", total)) s; back at \(backCentre)")
    }

    /// Near the right edge of a monitor the bubble flips to the buddy's left and stays on screen.
    func testTheBubbleFlipsNearTheRightEdge() async throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let overlay = try X11Overlay(display: display.display)
        overlay.start()
        defer { overlay.stop() }
        try movePointer(display, 300, 400)
        let target = DesktopPoint(x: 2540, y: 300)
        let landing = Pointing.landing(for: target, on: overlay.monitors[1])
        let pointing = Task { await overlay.point(at: target, label: "over here!") }
        defer { pointing.cancel() }
        try await Task.sleep(for: .seconds(2.2))
        let shot = try OverlayShot.take(display)
        let left = DesktopRect(x: Int(landing.x) - 90, y: Int(landing.y) + 4, width: 76, height: 24)
        XCTAssertGreaterThan(shot.bluePixels(in: left).count, 400, "no bubble left of \(landing)")
        overlay.stop()
        await pointing.value
    }

    /// Moving the pointer far during the flight back gives the return up: the buddy snaps to it.
    func testMovingThePointerFarDuringTheReturnSnapsBack() async throws {
        let display = try twoMonitorDesktop()
        defer { display.stop() }
        let overlay = try X11Overlay(display: display.display)
        overlay.start()
        defer { overlay.stop() }
        try movePointer(display, 300, 400)
        let landing = Pointing.landing(for: DesktopPoint(x: 1000, y: 400), on: overlay.monitors[0])
        let flight = Flight(from: DesktopPoint(x: 335, y: 425), to: landing)
        let began = Date()
        let pointing = Task { await overlay.point(at: DesktopPoint(x: 1000, y: 400), label: nil) }
        try await Task.sleep(for: .seconds(flight.duration + 3.5 + 0.1))
        try display.run("xdotool", ["mousemove", "700", "700"])
        await pointing.value
        let total = Date().timeIntervalSince(began)
        let back = Flight(from: landing, to: DesktopPoint(x: 335, y: 425))
        XCTAssertLessThan(total, flight.duration + 3.5 + back.duration - 0.2, "the return was not cut short")
        try await Task.sleep(for: .seconds(0.1))
        let centre = try XCTUnwrap(try OverlayShot.take(display).blueCentre())
        XCTAssertLessThanOrEqual(distance(centre, DesktopPoint(x: 735, y: 725)), 2)
        print("snap back: point() took \(String(format: "%.2f", total)) s instead of \(String(format: "%.2f", flight.duration + 3.5 + back.duration)) s")
    }
}


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
