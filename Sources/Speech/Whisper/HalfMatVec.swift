import LLMKernels

/// y = W·x (+ b) for one token and a row-major fp16 matrix read in place from the mapped file:
/// the decoder's projections and its 51864-row output layer, every step.
///
/// A mat-vec reads each weight once, so it runs at memory speed; the kernel's job is to keep the
/// loads streaming. One row at a time, with two 8-lane accumulators (even and odd 8-column
/// slices) for independent FMA chains: a single sequential stream. (Four rows side by side,
/// sharing each slice of x, ran at a quarter of the speed here — 8 against 29 GB/s on the
/// output layer — the hardware prefetchers follow one stream far better than four.) Rows are
/// split over the pool in ranges; each output is summed the same way whatever the split.
///
/// (LLMKernels' `MatMul` handles F16 too, but its float path reaches about a quarter of the
/// memory bandwidth here, so the decoder uses this one.)
enum HalfMatVec {
    typealias V8 = SIMD8<Float>

    /// y[r] = Σ_c W[r][c]·x[c] + bias[r] for r < w.rows (`bias` optional).
    static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        precondition(w.type == .f16, "HalfMatVec reads fp16 weights")
        // About 64 KB of weights per piece, at least one piece per thread.
        let pieces = max(pool.threadCount, min(w.rows, w.byteCount / 65_536))
        let work = Rows(w: w, x: x, bias: bias, y: y, pieces: pieces)
        if pieces == 1 { work.run(0) } else { pool.parallelFor(pieces, work) }
    }

    private struct Rows: ParallelWork {
        let w: WeightMatrix
        let x: UnsafePointer<Float>
        let bias: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
        let pieces: Int

        func run(_ piece: Int) {
            let first = w.rows * piece / pieces, end = w.rows * (piece + 1) / pieces
            for r in first..<end { y[r] = HalfMatVec.one(w.row(r), x, w.columns) }
            if let bias { for i in first..<end { y[i] += bias[i] } }
        }
    }

    @inline(__always)
    private static func widen(_ row: UnsafeRawPointer, _ c: Int) -> V8 {
        let h = row.loadUnaligned(fromByteOffset: c &* 2, as: SIMD8<Float16>.self)
        var r = V8()
        for i in 0..<8 { r[i] = Float(h[i]) }   // one vcvtph2ps
        return r
    }

    @inline(__always)
    private static func slice(_ x: UnsafePointer<Float>, _ c: Int) -> V8 {
        UnsafeRawPointer(x + c).loadUnaligned(as: V8.self)
    }

    @inline(__always)
    private static func sum(_ even: V8, _ odd: V8) -> Float {
        let s8 = even + odd
        let s4 = s8.lowHalf + s8.highHalf
        let s2 = s4.lowHalf + s4.highHalf
        return s2[0] + s2[1]
    }

    /// One row.
    @inline(__always)
    private static func one(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var even = V8(), odd = V8()
        var c = 0
        while c &+ 16 <= n {
            even = even.addingProduct(widen(row, c), slice(x, c))
            odd = odd.addingProduct(widen(row, c &+ 8), slice(x, c &+ 8))
            c &+= 16
        }
        return sum(even, odd) + tail(row, x, from: c, to: n)
    }

    /// Columns c..<n that do not fill a 16-wide step.
    @inline(__always)
    private static func tail(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, from c: Int, to n: Int) -> Float {
        var s: Float = 0
        var i = c
        while i < n {
            s = s.addingProduct(Float(row.loadUnaligned(fromByteOffset: i &* 2, as: Float16.self)), x[i])
            i &+= 1
        }
        return s
    }
}
