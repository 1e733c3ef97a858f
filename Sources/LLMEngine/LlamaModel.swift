import GGUF
import LLMKernels
import LLMTokenizers

/// The llama architecture (Llama 2/3, SmolLM2) and Qwen2, which is the same network with
/// biases on the query, key and value projections and NeoX-style rotation: pre-norm blocks of
/// grouped-query attention with rotary positions and a SwiGLU feed-forward, RMSNorm, and an
/// output head that may be tied to the token embeddings. Llama 3's RoPE frequency scaling comes
/// as a `rope_freqs` tensor of per-pair divisors, applied when present.
///
/// Shapes (d = embeddingLength, q = heads·headDim, kv = kvHeads·headDim, f = feedForwardLength):
/// token_embd [vocab × d], per block attn_norm [d], attn_q [q × d], attn_k [kv × d],
/// attn_v [kv × d], attn_output [d × q], ffn_norm [d], ffn_gate [f × d], ffn_up [f × d],
/// ffn_down [d × f]; output_norm [d]; output [vocab × d] or none (tied).
public final class LlamaModel: LanguageModel {
    struct Block {
        let attentionNorm: UnsafePointer<Float>
        let query, key, value, attentionOutput: WeightMatrix
        let queryBias, keyBias, valueBias: UnsafePointer<Float>?   // Qwen2 only
        let feedForwardNorm: UnsafePointer<Float>
        let gate, up, down: WeightMatrix
    }

    public let config: TransformerConfig
    public let contextWindow: Int
    public var vocabularySize: Int { config.vocabularySize }
    public var cachedTokens: [TokenID] { cache.tokens }

    private let storage: WeightStorage  // keeps every weight pointer below valid
    private let tokenEmbedding: WeightMatrix
    private let blocks: [Block]
    private let outputNorm: UnsafePointer<Float>
    private let output: WeightMatrix
    private let cache: KVCache
    private let rope: RotaryEmbedding
    private let attention: GroupedQueryAttention
    private let pool: ThreadPool
    private let scratch: ForwardScratch

    /// Largest number of prompt tokens pushed through one batched forward pass.
    static let batchLimit = 128

    /// - Parameter attentionBiases: true for Qwen2, whose q/k/v projections carry biases.
    public init(file: GGUFFile, config: TransformerConfig, contextWindow: Int, pool: ThreadPool,
                repackWeights: Bool = true, attentionBiases: Bool = false) throws(EngineError) {
        self.config = config
        self.pool = pool
        let window = min(contextWindow, config.trainedContextLength)
        self.contextWindow = window
        let storage = WeightStorage(file: file, privateCopies: repackWeights)
        self.storage = storage
        let weights = WeightLoader(file: file, storage: storage)
        let d = config.embeddingLength
        tokenEmbedding = try weights.matrix("token_embd.weight", rows: config.vocabularySize, columns: d)
        outputNorm = try weights.vector("output_norm.weight", count: d)
        if file.tensor(named: "output.weight") != nil {
            output = try weights.projection("output.weight", rows: config.vocabularySize, columns: d)
        } else {
            output = tokenEmbedding
        }
        var blocks: [Block] = []
        for i in 0..<config.blockCount {
            let p = "blk.\(i)."
            blocks.append(Block(
                attentionNorm: try weights.vector(p + "attn_norm.weight", count: d),
                query: try weights.projection(p + "attn_q.weight", rows: config.queryWidth, columns: d),
                key: try weights.projection(p + "attn_k.weight", rows: config.keyValueWidth, columns: d),
                value: try weights.projection(p + "attn_v.weight", rows: config.keyValueWidth, columns: d),
                attentionOutput: try weights.projection(p + "attn_output.weight", rows: d, columns: config.queryWidth),
                queryBias: attentionBiases ? try weights.vector(p + "attn_q.bias", count: config.queryWidth) : nil,
                keyBias: attentionBiases ? try weights.vector(p + "attn_k.bias", count: config.keyValueWidth) : nil,
                valueBias: attentionBiases ? try weights.vector(p + "attn_v.bias", count: config.keyValueWidth) : nil,
                feedForwardNorm: try weights.vector(p + "ffn_norm.weight", count: d),
                gate: try weights.projection(p + "ffn_gate.weight", rows: config.feedForwardLength, columns: d),
                up: try weights.projection(p + "ffn_up.weight", rows: config.feedForwardLength, columns: d),
                down: try weights.projection(p + "ffn_down.weight", rows: d, columns: config.feedForwardLength)))
        }
        self.blocks = blocks
        cache = KVCache(layers: config.blockCount, capacity: window, rowWidth: config.keyValueWidth)
        var factors: [Float]? = nil
        if file.tensor(named: "rope_freqs.weight") != nil {
            let pointer = try weights.vector("rope_freqs.weight", count: config.ropeDimensions / 2)
            factors = Array(UnsafeBufferPointer(start: pointer, count: config.ropeDimensions / 2))
            guard factors?.allSatisfy({ $0.isFinite && $0 > 0 }) == true else {
                throw .badMetadata(key: "rope_freqs.weight", reason: "must hold positive finite factors")
            }
        }
        rope = RotaryEmbedding(dimensions: config.ropeDimensions, base: config.ropeBase, layout: config.ropeLayout,
                               frequencyFactors: factors)
        attention = GroupedQueryAttention(headCount: config.headCount, keyValueHeadCount: config.keyValueHeadCount,
                                          headDimension: config.headDimension,
                                          scale: 1 / Float(config.headDimension).squareRoot())
        scratch = ForwardScratch(config: config, batch: Self.batchLimit)

        storage.promoteToHugePages()   // weights are final (repacked): huge pages from here on
    }

    public func resetCache() { cache.reset() }

    public func truncateCache(to count: Int) { cache.truncate(to: count) }

    public func forward(_ tokens: [TokenID]) throws(EngineError) -> UnsafeBufferPointer<Float> {
        try cache.inBatches(tokens, limit: Self.batchLimit, vocabularySize: config.vocabularySize) { batch, isLast in
            runBatch(batch, lastBatch: isLast)
        }
        return UnsafeBufferPointer(start: scratch.logits, count: config.vocabularySize)
    }

    /// One batched pass: every weight row is read once for all tokens of the batch.
    private func runBatch(_ tokens: UnsafeBufferPointer<TokenID>, lastBatch: Bool) {
        let n = tokens.count
        let d = config.embeddingLength
        let s = scratch
        let firstPosition = cache.positionCount
        for (t, token) in tokens.enumerated() {
            Dequantize.row(tokenEmbedding, Int(token), into: s.residual + t * d)
        }
        let half = s.anglesPerToken
        for t in 0..<n {
            rope.angles(position: firstPosition + t, cosines: s.cosines + t * half, sines: s.sines + t * half)
        }
        for (layer, block) in blocks.enumerated() {
            for t in 0..<n {
                TransformerOps.rmsNorm(s.residual + t * d, weight: block.attentionNorm, count: d,
                                       epsilon: config.normEpsilon, into: s.normed + t * d)
            }
            s.project(s.normed, tokens: n, columns: d,
                      block.query, into: s.query, block.key, into: s.key, block.value, into: s.value, pool: pool)
            if let bias = block.queryBias { Self.addBias(bias, to: s.query, width: config.queryWidth, tokens: n) }
            if let bias = block.keyBias { Self.addBias(bias, to: s.key, width: config.keyValueWidth, tokens: n) }
            if let bias = block.valueBias { Self.addBias(bias, to: s.value, width: config.keyValueWidth, tokens: n) }
            for t in 0..<n {
                let cosines = s.cosines + t * half, sines = s.sines + t * half
                rope.apply(s.query + t * config.queryWidth, heads: config.headCount,
                           headDimension: config.headDimension, cosines: cosines, sines: sines)
                rope.apply(s.key + t * config.keyValueWidth, heads: config.keyValueHeadCount,
                           headDimension: config.headDimension, cosines: cosines, sines: sines)
                cache.store(layer: layer, position: firstPosition + t,
                            key: s.key + t * config.keyValueWidth, value: s.value + t * config.keyValueWidth)
            }
            attention.run(queries: s.query, tokens: n, firstPosition: firstPosition, layer: layer,
                          cache: cache, output: s.attended, pool: pool)
            s.project(s.attended, tokens: n, columns: config.queryWidth,
                      block.attentionOutput, into: s.normed, pool: pool)
            TransformerOps.add(s.normed, into: s.residual, count: n * d)

            for t in 0..<n {
                TransformerOps.rmsNorm(s.residual + t * d, weight: block.feedForwardNorm, count: d,
                                       epsilon: config.normEpsilon, into: s.normed + t * d)
            }
            s.project(s.normed, tokens: n, columns: d, block.gate, into: s.gate, block.up, into: s.up, pool: pool)
            TransformerOps.swiGLU(gate: s.gate, up: s.up, count: n * config.feedForwardLength)
            s.project(s.gate, tokens: n, columns: config.feedForwardLength, block.down, into: s.normed, pool: pool)
            TransformerOps.add(s.normed, into: s.residual, count: n * d)
        }
        cache.commit(tokens)
        guard lastBatch else { return }
        TransformerOps.rmsNorm(s.residual + (n - 1) * d, weight: outputNorm, count: d,
                               epsilon: config.normEpsilon, into: s.normed)
        s.project(s.normed, tokens: 1, columns: d, output, into: s.logits, pool: pool)
    }

    /// rows[t] += bias for each of `tokens` rows of `width`.
    private static func addBias(_ bias: UnsafePointer<Float>, to rows: UnsafeMutablePointer<Float>, width: Int, tokens: Int) {
        for t in 0..<tokens { TransformerOps.add(bias, into: rows + t * width, count: width) }
    }
}
