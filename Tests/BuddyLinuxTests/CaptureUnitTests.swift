import BuddyCore
@testable import BuddyLinux
import CX11
import XCTest

/// The capture's pure parts: monitor order, sizes, scaling, pixel unpacking, labels.
final class CaptureUnitTests: XCTestCase {
    private func rect(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> DesktopRect { DesktopRect(x: x, y: y, width: w, height: h) }

    func testTheWholeScreenMonitorIsDroppedWhenRealMonitorsTileIt() {
        let screen = rect(0, 0, 2304, 800)
        let layout = MonitorLayout.arrange([rect(1280, 0, 1024, 768), screen, rect(0, 0, 1280, 800)], screen: screen, pointer: (2000, 100))
        XCTAssertEqual(layout.monitors, [rect(1280, 0, 1024, 768), rect(0, 0, 1280, 800)])
        XCTAssertTrue(layout.cursorOnFirst)
    }

    func testOthersFollowLeftToRightThenTopToBottom() {
        let screen = rect(0, 0, 3000, 2000)
        let reported = [rect(2000, 0, 1000, 1000), rect(0, 1000, 1000, 1000), rect(0, 0, 1000, 1000), rect(1000, 0, 1000, 1000)]
        let layout = MonitorLayout.arrange(reported, screen: screen, pointer: (1500, 500))
        XCTAssertEqual(layout.monitors.map { [$0.x, $0.y] }, [[1000, 0], [0, 0], [0, 1000], [2000, 0]])
    }

    func testAPointerInAGapLeavesNoCursorScreen() {
        let screen = rect(0, 0, 2000, 1000)
        let layout = MonitorLayout.arrange([rect(1000, 0, 1000, 1000), rect(0, 0, 1000, 500)], screen: screen, pointer: (100, 800))
        XCTAssertEqual(layout.monitors, [rect(0, 0, 1000, 500), rect(1000, 0, 1000, 1000)])
        XCTAssertFalse(layout.cursorOnFirst)
    }

    func testMirroredMonitorsCountOnceAndMonitorsAreClippedToTheScreen() {
        let screen = rect(0, 0, 1280, 800)
        let layout = MonitorLayout.arrange([rect(0, 0, 1280, 800), rect(0, 0, 1280, 800), rect(1200, 0, 400, 800)],
                                           screen: screen, pointer: (10, 10))
        // The clipped second monitor lies inside the first, so the first is an aggregate.
        XCTAssertEqual(layout.monitors, [rect(1200, 0, 80, 800)])
        XCTAssertEqual(MonitorLayout.arrange([], screen: screen, pointer: nil).monitors, [screen])
    }

    func testSizesFitTheLongSideWithoutUpscaling() {
        XCTAssertTrue(RGBImage.fittedSize(width: 1280, height: 800, longSide: 1280) == (1280, 800))
        XCTAssertTrue(RGBImage.fittedSize(width: 2560, height: 1600, longSide: 1280) == (1280, 800))
        XCTAssertTrue(RGBImage.fittedSize(width: 800, height: 1280, longSide: 1280) == (800, 1280))
        XCTAssertTrue(RGBImage.fittedSize(width: 1600, height: 2560, longSide: 1280) == (800, 1280))
        XCTAssertTrue(RGBImage.fittedSize(width: 3840, height: 2160, longSide: 1280) == (1280, 720))
        XCTAssertTrue(RGBImage.fittedSize(width: 1024, height: 768, longSide: 1280) == (1024, 768))
    }

    func testDownscalingAveragesTheCoveredPixels() {
        // A 4×2 image: black/white columns → 2×1 mid grey; a 3→2 reduction weights partial pixels.
        let stripes = RGBImage(width: 4, height: 2, pixels: [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255,
                                                             0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255])
        XCTAssertEqual(stripes.downscaled(toWidth: 2, height: 1).pixels, [128, 128, 128, 128, 128, 128])
        let ramp = RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 90, 90, 90, 180, 180, 180])
        // Cells [0,1.5) and [1.5,3): (0 + 0.5·90)/1.5 = 30 and (0.5·90 + 180)/1.5 = 150.
        XCTAssertEqual(ramp.downscaled(toWidth: 2, height: 1).pixels, [30, 30, 30, 150, 150, 150])
        XCTAssertEqual(ramp.downscaled(toWidth: 3, height: 1), ramp)
    }

    /// An XImage over `bytes`, as XGetImage would hand it back.
    private func convert(_ bytes: [UInt8], bitsPerPixel: Int32, masks: (UInt, UInt, UInt), msbFirst: Bool) throws -> [UInt8] {
        var copy = bytes.map { CChar(bitPattern: $0) }
        return try copy.withUnsafeMutableBufferPointer { buffer in
            var image = XImage()
            image.width = 2
            image.height = 1
            image.bits_per_pixel = bitsPerPixel
            image.bytes_per_line = Int32(bytes.count)
            image.byte_order = msbFirst ? MSBFirst : LSBFirst
            (image.red_mask, image.green_mask, image.blue_mask) = masks
            image.data = buffer.baseAddress
            return try RootGrab.convert(image).pixels
        }
    }

    func testPixelsAreUnpackedByMaskAndByteOrder() throws {
        // 32-bit LSBFirst, memory B G R X (Xvfb and most desktops).
        XCTAssertEqual(try convert([0x30, 0x20, 0x10, 0, 0xFF, 0x80, 0x00, 0], bitsPerPixel: 32,
                                   masks: (0xFF0000, 0xFF00, 0xFF), msbFirst: false), [0x10, 0x20, 0x30, 0x00, 0x80, 0xFF])
        // 32-bit MSBFirst: X R G B.
        XCTAssertEqual(try convert([0, 0x10, 0x20, 0x30, 0, 0xFF, 0x80, 0x00], bitsPerPixel: 32,
                                   masks: (0xFF0000, 0xFF00, 0xFF), msbFirst: true), [0x10, 0x20, 0x30, 0xFF, 0x80, 0x00])
        // 24-bit packed and an RGB-ordered mask (blue high).
        XCTAssertEqual(try convert([0x10, 0x20, 0x30, 0x01, 0x02, 0x03], bitsPerPixel: 24,
                                   masks: (0xFF, 0xFF00, 0xFF0000), msbFirst: false), [0x10, 0x20, 0x30, 0x01, 0x02, 0x03])
        // 16-bit 5-6-5: full channels widen to 255.
        XCTAssertEqual(try convert([0x00, 0xF8, 0x1F, 0x00], bitsPerPixel: 16,
                                   masks: (0xF800, 0x07E0, 0x001F), msbFirst: false), [255, 0, 0, 0, 0, 255])
        XCTAssertThrowsError(try convert([0, 0], bitsPerPixel: 8, masks: (0xE0, 0x1C, 0x03), msbFirst: false))
    }

    func testLabelsAreWordedAsTheOriginal() {
        XCTAssertEqual(X11ScreenCapturer.label(index: 0, count: 1, isCursorScreen: true, width: 1280, height: 800),
                       "user's screen (cursor is here) (image dimensions: 1280x800 pixels)")
        XCTAssertEqual(X11ScreenCapturer.label(index: 0, count: 3, isCursorScreen: true, width: 1280, height: 720),
                       "screen 1 of 3 — cursor is on this screen (primary focus) (image dimensions: 1280x720 pixels)")
        XCTAssertEqual(X11ScreenCapturer.label(index: 2, count: 3, isCursorScreen: false, width: 800, height: 1280),
                       "screen 3 of 3 — secondary screen (image dimensions: 800x1280 pixels)")
    }
}
