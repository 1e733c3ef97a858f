// Element-wise pieces of the Whisper network: layer norm, biases, GELU, softmax and the
// vectorised e^x they need. Plain loops over raw pointers in SIMD16 steps (two ymm registers
// on the x86-64-v3 build), with a scalar tail.
//
// CTranslate2 runs this model in Float32 on the CPU (its fp16 weights widened), with an exact
// (erf) GELU and layer norms with ε = 1e-5; the functions below compute the same quantities.

enum WhisperMath {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    @inline(__always)
    static func horizontalSum(_ v: V) -> Float {
        let s8 = v.lowHalf + v.highHalf
        let s4 = s8.lowHalf + s8.highHalf
        let s2 = s4.lowHalf + s4.highHalf
        return s2[0] + s2[1]
    }

    /// out = (x − mean) / √(variance + ε) · gamma + beta, for each of `rows` rows of `width`
    /// (row r of x and out at r × width). `out` may be `x`. Mean first, then the variance as
    /// the mean of squared deviations (two passes, no cancellation).
    static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>,
                          beta: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, epsilon: Float = 1e-5) {
        let wide = width & ~15
        for r in 0..<rows {
            let row = x + r &* width, target = out + r &* width
            var sums = V()
            var i = 0
            while i < wide { sums += load(row + i); i &+= 16 }
            var sum = horizontalSum(sums)
            while i < width { sum += row[i]; i &+= 1 }
            let mean = sum / Float(width)
            let center = V(repeating: mean)
            var squares = V()
            i = 0
            while i < wide {
                let deviation = load(row + i) - center
                squares += deviation * deviation
                i &+= 16
            }
            var squareSum = horizontalSum(squares)
            while i < width { squareSum += (row[i] - mean) * (row[i] - mean); i &+= 1 }
            let inverse = 1 / (squareSum / Float(width) + epsilon).squareRoot()
            let scale = V(repeating: inverse)
            i = 0
            while i < wide {
                store((load(row + i) - center) * scale * load(gamma + i) + load(beta + i), target + i)
                i &+= 16
            }
            while i < width { target[i] = (row[i] - mean) * inverse * gamma[i] + beta[i]; i &+= 1 }
        }
    }

    /// x += y, `count` values.
    static func add(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// GELU in place over `count` values.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            store(gelu(load(x + i)), x + i)
            i &+= 16
        }
        while i < count {
            var lane = V()
            lane[0] = x[i]
            x[i] = gelu(lane)[0]
            i &+= 1
        }
    }

    /// The columns of a kernel-3 convolution with padding 1: for output row r < `rows`,
    /// `columns[r][c·3 + k]` = input(stride·r + k − 1, c), zero outside 0..<inputRows — so
    /// the convolution is the product of these rows with the [out × (channels·3)] kernel.
    @inline(__always)
    static func im2col(rows: Int, channels: Int, stride: Int, inputRows: Int, into columns: UnsafeMutablePointer<Float>,
                       _ input: (_ row: Int, _ channel: Int) -> Float) {
        let width = channels * 3
        for r in 0..<rows {
            let out = columns + r * width
            for k in 0..<3 {
                let source = stride * r + k - 1
                if source < 0 || source >= inputRows {
                    for c in 0..<channels { out[c * 3 + k] = 0 }
                } else {
                    for c in 0..<channels { out[c * 3 + k] = input(source, c) }
                }
            }
        }
    }

    /// ½x(1 + erf(x/√2)), with erf from Abramowitz & Stegun 7.1.26 (absolute error below
    /// 1.5·10⁻⁷, about Float's own rounding near 1): erf(z) = 1 − t·P(t)·e^(−z²) with
    /// t = 1/(1 + 0.3275911·z) for z ≥ 0, and erf(−z) = −erf(z).
    @inline(__always)
    static func gelu(_ x: V) -> V {
        var r = V()
        r.lowHalf = gelu8(x.lowHalf)
        r.highHalf = gelu8(x.highHalf)
        return r
    }

    /// e^x for 16 lanes (see ``exp8(_:)``).
    @inline(__always)
    static func exp(_ x: V) -> V {
        var r = V()
        r.lowHalf = exp8(x.lowHalf)
        r.highHalf = exp8(x.highHalf)
        return r
    }

    // The 8-lane cores are written with plain * and + (one 256-bit register each). Written with
    // `addingProduct`, with 16 lanes, or with `clamped`, the same code came out partly scalar or
    // half-width and ran 3 to 10 times slower.
    typealias V8 = SIMD8<Float>

    @inline(__always)
    static func gelu8(_ x: V8) -> V8 {
        let one = V8(repeating: 1)
        let z = x * V8(repeating: 0.70710678118654752)
        let negative = z .< V8()
        let magnitude = z.replacing(with: -z, where: negative)
        let t = one / (one + magnitude * V8(repeating: 0.3275911))
        var poly = t * V8(repeating: 1.061405429) + V8(repeating: -1.453152027)
        poly = poly * t + V8(repeating: 1.421413741)
        poly = poly * t + V8(repeating: -0.284496736)
        poly = poly * t + V8(repeating: 0.254829592)
        let erfMagnitude = one - t * poly * exp8(V8() - magnitude * magnitude)
        let erf = erfMagnitude.replacing(with: -erfMagnitude, where: negative)
        return V8(repeating: 0.5) * x * (one + erf)
    }

    /// e^x: x = k·ln 2 + r with k = round(x / ln 2) and |r| ≤ ½ln 2, e^r by its Taylor series
    /// to r⁷ (relative error about 2·10⁻⁸ there), then 2^k put straight into the exponent
    /// bits. Inputs are clamped to [−87, 88], where 2^k stays a normal Float: below, the result
    /// is about 1.6·10⁻³⁸ instead of a smaller number or zero, which no sum here notices.
    @inline(__always)
    static func exp8(_ x: V8) -> V8 {
        let lo = V8(repeating: -87), hi = V8(repeating: 88)
        let clamped = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
        // Adding 1.5·2²³ rounds x/ln 2 to the integer k, held in the low mantissa bits; the
        // +127 exponent bias rides along, so those bits shifted by 23 are 2^k as a Float.
        let magic = V8(repeating: 12_582_912 + 127)
        let shifted = clamped * V8(repeating: 1.44269504088896341) + magic
        let k = shifted - magic
        // r = x − k·ln 2, with ln 2 split in two so the first product is exact.
        let r = clamped - k * V8(repeating: 0.693145751953125) - k * V8(repeating: 1.428606765330187e-06)
        var p = r * V8(repeating: 1.0 / 5040) + V8(repeating: 1.0 / 720)
        p = p * r + V8(repeating: 1.0 / 120)
        p = p * r + V8(repeating: 1.0 / 24)
        p = p * r + V8(repeating: 1.0 / 6)
        p = p * r + V8(repeating: 0.5)
        p = p * r + V8(repeating: 1)
        p = p * r + V8(repeating: 1)
        let scale = unsafeBitCast(unsafeBitCast(shifted, to: SIMD8<Int32>.self) &<< 23, to: V8.self)
        return p * scale
    }

    /// Softmax over `count` values in place.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let scale = V(repeating: 1 / exponentiate(x, count: count))
        var i = 0
        while i &+ 16 <= count {
            store(load(x + i) * scale, x + i)
            i &+= 16
        }
        while i < count {
            x[i] *= scale[0]
            i &+= 1
        }
    }

    /// x[i] = e^(x[i] − max x) in place; returns Σ x[i] afterwards — a softmax without its
    /// final division, for callers that can divide something shorter instead.
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var i = 0
        var top = V(repeating: -.infinity)
        while i &+ 16 <= count {
            // (`pointwiseMax` and `max()` compile to lane-by-lane code through memory.)
            let v = load(x + i)
            top = top.replacing(with: v, where: v .> top)
            i &+= 16
        }
        var maximum = -Float.infinity
        for lane in 0..<16 where top[lane] > maximum { maximum = top[lane] }
        while i < count {
            maximum = max(maximum, x[i])
            i &+= 1
        }
        let shift = V(repeating: maximum)
        var sums = V()
        i = 0
        while i &+ 16 <= count {
            let e = exp(load(x + i) - shift)
            store(e, x + i)
            sums += e
            i &+= 16
        }
        var sum = horizontalSum(sums)
        while i < count {
            var lane = V(repeating: -.infinity)
            lane[0] = x[i] - maximum
            x[i] = exp(lane)[0]
            sum += x[i]
            i &+= 1
        }
        return sum
    }
}
