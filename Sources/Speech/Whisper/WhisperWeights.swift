import LLMKernels

/// Sizes of a Whisper network, read from the shapes in its CTranslate2 file (tiny.en values
/// in the comments).
struct WhisperDimensions: Sendable, Equatable {
    let melBins: Int          // 80
    let audioContext: Int     // 1500 encoder positions (3000 mel frames halved by conv2)
    let textContext: Int      // 448 decoder positions
    let width: Int            // 384
    let heads: Int            // 6
    let encoderLayers: Int    // 4
    let decoderLayers: Int    // 4
    let feedForward: Int      // 1536
    let vocabularySize: Int   // 51864

    var headDimension: Int { width / heads }
    /// Mel frames of one 30-second window.
    var melFrames: Int { 2 * audioContext }
}

/// Reads the Whisper tensors out of a CTranslate2 model, checking each name, shape and type.
///
/// CTranslate2's WhisperSpec names (all fp16 here): `encoder/conv1/{weight [d, mels, 3], bias}`,
/// `encoder/conv2/{weight [d, d, 3], bias}`, `encoder/position_encodings/encodings [1500, d]`,
/// per encoder layer `self_attention/{layer_norm/{gamma,beta}, linear_0 = fused q|k|v [3d, d],
/// linear_1 = output [d, d]}` and `ffn/{layer_norm, linear_0 [f, d], linear_1 [d, f]}`, then
/// `encoder/layer_norm`; the decoder has `embeddings/weight [vocab, d]` (the output projection is
/// an alias of it), `position_encodings/encodings [448, d]`, per layer a `self_attention` like the
/// encoder's, an `attention` (cross) with `linear_0 = query [d, d]`, `linear_1 = fused k|v [2d, d]`,
/// `linear_2 = output [d, d]`, and an `ffn`; then `decoder/layer_norm`. Every linear has a bias
/// (the key's is stored as zeros). Matrices are [output, input] row-major.
struct WhisperWeightReader {
    let model: CTranslate2Model
    let path: String
    /// Every vector converted to Float; the network keeps it (and if reading fails halfway,
    /// dropping it frees what was read).
    let vectors = FloatStore()

    init(model: CTranslate2Model, path: String) {
        self.model = model
        self.path = path
    }

    func fail(_ reason: String) -> SpeechError { .invalidModel(path: path, reason: reason) }

    /// The fp16 variable `name` with exactly `shape`. (Whisper models converted with
    /// `--quantization float16`, as the ones we install, are fp16 throughout; int8 or fp32
    /// conversions are refused by name rather than read slowly or approximately.)
    func floatVariable(_ name: String, shape: [Int]) throws(SpeechError) -> CTranslate2Variable {
        let variable = try model.require(name, shape: shape)
        guard variable.dataType == .float16 else {
            throw fail("\(name) is stored as \(variable.dataType); this reader takes float16 Whisper models")
        }
        let elements = shape.reduce(1, *)
        guard variable.bytes.count == elements * 2 else {
            throw fail("\(name) holds \(variable.bytes.count) bytes for \(elements) values")
        }
        return variable
    }

    /// The network's sizes, from the shapes of a few tensors and the layer names present.
    func dimensions() throws(SpeechError) -> WhisperDimensions {
        guard let conv = shape(of: "encoder/conv1/weight"), conv.count == 3, conv[2] == 3,
              let audio = shape(of: "encoder/position_encodings/encodings"), audio.count == 2,
              let text = shape(of: "decoder/position_encodings/encodings"), text.count == 2,
              let vocabulary = shape(of: "decoder/embeddings/weight"), vocabulary.count == 2,
              let mlp = shape(of: "encoder/layer_0/ffn/linear_0/weight"), mlp.count == 2
        else { throw fail("not a CTranslate2 Whisper model (encoder/decoder tensors missing or misshapen)") }
        let width = conv[0]
        let heads = (try? model.requireInteger("encoder/num_heads")) ?? width / 64
        func layers(_ side: String) -> Int {
            var count = 0
            while shape(of: "\(side)/layer_\(count)/self_attention/linear_0/weight") != nil { count += 1 }
            return count
        }
        let dimensions = WhisperDimensions(melBins: conv[1], audioContext: audio[0], textContext: text[0],
                                           width: width, heads: heads, encoderLayers: layers("encoder"),
                                           decoderLayers: layers("decoder"), feedForward: mlp[0],
                                           vocabularySize: vocabulary[0])
        guard width > 0, heads > 0, width % heads == 0, audio[1] == width, text[1] == width, vocabulary[1] == width,
              mlp[1] == width, dimensions.encoderLayers > 0, dimensions.decoderLayers > 0, conv[1] > 0, audio[0] > 0,
              text[0] > 2
        else { throw fail("inconsistent Whisper sizes \(conv), \(audio), \(text), \(vocabulary), \(heads) heads") }
        return dimensions
    }

    /// The shape of `name`, or nil when the file has no such variable.
    func shape(of name: String) -> [Int]? { model.variable(name)?.shape }

    /// `name` ([count] or any shape of `count` values) as Floats the network owns.
    func vector(_ name: String, shape: [Int]) throws(SpeechError) -> UnsafePointer<Float> {
        let variable = try floatVariable(name, shape: shape)
        let count = shape.reduce(1, *)
        let out = vectors.allocate(count)
        let bytes = variable.bytes
        for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: i * 2, as: Float16.self)) }
        return UnsafePointer(out)
    }

    /// `prefix/gamma` and `prefix/beta`, [width] each.
    func norm(_ prefix: String, width: Int) throws(SpeechError) -> LayerNormWeights {
        LayerNormWeights(gamma: try vector(prefix + "/gamma", shape: [width]),
                         beta: try vector(prefix + "/beta", shape: [width]))
    }

    /// `prefix/weight` [rows, columns] read in place from the mapped file, and its bias.
    func linear(_ prefix: String, rows: Int, columns: Int) throws(SpeechError) -> Linear {
        let variable = try floatVariable(prefix + "/weight", shape: [rows, columns])
        guard let base = variable.bytes.baseAddress else { throw fail("\(prefix)/weight is empty") }
        do {
            let matrix = try WeightMatrix(type: .f16, rows: rows, columns: columns, data: base)
            return Linear(weight: matrix, bias: try vector(prefix + "/bias", shape: [rows]))
        } catch {
            throw fail("\(prefix)/weight: \(error)")
        }
    }

    /// `prefix/weight` ([rows, columns] or a convolution's [rows, …] of the same count)
    /// repacked for many-token products, and its bias.
    func packed(_ prefix: String, shape: [Int]) throws(SpeechError) -> PackedProjection {
        let variable = try floatVariable(prefix + "/weight", shape: shape)
        guard let base = variable.bytes.baseAddress else { throw fail("\(prefix)/weight is empty") }
        let rows = shape[0], columns = shape.dropFirst().reduce(1, *)
        return PackedProjection(weights: base, rows: rows, columns: columns,
                                bias: try vector(prefix + "/bias", shape: [rows]))
    }
}

/// Float buffers that live as long as the network (norm weights, biases, position tables).
final class FloatStore {
    private var buffers: [UnsafeMutablePointer<Float>] = []

    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        buffers.append(buffer)
        return buffer
    }

    deinit { buffers.forEach { $0.deallocate() } }
}

/// A layer norm's scale and shift, [width] each.
struct LayerNormWeights {
    let gamma: UnsafePointer<Float>
    let beta: UnsafePointer<Float>
}

/// A projection used one token at a time (the decoder): the mapped fp16 matrix and its bias.
struct Linear {
    let weight: WeightMatrix
    let bias: UnsafePointer<Float>
}
