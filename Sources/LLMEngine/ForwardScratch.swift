import GGUF
import LLMKernels

/// Every buffer one forward pass needs, allocated once per model so the token loop never
/// allocates. Sized for `batch` tokens; the logits hold one row (only the last token's
/// prediction is ever needed).
final class ForwardScratch {
    let residual: UnsafeMutablePointer<Float>   // [batch × d]
    let normed: UnsafeMutablePointer<Float>     // [batch × d]; also receives Wo and Wdown outputs
    let query: UnsafeMutablePointer<Float>      // [batch × q]
    let key: UnsafeMutablePointer<Float>        // [batch × kv]
    let value: UnsafeMutablePointer<Float>      // [batch × kv]
    let attended: UnsafeMutablePointer<Float>   // [batch × q]
    let gate: UnsafeMutablePointer<Float>       // [batch × f]
    let up: UnsafeMutablePointer<Float>         // [batch × f]
    let logits: UnsafeMutablePointer<Float>     // [vocab]
    // RoPE angles of the batch's positions, computed once per batch rather than once per layer:
    // [batch × ropeDimensions / 2] each; the second pair serves a model with two bases (Gemma 3).
    let cosines: UnsafeMutablePointer<Float>
    let sines: UnsafeMutablePointer<Float>
    let secondCosines: UnsafeMutablePointer<Float>
    let secondSines: UnsafeMutablePointer<Float>
    let anglesPerToken: Int
    let activations: ActivationBuffer
    private var owned: [UnsafeMutablePointer<Float>] = []

    init(config: TransformerConfig, batch: Int) {
        let d = config.embeddingLength
        let widest = max(d, config.queryWidth, config.feedForwardLength)
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        residual = buffer(batch * d)
        normed = buffer(batch * d)
        query = buffer(batch * config.queryWidth)
        key = buffer(batch * config.keyValueWidth)
        value = buffer(batch * config.keyValueWidth)
        attended = buffer(batch * config.queryWidth)
        gate = buffer(batch * config.feedForwardLength)
        up = buffer(batch * config.feedForwardLength)
        logits = buffer(config.vocabularySize)
        anglesPerToken = config.ropeDimensions / 2
        cosines = buffer(batch * anglesPerToken)
        sines = buffer(batch * anglesPerToken)
        secondCosines = buffer(batch * anglesPerToken)
        secondSines = buffer(batch * anglesPerToken)
        activations = ActivationBuffer(maxTokens: batch, maxColumns: widest)
        owned = [residual, normed, query, key, value, attended, gate, up, logits, cosines, sines, secondCosines, secondSines]
    }

    deinit { owned.forEach { $0.deallocate() } }

    /// Multiplies one input by up to three matrices that read it, quantizing the input once per
    /// distinct weight type (q/k/v share one quantization, as do gate/up). Fixed parameters
    /// rather than an array keep the token loop free of allocations.
    func project(_ input: UnsafePointer<Float>, tokens: Int, columns: Int,
                 _ first: WeightMatrix, into firstOutput: UnsafeMutablePointer<Float>,
                 _ second: WeightMatrix? = nil, into secondOutput: UnsafeMutablePointer<Float>? = nil,
                 _ third: WeightMatrix? = nil, into thirdOutput: UnsafeMutablePointer<Float>? = nil,
                 pool: ThreadPool) {
        var quantizedFor: GGMLType? = nil
        func run(_ matrix: WeightMatrix, _ destination: UnsafeMutablePointer<Float>) {
            if quantizedFor != matrix.type {
                activations.quantize(input, tokens: tokens, columns: columns, for: matrix.type)
                quantizedFor = matrix.type
            }
            MatMul.multiply(matrix, activations, tokens: tokens, into: destination, pool: pool)
        }
        run(first, firstOutput)
        if let second, let secondOutput { run(second, secondOutput) }
        if let third, let thirdOutput { run(third, thirdOutput) }
    }
}

/// Looks tensors up by name and checks their type and shape before the model keeps a pointer.
struct WeightLoader {
    let file: GGUFFile
    let storage: WeightStorage

    private func info(_ name: String) throws(EngineError) -> GGUFTensorInfo {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        return info
    }

    /// A matrix with `rows` output rows of `columns` weights each (GGUF dims [columns, rows]).
    func matrix(_ name: String, rows: Int, columns: Int) throws(EngineError) -> WeightMatrix {
        let info = try info(name)
        guard info.dimensions == [columns, rows] else {
            throw .badTensorShape(name: name, expected: [columns, rows], found: info.dimensions)
        }
        do {
            return try WeightMatrix(type: info.type, rows: rows, columns: columns, data: storage.data(of: info))
        } catch {
            throw .unsupportedTensorType(name: name, type: info.type.description)
        }
    }

    /// A matrix only ever multiplied (never looked up by row), rearranged for this CPU's
    /// fastest kernel when the engine owns a private copy of the weights (``Repack``).
    func projection(_ name: String, rows: Int, columns: Int) throws(EngineError) -> WeightMatrix {
        let w = try matrix(name, rows: rows, columns: columns)
        return storage.hasPrivateCopy && Repack.wantsRowGroups(w) ? Repack.rowGroups(w) : w
    }

    /// A Float32 vector such as a norm weight.
    func vector(_ name: String, count: Int) throws(EngineError) -> UnsafePointer<Float> {
        let info = try info(name)
        guard info.dimensions == [count] else {
            throw .badTensorShape(name: name, expected: [count], found: info.dimensions)
        }
        guard info.type == .f32 else {
            throw .unsupportedTensorType(name: name, type: info.type.description)
        }
        return storage.data(of: info).assumingMemoryBound(to: Float.self)
    }
}
