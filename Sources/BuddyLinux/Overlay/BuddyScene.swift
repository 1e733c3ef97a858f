import BuddyCore
import CX11
import Foundation

/// One frame's picture of the buddy, in the sprite's own pixels with the buddy's centre at
/// `BuddyScene.anchor`. Equatable so the overlay repaints only when something changed: while it
/// just trails the pointer, moving the window is enough.
struct BuddyScene: Equatable {
    enum Figure: Equatable {
        case triangle(rotation: Double, scale: Double)
        /// Bar heights in pixels, left to right.
        case waveform([Double])
        /// The gap's angle in radians.
        case spinner(Double)
    }

    var figure: Figure
    /// The latency chip above the buddy while answering.
    var badge: String?
    var bubble: BuddyMotion.Bubble?
    /// Near the monitor's right or bottom edge the bubble flips to the other side.
    var bubbleOnLeft = false
    var bubbleAbove = false

    /// The sprite's size: room for the longest bubble on either side and the chip above.
    static let width = 560, height = 200
    static let anchor = (x: 280.0, y: 100.0)
    /// The bubble starts this far right of (or left of) the buddy's centre.
    static let bubbleGap = 14.0
    static let bubbleMaxWidth = 250.0
    static let bubbleHeight = 24.0

    /// The buddy blue, #3380FF.
    static let blue = (r: 0x33 / 255.0, g: 0x80 / 255.0, b: 0xFF / 255.0)
    /// The waveform's profile, centre bar tallest.
    static let profile = [0.4, 0.7, 1.0, 0.7, 0.4]

    /// Waveform bars for a microphone `level` 0…1 at time `t`: 3 px plus the level-driven part,
    /// with a slow sine so silence still looks alive.
    static func waveform(level: Double, at t: Double) -> [Double] {
        let level = min(max(level, 0), 1)
        return profile.enumerated().map { index, weight in
            let pulse = 1.5 * (1 + sin(t * 2 * Double.pi * 1.2 + Double(index) * 0.9))
            return (3 + level * 10 * weight * 1.6 + pulse * weight).rounded()
        }
    }

    /// Whether a bubble of `width` beside a buddy at `position` would leave `monitor`, per side.
    static func flips(for position: DesktopPoint, bubbleWidth: Double, on monitor: DesktopRect) -> (left: Bool, above: Bool) {
        let right = Double(monitor.x + monitor.width)
        let bottom = Double(monitor.y + monitor.height)
        return (position.x + bubbleGap + bubbleWidth > right - 4, position.y + bubbleHeight + 6 > bottom - 4)
    }
}

/// Paints a `BuddyScene` with cairo into an ARGB32 image (premultiplied, cleared first).
enum BuddyPainter {
    static let font = "DejaVu Sans"

    static func paint(_ scene: BuddyScene, into surface: OpaquePointer) {
        guard let cr = cairo_create(surface) else { return }
        defer { cairo_destroy(cr) }
        cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR)
        cairo_paint(cr)
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER)
        let (cx, cy) = BuddyScene.anchor
        switch scene.figure {
        case .triangle(let rotation, let scale): triangle(cr, x: cx, y: cy, rotation: rotation, scale: scale)
        case .waveform(let bars): waveform(cr, x: cx, y: cy, bars: bars)
        case .spinner(let angle): spinner(cr, x: cx, y: cy, angle: angle)
        }
        if let badge = scene.badge { chip(cr, text: badge, x: cx, y: cy - 30) }
        if let bubble = scene.bubble, bubble.opacity > 0 { self.bubble(cr, bubble, scene: scene) }
        cairo_surface_flush(surface)
    }

    /// The width the bubble needs for `text` (measured with the same font as it is drawn).
    static func bubbleWidth(for text: String) -> Double {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1) else { return BuddyScene.bubbleMaxWidth }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { return BuddyScene.bubbleMaxWidth }
        defer { cairo_destroy(cr) }
        setBubbleFont(cr)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return min(extents.x_advance + 16, BuddyScene.bubbleMaxWidth)
    }

    /// A 12×16 triangle, tip up at rotation 0, centred on its centroid (so the rotation never
    /// shifts it), with a soft glow: wider, fainter strokes underneath. Narrower than the
    /// original's 16 px equilateral one on purpose: that looks the same turned by 120°, and at
    /// the resting −35° it read as pointing right; the tip must show where it points. The glow
    /// stays under half opacity, so the shaped window (no compositor) leaves it out rather than
    /// painting it dark.
    private static func triangle(_ cr: OpaquePointer, x: Double, y: Double, rotation: Double, scale: Double) {
        let side = 12.0 * scale, height = 16.0 * scale
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rotate(cr, rotation)
        cairo_move_to(cr, 0, -height * 2 / 3)
        cairo_line_to(cr, side / 2, height / 3)
        cairo_line_to(cr, -side / 2, height / 3)
        cairo_close_path(cr)
        let blue = BuddyScene.blue
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        for ring in stride(from: 4, through: 1, by: -1) {
            cairo_set_source_rgba(cr, blue.r, blue.g, blue.b, 0.07 * Double(5 - ring) * min(scale, 1.3))
            cairo_set_line_width(cr, Double(ring) * 4 * scale)
            cairo_stroke_preserve(cr)
        }
        cairo_set_source_rgb(cr, blue.r, blue.g, blue.b)
        cairo_fill(cr)
        cairo_restore(cr)
    }

    /// Five 2 px bars with 2 px gaps, centred on the buddy.
    private static func waveform(_ cr: OpaquePointer, x: Double, y: Double, bars: [Double]) {
        let blue = BuddyScene.blue
        cairo_set_source_rgb(cr, blue.r, blue.g, blue.b)
        let total = Double(bars.count) * 4 - 2
        for (index, bar) in bars.enumerated() {
            cairo_rectangle(cr, (x - total / 2 + Double(index) * 4).rounded(), (y - bar / 2).rounded(), 2, bar.rounded())
        }
        cairo_fill(cr)
    }

    /// A 14 px ring trimmed to 70 %, its tail fading in: a cheap stand-in for an angular gradient.
    private static func spinner(_ cr: OpaquePointer, x: Double, y: Double, angle: Double) {
        let blue = BuddyScene.blue
        cairo_set_line_width(cr, 2.5)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        let segments = 12, sweep = 0.7 * 2 * Double.pi
        for index in 0..<segments {
            let from = angle + sweep * Double(index) / Double(segments)
            cairo_new_path(cr)
            cairo_arc(cr, x, y, 7, from, from + sweep / Double(segments) + 0.02)
            cairo_set_source_rgba(cr, blue.r, blue.g, blue.b, 0.5 + 0.5 * Double(index + 1) / Double(segments))
            cairo_stroke(cr)
        }
    }

    /// The latency badge: a muted dark chip with small light text.
    private static func chip(_ cr: OpaquePointer, text: String, x: Double, y: Double) {
        cairo_select_font_face(cr, font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, 10)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        let width = extents.x_advance + 12, height = 16.0
        roundedRect(cr, x: (x - width / 2).rounded(), y: (y - height / 2).rounded(), width: width.rounded(), height: height, radius: 5)
        cairo_set_source_rgba(cr, 0x10 / 255.0, 0x12 / 255.0, 0x11 / 255.0, 0.9)
        cairo_fill(cr)
        cairo_set_source_rgb(cr, 0.82, 0.84, 0.86)
        cairo_move_to(cr, (x - width / 2 + 6).rounded(), (y + 3.5).rounded())
        cairo_show_text(cr, text)
    }

    private static func bubble(_ cr: OpaquePointer, _ bubble: BuddyMotion.Bubble, scene: BuddyScene) {
        let width = bubbleWidth(for: bubble.text), height = BuddyScene.bubbleHeight
        let (cx, cy) = BuddyScene.anchor
        // Anchored at the corner nearest the buddy, so the pop grows away from it.
        let cornerX = scene.bubbleOnLeft ? cx - BuddyScene.bubbleGap : cx + BuddyScene.bubbleGap
        let cornerY = scene.bubbleAbove ? cy - 4 : cy + 4
        cairo_save(cr)
        cairo_translate(cr, cornerX, cornerY)
        cairo_scale(cr, bubble.scale, bubble.scale)
        let left = scene.bubbleOnLeft ? -width : 0, top = scene.bubbleAbove ? -height : 0
        let blue = BuddyScene.blue
        for ring in stride(from: 3, through: 1, by: -1) {
            roundedRect(cr, x: left, y: top, width: width, height: height, radius: 6)
            cairo_set_source_rgba(cr, blue.r, blue.g, blue.b, 0.08 * Double(4 - ring) * bubble.opacity)
            cairo_set_line_width(cr, Double(ring) * 4)
            cairo_stroke(cr)
        }
        roundedRect(cr, x: left, y: top, width: width, height: height, radius: 6)
        cairo_set_source_rgba(cr, blue.r, blue.g, blue.b, bubble.opacity)
        cairo_fill(cr)
        setBubbleFont(cr)
        cairo_set_source_rgba(cr, 1, 1, 1, bubble.opacity)
        cairo_move_to(cr, left + 8, top + 16)
        cairo_show_text(cr, String(bubble.text.prefix(bubble.visibleCount)))
        cairo_restore(cr)
    }

    private static func setBubbleFont(_ cr: OpaquePointer) {
        cairo_select_font_face(cr, font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD)
        cairo_set_font_size(cr, 12)
    }

    private static func roundedRect(_ cr: OpaquePointer, x: Double, y: Double, width: Double, height: Double, radius: Double) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x + width - radius, y + radius, radius, -Double.pi / 2, 0)
        cairo_arc(cr, x + width - radius, y + height - radius, radius, 0, Double.pi / 2)
        cairo_arc(cr, x + radius, y + height - radius, radius, Double.pi / 2, Double.pi)
        cairo_arc(cr, x + radius, y + radius, radius, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(cr)
    }
}
