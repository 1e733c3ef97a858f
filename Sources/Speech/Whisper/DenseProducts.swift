import LLMKernels

// The two dense products that are not packed-panel products (PackedProjection.swift):
// `WhisperGEMM`, activations × activations in the encoder's attention, and `HalfMatVec`, one
// token × a mapped fp16 matrix in the decoder.

// A small Float32 matrix product for the encoder's attention (Q·Kᵀ and P·V over 1500
// positions), where both operands are activations and LLMKernels' weight-matrix products do
// not apply.
//
// C[i][j] = Σ_p A[i][p] · B[p][j], row-major operands with their own row strides. The inner
// kernel keeps a 6 × 16 block of C in twelve 8-lane registers: per step of p it loads two
// vectors of B's row p, broadcasts six elements of A's column p, and issues twelve fused
// multiply-adds — the classic shape for sixteen 256-bit registers (x86-64-v3). Rows left over
// after the sixes go through a one-row kernel; columns past the last multiple of 16 through a
// scalar loop.

enum WhisperGEMM {
    typealias V8 = SIMD8<Float>

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(p).loadUnaligned(as: V8.self) }

    @inline(__always)
    private static func store8(_ v: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self)
    }

    /// C (m × n, stride ldc) = A (m × k, stride lda) · B (k × n, stride ldb), times `scale`.
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                         scale: Float = 1) {
        let wide = n & ~15
        // Columns outside, rows inside: a 16-column strip of B (k × 64 bytes) stays in L1
        // while every row block of A passes it.
        var j = 0
        while j < wide {
            var i = 0
            while i &+ 6 <= m {
                block6x16(k: k, a: a + i &* lda, lda: lda, b: b + j, ldb: ldb, c: c + (i &* ldc &+ j), ldc: ldc,
                          scale: scale)
                i &+= 6
            }
            while i < m {
                block1x16(k: k, a: a + i &* lda, b: b + j, ldb: ldb, c: c + (i &* ldc &+ j), scale: scale)
                i &+= 1
            }
            j &+= 16
        }
        if wide < n {
            for r in 0..<m {
                for col in wide..<n {
                    var sum: Float = 0
                    for p in 0..<k { sum = sum.addingProduct(a[r &* lda &+ p], b[p &* ldb &+ col]) }
                    c[r &* ldc &+ col] = sum * scale
                }
            }
        }
    }

    @inline(__always)
    private static func block6x16(k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                  c: UnsafeMutablePointer<Float>, ldc: Int, scale: Float) {
        var c00 = V8(), c01 = V8(), c10 = V8(), c11 = V8(), c20 = V8(), c21 = V8()
        var c30 = V8(), c31 = V8(), c40 = V8(), c41 = V8(), c50 = V8(), c51 = V8()
        let a0 = a, a1 = a + lda, a2 = a + 2 &* lda, a3 = a + 3 &* lda, a4 = a + 4 &* lda, a5 = a + 5 &* lda
        var row = b
        for p in 0..<k {
            let b0 = load8(row), b1 = load8(row + 8)
            var s = V8(repeating: a0[p])
            c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V8(repeating: a1[p])
            c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V8(repeating: a2[p])
            c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V8(repeating: a3[p])
            c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V8(repeating: a4[p])
            c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V8(repeating: a5[p])
            c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            row += ldb
        }
        let f = V8(repeating: scale)
        store8(c00 * f, c); store8(c01 * f, c + 8)
        store8(c10 * f, c + ldc); store8(c11 * f, c + (ldc &+ 8))
        store8(c20 * f, c + 2 &* ldc); store8(c21 * f, c + (2 &* ldc &+ 8))
        store8(c30 * f, c + 3 &* ldc); store8(c31 * f, c + (3 &* ldc &+ 8))
        store8(c40 * f, c + 4 &* ldc); store8(c41 * f, c + (4 &* ldc &+ 8))
        store8(c50 * f, c + 5 &* ldc); store8(c51 * f, c + (5 &* ldc &+ 8))
    }

    @inline(__always)
    private static func block1x16(k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                                  c: UnsafeMutablePointer<Float>, scale: Float) {
        var c0 = V8(), c1 = V8()
        var row = b
        for p in 0..<k {
            let s = V8(repeating: a[p])
            c0 = c0.addingProduct(s, load8(row)); c1 = c1.addingProduct(s, load8(row + 8))
            row += ldb
        }
        store8(c0 * scale, c); store8(c1 * scale, c + 8)
    }
}

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
