import BuddyCore
import ChatTemplates
import Foundation
import LLMEngine

/// The local brain: our GGUF engine behind the `LocalBrain` seam. It loads its model in the
/// background and reports the original's readiness states meanwhile, so a question asked while
/// it warms up is answered with the spoken "still warming up" line instead of waiting.
///
/// It takes text only; nothing here can see the screen or reach the network.
public final class EngineBrain: LocalBrain, @unchecked Sendable {
    // `state` and `engine` are guarded by `lock`; the engine itself serialises generations.
    private let lock = NSLock()
    private var state: LocalReadiness
    private var engine: LocalEngine?
    private let sampling: SamplingParameters

    /// A brain for the model at `path`, not loaded yet: `.notDownloaded` when the file is
    /// missing, else `.loading` until `load()` finishes.
    public init(modelPath: String, sampling: SamplingParameters = SamplingParameters(temperature: 0.7)) {
        self.sampling = sampling
        state = FileManager.default.fileExists(atPath: modelPath) ? .loading : .notDownloaded
        self.modelPath = modelPath
    }

    /// A brain around an engine that is already loaded.
    public init(engine: LocalEngine, sampling: SamplingParameters = SamplingParameters(temperature: 0.7)) {
        self.sampling = sampling
        self.engine = engine
        state = .ready
        modelPath = engine.path
    }

    public let modelPath: String

    /// The engine, once loaded.
    public var loadedEngine: LocalEngine? { lock.withLock { engine } }

    /// Loads the model (on the caller's task; run it detached to keep answering meanwhile) and
    /// returns the readiness it ends in: `.ready`, `.failed(reason)` or `.notDownloaded`.
    @discardableResult
    public func load(options: EngineOptions = EngineOptions()) -> LocalReadiness {
        if lock.withLock({ engine }) != nil { return .ready }
        guard FileManager.default.fileExists(atPath: modelPath) else {
            return lock.withLock { state = .notDownloaded; return state }
        }
        lock.withLock { state = .loading }
        do {
            let loaded = try LocalEngine(path: modelPath, options: options)
            return lock.withLock { engine = loaded; state = .ready; return state }
        } catch {
            return lock.withLock { state = .failed(error.description); return state }
        }
    }

    /// For the model manager: the model is being downloaded.
    public func setDownloading(fraction: Double) {
        lock.withLock { if engine == nil { state = .downloading(fraction: fraction) } }
    }

    public func readiness() async -> LocalReadiness { lock.withLock { state } }

    public func answer(_ question: BrainQuestion) -> BrainStream {
        let engine = lock.withLock { self.engine }
        var sampling = self.sampling
        if let temperature = question.temperature { sampling.temperature = Float(temperature) }
        let options = GenerationOptions(sampling: sampling, maxTokens: question.maxTokens)
        return AsyncThrowingStream { continuation in
            guard let engine else {
                continuation.finish(throwing: BrainError.local("the local model is not loaded"))
                return
            }
            let task = Task {
                do {
                    for try await event in engine.generate(.chat(Self.messages(for: question)), options: options) {
                        switch event {
                        case .token(_, let text), .trailingText(let text):
                            if !text.isEmpty { continuation.yield(.text(text)) }
                        case .finished(let record):
                            continuation.yield(.finished(Self.record(record)))
                        case .topLogits:
                            break
                        }
                    }
                    continuation.finish()
                } catch let error as EngineError {
                    continuation.finish(throwing: BrainError.local(error.description))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Computes the system prompt's keys and values before the first question (the engine's
    /// prompt cache keeps them), so the first answer starts as fast as later ones instead of
    /// paying for the whole prompt after the talk key goes up. Returns the tokens now cached.
    @discardableResult
    public func prewarm(system: String) async -> Int {
        guard let engine = lock.withLock({ self.engine }) else { return 0 }
        let messages = Self.messages(for: BrainQuestion(system: system, question: ""))
        var cached = 0
        do {
            for try await event in engine.generate(.chat(messages), options: GenerationOptions(sampling: sampling, maxTokens: 0)) {
                if case .finished(let record) = event { cached = record.promptTokens }
            }
        } catch {
            return 0   // the first question will compute the prompt itself
        }
        return cached
    }

    /// System prompt, history (oldest first), then the question, in the model's chat format.
    static func messages(for question: BrainQuestion) -> [ChatMessage] {
        var messages = [ChatMessage(role: .system, content: question.system)]
        for exchange in question.history {
            messages.append(ChatMessage(role: .user, content: exchange.question))
            messages.append(ChatMessage(role: .assistant, content: exchange.answer))
        }
        messages.append(ChatMessage(role: .user, content: question.question))
        return messages
    }

    static func record(_ record: GenerationRecord) -> BrainRecord {
        let stop: BuddyCore.StopReason = switch record.stopReason {
        case .endOfGeneration: .complete
        case .maxTokens: .maxTokens
        case .cancelled: .cancelled
        }
        return BrainRecord(firstTokenSeconds: record.generatedTokens > 0 ? record.firstTokenSeconds : nil,
                           totalSeconds: record.totalSeconds, outputTokens: record.generatedTokens,
                           tokensPerSecond: record.decodeTokensPerSecond, stopReason: stop)
    }
}
