@testable import BuddyCore
import XCTest

/// The pointing flight's geometry and timing (`clicky-behaviour.md` §1.11).
final class FlightTests: XCTestCase {
    private let start = DesktopPoint(x: 100, y: 500)
    private let target = DesktopPoint(x: 700, y: 300)

    func testEndpointsAreExact() {
        let flight = Flight(from: start, to: target)
        XCTAssertEqual(flight.position(at: 0), start)
        XCTAssertEqual(flight.position(at: -1), start)
        XCTAssertEqual(flight.position(at: flight.duration), target)
        XCTAssertEqual(flight.position(at: flight.duration + 5), target)
        XCTAssertTrue(flight.isFinished(at: flight.duration))
        XCTAssertFalse(flight.isFinished(at: flight.duration / 2))
    }

    func testDurationIsDistanceOver800ClampedTo0_6And1_4Seconds() {
        // 632 px → 0.79 s, inside the clamp.
        let middle = Flight(from: start, to: target)
        XCTAssertEqual(middle.duration, middle.distance / 800, accuracy: 1e-12)
        XCTAssertEqual(middle.duration, 0.790569, accuracy: 1e-6)
        // 100 px would be 0.125 s: raised to 0.6 s. 2000 px would be 2.5 s: cut to 1.4 s.
        XCTAssertEqual(Flight(from: start, to: DesktopPoint(x: 200, y: 500)).duration, 0.6)
        XCTAssertEqual(Flight(from: start, to: DesktopPoint(x: 2100, y: 500)).duration, 1.4)
        XCTAssertEqual(Flight(from: start, to: start).duration, 0.6)
    }

    func testArcIsAFifthOfTheDistanceAtMost80PixelsAndGoesUp() {
        let short = Flight(from: DesktopPoint(x: 0, y: 400), to: DesktopPoint(x: 300, y: 400))
        XCTAssertEqual(short.arcHeight, 60, accuracy: 1e-9)
        XCTAssertEqual(short.control, DesktopPoint(x: 150, y: 340))
        let long = Flight(from: DesktopPoint(x: 0, y: 400), to: DesktopPoint(x: 1000, y: 400))
        XCTAssertEqual(long.arcHeight, 80, accuracy: 1e-9)
        // The curve's top halfway is half the control point's lift (a quadratic Bézier's property).
        let top = long.position(at: long.duration / 2)
        XCTAssertEqual(top.x, 500, accuracy: 1e-9)
        XCTAssertEqual(top.y, 360, accuracy: 1e-9)
    }

    func testEasingIsSmoothstepAndMonotonic() {
        XCTAssertEqual(Flight.ease(0), 0)
        XCTAssertEqual(Flight.ease(1), 1)
        XCTAssertEqual(Flight.ease(0.5), 0.5, accuracy: 1e-12)
        XCTAssertEqual(Flight.ease(0.25), 3 * 0.0625 - 2 * 0.015625, accuracy: 1e-12)
        var previous = -1.0
        for step in 0...1000 {
            let value = Flight.ease(Double(step) / 1000)
            XCTAssertGreaterThanOrEqual(value, previous)
            previous = value
        }
        // Slow at both ends: the first and last hundredth cover far less than a hundredth.
        XCTAssertLessThan(Flight.ease(0.01), 0.001)
        XCTAssertGreaterThan(Flight.ease(0.99), 0.999)
    }

    func testPositionMovesMonotonicallyAlongAFlatFlight() {
        let flight = Flight(from: DesktopPoint(x: 0, y: 400), to: DesktopPoint(x: 1000, y: 400))
        var previous = -1.0
        for step in 0...100 {
            let x = flight.position(at: flight.duration * Double(step) / 100).x
            XCTAssertGreaterThan(x, previous)
            previous = x
        }
    }

    func testRotationFollowsTheTangent() {
        // Flying right along a flat chord: the tangent starts up-right, is level halfway, ends down-right.
        let flight = Flight(from: DesktopPoint(x: 0, y: 400), to: DesktopPoint(x: 1000, y: 400))
        // Halfway the tangent is horizontal: tip points right, 90° clockwise from up.
        XCTAssertEqual(flight.rotation(at: flight.duration / 2), .pi / 2, accuracy: 1e-9)
        // At take-off the tangent aims at the control point (500, 320): atan2(−80, 500) + 90°.
        XCTAssertEqual(flight.rotation(at: 0), atan2(-80, 500) + .pi / 2, accuracy: 1e-9)
        XCTAssertEqual(flight.rotation(at: flight.duration), atan2(80, 500) + .pi / 2, accuracy: 1e-9)
        // Straight down: tip points down (180°).
        let down = Flight(from: DesktopPoint(x: 0, y: 0), to: DesktopPoint(x: 0, y: 500))
        XCTAssertEqual(down.rotation(at: down.duration / 2), .pi, accuracy: 1e-9)
        // A flight of zero length keeps the resting tilt rather than a NaN angle.
        XCTAssertEqual(Flight(from: start, to: start).rotation(at: 0.3), Flight.restingRotation)
    }

    func testScalePulsesTo1_3Halfway() {
        let flight = Flight(from: start, to: target)
        XCTAssertEqual(flight.scale(at: 0), 1, accuracy: 1e-12)
        XCTAssertEqual(flight.scale(at: flight.duration / 2), 1.3, accuracy: 1e-12)
        XCTAssertEqual(flight.scale(at: flight.duration), 1, accuracy: 1e-12)
    }

    func testLandingIsOffsetAndKeptInsideTheMonitor() {
        let right = DesktopRect(x: 1280, y: 0, width: 1280, height: 800)
        XCTAssertEqual(Pointing.landing(for: DesktopPoint(x: 1600, y: 300), on: right), DesktopPoint(x: 1608, y: 312))
        XCTAssertEqual(Pointing.landing(for: DesktopPoint(x: 2560, y: 800), on: right), DesktopPoint(x: 2540, y: 780))
        XCTAssertEqual(Pointing.landing(for: DesktopPoint(x: 1280, y: 0), on: right), DesktopPoint(x: 1300, y: 20))
        XCTAssertEqual(Pointing.following(DesktopPoint(x: 300, y: 200)), DesktopPoint(x: 335, y: 225))
    }

    func testAReturnSnapsBackOnlyWhenThePointerMovesMoreThan100Pixels() {
        let at = DesktopPoint(x: 500, y: 500)
        XCTAssertFalse(Pointing.shouldSnapBack(pointerAtReturn: at, pointerNow: DesktopPoint(x: 560, y: 580)))
        XCTAssertTrue(Pointing.shouldSnapBack(pointerAtReturn: at, pointerNow: DesktopPoint(x: 561, y: 581)))
    }
}
