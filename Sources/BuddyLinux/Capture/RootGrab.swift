import BuddyCore
import CX11

/// Copies one area of the root window into RGB pixels with `XGetImage`.
enum RootGrab {
    /// The area's pixels. `area` must lie inside the root window (`MonitorLayout` clips it),
    /// because XGetImage answers BadMatch otherwise.
    static func grab(_ display: OpaquePointer, area: DesktopRect) throws(ScreenCaptureError) -> RGBImage {
        let screen = XDefaultScreen(display)
        guard let visual = XDefaultVisual(display, screen), visual.pointee.`class` == TrueColor else {
            throw .unsupportedVisual("the root window is not TrueColor")
        }
        guard let image = XGetImage(display, XRootWindow(display, screen), Int32(area.x), Int32(area.y),
                                    UInt32(area.width), UInt32(area.height), UInt.max /* AllPlanes */, ZPixmap) else {
            throw .grabFailed(area)
        }
        // XDestroyImage is a macro; the function pointer it expands to is in the image itself.
        defer { _ = image.pointee.f.destroy_image(image) }
        return try convert(image.pointee)
    }

    /// Unpacks a ZPixmap image into RGB by its channel masks. The server picks the pixel
    /// layout (Xvfb and most desktops: 32 bits, LSBFirst, masks ff0000/ff00/ff, so BGRX in
    /// memory), so the masks and byte order are read rather than assumed.
    static func convert(_ image: XImage) throws(ScreenCaptureError) -> RGBImage {
        let width = Int(image.width), height = Int(image.height)
        let bytesPerPixel = Int(image.bits_per_pixel) / 8
        guard [2, 3, 4].contains(bytesPerPixel), Int(image.bits_per_pixel) % 8 == 0, let data = image.data else {
            throw .unsupportedVisual("\(image.bits_per_pixel) bits per pixel")
        }
        let channels = [Channel(mask: image.red_mask), Channel(mask: image.green_mask), Channel(mask: image.blue_mask)]
        guard channels.allSatisfy({ $0.bits > 0 }) else { throw .unsupportedVisual("a colour mask is empty") }
        let bigEndian = image.byte_order == MSBFirst
        let stride = Int(image.bytes_per_line)
        let bytes = UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = bytes + y * stride
                for x in 0..<width {
                    let at = row + x * bytesPerPixel
                    var value: UInt = 0
                    for index in 0..<bytesPerPixel {
                        let byte = UInt(at[bigEndian ? index : bytesPerPixel - 1 - index])
                        value = value << 8 | byte
                    }
                    let target = (y * width + x) * 3
                    out[target] = channels[0].level(of: value)
                    out[target + 1] = channels[1].level(of: value)
                    out[target + 2] = channels[2].level(of: value)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// One colour channel of a pixel value: where its bits sit and how to widen them to 8 bits
    /// (a 5- or 6-bit channel of a 16-bit visual must reach 255 at full intensity).
    private struct Channel {
        let shift: Int
        let bits: Int
        let maximum: UInt

        init(mask: UInt) {
            shift = mask == 0 ? 0 : mask.trailingZeroBitCount
            bits = (mask >> UInt(shift)).trailingZeroBitCount == 0 ? (mask >> UInt(shift)).nonzeroBitCount : 0
            maximum = bits == 0 ? 1 : (1 << UInt(bits)) - 1
        }

        func level(of pixel: UInt) -> UInt8 {
            let raw = (pixel >> UInt(shift)) & maximum
            return bits == 8 ? UInt8(raw) : UInt8((raw * 255 + maximum / 2) / maximum)
        }
    }
}
