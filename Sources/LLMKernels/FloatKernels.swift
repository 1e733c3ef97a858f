// Swift SIMD mat-mul for F32 / F16 / BF16 weights with float activations.
//
// One weight row at a time against up to 4 tokens. A single row keeps the weight reads one
// sequential stream: several short rows read side by side defeat the hardware prefetchers
// (measured in the C kernels: 4 interleaved 1–2 KB rows stream at half the bandwidth of 1).
// Each widened weight vector is reused for every token of the tile (prefill), and every
// output keeps two SIMD8 accumulators (even and odd groups of 8 columns) for two independent
// FMA chains. Each output is computed the same way whatever tile it falls in — the same two
// accumulators, the same tree reduction, then the scalar tail — so results do not depend on
// how rows and tokens are split across threads.

enum FloatKernels {
    /// y[t × w.rows + r] for r in `rows`, t in `tokens`; activation row t at `x + t × w.columns`.
    @inline(__always)
    static func multiply<F: FloatRowFormat>(_ format: F.Type, _ w: WeightMatrix, _ x: UnsafePointer<Float>,
                                            rows: Range<Int>, tokens: Range<Int>,
                                            into y: UnsafeMutablePointer<Float>) {
        let n = w.columns
        for r in rows {
            let row = w.row(r)
            var t = tokens.lowerBound
            while t &+ 4 <= tokens.upperBound {
                tile4(F.self, row, x + t &* n, n, y + (t &* w.rows &+ r), w.rows)
                t &+= 4
            }
            while t < tokens.upperBound {
                y[t &* w.rows &+ r] = single(F.self, row, x + t &* n, n)
                t &+= 1
            }
        }
    }

    /// One row against one token.
    @inline(__always)
    private static func single<F: FloatRowFormat>(_: F.Type, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>,
                                                  _ n: Int) -> Float {
        let p = UnsafeRawPointer(x)
        var even = SIMD8<Float>(), odd = SIMD8<Float>()
        var c = 0
        while c &+ 16 <= n {
            even = even.addingProduct(F.load8(row, c), p.loadUnaligned(fromByteOffset: c &* 4, as: SIMD8<Float>.self))
            odd = odd.addingProduct(F.load8(row, c &+ 8), p.loadUnaligned(fromByteOffset: (c &+ 8) &* 4, as: SIMD8<Float>.self))
            c &+= 16
        }
        return finish(F.self, even, odd, row, x, from: c, to: n)
    }

    /// One row against four consecutive tokens (activation rows `n` apart, outputs `yStride` apart).
    @inline(__always)
    private static func tile4<F: FloatRowFormat>(_: F.Type, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>,
                                                 _ n: Int, _ y: UnsafeMutablePointer<Float>, _ yStride: Int) {
        let p0 = UnsafeRawPointer(x), p1 = UnsafeRawPointer(x + n)
        let p2 = UnsafeRawPointer(x + 2 &* n), p3 = UnsafeRawPointer(x + 3 &* n)
        var e0 = SIMD8<Float>(), e1 = SIMD8<Float>(), e2 = SIMD8<Float>(), e3 = SIMD8<Float>()
        var o0 = SIMD8<Float>(), o1 = SIMD8<Float>(), o2 = SIMD8<Float>(), o3 = SIMD8<Float>()
        var c = 0
        while c &+ 16 <= n {
            let a = F.load8(row, c), b = F.load8(row, c &+ 8)
            let lo = c &* 4, hi = (c &+ 8) &* 4
            e0 = e0.addingProduct(a, p0.loadUnaligned(fromByteOffset: lo, as: SIMD8<Float>.self))
            o0 = o0.addingProduct(b, p0.loadUnaligned(fromByteOffset: hi, as: SIMD8<Float>.self))
            e1 = e1.addingProduct(a, p1.loadUnaligned(fromByteOffset: lo, as: SIMD8<Float>.self))
            o1 = o1.addingProduct(b, p1.loadUnaligned(fromByteOffset: hi, as: SIMD8<Float>.self))
            e2 = e2.addingProduct(a, p2.loadUnaligned(fromByteOffset: lo, as: SIMD8<Float>.self))
            o2 = o2.addingProduct(b, p2.loadUnaligned(fromByteOffset: hi, as: SIMD8<Float>.self))
            e3 = e3.addingProduct(a, p3.loadUnaligned(fromByteOffset: lo, as: SIMD8<Float>.self))
            o3 = o3.addingProduct(b, p3.loadUnaligned(fromByteOffset: hi, as: SIMD8<Float>.self))
            c &+= 16
        }
        y[0] = finish(F.self, e0, o0, row, x, from: c, to: n)
        y[yStride] = finish(F.self, e1, o1, row, x + n, from: c, to: n)
        y[2 &* yStride] = finish(F.self, e2, o2, row, x + 2 &* n, from: c, to: n)
        y[3 &* yStride] = finish(F.self, e3, o3, row, x + 3 &* n, from: c, to: n)
    }

    /// Tree-reduces the two accumulators, then adds the columns `from..<to` that did not
    /// fill a pair of vectors.
    @inline(__always)
    private static func finish<F: FloatRowFormat>(_: F.Type, _ even: SIMD8<Float>, _ odd: SIMD8<Float>,
                                                  _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>,
                                                  from c: Int, to n: Int) -> Float {
        let s8 = even + odd
        let s4 = s8.lowHalf + s8.highHalf
        let s2 = s4.lowHalf + s4.highHalf
        var sum = s2[0] + s2[1]
        var i = c
        while i < n {
            sum = sum.addingProduct(F.load1(row, i), x[i])
            i &+= 1
        }
        return sum
    }
}
