import Foundation

/// The buddy's flight to a pointing target and back (`clicky-behaviour.md` §1.11), as a value:
/// a quadratic Bézier from `start` to `target` whose control point is the midpoint lifted by
/// the arc height, eased with smoothstep. Pure: the overlay asks where the triangle is at time
/// `t` (seconds since take-off) and draws it there, so the curve is testable without a display.
///
/// Coordinates are desktop pixels with y down, so "raised" means a smaller y. Angles are in
/// radians, clockwise on screen (y down), 0 = the triangle's tip pointing up.
public struct Flight: Sendable, Equatable {
    public let start: DesktopPoint
    public let target: DesktopPoint
    /// The Bézier control point: the midpoint, `arcHeight` pixels higher.
    public let control: DesktopPoint
    /// Seconds from take-off to arrival.
    public let duration: Double

    /// Pixels per second that set the duration before clamping.
    public static let speed = 800.0
    public static let shortest = 0.6
    public static let longest = 1.4
    /// The arc is this fraction of the distance, but never more than `highestArc` pixels.
    public static let arcFraction = 0.2
    public static let highestArc = 80.0
    /// How much bigger the triangle gets halfway through (1 + 0.3·sin(π·progress)).
    public static let pulse = 0.3
    /// The triangle's resting tilt while it follows the pointer or holds at a target: −35°,
    /// its tip leaning up-left toward the pointer it trails.
    public static let restingRotation = -35.0 * Double.pi / 180

    public init(from start: DesktopPoint, to target: DesktopPoint) {
        self.start = start
        self.target = target
        let distance = Self.distance(start, target)
        let arc = min(distance * Self.arcFraction, Self.highestArc)
        control = DesktopPoint(x: (start.x + target.x) / 2, y: (start.y + target.y) / 2 - arc)
        duration = min(max(distance / Self.speed, Self.shortest), Self.longest)
    }

    /// Straight-line distance from start to target, in pixels.
    public var distance: Double { Self.distance(start, target) }

    /// How far the control point sits above the chord's midpoint, in pixels.
    public var arcHeight: Double { (start.y + target.y) / 2 - control.y }

    /// Time as a fraction of the flight, 0…1 (clamped, so callers may overshoot).
    public func progress(at t: Double) -> Double {
        guard duration > 0 else { return 1 }
        return min(max(t / duration, 0), 1)
    }

    /// Smoothstep 3u² − 2u³: starts and lands with zero speed, like the original.
    public static func ease(_ u: Double) -> Double {
        let u = min(max(u, 0), 1)
        return u * u * (3 - 2 * u)
    }

    /// The curve parameter at time `t`: eased progress.
    public func curveParameter(at t: Double) -> Double { Self.ease(progress(at: t)) }

    /// Where the triangle is at `t`. Exactly `start` at t ≤ 0 and exactly `target` at t ≥ duration
    /// (the endpoints are returned, not computed, so rounding never leaves it a pixel short).
    public func position(at t: Double) -> DesktopPoint {
        let u = curveParameter(at: t)
        if u <= 0 { return start }
        if u >= 1 { return target }
        let a = (1 - u) * (1 - u), b = 2 * (1 - u) * u, c = u * u
        return DesktopPoint(x: a * start.x + b * control.x + c * target.x,
                            y: a * start.y + b * control.y + c * target.y)
    }

    /// The tip's direction at `t`: along the curve's tangent (the original adds 90° because its
    /// triangle points up at rotation 0, as ours does). A zero-length flight keeps the resting tilt.
    public func rotation(at t: Double) -> Double {
        let u = curveParameter(at: t)
        // B'(u) = 2(1−u)(C − P0) + 2u(P1 − C); the factor 2 does not change the angle.
        let dx = (1 - u) * (control.x - start.x) + u * (target.x - control.x)
        let dy = (1 - u) * (control.y - start.y) + u * (target.y - control.y)
        guard dx * dx + dy * dy > 1e-12 else { return Self.restingRotation }
        return atan2(dy, dx) + Double.pi / 2
    }

    /// The size factor at `t`: 1 at both ends, 1.3 halfway (on time, not on the eased curve).
    public func scale(at t: Double) -> Double {
        1 + Self.pulse * sin(Double.pi * progress(at: t))
    }

    public func isFinished(at t: Double) -> Bool { t >= duration }

    static func distance(_ a: DesktopPoint, _ b: DesktopPoint) -> Double {
        ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
    }
}

/// The rest of the pointing choreography around a `Flight`: where the buddy sits beside the
/// pointer, where it lands relative to a target, how long it holds, when a return gives up.
public enum Pointing {
    /// The buddy's centre trails the pointer by this much (down-right, clear of the hotspot).
    public static let followOffset = DesktopPoint(x: 35, y: 25)
    /// It lands this far down-right of the target so the tilted tip, not its body, covers it.
    public static let landingOffset = DesktopPoint(x: 8, y: 12)
    /// The landing stays at least this far inside the target's monitor.
    public static let edgeMargin = 20.0
    /// Seconds the bubble stays at the target before it fades.
    public static let hold = 3.0
    /// Seconds the bubble takes to fade before the flight back.
    public static let fade = 0.5
    /// A pointer that moves further than this during the flight back wins: the buddy snaps back
    /// to following instead of chasing a stale spot.
    public static let snapDistance = 100.0

    /// Where the buddy's centre follows to for a pointer at `pointer`.
    public static func following(_ pointer: DesktopPoint) -> DesktopPoint {
        DesktopPoint(x: pointer.x + followOffset.x, y: pointer.y + followOffset.y)
    }

    /// Where the buddy's centre lands for `target` on `monitor`: offset, then kept inside.
    public static func landing(for target: DesktopPoint, on monitor: DesktopRect) -> DesktopPoint {
        let x = target.x + landingOffset.x, y = target.y + landingOffset.y
        let minX = Double(monitor.x) + edgeMargin, maxX = Double(monitor.x + monitor.width) - edgeMargin
        let minY = Double(monitor.y) + edgeMargin, maxY = Double(monitor.y + monitor.height) - edgeMargin
        return DesktopPoint(x: min(max(x, minX), max(minX, maxX)), y: min(max(y, minY), max(minY, maxY)))
    }

    /// Whether the pointer has moved far enough since the return began to abandon it.
    public static func shouldSnapBack(pointerAtReturn: DesktopPoint, pointerNow: DesktopPoint) -> Bool {
        Flight.distance(pointerAtReturn, pointerNow) > snapDistance
    }

    /// The bubble's phrase when the brain gave no label (the original picks one at random).
    public static let phrases = ["right here!", "this one!", "over here!", "click this!", "here it is!", "found it!"]
}
