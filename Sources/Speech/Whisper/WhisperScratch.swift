/// Every buffer the Whisper network needs, allocated once when the model is loaded so that
/// neither a window's encoding nor a decoded token allocates. Sizes for tiny.en in comments
/// (n = 1500 positions, d = 384, f = 1536, L = 4 decoder layers, T = 448 text positions).
final class WhisperScratch {
    // Encoder, many positions at once.
    let columns: UnsafeMutablePointer<Float>   // max(3000 × 80·3, n × d·3, n × 3d): im2col rows, then q|k|v
    let hidden: UnsafeMutablePointer<Float>    // max(3000 × d, n × f, n × 2d): conv1 out, MLP hidden, cross k|v
    let residual: UnsafeMutablePointer<Float>  // [n × d]
    let normed: UnsafeMutablePointer<Float>    // [n × d]: layer-norm output, attention output, encoder output
    // Cross-attention keys [L][heads][headDim][n] (transposed) and values [L][heads][n][headDim],
    // once per window: each head's 1500 keys and values are one contiguous stream. A short
    // window packs its `crossPositions` < n the same way (stride `crossPositions`, not n), so
    // the decoder's cross-attention reads them as one contiguous stream too.
    private let crossKeyStore: UnsafeMutablePointer<Float>
    private let crossValueStore: UnsafeMutablePointer<Float>
    // Decoder self-attention cache: [L][T][d] each.
    private let selfKeyStore: UnsafeMutablePointer<Float>
    private let selfValueStore: UnsafeMutablePointer<Float>
    // Decoder, one token.
    let token: UnsafeMutablePointer<Float>           // [d] the residual stream
    let tokenNormed: UnsafeMutablePointer<Float>     // [d]
    let tokenQKV: UnsafeMutablePointer<Float>        // [3d]; also the cross-attention query
    let tokenAttended: UnsafeMutablePointer<Float>   // [d]
    let tokenProjected: UnsafeMutablePointer<Float>  // [d]
    let tokenHidden: UnsafeMutablePointer<Float>     // [f]
    let scores: UnsafeMutablePointer<Float>          // [heads × max(n, T)]
    let logits: UnsafeMutablePointer<Float>          // [vocab]
    /// Encoder positions of the window whose cross keys and values are stored (n for the full
    /// window).
    private(set) var crossPositions: Int
    private let dims: WhisperDimensions
    private var owned: [UnsafeMutablePointer<Float>] = []

    init(_ dims: WhisperDimensions) {
        self.dims = dims
        crossPositions = dims.audioContext
        let n = dims.audioContext, d = dims.width, f = dims.feedForward, frames = dims.melFrames
        let layers = dims.decoderLayers, t = dims.textContext
        var owned: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            owned.append(p)
            return p
        }
        columns = buffer(max(frames * dims.melBins * 3, n * d * 3))
        hidden = buffer(max(frames * d, n * f, n * 2 * d))
        residual = buffer(n * d)
        normed = buffer(n * d)
        crossKeyStore = buffer(layers * n * d)
        crossValueStore = buffer(layers * n * d)
        selfKeyStore = buffer(layers * t * d)
        selfValueStore = buffer(layers * t * d)
        token = buffer(d)
        tokenNormed = buffer(d)
        tokenQKV = buffer(3 * d)
        tokenAttended = buffer(d)
        tokenProjected = buffer(d)
        tokenHidden = buffer(f)
        scores = buffer(dims.heads * max(n, t))
        logits = buffer(dims.vocabularySize)
        self.owned = owned
    }

    deinit { owned.forEach { $0.deallocate() } }

    func crossKeys(_ layer: Int) -> UnsafePointer<Float> {
        UnsafePointer(crossKeyStore + layer * dims.audioContext * dims.width)
    }

    func crossValues(_ layer: Int) -> UnsafePointer<Float> {
        UnsafePointer(crossValueStore + layer * dims.audioContext * dims.width)
    }

    func selfKeys(_ layer: Int) -> UnsafePointer<Float> {
        UnsafePointer(selfKeyStore + layer * dims.textContext * dims.width)
    }

    func selfValues(_ layer: Int) -> UnsafePointer<Float> {
        UnsafePointer(selfValueStore + layer * dims.textContext * dims.width)
    }

    /// Splits one layer's fused cross projection [n][keys d | values d] by head: keys
    /// transposed to [heads][headDim][n], values to [heads][n][headDim], for the `n` ≤
    /// audioContext positions of the window just encoded (every layer of a window has the same n).
    func storeCrossKeysValues(layer: Int, positions n: Int, from keyValue: UnsafePointer<Float>) {
        precondition(n > 0 && n <= dims.audioContext, "\(n) cross-attention positions")
        crossPositions = n
        let d = dims.width, hd = dims.headDimension, layerSize = dims.audioContext * d
        let keys = crossKeyStore + layer * layerSize, values = crossValueStore + layer * layerSize
        for p in 0..<n {
            let row = keyValue + p * 2 * d
            for head in 0..<dims.heads {
                for i in 0..<hd { keys[(head * hd + i) * n + p] = row[head * hd + i] }
                (values + (head * n + p) * hd).update(from: row + d + head * hd, count: hd)
            }
        }
    }

    /// Writes the key and value parts of a token's fused q|k|v to the cache at `position`.
    func storeSelfKeyValue(layer: Int, position: Int, from qkv: UnsafePointer<Float>) {
        let d = dims.width, offset = (layer * dims.textContext + position) * d
        (selfKeyStore + offset).update(from: qkv + d, count: d)
        (selfValueStore + offset).update(from: qkv + 2 * d, count: d)
    }
}
