import LLMKernels

/// Causal grouped-query attention over the KV cache for a batch of consecutive positions.
///
/// Numerics follow llama.cpp's CPU path with an F16 cache and flash attention off, so greedy
/// decoding stays on the goldens' path bit for bit:
/// - the query is rounded to Float16 before its dot products with the keys, and the softmax
///   weights are rounded to Float16 before they mix the values (llama.cpp converts the second
///   operand of a mat-mul with F16 weights to F16);
/// - the sums run in llama.cpp's order, which depends on the batch: one token goes through
///   `ggml_vec_dot_f16` (four 16-lane accumulators over steps of 64 elements, folded as
///   (a0 + a2) + (a1 + a3)), several tokens through llamafile's tinyBLAS (one 16-lane
///   accumulator); both end in `_mm512_reduce_add_ps`'s order (``TransformerOps/sum16(_:)``);
/// - the softmax is ``TransformerOps/softmax(_:count:)``.
/// Cache position p plays the part of llama.cpp's KV cell p (they coincide until the ring
/// wraps); the masked cells llama.cpp also visits add exact zeros.
struct GroupedQueryAttention {
    let headCount: Int
    let keyValueHeadCount: Int
    let headDimension: Int
    let scale: Float

    /// - Parameters:
    ///   - queries: `[tokens][headCount * headDimension]`, already rotated.
    ///   - output: `[tokens][headCount * headDimension]`.
    ///   - firstPosition: position of token 0; token t is at firstPosition + t.
    ///   - window: a sliding window (Gemma 3's local layers): a query at position p sees only
    ///     positions above p - window.
    func run(queries: UnsafePointer<Float>, tokens: Int, firstPosition: Int, layer: Int,
             cache: KVCache, output: UnsafeMutablePointer<Float>, pool: ThreadPool, window: Int = .max) {
        let newest = firstPosition + tokens - 1
        let oldest = cache.oldestVisible(newestPosition: newest)
        let jobs = tokens * headCount
        // llama.cpp's tinyBLAS takes batches of two or more tokens when the inner length is a
        // multiple of 16; otherwise (and for one token) ggml_vec_dot_f16 does the sums.
        let queryOrder: HeadMath.Order = tokens > 1 && headDimension % 16 == 0 ? .blas : .vecDot
        let valueOrder: HeadMath.Order = tokens > 1 ? .blas : .vecDot
        // A struct rather than a closure: the closure form boxes its context on every call,
        // and this runs once per layer per token.
        pool.parallelFor(jobs, AttentionJob(attention: self, queries: queries, firstPosition: firstPosition,
                                            oldest: oldest, window: window, layer: layer, cache: cache,
                                            queryOrder: queryOrder, valueOrder: valueOrder, output: output))
    }

    /// One (token, head) pair per piece of parallel work.
    private struct AttentionJob: ParallelWork {
        let attention: GroupedQueryAttention
        let queries: UnsafePointer<Float>
        let firstPosition: Int
        let oldest: Int
        let window: Int
        let layer: Int
        let cache: KVCache
        let queryOrder: HeadMath.Order
        let valueOrder: HeadMath.Order
        let output: UnsafeMutablePointer<Float>

        func run(_ job: Int) {
            let heads = attention.headCount
            let d = attention.headDimension
            let token = job / heads
            let head = job % heads
            attention.attendOne(query: queries + token * heads * d + head * d,
                                head: head, from: max(oldest, firstPosition + token - window + 1),
                                through: firstPosition + token, layer: layer,
                                cache: cache, queryOrder: queryOrder, valueOrder: valueOrder,
                                output: output + token * heads * d + head * d)
        }
    }

    @inline(__always)
    fileprivate func attendOne(query: UnsafePointer<Float>, head: Int, from oldest: Int, through newest: Int,
                           layer: Int, cache: KVCache, queryOrder: HeadMath.Order, valueOrder: HeadMath.Order,
                           output: UnsafeMutablePointer<Float>) {
        let group = head / (headCount / keyValueHeadCount)
        let span = newest - oldest + 1
        let d = headDimension
        guard span > 0 else { return }   // unreachable: batches are never longer than the ring
        let slots = valueOrder.slots
        withUnsafeTemporaryAllocation(of: Float.self, capacity: span + d + slots * d) { scratch in
            guard let base = scratch.baseAddress else { return }
            let scores = base
            let q = base + span
            let partial = q + d
            for i in 0..<d { q[i] = Float(Float16(query[i])) }
            for s in 0..<span {
                let key = cache.keyRow(layer: layer, position: oldest + s) + group * d
                scores[s] = HeadMath.dot(q, key, count: d, order: queryOrder) * scale
            }
            TransformerOps.softmax(scores, count: span)
            // Σ_s w_s·v_s[i] for every i at once: slot s % slots keeps the running sum of the
            // positions that share an accumulator lane in llama.cpp's dot over positions.
            partial.initialize(repeating: 0, count: min(slots, span) * d)
            for s in 0..<span {
                let weight = Float(Float16(scores[s]))
                let value = cache.valueRow(layer: layer, position: oldest + s) + group * d
                HeadMath.accumulate(weight, value, into: partial + (s & (slots - 1)) * d, count: d)
            }
            HeadMath.foldSlots(partial, used: min(slots, span), order: valueOrder, count: d, into: output)
        }
    }
}

/// Float32 × Float16 vector steps of attention, in llama.cpp's summation orders.
enum HeadMath {
    /// Which llama.cpp routine's summation order a dot product follows.
    enum Order {
        /// `ggml_vec_dot_f16` (AVX-512): element e goes to accumulator (e % 64) / 16, lane e % 16;
        /// the four accumulators are folded as (a0 + a2) + (a1 + a3), then the 16 lanes; a tail
        /// of fewer than 64 elements is added afterwards in Double.
        case vecDot
        /// llamafile's tinyBLAS F16 GEMM: one 16-lane accumulator, element e in lane e % 16.
        case blas

        /// Accumulator lanes per output: how many running sums a dot over positions keeps
        /// (a power of two).
        var slots: Int { self == .vecDot ? 64 : 16 }
    }

    @inline(__always)
    static func widen(_ v: SIMD16<Float16>) -> SIMD16<Float> {
        // A lane loop rather than the generic SIMD init, which is not reliably inlined
        // (kernels.md §7); this compiles to one vcvtph2ps.
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    @inline(__always)
    private static func load(_ a: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    private static func load(_ b: UnsafePointer<Float16>, _ i: Int) -> SIMD16<Float> {
        widen(UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float16>.self))
    }

    /// Σ a[i]·b[i] in the order `order` (which for `.blas` needs `count` % 16 == 0).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float16>, count: Int, order: Order) -> Float {
        var i = 0
        if order == .blas {
            var acc = SIMD16<Float>()
            while i + 16 <= count {
                acc = acc.addingProduct(load(a, i), load(b, i))
                i += 16
            }
            return TransformerOps.sum16(acc)
        }
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        while i + 64 <= count {
            acc0 = acc0.addingProduct(load(a, i), load(b, i))
            acc1 = acc1.addingProduct(load(a, i + 16), load(b, i + 16))
            acc2 = acc2.addingProduct(load(a, i + 32), load(b, i + 32))
            acc3 = acc3.addingProduct(load(a, i + 48), load(b, i + 48))
            i += 64
        }
        let sum = TransformerOps.sum16((acc0 + acc2) + (acc1 + acc3))
        if i == count { return sum }
        var tail = Double(sum)
        while i < count {
            tail += Double(a[i] * Float(b[i]))
            i += 1
        }
        return Float(tail)
    }

    /// out[i] += w·v[i]
    @inline(__always)
    static func accumulate(_ w: Float, _ v: UnsafePointer<Float16>, into out: UnsafeMutablePointer<Float>, count: Int) {
        let weight = SIMD16<Float>(repeating: w)
        var i = 0
        while i + 16 <= count {
            let raw = UnsafeMutableRawPointer(out + i)
            let current = raw.loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: current.addingProduct(weight, load(v, i)), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            out[i] = out[i].addingProduct(w, Float(v[i]))
            i += 1
        }
    }

    /// output[i] = the running sums partial[0..<used][i] (rows of `count`) folded the way
    /// `dot(_:_:count:order:)` folds its lanes; slots past `used` hold zero.
    @inline(__always)
    static func foldSlots(_ partial: UnsafePointer<Float>, used: Int, order: Order, count d: Int,
                          into output: UnsafeMutablePointer<Float>) {
        // slot(k)[i..<i+16]: running sum k for 16 outputs side by side.
        @inline(__always) func slot(_ k: Int, _ i: Int) -> SIMD16<Float> {
            k < used ? load(partial + k * d, i) : SIMD16<Float>()
        }
        // Lane l of the 16-lane accumulator, for 16 outputs.
        @inline(__always) func lane(_ l: Int, _ i: Int) -> SIMD16<Float> {
            order == .blas ? slot(l, i) : (slot(l, i) + slot(32 + l, i)) + (slot(16 + l, i) + slot(48 + l, i))
        }
        var i = 0
        while i + 16 <= d {
            // sum16 over the lanes, for 16 outputs at once.
            let h0 = lane(0, i) + lane(8, i), h1 = lane(1, i) + lane(9, i)
            let h2 = lane(2, i) + lane(10, i), h3 = lane(3, i) + lane(11, i)
            let h4 = lane(4, i) + lane(12, i), h5 = lane(5, i) + lane(13, i)
            let h6 = lane(6, i) + lane(14, i), h7 = lane(7, i) + lane(15, i)
            let q0 = h0 + h4, q1 = h1 + h5, q2 = h2 + h6, q3 = h3 + h7
            UnsafeMutableRawPointer(output + i).storeBytes(of: (q0 + q2) + (q1 + q3), as: SIMD16<Float>.self)
            i += 16
        }
        while i < d {
            @inline(__always) func s(_ k: Int) -> Float { k < used ? partial[k * d + i] : 0 }
            var lanes = SIMD16<Float>()
            for l in 0..<16 { lanes[l] = order == .blas ? s(l) : (s(l) + s(32 + l)) + (s(16 + l) + s(48 + l)) }
            output[i] = TransformerOps.sum16(lanes)
            i += 1
        }
    }
}
