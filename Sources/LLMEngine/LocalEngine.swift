import ChatTemplates
import Dispatch
import Foundation
import GGUF
import LLMKernels
import LLMTokenizers

/// Options fixed when a model is loaded.
public struct EngineOptions: Sendable {
    /// Worker threads for matrix products (the caller's thread counts as one).
    public var threads: Int
    /// KV window in positions; older positions roll out (the original app's maxKVSize 4096).
    public var contextWindow: Int
    /// Rearrange the matrices this CPU has faster kernels for, in a private copy made at load
    /// (`WeightStorage`, `Repack`); false reads every weight in place from the file mapping.
    /// Both give the same logits.
    public var repackWeights: Bool

    public init(threads: Int = EngineOptions.defaultThreads, contextWindow: Int = 4096, repackWeights: Bool = true) {
        self.threads = threads
        self.contextWindow = contextWindow
        self.repackWeights = repackWeights
    }

    /// One thread per core, at most 8 (decode is bandwidth-bound beyond that).
    public static var defaultThreads: Int { max(1, min(8, ProcessInfo.processInfo.activeProcessorCount)) }
}

/// A loaded local model: file, tokenizer, chat format and weights, with one serial queue that
/// owns all model state. Every generation runs on that queue, so concurrent callers simply wait
/// their turn, and the stream they get back can be cancelled at any time.
public final class LocalEngine: @unchecked Sendable {
    // @unchecked: `model` is mutable state touched only on `queue`; everything else is immutable.
    public let path: String
    public let architecture: String
    public let tokenizer: any Tokenizer
    public let chatFormat: ChatFormat?
    public let chatFormatProblem: String?
    public let loadSeconds: Double
    public let options: EngineOptions
    private let model: any LanguageModel
    private let queue = DispatchQueue(label: "clicky.engine")

    public static var supportedArchitectures: [String] { Architectures.supportedNames }

    /// Maps, validates and prepares a GGUF model. Throws a one-line `EngineError` for any
    /// problem with the file.
    public init(path: String, options: EngineOptions = EngineOptions()) throws(EngineError) {
        let started = ContinuousClock.now
        guard options.threads >= 1, options.threads <= 256 else {
            throw .invalidParameter("threads must be between 1 and 256, got \(options.threads)")
        }
        guard options.contextWindow >= 16 else {
            throw .invalidParameter("context window must be at least 16, got \(options.contextWindow)")
        }
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw .invalidFile(error) }
        do { architecture = try file.string("general.architecture") } catch { throw .invalidFile(error) }
        guard Architectures.builders[architecture] != nil else {
            throw .unsupportedArchitecture(architecture, supported: Architectures.supportedNames)
        }
        let pool = ThreadPool(threadCount: options.threads)
        // The weights (copied, repacked) are prepared on another thread while this one builds the
        // tokenizer: the two are independent and each takes a good part of the load (a 262k-entry
        // vocabulary ~0.3 s). The vocabulary size they share is the token list's length.
        let tokenCount = try? file.array("tokenizer.ggml.tokens").count
        let weights = tokenCount.map { ModelBuild.start(file: file, vocabularySize: $0, options: options, pool: pool) }
        do { tokenizer = try makeTokenizer(from: file) } catch {
            _ = weights?.wait()
            throw .tokenizer(error.description)
        }
        do {
            chatFormat = try ChatFormat.detect(in: file)
            chatFormatProblem = nil
        } catch {
            chatFormat = nil
            chatFormatProblem = error.description
        }
        if let weights, tokenCount == tokenizer.vocabularySize {
            model = try weights.wait().get()
        } else {
            _ = weights?.wait()
            model = try Architectures.build(file: file, vocabularySize: tokenizer.vocabularySize,
                                            options: options, pool: pool)
        }
        self.path = path
        self.options = options
        loadSeconds = seconds(ContinuousClock.now - started)
    }

    /// Token ids for a prompt: BOS per the model's flag. In raw text, special-token markup is
    /// parsed; in a chat only the format's own markup is, so a user who types `<|im_start|>`
    /// gets those characters, not a control token (no prompt injection through the template).
    public func tokenize(_ prompt: Prompt) throws(EngineError) -> [TokenID] {
        var ids: [TokenID]
        switch prompt {
        case .tokens(let given):
            return given
        case .raw(let text):
            ids = tokenizer.encode(text, parseSpecialTokens: true)
        case .chat(let messages):
            guard let chatFormat else { throw .chatFormat(chatFormatProblem ?? "no chat format") }
            ids = []
            for part in chatFormat.parts(messages, addGenerationPrompt: true) {
                switch part {
                case .markup(let text): ids += tokenizer.encode(text, parseSpecialTokens: true)
                case .content(let text): ids += tokenizer.encode(text, parseSpecialTokens: false)
                }
            }
        }
        if tokenizer.addsBOS, let bos = tokenizer.bosToken, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// Streams the answer to `prompt`. Cancelling the consuming task (or dropping the stream)
    /// stops generation before the next token is computed.
    public func generate(_ prompt: Prompt, options: GenerationOptions = GenerationOptions())
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        GenerationStream.start(on: queue, model: model, tokenizer: tokenizer, options: options) { [self] in
            try tokenize(prompt)
        }
    }

    /// Drops cached keys/values (the next prompt is computed from scratch).
    public func resetCache() {
        queue.sync { model.resetCache() }
    }
}

/// A model being built on its own thread (`LocalEngine.init` overlaps it with the tokenizer).
/// `@unchecked Sendable`: `result` is written once by the building thread before it signals
/// `done`, and read only after `wait()` has seen that signal.
private final class ModelBuild: @unchecked Sendable {
    private var result: Result<any LanguageModel, EngineError>?
    private let done = DispatchSemaphore(value: 0)

    static func start(file: GGUFFile, vocabularySize: Int, options: EngineOptions, pool: ThreadPool) -> ModelBuild {
        let build = ModelBuild()
        Thread.detachNewThread {
            do throws(EngineError) {
                build.result = .success(try Architectures.build(file: file, vocabularySize: vocabularySize,
                                                                options: options, pool: pool))
            } catch {
                build.result = .failure(error)
            }
            build.done.signal()
        }
        return build
    }

    /// Blocks until the build has finished.
    func wait() -> Result<any LanguageModel, EngineError> {
        done.wait()
        done.signal()   // later waits return at once
        return result ?? .failure(.invalidParameter("model build ended without a result"))
    }
}
