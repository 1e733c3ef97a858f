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
        withUnsafeTemporaryAllocation(of: Float.self, capacity: span + d) { scratch in
            guard let base = scratch.baseAddress else { return }
            let scores = base
            let q = base + span
            for i in 0..<d { q[i] = Float(Float16(query[i])) }
            for s in 0..<span {
                let key = cache.keyRow(layer: layer, position: oldest + s) + group * d
                var dot: Float = 0
                for i in 0..<d { dot += q[i] * Float(key[i]) }
                scores[s] = dot * scale
            }
            TransformerOps.softmax(scores, count: span)
            for i in 0..<d { output[i] = 0 }
            for s in 0..<span {
                let weight = Float(Float16(scores[s]))
                let value = cache.valueRow(layer: layer, position: oldest + s) + group * d
                for i in 0..<d { output[i] += weight * Float(value[i]) }
            }
        }
    }
}
