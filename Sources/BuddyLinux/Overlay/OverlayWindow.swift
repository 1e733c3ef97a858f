import CX11

/// One buddy window: override-redirect (no window manager decorations or focus), click-through
/// (empty input shape), sprite-sized and moved with the buddy. Two ways to be see-through:
/// with a compositor, a 32-bit ARGB window whose alpha the compositor honours; without one,
/// alpha is ignored and would show black (linux-desktop.md §2.3), so a plain window clipped
/// by an XShape bounding region cut from the drawing's opaque pixels.
/// Confined to the overlay's thread, like every X call of the overlay.
final class OverlayWindow {
    let window: Window
    private let display: OpaquePointer
    private let translucent: Bool
    private let target: OpaquePointer      // cairo surface on the window
    private let picture: OpaquePointer     // ARGB32 image the scene is painted into
    private let opaque: OpaquePointer?     // RGB24 copy with edges un-premultiplied (shaped mode)
    private(set) var isMapped = false
    private var origin: (x: Int, y: Int)?

    init(display: OpaquePointer, screen: Int32, root: Window, translucent: Bool, name: String) {
        self.display = display
        let width = UInt32(BuddyScene.width), height = UInt32(BuddyScene.height)
        var attributes = XSetWindowAttributes()
        attributes.override_redirect = 1
        attributes.border_pixel = 0
        attributes.background_pixel = 0
        var mask = UInt(CWOverrideRedirect | CWBorderPixel | CWBackPixel)
        var visual = XDefaultVisual(display, screen)
        var depth = XDefaultDepth(display, screen)
        var info = XVisualInfo()
        if translucent, XMatchVisualInfo(display, screen, 32, TrueColor, &info) != 0 {
            visual = info.visual
            depth = 32
            // A 32-bit window on a 24-bit root needs its own colormap, else BadMatch.
            attributes.colormap = XCreateColormap(display, root, info.visual, AllocNone)
            mask |= UInt(CWColormap)
        }
        self.translucent = translucent && depth == 32
        window = XCreateWindow(display, root, -10_000, -10_000, width, height, 0, depth, UInt32(InputOutput), visual, mask, &attributes)
        XStoreName(display, window, name)
        XSelectInput(display, window, Int(ExposureMask))
        // Clicks fall through to whatever is below, in both modes.
        let empty = XFixesCreateRegion(display, nil, 0)
        XFixesSetWindowShapeRegion(display, window, Int32(ShapeInput), 0, 0, empty)
        XFixesDestroyRegion(display, empty)
        if !self.translucent {
            // Nothing is visible until the first drawing cuts its shape: never a black flash.
            XShapeCombineRectangles(display, window, Int32(ShapeBounding), 0, 0, nil, 0, Int32(ShapeSet), Int32(Unsorted))
        }
        target = cairo_xlib_surface_create(display, window, visual, Int32(width), Int32(height))
        picture = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        opaque = self.translucent ? nil : cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
    }

    /// Paints `scene` and, without a compositor, reshapes the window to it.
    func draw(_ scene: BuddyScene) {
        BuddyPainter.paint(scene, into: picture)
        if let opaque {
            let rectangles = Self.solidPixels(of: picture, into: opaque)
            rectangles.withUnsafeBufferPointer { buffer in
                let pointer = UnsafeMutablePointer(mutating: buffer.baseAddress)
                XShapeCombineRectangles(display, window, Int32(ShapeBounding), 0, 0, pointer, Int32(buffer.count),
                                        Int32(ShapeSet), Int32(YXBanded))
            }
            present(opaque)
        } else {
            present(picture)
        }
    }

    /// Moves the sprite so its anchor is at `x`, `y`; maps it if hidden; keeps it on top of
    /// windows mapped since.
    func place(x: Int, y: Int) {
        let origin = (x: x - Int(BuddyScene.anchor.x), y: y - Int(BuddyScene.anchor.y))
        if self.origin == nil || self.origin! != origin {
            XMoveWindow(display, window, Int32(origin.x), Int32(origin.y))
            self.origin = origin
        }
        if !isMapped {
            XMapRaised(display, window)
            isMapped = true
        } else {
            XRaiseWindow(display, window)
        }
    }

    func hide() {
        guard isMapped else { return }
        XUnmapWindow(display, window)
        isMapped = false
    }

    /// Frees the cairo surfaces and the window. The display is closed by the owner.
    func destroy() {
        cairo_surface_destroy(target)
        cairo_surface_destroy(picture)
        if let opaque { cairo_surface_destroy(opaque) }
        XDestroyWindow(display, window)
    }

    private func present(_ image: OpaquePointer) {
        guard let cr = cairo_create(target) else { return }
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_paint(cr)
        cairo_destroy(cr)
        cairo_surface_flush(target)
    }

    /// Copies `picture` into `opaque` with each kept pixel at full colour (premultiplied edges
    /// divided back, so no dark fringe against the black the window would show), and returns
    /// the kept pixels — alpha at least half — as one rectangle per run per row, YX-banded.
    static func solidPixels(of picture: OpaquePointer, into opaque: OpaquePointer) -> [XRectangle] {
        let width = Int(cairo_image_surface_get_width(picture)), height = Int(cairo_image_surface_get_height(picture))
        let stride = Int(cairo_image_surface_get_stride(picture)) / 4
        let outStride = Int(cairo_image_surface_get_stride(opaque)) / 4
        guard let source = cairo_image_surface_get_data(picture), let sink = cairo_image_surface_get_data(opaque) else { return [] }
        cairo_surface_flush(opaque)
        let pixels = UnsafeRawPointer(source).assumingMemoryBound(to: UInt32.self)
        let out = UnsafeMutableRawPointer(sink).assumingMemoryBound(to: UInt32.self)
        var rectangles: [XRectangle] = []
        for y in 0..<height {
            var runStart = -1
            for x in 0...width {
                let pixel = x < width ? pixels[y * stride + x] : 0
                let alpha = pixel >> 24
                if x < width {
                    var colour: UInt32 = 0
                    if alpha > 0 {
                        let r = min(255, ((pixel >> 16) & 0xFF) * 255 / alpha)
                        let g = min(255, ((pixel >> 8) & 0xFF) * 255 / alpha)
                        let b = min(255, (pixel & 0xFF) * 255 / alpha)
                        colour = r << 16 | g << 8 | b
                    }
                    out[y * outStride + x] = colour
                }
                let solid = x < width && alpha >= 128
                if solid, runStart < 0 { runStart = x }
                if !solid, runStart >= 0 {
                    rectangles.append(XRectangle(x: Int16(runStart), y: Int16(y), width: UInt16(x - runStart), height: 1))
                    runStart = -1
                }
            }
        }
        cairo_surface_mark_dirty(opaque)
        return rectangles
    }
}
