import GGUF

/// How a model rotates query/key pairs. Llama GGUFs are converted so that adjacent elements
/// form a pair; Qwen2 and Gemma keep the "NeoX" layout where element i pairs with i + d/2.
public enum RopeLayout: Sendable {
    case adjacentPairs
    case halves
}

/// Hyper-parameters of a decoder-only transformer, read from `<architecture>.*` metadata keys.
public struct TransformerConfig: Sendable, Equatable {
    public var architecture: String
    public var embeddingLength: Int        // d_model
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var headDimension: Int          // per head, for queries, keys and values
    public var ropeDimensions: Int         // leading elements of each head that are rotated
    public var ropeBase: Float
    public var ropeLayout: RopeLayout
    public var normEpsilon: Float
    public var trainedContextLength: Int
    public var vocabularySize: Int

    public var queryWidth: Int { headCount * headDimension }
    public var keyValueWidth: Int { keyValueHeadCount * headDimension }

    /// Reads the llama-family keys. Missing optional keys take the defaults llama.cpp uses.
    public init(file: GGUFFile, architecture: String, vocabularySize: Int, ropeLayout: RopeLayout) throws(EngineError) {
        let reader = MetadataReader(file: file, prefix: architecture)
        self.architecture = architecture
        self.ropeLayout = ropeLayout
        self.vocabularySize = vocabularySize
        embeddingLength = try reader.positive("embedding_length")
        blockCount = try reader.positive("block_count")
        feedForwardLength = try reader.positive("feed_forward_length")
        headCount = try reader.positive("attention.head_count")
        keyValueHeadCount = try reader.positive("attention.head_count_kv", default: headCount)
        let defaultHead = embeddingLength / headCount
        headDimension = try reader.positive("attention.key_length", default: defaultHead)
        let valueLength = try reader.positive("attention.value_length", default: headDimension)
        ropeDimensions = try reader.positive("rope.dimension_count", default: headDimension)
        ropeBase = try reader.float("rope.freq_base", default: 10_000)
        normEpsilon = try reader.float("attention.layer_norm_rms_epsilon", default: 1e-5)
        trainedContextLength = try reader.positive("context_length", default: 2048)

        guard valueLength == headDimension else {
            throw .badMetadata(key: "\(architecture).attention.value_length", reason: "differs from the key length")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw .badMetadata(key: "\(architecture).attention.head_count_kv",
                               reason: "(\(keyValueHeadCount)) does not divide the head count \(headCount)")
        }
        guard ropeDimensions <= headDimension, ropeDimensions % 2 == 0 else {
            throw .badMetadata(key: "\(architecture).rope.dimension_count",
                               reason: "(\(ropeDimensions)) must be even and at most the head size \(headDimension)")
        }
        guard ropeBase.isFinite, ropeBase > 1 else {
            throw .badMetadata(key: "\(architecture).rope.freq_base", reason: "must be a finite number above 1")
        }
        guard normEpsilon.isFinite, normEpsilon > 0, normEpsilon < 1 else {
            throw .badMetadata(key: "\(architecture).attention.layer_norm_rms_epsilon", reason: "must be in (0, 1)")
        }
    }
}

/// Typed access to `<prefix>.<name>` keys with bounds that keep later arithmetic safe.
struct MetadataReader {
    let file: GGUFFile
    let prefix: String

    /// Upper bound for any size read from metadata: large enough for any real model, small enough
    /// that products of two such sizes cannot overflow `Int`.
    static let sizeLimit = 1 << 24

    func positive(_ name: String, default fallback: Int? = nil) throws(EngineError) -> Int {
        let key = "\(prefix).\(name)"
        guard file.has(key) else {
            if let fallback { return fallback }
            throw .missingMetadata(key: key)
        }
        let value: Int
        do { value = try file.integer(key) } catch { throw .invalidFile(error) }
        guard value > 0, value <= Self.sizeLimit else {
            throw .badMetadata(key: key, reason: "is \(value), outside 1...\(Self.sizeLimit)")
        }
        return value
    }

    func float(_ name: String, default fallback: Float) throws(EngineError) -> Float {
        let key = "\(prefix).\(name)"
        guard file.has(key) else { return fallback }
        do { return try file.float(key) } catch { throw .invalidFile(error) }
    }
}
