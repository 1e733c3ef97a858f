import ArgumentParser
import BuddyProviders
import Foundation
import LLMEngine

/// The options every model-running command shares (DESIGN.md's CLI contract).
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A catalogue name (smollm2-135m, gemma3-270m, …), a file in the models directory, or a path to a .gguf file.")
    var model: String?

    @Option(name: .long, help: "Threads for the matrix products (default: one per core).")
    var threads: Int?

    @Option(name: .long, help: "Sampling temperature; 0 picks the most likely token every time.")
    var temperature: Float = 0.7

    @Option(name: .long, help: "Random seed; the same seed and prompt give the same answer.")
    var seed: UInt64?

    @Option(name: .customLong("max-tokens"), help: "Stop after this many generated tokens.")
    var maxTokens: Int = 1024

    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens (0 = off).")
    var topK: Int = 0

    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass (1 = off).")
    var topP: Float = 1

    @Option(name: .customLong("min-p"), help: "Drop tokens below this share of the best one (0 = off).")
    var minP: Float = 0

    @Option(name: .customLong("repeat-penalty"), help: "Penalty for recently used tokens (1 = off).")
    var repeatPenalty: Float = 1

    @Option(name: .customLong("context"), help: "KV window in tokens.")
    var contextWindow: Int = 4096

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard contextWindow >= 16 else { throw ValidationError("--context must be at least 16") }
        do { _ = try sampling.validated() } catch { throw ValidationError(error.description) }
    }

    var sampling: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repeatPenalty, seed: seed)
    }

    var generation: GenerationOptions {
        GenerationOptions(sampling: sampling, maxTokens: maxTokens)
    }

    /// Resolves the model and loads it, turning every failure into a one-line CLI error.
    func loadEngine() throws -> LocalEngine {
        let path = try ModelLocator.resolve(model)
        let options = EngineOptions(threads: threads ?? EngineOptions.defaultThreads, contextWindow: contextWindow)
        do {
            return try LocalEngine(path: path, options: options)
        } catch {
            throw CLIError(error)
        }
    }
}

/// Finds model files: an explicit path, a file in the models directory, or the default model.
enum ModelLocator {
    static let defaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// `$XDG_DATA_HOME/clicky/models` (default `~/.local/share/clicky/models`).
    static var modelsDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return URL(fileURLWithPath: dataHome).appendingPathComponent("clicky/models")
    }

    static func resolve(_ name: String?) throws -> String {
        guard let name, !name.isEmpty else {
            let path = modelsDirectory.appendingPathComponent(defaultModelFile).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError("the default model is not installed (\(path)); run scripts/setup.sh",
                               exitCode: ExitStatus.invalidInput)
            }
            return path
        }
        // A path, a file in the models directory, a catalogue name, or a Hub file in the
        // Hugging Face cache: resolved on this machine only, never over the network.
        if let path = Models.store().0.resolve(name) { return path }
        if let entry = ModelCatalog.model(named: name) {
            let hint = ModelStore.hubFile(for: name) == nil ? "run scripts/setup.sh" : "clicky models pull \(entry.name)"
            throw CLIError("model '\(entry.name)' is not installed (\(hint))", exitCode: ExitStatus.invalidInput)
        }
        if ModelStore.hubFile(for: name) != nil {
            throw CLIError("model '\(name)' is not installed (clicky models pull \(name))", exitCode: ExitStatus.invalidInput)
        }
        if name.contains("/") {
            throw CLIError("model file not found: \(name)", exitCode: ExitStatus.invalidInput)
        }
        throw CLIError("no model named '\(name)' in \(modelsDirectory.path)", exitCode: ExitStatus.invalidInput)
    }
}
