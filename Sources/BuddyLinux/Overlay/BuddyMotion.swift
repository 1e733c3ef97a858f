import BuddyCore

/// Where the buddy is and how it looks at each frame: trailing the pointer, or the pointing
/// choreography (fly out, hold with the bubble, fade, fly back). Pure and driven by the
/// caller's clock, so the overlay's thread owns it and tests could step it without a display.
struct BuddyMotion {
    /// The bubble beside the buddy while it points.
    struct Bubble: Equatable {
        var text: String
        /// Characters shown so far: the text streams in, as in the original.
        var visibleCount: Int
        /// 0.5 → 1 as it pops in.
        var scale: Double
        /// 1 → 0 during the fade before the flight back.
        var opacity: Double
    }

    struct Frame: Equatable {
        /// The buddy's centre on the desktop.
        var position: DesktopPoint
        var rotation: Double
        var scale: Double
        var bubble: Bubble?
        /// True while pointing (out, hold, back): the triangle shows whatever the voice state.
        var pointing: Bool
    }

    private enum Phase {
        case following
        case outbound(Flight, began: Double, label: String)
        case holding(at: DesktopPoint, began: Double, label: String)
        case inbound(Flight, began: Double, pointerAtReturn: DesktopPoint)
    }

    /// Seconds per character of the bubble's text (the original picks 30–60 ms at random).
    static let characterInterval = 0.04
    /// Seconds the bubble takes to pop from half size to full.
    static let popDuration = 0.2

    private var phase = Phase.following
    private var last: DesktopPoint?

    var isPointing: Bool {
        if case .following = phase { return false }
        return true
    }

    /// Starts a flight from wherever the buddy is now to `landing` (already offset and clamped).
    mutating func point(to landing: DesktopPoint, label: String, now: Double, pointer: DesktopPoint) {
        let from = last ?? Pointing.following(pointer)
        phase = .outbound(Flight(from: from, to: landing), began: now, label: label)
    }

    /// Gives up any pointing and trails the pointer again.
    mutating func follow() { phase = .following }

    /// The frame at `now` for the pointer at `pointer`. `finished` is true on the frame the
    /// choreography ends (landing back or snapping back), so the caller can resume a waiter.
    mutating func frame(now: Double, pointer: DesktopPoint) -> (frame: Frame, finished: Bool) {
        let result = advance(now: now, pointer: pointer)
        last = result.frame.position
        return result
    }

    private mutating func advance(now: Double, pointer: DesktopPoint) -> (frame: Frame, finished: Bool) {
        switch phase {
        case .following:
            return (resting(at: Pointing.following(pointer)), false)
        case .outbound(let flight, let began, let label):
            let t = now - began
            guard flight.isFinished(at: t) else {
                return (Frame(position: flight.position(at: t), rotation: flight.rotation(at: t),
                              scale: flight.scale(at: t), bubble: nil, pointing: true), false)
            }
            phase = .holding(at: flight.target, began: began + flight.duration, label: label)
            return advance(now: now, pointer: pointer)
        case .holding(let spot, let began, let label):
            let t = now - began
            if t >= Pointing.hold + Pointing.fade {
                let flight = Flight(from: spot, to: Pointing.following(pointer))
                phase = .inbound(flight, began: began + Pointing.hold + Pointing.fade, pointerAtReturn: pointer)
                return advance(now: now, pointer: pointer)
            }
            var frame = resting(at: spot)
            frame.pointing = true
            frame.bubble = Bubble(text: label,
                                  visibleCount: min(label.count, Int(t / Self.characterInterval) + 1),
                                  scale: 0.5 + 0.5 * Flight.ease(min(t / Self.popDuration, 1)),
                                  opacity: t <= Pointing.hold ? 1 : max(0, 1 - (t - Pointing.hold) / Pointing.fade))
            return (frame, false)
        case .inbound(let flight, let began, let pointerAtReturn):
            let t = now - began
            if flight.isFinished(at: t) || Pointing.shouldSnapBack(pointerAtReturn: pointerAtReturn, pointerNow: pointer) {
                phase = .following
                return (resting(at: Pointing.following(pointer)), true)
            }
            return (Frame(position: flight.position(at: t), rotation: flight.rotation(at: t),
                          scale: flight.scale(at: t), bubble: nil, pointing: true), false)
        }
    }

    private func resting(at position: DesktopPoint) -> Frame {
        Frame(position: position, rotation: Flight.restingRotation, scale: 1, bubble: nil, pointing: false)
    }
}
