import Foundation
import GGUF
import LLMKernels
import LLMTokenizers

/// Gemma 3 (`gemma3`): like llama but with embeddings scaled by √d, RMS-normed queries and
/// keys, a norm after attention and after the feed-forward as well as before, a GELU-gated
/// feed-forward, and sliding-window attention on five of every six layers (the sixth is
/// global). Local layers rotate with base 10 000, global ones with the metadata base. The
/// query is scaled by 1/√key_length before attention, as llama.cpp does, so the Float16
/// rounding of the query sees the scaled value. Norm weights in Gemma GGUFs already include
/// Gemma's "+1", so every norm is a plain RMSNorm.
///
/// Shapes (d = embeddingLength, q = heads·headDim, kv = kvHeads·headDim, f = feedForwardLength):
/// token_embd [vocab × d]; per block attn_norm [d], attn_q [q × d], attn_k [kv × d],
/// attn_v [kv × d], attn_q_norm [headDim], attn_k_norm [headDim], attn_output [d × q],
/// post_attention_norm [d], ffn_norm [d], ffn_gate [f × d], ffn_up [f × d], ffn_down [d × f],
/// post_ffw_norm [d]; output_norm [d]; output tied to token_embd unless present.
public final class Gemma3Model: LanguageModel {
    struct Block {
        let attentionNorm, queryNorm, keyNorm, postAttentionNorm: UnsafePointer<Float>
        let query, key, value, attentionOutput: WeightMatrix
        let feedForwardNorm, postFeedForwardNorm: UnsafePointer<Float>
        let gate, up, down: WeightMatrix
        let isLocal: Bool
    }

    public let config: TransformerConfig
    public let contextWindow: Int
    public let slidingWindow: Int
    public var vocabularySize: Int { config.vocabularySize }
    public var cachedTokens: [TokenID] { cache.tokens }

    private let storage: WeightStorage
    private let tokenEmbedding: WeightMatrix
    private let blocks: [Block]
    private let outputNorm: UnsafePointer<Float>
    private let output: WeightMatrix
    private let cache: KVCache
    private let localRope: RotaryEmbedding
    private let globalRope: RotaryEmbedding
    private let attention: GroupedQueryAttention
    private let queryScale: Float
    private let embeddingScale: Float
    private let pool: ThreadPool
    private let scratch: ForwardScratch

    /// Every sixth layer (5, 11, 17, …) attends globally; the rest use the sliding window.
    static let layerPattern = 6
    static let localRopeBase: Float = 10_000

    public init(file: GGUFFile, config: TransformerConfig, contextWindow: Int, pool: ThreadPool,
                repackWeights: Bool = true) throws(EngineError) {
        self.config = config
        self.pool = pool
        let window = min(contextWindow, config.trainedContextLength)
        self.contextWindow = window
        let reader = MetadataReader(file: file, prefix: config.architecture)
        slidingWindow = try reader.positive("attention.sliding_window", default: window)
        let storage = WeightStorage(file: file, privateCopies: repackWeights)
        self.storage = storage
        let weights = WeightLoader(file: file, storage: storage)
        let d = config.embeddingLength
        let head = config.headDimension
        tokenEmbedding = try weights.matrix("token_embd.weight", rows: config.vocabularySize, columns: d)
        outputNorm = try weights.vector("output_norm.weight", count: d)
        output = file.tensor(named: "output.weight") != nil
            ? try weights.projection("output.weight", rows: config.vocabularySize, columns: d) : tokenEmbedding
        var blocks: [Block] = []
        for i in 0..<config.blockCount {
            let p = "blk.\(i)."
            blocks.append(Block(
                attentionNorm: try weights.vector(p + "attn_norm.weight", count: d),
                queryNorm: try weights.vector(p + "attn_q_norm.weight", count: head),
                keyNorm: try weights.vector(p + "attn_k_norm.weight", count: head),
                postAttentionNorm: try weights.vector(p + "post_attention_norm.weight", count: d),
                query: try weights.projection(p + "attn_q.weight", rows: config.queryWidth, columns: d),
                key: try weights.projection(p + "attn_k.weight", rows: config.keyValueWidth, columns: d),
                value: try weights.projection(p + "attn_v.weight", rows: config.keyValueWidth, columns: d),
                attentionOutput: try weights.projection(p + "attn_output.weight", rows: d, columns: config.queryWidth),
                feedForwardNorm: try weights.vector(p + "ffn_norm.weight", count: d),
                postFeedForwardNorm: try weights.vector(p + "post_ffw_norm.weight", count: d),
                gate: try weights.projection(p + "ffn_gate.weight", rows: config.feedForwardLength, columns: d),
                up: try weights.projection(p + "ffn_up.weight", rows: config.feedForwardLength, columns: d),
                down: try weights.projection(p + "ffn_down.weight", rows: d, columns: config.feedForwardLength),
                isLocal: i % Self.layerPattern < Self.layerPattern - 1))
        }
        self.blocks = blocks
        cache = KVCache(layers: config.blockCount, capacity: window, rowWidth: config.keyValueWidth)
        localRope = RotaryEmbedding(dimensions: config.ropeDimensions, base: Self.localRopeBase, layout: .halves)
        globalRope = RotaryEmbedding(dimensions: config.ropeDimensions, base: config.ropeBase, layout: .halves)
        attention = GroupedQueryAttention(headCount: config.headCount, keyValueHeadCount: config.keyValueHeadCount,
                                          headDimension: head, scale: 1)
        queryScale = 1 / Float(head).squareRoot()
        embeddingScale = Float(d).squareRoot()
        scratch = ForwardScratch(config: config, batch: LlamaModel.batchLimit)

        storage.promoteToHugePages()   // weights are final (repacked): huge pages from here on
    }

    public func resetCache() { cache.reset() }

    public func truncateCache(to count: Int) { cache.truncate(to: count) }

    public func forward(_ tokens: [TokenID]) throws(EngineError) -> UnsafeBufferPointer<Float> {
        try cache.inBatches(tokens, limit: LlamaModel.batchLimit, vocabularySize: config.vocabularySize) { batch, isLast in
            runBatch(batch, lastBatch: isLast)
        }
        return UnsafeBufferPointer(start: scratch.logits, count: config.vocabularySize)
    }

    private func runBatch(_ tokens: UnsafeBufferPointer<TokenID>, lastBatch: Bool) {
        let n = tokens.count
        let d = config.embeddingLength
        let head = config.headDimension
        let eps = config.normEpsilon
        let s = scratch
        let firstPosition = cache.positionCount
        for (t, token) in tokens.enumerated() {
            let row = s.residual + t * d
            Dequantize.row(tokenEmbedding, Int(token), into: row)
            for i in 0..<d { row[i] *= embeddingScale }
        }
        let half = s.anglesPerToken
        for t in 0..<n {
            let offset = t * half
            localRope.angles(position: firstPosition + t, cosines: s.cosines + offset, sines: s.sines + offset)
            globalRope.angles(position: firstPosition + t, cosines: s.secondCosines + offset, sines: s.secondSines + offset)
        }
        for (layer, block) in blocks.enumerated() {
            let rope = block.isLocal ? localRope : globalRope
            let cosineTable = block.isLocal ? s.cosines : s.secondCosines
            let sineTable = block.isLocal ? s.sines : s.secondSines
            for t in 0..<n {
                TransformerOps.rmsNorm(s.residual + t * d, weight: block.attentionNorm, count: d,
                                       epsilon: eps, into: s.normed + t * d)
            }
            s.project(s.normed, tokens: n, columns: d, block.query, into: s.query, block.key, into: s.key,
                      block.value, into: s.value, pool: pool)
            for t in 0..<n {
                let q = s.query + t * config.queryWidth
                let k = s.key + t * config.keyValueWidth
                for h in 0..<config.headCount {
                    TransformerOps.rmsNorm(q + h * head, weight: block.queryNorm, count: head, epsilon: eps, into: q + h * head)
                }
                for h in 0..<config.keyValueHeadCount {
                    TransformerOps.rmsNorm(k + h * head, weight: block.keyNorm, count: head, epsilon: eps, into: k + h * head)
                }
                let cosines = cosineTable + t * half, sines = sineTable + t * half
                rope.apply(q, heads: config.headCount, headDimension: head, cosines: cosines, sines: sines)
                rope.apply(k, heads: config.keyValueHeadCount, headDimension: head, cosines: cosines, sines: sines)
                for i in 0..<config.queryWidth { q[i] *= queryScale }
                cache.store(layer: layer, position: firstPosition + t, key: k, value: s.value + t * config.keyValueWidth)
            }
            attention.run(queries: s.query, tokens: n, firstPosition: firstPosition, layer: layer, cache: cache,
                          output: s.attended, pool: pool, window: block.isLocal ? slidingWindow : .max)
            s.project(s.attended, tokens: n, columns: config.queryWidth, block.attentionOutput, into: s.normed, pool: pool)
            for t in 0..<n {
                let row = s.normed + t * d
                TransformerOps.rmsNorm(row, weight: block.postAttentionNorm, count: d, epsilon: eps, into: row)
            }
            TransformerOps.add(s.normed, into: s.residual, count: n * d)

            for t in 0..<n {
                TransformerOps.rmsNorm(s.residual + t * d, weight: block.feedForwardNorm, count: d,
                                       epsilon: eps, into: s.normed + t * d)
            }
            s.project(s.normed, tokens: n, columns: d, block.gate, into: s.gate, block.up, into: s.up, pool: pool)
            TransformerOps.geGLU(gate: s.gate, up: s.up, count: n * config.feedForwardLength)
            s.project(s.gate, tokens: n, columns: config.feedForwardLength, block.down, into: s.normed, pool: pool)
            for t in 0..<n {
                let row = s.normed + t * d
                TransformerOps.rmsNorm(row, weight: block.postFeedForwardNorm, count: d, epsilon: eps, into: row)
            }
            TransformerOps.add(s.normed, into: s.residual, count: n * d)
        }
        cache.commit(tokens)
        guard lastBatch else { return }
        TransformerOps.rmsNorm(s.residual + (n - 1) * d, weight: outputNorm, count: d, epsilon: eps, into: s.normed)
        s.project(s.normed, tokens: 1, columns: d, output, into: s.logits, pool: pool)
    }
}
