import LLMKernels

/// Causal grouped-query attention over the KV cache for a batch of consecutive positions.
///
/// Numerics follow llama.cpp's CPU path with an F16 cache: the query is rounded to Float16
/// before its dot products with the keys, and the softmax weights are rounded to Float16
/// before they mix the values. This keeps greedy decoding on the same path as the goldens.
struct GroupedQueryAttention {
    let headCount: Int
    let keyValueHeadCount: Int
    let headDimension: Int
    let scale: Float

    /// - Parameters:
    ///   - queries: `[tokens][headCount * headDimension]`, already rotated.
    ///   - output: `[tokens][headCount * headDimension]`.
    ///   - firstPosition: position of token 0; token t is at firstPosition + t.
    func run(queries: UnsafePointer<Float>, tokens: Int, firstPosition: Int, layer: Int,
             cache: KVCache, output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let newest = firstPosition + tokens - 1
        let oldest = cache.oldestVisible(newestPosition: newest)
        let jobs = tokens * headCount
        pool.parallelFor(jobs) { job in
            let token = job / headCount
            let head = job % headCount
            attendOne(query: queries + token * headCount * headDimension + head * headDimension,
                      head: head, from: oldest, through: firstPosition + token, layer: layer,
                      cache: cache,
                      output: output + token * headCount * headDimension + head * headDimension)
        }
    }

    @inline(__always)
    private func attendOne(query: UnsafePointer<Float>, head: Int, from oldest: Int, through newest: Int,
                           layer: Int, cache: KVCache, output: UnsafeMutablePointer<Float>) {
        let group = head / (headCount / keyValueHeadCount)
        let span = newest - oldest + 1
        let d = headDimension
        guard span > 0 else { return }   // unreachable: batches are never longer than the ring
        withUnsafeTemporaryAllocation(of: Float.self, capacity: span + d) { scratch in
            guard let base = scratch.baseAddress else { return }
            let scores = base
            let q = base + span
            for i in 0..<d { q[i] = Float(Float16(query[i])) }
            for s in 0..<span {
                let key = cache.keyRow(layer: layer, position: oldest + s) + group * d
                scores[s] = HeadMath.dot(q, key, count: d) * scale
            }
            TransformerOps.softmax(scores, count: span)
            for i in 0..<d { output[i] = 0 }
            for s in 0..<span {
                let weight = Float(Float16(scores[s]))
                let value = cache.valueRow(layer: layer, position: oldest + s) + group * d
                HeadMath.accumulate(weight, value, into: output, count: d)
            }
        }
    }
}

/// Float32 × Float16 vector steps of attention, 16 lanes at a time (one zmm, or two ymm) with
/// a scalar tail, so any head size works and the common ones (64, 128, 256) never hit the tail.
enum HeadMath {
    @inline(__always)
    static func widen(_ v: SIMD16<Float16>) -> SIMD16<Float> {
        // A lane loop rather than the generic SIMD init, which is not reliably inlined
        // (kernels.md §7); this compiles to one vcvtph2ps.
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    /// Σ a[i]·b[i]
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float16>, count: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0 = acc0.addingProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self),
                                      widen(UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float16>.self)))
            acc1 = acc1.addingProduct(UnsafeRawPointer(a + i + 16).loadUnaligned(as: SIMD16<Float>.self),
                                      widen(UnsafeRawPointer(b + i + 16).loadUnaligned(as: SIMD16<Float16>.self)))
            i += 32
        }
        while i + 16 <= count {
            acc0 = acc0.addingProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self),
                                      widen(UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float16>.self)))
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * Float(b[i])
            i += 1
        }
        return sum
    }

    /// out[i] += w·v[i]
    @inline(__always)
    static func accumulate(_ w: Float, _ v: UnsafePointer<Float16>, into out: UnsafeMutablePointer<Float>, count: Int) {
        let weight = SIMD16<Float>(repeating: w)
        var i = 0
        while i + 16 <= count {
            let raw = UnsafeMutableRawPointer(out + i)
            let current = raw.loadUnaligned(as: SIMD16<Float>.self)
            let updated = current.addingProduct(weight, widen(UnsafeRawPointer(v + i).loadUnaligned(as: SIMD16<Float16>.self)))
            raw.storeBytes(of: updated, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            out[i] += w * Float(v[i])
            i += 1
        }
    }
}
