import CImage
import CX11
import XCTest

/// A solid-colour window on a test display, drawn by the server itself (background pixel), so
/// it needs no event loop. Override-redirect: there is no window manager on Xvfb to place it.
final class CaptureColourWindow {
    let display: OpaquePointer
    let id: UInt

    /// `rgb` is 0xRRGGBB, which on the 24-bit TrueColor visual of Xvfb is the pixel value.
    init(on name: String, x: Int, y: Int, width: Int, height: Int, rgb: UInt) throws {
        guard let display = XOpenDisplay(name) else { throw XCTSkip("cannot open \(name)") }
        self.display = display
        let root = XDefaultRootWindow(display)
        var attributes = XSetWindowAttributes()
        attributes.override_redirect = 1
        attributes.background_pixel = rgb
        id = XCreateWindow(display, root, Int32(x), Int32(y), UInt32(width), UInt32(height), 0,
                           XDefaultDepth(display, XDefaultScreen(display)), UInt32(InputOutput), nil,
                           UInt(CWOverrideRedirect | CWBackPixel), &attributes)
        XMapRaised(display, id)
        XSync(display, 0)
        // The server paints the background when the window becomes viewable; give it a moment.
        Thread.sleep(forTimeInterval: 0.05)
    }

    var isViewable: Bool {
        var attributes = XWindowAttributes()
        XSync(display, 0)
        return XGetWindowAttributes(display, id, &attributes) != 0 && attributes.map_state == IsViewable
    }

    func unmap() {
        XUnmapWindow(display, id)
        XSync(display, 0)
    }

    deinit {
        XDestroyWindow(display, id)
        XCloseDisplay(display)
    }
}

/// A decoded JPEG (libjpeg, RGB), for checking what a capture shows.
struct DecodedJPEG {
    let width: Int
    let height: Int
    let pixels: [UInt8]

    /// Decodes `bytes`; the test data come from our encoder, so libjpeg's exit-on-error default
    /// is acceptable here.
    init(_ bytes: [UInt8]) throws {
        guard bytes.starts(with: [0xFF, 0xD8, 0xFF]), bytes.suffix(2) == [0xFF, 0xD9] else {
            throw XCTSkip("not a JPEG")  // callers assert the magic bytes first
        }
        var info = jpeg_decompress_struct()
        var errors = jpeg_error_mgr()
        info.err = jpeg_std_error(&errors)
        jpeg_CreateDecompress(&info, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
        defer { jpeg_destroy_decompress(&info) }
        var rows: [UInt8] = []
        bytes.withUnsafeBufferPointer { buffer in
            jpeg_mem_src(&info, buffer.baseAddress, UInt(buffer.count))
            _ = jpeg_read_header(&info, 1)
            info.out_color_space = JCS_RGB
            _ = jpeg_start_decompress(&info)
            let stride = Int(info.output_width) * 3
            var line = [UInt8](repeating: 0, count: stride)
            while info.output_scanline < info.output_height {
                line.withUnsafeMutableBufferPointer { out in
                    var row: JSAMPROW? = out.baseAddress
                    _ = jpeg_read_scanlines(&info, &row, 1)
                }
                rows += line
            }
            _ = jpeg_finish_decompress(&info)
        }
        width = Int(info.output_width)
        height = Int(info.output_height)
        pixels = rows
    }

    func rgb(_ x: Int, _ y: Int) -> (Int, Int, Int) {
        let at = (y * width + x) * 3
        return (Int(pixels[at]), Int(pixels[at + 1]), Int(pixels[at + 2]))
    }

    /// Asserts the pixel at (x, y) is `rgb` (0xRRGGBB) within JPEG's error on flat areas.
    func assertColour(_ x: Int, _ y: Int, _ rgb: UInt, tolerance: Int = 12, file: StaticString = #filePath, line: UInt = #line) {
        let (r, g, b) = self.rgb(x, y)
        let want = (Int(rgb >> 16 & 0xFF), Int(rgb >> 8 & 0xFF), Int(rgb & 0xFF))
        XCTAssert(abs(r - want.0) <= tolerance && abs(g - want.1) <= tolerance && abs(b - want.2) <= tolerance,
                  "pixel (\(x),\(y)) is \(r),\(g),\(b); expected \(want.0),\(want.1),\(want.2)", file: file, line: line)
    }
}
