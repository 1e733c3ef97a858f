import LLMKernels

/// The Whisper network (Radford et al. 2022, openai-whisper's `model.py`), as CTranslate2
/// stores it: an audio encoder and a text decoder, both pre-norm transformers.
///
/// Encoder, on one 30-second window of log-mel features [80 × 3000]:
///   conv1 (kernel 3, padding 1) + GELU → [3000 × d]; conv2 (kernel 3, stride 2, padding 1) +
///   GELU → [1500 × d]; + the file's sinusoidal position table; N blocks of
///   x += SelfAttention(LayerNorm(x)); x += MLP(LayerNorm(x)) with MLP = fc2(GELU(fc1(·)));
///   a final LayerNorm. The convolutions are products of the packed [d × (in·3)] kernels with
///   im2col columns; every many-token product is a ``PackedProjection``.
/// Then, once per window, each decoder block's cross-attention keys and values are computed
/// from the encoder output and kept.
///
/// Decoder, one token at a time: x = token embedding + learned position; N blocks of
/// x += SelfAttention(LayerNorm(x)) over a key/value cache; x += CrossAttention(LayerNorm(x));
/// x += MLP(LayerNorm(x)); a final LayerNorm; logits = embedding matrix · x (tied). Its
/// projections are mat-vecs of the mapped fp16 matrices (``HalfMatVec``).
///
/// Not thread-safe: one owner runs encode and decode (the transcriber).
final class WhisperModel {
    struct EncoderBlock {
        let attentionNorm: LayerNormWeights
        let qkv: PackedProjection         // [3d × d]: queries | keys | values
        let attentionOutput: PackedProjection
        let mlpNorm: LayerNormWeights
        let fc1: PackedProjection         // [f × d]
        let fc2: PackedProjection         // [d × f]
    }

    struct DecoderBlock {
        let selfNorm: LayerNormWeights
        let selfQKV: Linear               // [3d × d]
        let selfOutput: Linear
        let crossNorm: LayerNormWeights
        let crossQuery: Linear            // [d × d]
        let crossKeyValue: PackedProjection  // [2d × d], run over the 1500 encoder positions
        let crossOutput: Linear
        let mlpNorm: LayerNormWeights
        let fc1: Linear
        let fc2: Linear
    }

    let dimensions: WhisperDimensions
    private let file: CTranslate2Model   // keeps every mapped weight below valid
    private let pool: ThreadPool
    private let conv1, conv2: PackedProjection
    private let audioPositions: UnsafePointer<Float>    // [1500 × d]
    private let encoderBlocks: [EncoderBlock]
    private let encoderNorm: LayerNormWeights
    private let embedding: WeightMatrix                 // [vocab × d], also the output projection
    private let textPositions: UnsafePointer<Float>     // [448 × d]
    private let decoderBlocks: [DecoderBlock]
    private let decoderNorm: LayerNormWeights
    private let vectors: FloatStore                     // norms, biases and position tables above
    private let scratch: WhisperScratch
    private let attention: EncoderAttention
    /// Tokens fed to the decoder since the last `encode` or `resetDecoder`.
    private(set) var decodedCount = 0
    /// Encoder positions of the last `encode` (audioContext unless it was a short window):
    /// the cross-attention keys and values the decoder attends over.
    var encodedPositions: Int { scratch.crossPositions }

    /// Reads every tensor of `file`, checking names, shapes and types.
    init(file: CTranslate2Model, path: String, pool: ThreadPool) throws(SpeechError) {
        let reader = WhisperWeightReader(model: file, path: path)
        let dims = try reader.dimensions()
        let d = dims.width, f = dims.feedForward
        self.file = file
        self.pool = pool
        dimensions = dims
        conv1 = try reader.packed("encoder/conv1", shape: [d, dims.melBins, 3])
        conv2 = try reader.packed("encoder/conv2", shape: [d, d, 3])
        audioPositions = try reader.vector("encoder/position_encodings/encodings", shape: [dims.audioContext, d])
        var encoderBlocks: [EncoderBlock] = []
        for i in 0..<dims.encoderLayers {
            let p = "encoder/layer_\(i)/"
            encoderBlocks.append(EncoderBlock(
                attentionNorm: try reader.norm(p + "self_attention/layer_norm", width: d),
                qkv: try reader.packed(p + "self_attention/linear_0", shape: [3 * d, d]),
                attentionOutput: try reader.packed(p + "self_attention/linear_1", shape: [d, d]),
                mlpNorm: try reader.norm(p + "ffn/layer_norm", width: d),
                fc1: try reader.packed(p + "ffn/linear_0", shape: [f, d]),
                fc2: try reader.packed(p + "ffn/linear_1", shape: [d, f])))
        }
        self.encoderBlocks = encoderBlocks
        encoderNorm = try reader.norm("encoder/layer_norm", width: d)
        let table = try reader.floatVariable("decoder/embeddings/weight", shape: [dims.vocabularySize, d])
        guard let tableBase = table.bytes.baseAddress,
              let matrix = try? WeightMatrix(type: .f16, rows: dims.vocabularySize, columns: d, data: tableBase)
        else { throw reader.fail("decoder/embeddings/weight is empty") }
        embedding = matrix
        textPositions = try reader.vector("decoder/position_encodings/encodings", shape: [dims.textContext, d])
        var decoderBlocks: [DecoderBlock] = []
        for i in 0..<dims.decoderLayers {
            let p = "decoder/layer_\(i)/"
            decoderBlocks.append(DecoderBlock(
                selfNorm: try reader.norm(p + "self_attention/layer_norm", width: d),
                selfQKV: try reader.linear(p + "self_attention/linear_0", rows: 3 * d, columns: d),
                selfOutput: try reader.linear(p + "self_attention/linear_1", rows: d, columns: d),
                crossNorm: try reader.norm(p + "attention/layer_norm", width: d),
                crossQuery: try reader.linear(p + "attention/linear_0", rows: d, columns: d),
                crossKeyValue: try reader.packed(p + "attention/linear_1", shape: [2 * d, d]),
                crossOutput: try reader.linear(p + "attention/linear_2", rows: d, columns: d),
                mlpNorm: try reader.norm(p + "ffn/layer_norm", width: d),
                fc1: try reader.linear(p + "ffn/linear_0", rows: f, columns: d),
                fc2: try reader.linear(p + "ffn/linear_1", rows: d, columns: f)))
        }
        self.decoderBlocks = decoderBlocks
        decoderNorm = try reader.norm("decoder/layer_norm", width: d)
        vectors = reader.vectors
        scratch = WhisperScratch(dims)
        attention = EncoderAttention(positions: dims.audioContext, heads: dims.heads, headDimension: dims.headDimension,
                                     lanes: 4 * pool.threadCount)
    }

    /// Runs the encoder on one window of log-mel features ([melBins × melFrames], mel-major)
    /// and computes every decoder block's cross-attention keys and values from its output.
    /// The decoder starts over.
    ///
    /// `positions` < audioContext is a short window (``WhisperShortWindow``, whisper.cpp's
    /// `audio_ctx`): only mel frames 0..<2·positions are read (the rows keep their melFrames
    /// stride), the position table's first `positions` rows are added, and the decoder attends
    /// over that many positions. The default is the whole window, as faster-whisper runs it.
    func encode(_ mel: UnsafePointer<Float>, positions: Int? = nil) {
        let dims = dimensions, s = scratch, d = dims.width, stride = dims.melFrames
        let n = positions ?? dims.audioContext, frames = 2 * n
        precondition(n > 0 && n <= dims.audioContext, "\(n) encoder positions")
        // conv1 over the mel bins: column t holds mel[c][t + k − 1] at c·3 + k (zero past
        // `frames`, as past the end of a full window).
        WhisperMath.im2col(rows: frames, channels: dims.melBins, stride: 1, inputRows: frames, into: s.columns) { t, c in
            mel[c * stride + t]
        }
        conv1.multiply(s.columns, tokens: frames, into: s.hidden, ldy: d, .gelu, pool: pool)
        // conv2 with stride 2 over conv1's output [frames × d].
        let conv1Output = UnsafePointer(s.hidden)
        WhisperMath.im2col(rows: n, channels: d, stride: 2, inputRows: frames, into: s.columns) { t, c in
            conv1Output[t * d + c]
        }
        conv2.multiply(s.columns, tokens: n, into: s.residual, ldy: d, .gelu, pool: pool)
        WhisperMath.add(audioPositions, into: s.residual, count: n * d)

        for block in encoderBlocks {
            WhisperMath.layerNorm(s.residual, rows: n, width: d, gamma: block.attentionNorm.gamma,
                                  beta: block.attentionNorm.beta, into: s.normed)
            block.qkv.multiply(s.normed, tokens: n, into: s.columns, ldy: 3 * d, pool: pool)
            attention.run(qkv: s.columns, output: s.normed, count: n, pool: pool)
            block.attentionOutput.multiply(s.normed, tokens: n, into: s.residual, ldy: d, .accumulate, pool: pool)
            WhisperMath.layerNorm(s.residual, rows: n, width: d, gamma: block.mlpNorm.gamma, beta: block.mlpNorm.beta,
                                  into: s.normed)
            block.fc1.multiply(s.normed, tokens: n, into: s.hidden, ldy: dims.feedForward, .gelu, pool: pool)
            block.fc2.multiply(s.hidden, tokens: n, into: s.residual, ldy: d, .accumulate, pool: pool)
        }
        WhisperMath.layerNorm(s.residual, rows: n, width: d, gamma: encoderNorm.gamma, beta: encoderNorm.beta,
                              into: s.normed)

        // Cross-attention keys (stored transposed per head) and values, once per window.
        for (layer, block) in decoderBlocks.enumerated() {
            block.crossKeyValue.multiply(s.normed, tokens: n, into: s.hidden, ldy: 2 * d, pool: pool)
            s.storeCrossKeysValues(layer: layer, positions: n, from: s.hidden)
        }
        resetDecoder()
    }

    /// Forgets the tokens decoded so far; the encoder output stays.
    func resetDecoder() { decodedCount = 0 }

    /// Feeds `token` at the next position and returns the logits ([vocabularySize]) for the
    /// token after it, in scratch the caller may overwrite (until the next call). Allocates nothing.
    func decode(_ token: Int) -> UnsafeMutablePointer<Float> {
        let dims = dimensions, s = scratch, d = dims.width, position = decodedCount
        precondition(position < dims.textContext && token >= 0 && token < dims.vocabularySize,
                     "token \(token) at position \(position) is outside the decoder's range")
        let x = s.token
        Dequantize.row(embedding, token, into: x)
        WhisperMath.add(textPositions + position * d, into: x, count: d)
        for (layer, block) in decoderBlocks.enumerated() {
            WhisperMath.layerNorm(x, rows: 1, width: d, gamma: block.selfNorm.gamma, beta: block.selfNorm.beta,
                                  into: s.tokenNormed)
            project(block.selfQKV, s.tokenNormed, into: s.tokenQKV)
            s.storeSelfKeyValue(layer: layer, position: position, from: s.tokenQKV)
            DecoderAttention.selfAttention(query: s.tokenQKV, keys: s.selfKeys(layer), values: s.selfValues(layer),
                                           count: position + 1, heads: dims.heads, headDimension: dims.headDimension,
                                           scores: s.scores, output: s.tokenAttended)
            project(block.selfOutput, s.tokenAttended, into: s.tokenProjected)
            WhisperMath.add(s.tokenProjected, into: x, count: d)

            WhisperMath.layerNorm(x, rows: 1, width: d, gamma: block.crossNorm.gamma, beta: block.crossNorm.beta,
                                  into: s.tokenNormed)
            project(block.crossQuery, s.tokenNormed, into: s.tokenQKV)
            DecoderAttention.crossAttention(query: s.tokenQKV, keys: s.crossKeys(layer), values: s.crossValues(layer),
                                            positions: encodedPositions, heads: dims.heads,
                                            headDimension: dims.headDimension, scores: s.scores, output: s.tokenAttended,
                                            pool: pool)
            project(block.crossOutput, s.tokenAttended, into: s.tokenProjected)
            WhisperMath.add(s.tokenProjected, into: x, count: d)

            WhisperMath.layerNorm(x, rows: 1, width: d, gamma: block.mlpNorm.gamma, beta: block.mlpNorm.beta,
                                  into: s.tokenNormed)
            project(block.fc1, s.tokenNormed, into: s.tokenHidden)
            WhisperMath.gelu(s.tokenHidden, count: dims.feedForward)
            project(block.fc2, s.tokenHidden, into: s.tokenProjected)
            WhisperMath.add(s.tokenProjected, into: x, count: d)
        }
        WhisperMath.layerNorm(x, rows: 1, width: d, gamma: decoderNorm.gamma, beta: decoderNorm.beta, into: s.tokenNormed)
        HalfMatVec.multiply(embedding, s.tokenNormed, bias: nil, into: s.logits, pool: pool)
        decodedCount += 1
        return s.logits
    }

    /// y = W·x + b for one token.
    private func project(_ linear: Linear, _ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        HalfMatVec.multiply(linear.weight, x, bias: linear.bias, into: y, pool: pool)
    }
}
