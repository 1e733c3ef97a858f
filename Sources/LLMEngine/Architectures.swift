import GGUF
import LLMKernels

/// Maps `general.architecture` to the file that implements it. Adding an architecture is one
/// entry here plus one model file.
enum Architectures {
    typealias Builder = @Sendable (GGUFFile, Int, EngineOptions, ThreadPool) throws(EngineError) -> any LanguageModel

    static let builders: [String: Builder] = [
        "llama": { (file, vocabulary, options, pool) throws(EngineError) in
            let config = try TransformerConfig(file: file, architecture: "llama",
                                               vocabularySize: vocabulary, ropeLayout: .adjacentPairs)
            return try LlamaModel(file: file, config: config, contextWindow: options.contextWindow, pool: pool,
                                  repackWeights: options.repackWeights)
        },
        "qwen2": { (file, vocabulary, options, pool) throws(EngineError) in
            let config = try TransformerConfig(file: file, architecture: "qwen2",
                                               vocabularySize: vocabulary, ropeLayout: .halves)
            return try LlamaModel(file: file, config: config, contextWindow: options.contextWindow, pool: pool,
                                  repackWeights: options.repackWeights, attentionBiases: true)
        },
        "gemma3": { (file, vocabulary, options, pool) throws(EngineError) in
            let config = try TransformerConfig(file: file, architecture: "gemma3",
                                               vocabularySize: vocabulary, ropeLayout: .halves)
            return try Gemma3Model(file: file, config: config, contextWindow: options.contextWindow, pool: pool,
                                   repackWeights: options.repackWeights)
        },
    ]

    static var supportedNames: [String] { builders.keys.sorted() }

    static func build(file: GGUFFile, vocabularySize: Int, options: EngineOptions,
                      pool: ThreadPool) throws(EngineError) -> any LanguageModel {
        let name: String
        do { name = try file.string("general.architecture") } catch { throw .invalidFile(error) }
        guard let builder = builders[name] else {
            throw .unsupportedArchitecture(name, supported: supportedNames)
        }
        return try builder(file, vocabularySize, options, pool)
    }
}
