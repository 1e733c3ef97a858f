import LLMKernels

/// The encoder's self-attention: every one of the 1500 positions attends to all of them, in
/// each head, softmax(Q·Kᵀ / √64)·V. Unmasked. A short window (``WhisperShortWindow``) runs it
/// over its first `count` positions only, in the same buffers.
///
/// Per head, the keys are first copied transposed ([64][1504], four zero columns so the score
/// rows are whole 16-column strips) and the values contiguous ([1500][64]); then blocks of 24
/// queries go through two ``WhisperGEMM`` products with a softmax between them. The score block
/// (24 × 1504 floats, 141 KB) stays in L2. Work is split over the pool in `lanes`, each with its
/// own score block, taking (head, query block) jobs in turn.
final class EncoderAttention {
    let positions: Int
    let heads: Int
    let headDimension: Int
    /// Columns of a transposed key block: positions rounded up to whole 16-column strips.
    let paddedPositions: Int
    static let queryBlock = 24   // at most 32 (the per-row sums live in a SIMD32)
    let lanes: Int
    private let keys: UnsafeMutablePointer<Float>     // [heads][headDimension][paddedPositions]
    private let values: UnsafeMutablePointer<Float>   // [heads][positions][headDimension]
    private let scores: UnsafeMutablePointer<Float>   // [lanes][queryBlock][paddedPositions]

    init(positions: Int, heads: Int, headDimension: Int, lanes: Int) {
        self.positions = positions
        self.heads = heads
        self.headDimension = headDimension
        self.lanes = lanes
        paddedPositions = (positions + 15) / 16 * 16
        keys = .allocate(capacity: heads * headDimension * paddedPositions)
        keys.initialize(repeating: 0, count: heads * headDimension * paddedPositions)
        values = .allocate(capacity: heads * positions * headDimension)
        scores = .allocate(capacity: lanes * Self.queryBlock * paddedPositions)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
        scores.deallocate()
    }

    /// `qkv` is [count][3 · width] (queries | keys | values, heads side by side in each);
    /// writes [count][width] to `output`. `count` ≤ `positions`; the key and value blocks keep
    /// their full-window strides, so the full window (`count == positions`) computes exactly
    /// what it did before short windows existed.
    func run(qkv: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool) {
        precondition(count > 0 && count <= positions, "\(count) encoder positions of \(positions)")
        pool.parallelFor(heads, Gather(attention: self, qkv: qkv, count: count))
        let blocks = (count + Self.queryBlock - 1) / Self.queryBlock
        pool.parallelFor(lanes, Attend(attention: self, qkv: qkv, output: output, count: count,
                                       jobs: heads * blocks, blocks: blocks))
    }

    /// Copies one head's keys (transposed) and values out of the fused projection.
    private struct Gather: ParallelWork {
        let attention: EncoderAttention
        let qkv: UnsafePointer<Float>
        let count: Int

        func run(_ head: Int) {
            let a = attention, d = a.headDimension, width = a.heads * d, stride = 3 * width
            let keyColumns = a.keys + head * d * a.paddedPositions
            let valueRows = a.values + head * a.positions * d
            for t in 0..<count {
                let key = qkv + t * stride + width + head * d
                for i in 0..<d { keyColumns[i * a.paddedPositions + t] = key[i] }
                (valueRows + t * d).update(from: key + width, count: d)
            }
        }
    }

    /// One lane: every `lanes`-th (head, query block) job.
    private struct Attend: ParallelWork {
        let attention: EncoderAttention
        let qkv: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let count: Int
        let jobs: Int
        let blocks: Int

        func run(_ lane: Int) {
            let a = attention, d = a.headDimension, width = a.heads * d
            let block = a.scores + lane * EncoderAttention.queryBlock * a.paddedPositions
            let scale = 1 / Float(d).squareRoot()
            // Score columns computed: `count` in whole 16-column strips. Columns past `count`
            // (zeros, or keys left by a longer window) are never exponentiated nor summed.
            let columns = (count + 15) / 16 * 16
            var job = lane
            while job < jobs {
                let head = job / blocks, first = (job % blocks) * EncoderAttention.queryBlock
                let rows = min(EncoderAttention.queryBlock, count - first)
                WhisperGEMM.multiply(m: rows, n: columns, k: d,
                                     a: qkv + first * 3 * width + head * d, lda: 3 * width,
                                     b: a.keys + head * d * a.paddedPositions, ldb: a.paddedPositions,
                                     c: block, ldc: a.paddedPositions, scale: scale)
                // Softmax without its division: the 64 outputs of a row are divided by the row's
                // sum instead of its 1500 weights.
                var sums = SIMD32<Float>()
                for i in 0..<rows { sums[i] = WhisperMath.exponentiate(block + i * a.paddedPositions, count: count) }
                let out = output + first * width + head * d
                WhisperGEMM.multiply(m: rows, n: d, k: count, a: block, lda: a.paddedPositions,
                                     b: a.values + head * a.positions * d, ldb: d, c: out, ldc: width)
                for i in 0..<rows {
                    let inverse = 1 / sums[i], row = out + i * width
                    for j in 0..<d { row[j] *= inverse }
                }
                job += a.lanes
            }
        }
    }
}

/// Attention for one decoder query (one new token), per head: over the cached keys and values
/// of the tokens so far (self-attention), or over the encoder's 1500 positions
/// (cross-attention, keys stored transposed so the scores come out of broadcast
/// multiply-adds without horizontal sums).
enum DecoderAttention {
    /// Self-attention of the query at position `count − 1` over cache rows 0..<count.
    /// `keys`/`values` are [positions][width]; `scores` holds at least `count` floats.
    static func selfAttention(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                              count: Int, heads: Int, headDimension d: Int, scores: UnsafeMutablePointer<Float>,
                              output: UnsafeMutablePointer<Float>) {
        let width = heads * d, scale = 1 / Float(d).squareRoot()
        for head in 0..<heads {
            let q = query + head * d
            for j in 0..<count {
                let k = keys + j * width + head * d
                var sum: Float = 0
                for i in 0..<d { sum = sum.addingProduct(q[i], k[i]) }
                scores[j] = sum * scale
            }
            WhisperMath.softmax(scores, count: count)
            let out = output + head * d
            out.initialize(repeating: 0, count: d)
            for j in 0..<count {
                let v = values + j * width + head * d, w = scores[j]
                for i in 0..<d { out[i] = out[i].addingProduct(w, v[i]) }
            }
        }
    }

    /// Cross-attention of one query over `positions` encoder positions, heads spread over the
    /// pool (each head reads its own 768 KB of keys and values: this is memory-bound). `keys` is
    /// [heads][d][positions] (transposed), `values` [heads][positions][d]; `scores` holds
    /// heads × positions floats.
    static func crossAttention(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                               positions: Int, heads: Int, headDimension: Int,
                               scores: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        pool.parallelFor(heads, CrossHead(query: query, keys: keys, values: values, positions: positions,
                                          heads: heads, d: headDimension, scores: scores, output: output))
    }

    private struct CrossHead: ParallelWork {
        let query: UnsafePointer<Float>
        let keys: UnsafePointer<Float>
        let values: UnsafePointer<Float>
        let positions: Int
        let heads: Int
        let d: Int
        let scores: UnsafeMutablePointer<Float>
        let output: UnsafeMutablePointer<Float>

        func run(_ head: Int) {
            let scale = 1 / Float(d).squareRoot()
            let q = query + head * d, columns = keys + head * d * positions, row = scores + head * positions
            row.initialize(repeating: 0, count: positions)
            for i in 0..<d {
                let weight = q[i] * scale, keyRow = columns + i * positions
                for j in 0..<positions { row[j] = row[j].addingProduct(weight, keyRow[j]) }
            }
            WhisperMath.softmax(row, count: positions)
            let out = output + head * d
            out.initialize(repeating: 0, count: d)
            let rows = values + head * positions * d
            for j in 0..<positions {
                let v = rows + j * d, w = row[j]
                for i in 0..<d { out[i] = out[i].addingProduct(w, v[i]) }
            }
        }
    }
}
