import GGUF
import LLMKernels

/// Maps `general.architecture` to the file that implements it. Adding an architecture is one
/// entry here plus one model file.
enum Architectures {
    typealias Builder = @Sendable (GGUFFile, Int, Int, ThreadPool) throws(EngineError) -> any LanguageModel

    static let builders: [String: Builder] = [
        "llama": { (file, vocabulary, window, pool) throws(EngineError) in
            let config = try TransformerConfig(file: file, architecture: "llama",
                                               vocabularySize: vocabulary, ropeLayout: .adjacentPairs)
            return try LlamaModel(file: file, config: config, contextWindow: window, pool: pool)
        },
    ]

    static var supportedNames: [String] { builders.keys.sorted() }

    static func build(file: GGUFFile, vocabularySize: Int, contextWindow: Int,
                      pool: ThreadPool) throws(EngineError) -> any LanguageModel {
        let name: String
        do { name = try file.string("general.architecture") } catch { throw .invalidFile(error) }
        guard let builder = builders[name] else {
            throw .unsupportedArchitecture(name, supported: supportedNames)
        }
        return try builder(file, vocabularySize, contextWindow, pool)
    }
}
