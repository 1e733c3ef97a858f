/// Fast Fourier transforms for the log-mel front end, in Double so that the spectrum agrees with
/// numpy's `rfft` (which faster-whisper uses) far below the front end's tolerance.
///
/// `ComplexFFT` is a self-sorting (Stockham) mixed-radix transform: the length is split into
/// factors 4, 2, 3, 5 and any remaining odd primes (a direct DFT for those), and each stage reads
/// one buffer and writes the other, so no bit-reversal pass is needed. `RealFFT` transforms `n`
/// real samples (n even) through one complex transform of n/2 points: pack even samples into the
/// real part and odd samples into the imaginary part, then separate the two spectra and combine
/// them with the twiddles e^(-2πik/n). Whisper's 400-point frame is 200 = 4·2·5·5 complex points.
///
/// Forward transforms only, X[k] = Σ x[j]·e^(-2πijk/n), unnormalised.

import Foundation

/// A complex FFT plan of a fixed length; immutable, shareable between threads.
public struct ComplexFFT: Sendable {
    /// One pass: `radix`-point butterflies over sub-transforms of length `span`, `stride` apart.
    struct Stage: Sendable {
        let radix: Int
        let span: Int
        let stride: Int
        let twiddleOffset: Int   // into `twiddles`: (span / radix) × radix complex values
    }

    public let count: Int
    let stages: [Stage]
    let twiddleRe: [Double]   // ω_span^(j·q) for q < span/radix, j < radix, per stage
    let twiddleIm: [Double]

    /// A plan for `count` ≥ 1 points.
    public init?(count: Int) {
        guard count >= 1 else { return nil }
        self.init(validCount: count)
    }

    init(validCount count: Int) {
        self.count = count
        var factors: [Int] = []
        var rest = count
        for radix in [4, 2, 3, 5] { while rest % radix == 0 { factors.append(radix); rest /= radix } }
        var odd = 7
        while rest > 1 {
            while rest % odd == 0 { factors.append(odd); rest /= odd }
            odd += 2
        }
        var stages: [Stage] = []
        var re: [Double] = [], im: [Double] = []
        var span = count, stride = 1
        for radix in factors {
            stages.append(Stage(radix: radix, span: span, stride: stride, twiddleOffset: re.count))
            for q in 0..<(span / radix) {
                for j in 0..<radix {
                    let angle = -2.0 * Double.pi * Double(j * q) / Double(span)
                    re.append(cos(angle)); im.append(sin(angle))
                }
            }
            span /= radix
            stride *= radix
        }
        self.stages = stages
        twiddleRe = re
        twiddleIm = im
    }

    /// Transforms `re`/`im` (each `count` values) in place; `scratch` holds 2·count Doubles.
    public func forward(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>,
                        scratch: UnsafeMutablePointer<Double>) {
        var srcRe = re, srcIm = im
        var dstRe = scratch, dstIm = scratch + count
        twiddleRe.withUnsafeBufferPointer { tre in
            twiddleIm.withUnsafeBufferPointer { tim in
                guard let twr = tre.baseAddress, let twi = tim.baseAddress else { return }
                for stage in stages {
                    Self.pass(stage, srcRe, srcIm, dstRe, dstIm, twr + stage.twiddleOffset,
                              twi + stage.twiddleOffset)
                    swap(&srcRe, &dstRe)
                    swap(&srcIm, &dstIm)
                }
            }
        }
        if srcRe != re {
            re.update(from: srcRe, count: count)
            im.update(from: srcIm, count: count)
        }
    }

    /// One Stockham decimation-in-frequency pass: for each q < m = span/radix and offset s below
    /// the stride, a_k = x[s + stride·(q + m·k)], b_j = Σ_k a_k·ω_radix^(jk), and
    /// y[s + stride·(radix·q + j)] = b_j·ω_span^(jq).
    @inline(__always)
    static func pass(_ stage: Stage, _ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>,
                     _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                     _ twr: UnsafePointer<Double>, _ twi: UnsafePointer<Double>) {
        let p = stage.radix, s = stage.stride, m = stage.span / p
        let inStep = s * m          // between a_k and a_(k+1)
        for q in 0..<m {
            let tr = twr + q * p, ti = twi + q * p
            for o in 0..<s {
                let src = o + s * q
                let dst = o + s * p * q
                switch p {
                case 2: butterfly2(xr, xi, src, inStep, yr, yi, dst, s, tr, ti)
                case 4: butterfly4(xr, xi, src, inStep, yr, yi, dst, s, tr, ti)
                case 3: butterfly3(xr, xi, src, inStep, yr, yi, dst, s, tr, ti)
                case 5: butterfly5(xr, xi, src, inStep, yr, yi, dst, s, tr, ti)
                default: butterflyGeneric(p, xr, xi, src, inStep, yr, yi, dst, s, tr, ti)
                }
            }
        }
    }

    /// Writes b·ω (ω = tr[j] + i·ti[j]) to y[dst + j·step].
    @inline(__always)
    static func store(_ br: Double, _ bi: Double, _ j: Int, _ yr: UnsafeMutablePointer<Double>,
                      _ yi: UnsafeMutablePointer<Double>, _ dst: Int, _ step: Int,
                      _ tr: UnsafePointer<Double>, _ ti: UnsafePointer<Double>) {
        yr[dst + j * step] = br * tr[j] - bi * ti[j]
        yi[dst + j * step] = br * ti[j] + bi * tr[j]
    }

    @inline(__always)
    static func butterfly2(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, _ a: Int,
                           _ d: Int, _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                           _ b: Int, _ e: Int, _ tr: UnsafePointer<Double>, _ ti: UnsafePointer<Double>) {
        let r0 = xr[a], i0 = xi[a], r1 = xr[a + d], i1 = xi[a + d]
        store(r0 + r1, i0 + i1, 0, yr, yi, b, e, tr, ti)
        store(r0 - r1, i0 - i1, 1, yr, yi, b, e, tr, ti)
    }

    @inline(__always)
    static func butterfly4(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, _ a: Int,
                           _ d: Int, _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                           _ b: Int, _ e: Int, _ tr: UnsafePointer<Double>, _ ti: UnsafePointer<Double>) {
        let r0 = xr[a], i0 = xi[a], r1 = xr[a + d], i1 = xi[a + d]
        let r2 = xr[a + 2 * d], i2 = xi[a + 2 * d], r3 = xr[a + 3 * d], i3 = xi[a + 3 * d]
        let sr = r0 + r2, si = i0 + i2, dr = r0 - r2, di = i0 - i2
        let ur = r1 + r3, ui = i1 + i3
        let vr = i1 - i3, vi = r3 - r1          // (a1 − a3)·(−i)
        store(sr + ur, si + ui, 0, yr, yi, b, e, tr, ti)
        store(dr + vr, di + vi, 1, yr, yi, b, e, tr, ti)
        store(sr - ur, si - ui, 2, yr, yi, b, e, tr, ti)
        store(dr - vr, di - vi, 3, yr, yi, b, e, tr, ti)
    }

    @inline(__always)
    static func butterfly3(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, _ a: Int,
                           _ d: Int, _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                           _ b: Int, _ e: Int, _ tr: UnsafePointer<Double>, _ ti: UnsafePointer<Double>) {
        let s3 = 0.866_025_403_784_438_6   // sin(2π/3)
        let r0 = xr[a], i0 = xi[a], r1 = xr[a + d], i1 = xi[a + d], r2 = xr[a + 2 * d], i2 = xi[a + 2 * d]
        let pr = r1 + r2, pi = i1 + i2, qr = r1 - r2, qi = i1 - i2
        let mr = r0 - 0.5 * pr, mi = i0 - 0.5 * pi
        store(r0 + pr, i0 + pi, 0, yr, yi, b, e, tr, ti)
        store(mr + s3 * qi, mi - s3 * qr, 1, yr, yi, b, e, tr, ti)
        store(mr - s3 * qi, mi + s3 * qr, 2, yr, yi, b, e, tr, ti)
    }

    @inline(__always)
    static func butterfly5(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, _ a: Int,
                           _ d: Int, _ yr: UnsafeMutablePointer<Double>, _ yi: UnsafeMutablePointer<Double>,
                           _ b: Int, _ e: Int, _ tr: UnsafePointer<Double>, _ ti: UnsafePointer<Double>) {
        let c1 = 0.309_016_994_374_947_45, c2 = -0.809_016_994_374_947_5     // cos 2π/5, cos 4π/5
        let s1 = 0.951_056_516_295_153_5, s2 = 0.587_785_252_292_473_1       // sin 2π/5, sin 4π/5
        let r0 = xr[a], i0 = xi[a]
        let r1 = xr[a + d], i1 = xi[a + d], r2 = xr[a + 2 * d], i2 = xi[a + 2 * d]
        let r3 = xr[a + 3 * d], i3 = xi[a + 3 * d], r4 = xr[a + 4 * d], i4 = xi[a + 4 * d]
        let t1r = r1 + r4, t1i = i1 + i4, t2r = r2 + r3, t2i = i2 + i3
        let t3r = r1 - r4, t3i = i1 - i4, t4r = r2 - r3, t4i = i2 - i3
        let m1r = r0 + c1 * t1r + c2 * t2r, m1i = i0 + c1 * t1i + c2 * t2i
        let m2r = r0 + c2 * t1r + c1 * t2r, m2i = i0 + c2 * t1i + c1 * t2i
        let n1r = s1 * t3r + s2 * t4r, n1i = s1 * t3i + s2 * t4i
        let n2r = s2 * t3r - s1 * t4r, n2i = s2 * t3i - s1 * t4i
        store(r0 + t1r + t2r, i0 + t1i + t2i, 0, yr, yi, b, e, tr, ti)
        store(m1r + n1i, m1i - n1r, 1, yr, yi, b, e, tr, ti)   // m1 − i·n1
        store(m2r + n2i, m2i - n2r, 2, yr, yi, b, e, tr, ti)
        store(m2r - n2i, m2i + n2r, 3, yr, yi, b, e, tr, ti)   // m2 + i·n2
        store(m1r - n1i, m1i + n1r, 4, yr, yi, b, e, tr, ti)
    }

    /// A direct DFT of an odd prime radix (7, 11, …); only lengths with such factors use it.
    static func butterflyGeneric(_ p: Int, _ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>,
                                 _ a: Int, _ d: Int, _ yr: UnsafeMutablePointer<Double>,
                                 _ yi: UnsafeMutablePointer<Double>, _ b: Int, _ e: Int,
                                 _ tr: UnsafePointer<Double>, _ ti: UnsafePointer<Double>) {
        for j in 0..<p {
            var sr = 0.0, si = 0.0
            for k in 0..<p {
                let angle = -2.0 * Double.pi * Double((j * k) % p) / Double(p)
                let c = cos(angle), s = sin(angle)
                let r = xr[a + k * d], i = xi[a + k * d]
                sr += r * c - i * s
                si += r * s + i * c
            }
            store(sr, si, j, yr, yi, b, e, tr, ti)
        }
    }
}

/// A real-input FFT plan of an even length `count`: bins 0…count/2 of the spectrum.
public struct RealFFT: Sendable {
    public let count: Int
    let half: ComplexFFT
    let rotationRe: [Double]   // e^(-2πik/count), k = 0…count/2
    let rotationIm: [Double]

    /// Doubles of scratch `forward` needs.
    public var scratchCount: Int { 2 * count }

    /// A plan for an even `count` ≥ 2.
    public init?(count: Int) {
        guard count >= 2, count % 2 == 0 else { return nil }
        self.init(evenCount: count)
    }

    /// A plan for a length the caller knows is even and ≥ 2.
    init(evenCount count: Int) {
        self.count = count
        half = ComplexFFT(validCount: max(1, count / 2))
        rotationRe = (0...count / 2).map { cos(-2.0 * Double.pi * Double($0) / Double(count)) }
        rotationIm = (0...count / 2).map { sin(-2.0 * Double.pi * Double($0) / Double(count)) }
    }

    /// The spectrum of x[j]·window[j] (the product rounded to Float first, as numpy does for
    /// float32 frames) into `re`/`im`, count/2 + 1 values each. `scratch` holds `scratchCount`.
    public func forward(_ x: UnsafePointer<Float>, window: UnsafePointer<Float>?,
                        re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>,
                        scratch: UnsafeMutablePointer<Double>) {
        let h = count / 2
        let zr = scratch, zi = scratch + h
        if let w = window {
            for j in 0..<h {
                zr[j] = Double(x[2 * j] * w[2 * j])
                zi[j] = Double(x[2 * j + 1] * w[2 * j + 1])
            }
        } else {
            for j in 0..<h { zr[j] = Double(x[2 * j]); zi[j] = Double(x[2 * j + 1]) }
        }
        half.forward(re: zr, im: zi, scratch: scratch + 2 * h)
        rotationRe.withUnsafeBufferPointer { cr in
            rotationIm.withUnsafeBufferPointer { ci in
                for k in 0...h {
                    let a = k == h ? 0 : k, b = k == 0 ? 0 : h - k
                    let ar = zr[a], ai = zi[a], br = zr[b], bi = -zi[b]      // Z[k], conj(Z[h−k])
                    let er = 0.5 * (ar + br), ei = 0.5 * (ai + bi)           // spectrum of the evens
                    let or = 0.5 * (ai - bi), oi = -0.5 * (ar - br)          // of the odds: (Z − Z*)/2i
                    re[k] = er + cr[k] * or - ci[k] * oi
                    im[k] = ei + cr[k] * oi + ci[k] * or
                }
            }
        }
    }

    /// Convenience for tests and one-off use: the spectrum of `x`, nil unless it has `count` values.
    public func forward(_ x: [Float]) -> (re: [Double], im: [Double])? {
        guard x.count == count else { return nil }
        var re = [Double](repeating: 0, count: count / 2 + 1)
        var im = re
        var scratch = [Double](repeating: 0, count: scratchCount)
        x.withUnsafeBufferPointer { xp in
            re.withUnsafeMutableBufferPointer { rp in
                im.withUnsafeMutableBufferPointer { ip in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        guard let x0 = xp.baseAddress, let r0 = rp.baseAddress, let i0 = ip.baseAddress,
                              let s0 = sp.baseAddress else { return }
                        forward(x0, window: nil, re: r0, im: i0, scratch: s0)
                    }
                }
            }
        }
        return (re, im)
    }
}
