/// Packed 8-bit RGB pixels, row after row with no padding: what the scaler works on and what
/// libjpeg takes as `JCS_RGB`.
struct RGBImage: Sendable, Equatable {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGB buffer size does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The size with the long side at most `longSide`, aspect kept, never larger than now.
    static func fittedSize(width: Int, height: Int, longSide: Int) -> (width: Int, height: Int) {
        let long = max(width, height)
        guard long > longSide, long > 0 else { return (width, height) }
        let scale = Double(longSide) / Double(long)
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// This image scaled down to `width`×`height` by area averaging: every output pixel is the
    /// mean of the source pixels it covers, fractions at its edges weighted by coverage. Unlike
    /// bilinear sampling this keeps thin text strokes visible at any reduction factor, which is
    /// what a model reading the screen needs. Separable: rows first, then columns.
    func downscaled(toWidth newWidth: Int, height newHeight: Int) -> RGBImage {
        guard newWidth != width || newHeight != height else { return self }
        precondition(newWidth <= width && newHeight <= height && newWidth > 0 && newHeight > 0, "only downscaling is supported")
        let columns = Self.coverage(from: width, to: newWidth)
        let rows = Self.coverage(from: height, to: newHeight)
        // Horizontal pass into floats (newWidth × height), then vertical into bytes.
        var wide = [Float](repeating: 0, count: newWidth * height * 3)
        pixels.withUnsafeBufferPointer { source in
            wide.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let sourceRow = y * width * 3, targetRow = y * newWidth * 3
                    for (x, span) in columns.enumerated() {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for (offset, weight) in span.weights.enumerated() {
                            let at = sourceRow + (span.first + offset) * 3
                            r += Float(source[at]) * weight
                            g += Float(source[at + 1]) * weight
                            b += Float(source[at + 2]) * weight
                        }
                        target[targetRow + x * 3] = r
                        target[targetRow + x * 3 + 1] = g
                        target[targetRow + x * 3 + 2] = b
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        wide.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                let stride = newWidth * 3
                for (y, span) in rows.enumerated() {
                    for i in 0..<stride {
                        var sum: Float = 0
                        for (offset, weight) in span.weights.enumerated() {
                            sum += source[(span.first + offset) * stride + i] * weight
                        }
                        target[y * stride + i] = UInt8(min(max(sum.rounded(), 0), 255))
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// For each of `count` output cells, the source cells it covers and how much of each,
    /// weights summing to 1.
    private static func coverage(from source: Int, to count: Int) -> [(first: Int, weights: [Float])] {
        let step = Double(source) / Double(count)
        return (0..<count).map { index in
            let start = Double(index) * step, end = min(Double(index + 1) * step, Double(source))
            let first = Int(start), last = min(Int(end.rounded(.up)) - 1, source - 1)
            let weights = (first...last).map { cell in
                Float((min(end, Double(cell + 1)) - max(start, Double(cell))) / step)
            }
            return (first, weights)
        }
    }
}
