import LLMTokenizers

/// A causal language model with its own KV cache. Not thread-safe: one serial owner (the
/// `InferenceSession`) drives it, so no locks are needed inside the forward pass.
public protocol LanguageModel: AnyObject {
    var vocabularySize: Int { get }
    /// The most positions attention can see at once (the KV window).
    var contextWindow: Int { get }
    /// Tokens whose keys and values are in the cache, in order. Empty after `resetCache()`.
    var cachedTokens: [TokenID] { get }
    /// Forgets cached positions from `count` on (or everything, if the cache cannot rewind).
    func truncateCache(to count: Int)
    func resetCache()
    /// Appends `tokens` after the cached ones and returns the logits that predict the next token.
    /// The buffer is owned by the model and valid until the next call.
    func forward(_ tokens: [TokenID]) throws(EngineError) -> UnsafeBufferPointer<Float>
}
