import ChatTemplates
import LLMTokenizers

/// Why generation ended.
public enum StopReason: String, Sendable, Codable, Equatable {
    /// The model produced an end-of-generation token (e.g. `<|im_end|>`).
    case endOfGeneration = "end_of_generation"
    /// `maxTokens` tokens were generated.
    case maxTokens = "max_tokens"
    /// The consumer stopped listening (barge-in, Ctrl-C, a closed pipe).
    case cancelled
}

/// What one generation did, reported once at the end of the stream.
public struct GenerationRecord: Sendable, Codable, Equatable {
    /// Tokens in the prompt, including any reused from the previous turn's cache.
    public var promptTokens: Int
    /// Prompt tokens whose keys and values were reused instead of recomputed.
    public var reusedPromptTokens: Int
    public var generatedTokens: Int
    /// Seconds from the request to the first generated token (prefill plus one sample).
    public var firstTokenSeconds: Double
    /// Prompt tokens actually computed per second of prefill.
    public var prefillTokensPerSecond: Double
    /// Generated tokens per second after the first one.
    public var decodeTokensPerSecond: Double
    public var totalSeconds: Double
    public var stopReason: StopReason

    public init(promptTokens: Int, reusedPromptTokens: Int, generatedTokens: Int, firstTokenSeconds: Double,
                prefillTokensPerSecond: Double, decodeTokensPerSecond: Double, totalSeconds: Double,
                stopReason: StopReason) {
        self.promptTokens = promptTokens
        self.reusedPromptTokens = reusedPromptTokens
        self.generatedTokens = generatedTokens
        self.firstTokenSeconds = firstTokenSeconds
        self.prefillTokensPerSecond = prefillTokensPerSecond
        self.decodeTokensPerSecond = decodeTokensPerSecond
        self.totalSeconds = totalSeconds
        self.stopReason = stopReason
    }
}

/// One step of a generation stream: text as it becomes printable, then the record.
public enum GenerationEvent: Sendable, Equatable {
    /// A generated token and the text it completes. `text` may be empty while a multi-byte
    /// character is still incomplete; end-of-generation tokens are reported with empty text.
    case token(TokenID, text: String)
    /// The most likely next tokens before a token is sampled, best first; only when
    /// `GenerationOptions.reportTopLogits` asks for them (comparisons with reference engines).
    case topLogits([TokenLogit])
    /// Bytes still held by the UTF-8 assembler when generation stopped, repaired to text.
    case trailingText(String)
    /// The last event of every stream that did not fail.
    case finished(GenerationRecord)
}

/// A token and its raw (unscaled) logit.
public struct TokenLogit: Sendable, Equatable, Codable {
    public var token: TokenID
    public var logit: Float
    public init(token: TokenID, logit: Float) {
        self.token = token
        self.logit = logit
    }
}

/// What to generate from: raw text (special-token markup parsed) or a chat to render with
/// the model's own chat format.
public enum Prompt: Sendable {
    case raw(String)
    case chat([ChatMessage])
    /// Already tokenized (tests and benchmarks).
    case tokens([TokenID])
}

/// Everything a generation needs besides the prompt.
public struct GenerationOptions: Sendable {
    public var sampling: SamplingParameters
    /// Upper bound on generated tokens (the original app uses 1024).
    public var maxTokens: Int
    /// Reuse cached keys/values of a shared prompt prefix (chat history) instead of recomputing.
    public var reusePromptCache: Bool
    /// Emit the top N logits before each sampled token (0 = off).
    public var reportTopLogits: Int
    /// Keep going past end-of-generation tokens until `maxTokens` (benchmarks: a fixed-length
    /// decode like llama-bench's tg128, whatever the model would have said).
    public var ignoreEndOfGeneration: Bool

    public init(sampling: SamplingParameters = SamplingParameters(), maxTokens: Int = 1024,
                reusePromptCache: Bool = true, reportTopLogits: Int = 0, ignoreEndOfGeneration: Bool = false) {
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.reusePromptCache = reusePromptCache
        self.reportTopLogits = reportTopLogits
        self.ignoreEndOfGeneration = ignoreEndOfGeneration
    }
}
