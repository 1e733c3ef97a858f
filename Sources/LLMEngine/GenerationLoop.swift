import Foundation
import LLMTokenizers

/// The token loop, synchronous and free of concurrency so it can be driven by the session's
/// serial queue and tested with a fake model. `isCancelled` is polled before every forward pass,
/// so a cancelled consumer costs at most one more token of compute.
public struct GenerationLoop {
    public let model: any LanguageModel
    public let tokenizer: any Tokenizer

    public init(model: any LanguageModel, tokenizer: any Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Prefills `promptTokens` (reusing a cached prefix), then samples until an end-of-generation
    /// token, `maxTokens`, or cancellation. Events go to `emit` as they happen.
    public func run(promptTokens: [TokenID], options: GenerationOptions,
             isCancelled: () -> Bool, emit: (GenerationEvent) -> Void) throws(EngineError) -> GenerationRecord {
        guard !promptTokens.isEmpty else { throw .emptyPrompt }
        guard options.maxTokens >= 0 else { throw .invalidParameter("max tokens must be 0 or more") }
        let sampling = try options.sampling.validated()
        let clock = ContinuousClock()
        let start = clock.now

        // Reuse the longest cached prefix; at least one prompt token is always recomputed so
        // there are fresh logits to sample from.
        var reused = 0
        if options.reusePromptCache {
            let cached = model.cachedTokens
            while reused < min(cached.count, promptTokens.count - 1), cached[reused] == promptTokens[reused] {
                reused += 1
            }
        }
        model.truncateCache(to: reused)
        reused = model.cachedTokens.count   // the cache may have refused to rewind

        let sampler = Sampler(parameters: sampling)
        for token in promptTokens { sampler.observe(token) }
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        var record = GenerationRecord(promptTokens: promptTokens.count, reusedPromptTokens: reused, generatedTokens: 0,
                                      firstTokenSeconds: 0, prefillTokensPerSecond: 0, decodeTokensPerSecond: 0,
                                      totalSeconds: 0, stopReason: .maxTokens)
        if isCancelled() { return finish(&record, .cancelled, start: start, clock: clock) }

        var logits = try model.forward(Array(promptTokens[reused...]))
        let prefillEnd = clock.now
        record.prefillTokensPerSecond = Double(promptTokens.count - reused) / max(seconds(prefillEnd - start), 1e-9)
        var firstTokenTime = prefillEnd
        var stop = StopReason.maxTokens
        // One array reused for every decode step (uniquely owned again once forward returns),
        // so the token loop allocates nothing.
        var step: [TokenID] = [0]

        while record.generatedTokens < options.maxTokens {
            if options.reportTopLogits > 0 {
                emit(.topLogits(Self.top(options.reportTopLogits, of: logits)))
            }
            let token = sampler.sample(logits)
            sampler.observe(token)
            record.generatedTokens += 1
            if record.generatedTokens == 1 {
                firstTokenTime = clock.now
                record.firstTokenSeconds = seconds(firstTokenTime - start)
            }
            if !options.ignoreEndOfGeneration, tokenizer.endOfGenerationTokens.contains(token) {
                emit(.token(token, text: ""))
                stop = .endOfGeneration
                break
            }
            emit(.token(token, text: detokenizer.append(token)))
            if record.generatedTokens == options.maxTokens { break }
            if isCancelled() { stop = .cancelled; break }
            step[0] = token
            logits = try model.forward(step)
        }
        let tail = detokenizer.finish()
        if !tail.isEmpty { emit(.trailingText(tail)) }
        let decoded = record.generatedTokens - 1
        if decoded > 0 {
            record.decodeTokensPerSecond = Double(decoded) / max(seconds(clock.now - firstTokenTime), 1e-9)
        }
        return finish(&record, stop, start: start, clock: clock)
    }

    /// The `count` largest logits, best first (a diagnostic, so a simple partial selection).
    static func top(_ count: Int, of logits: UnsafeBufferPointer<Float>) -> [TokenLogit] {
        var best: [TokenLogit] = []
        for (i, value) in logits.enumerated() where best.count < count || value > best[best.count - 1].logit {
            let entry = TokenLogit(token: TokenID(i), logit: value)
            let at = best.firstIndex { value > $0.logit } ?? best.count
            best.insert(entry, at: at)
            if best.count > count { best.removeLast() }
        }
        return best
    }

    private func finish(_ record: inout GenerationRecord, _ reason: StopReason,
                        start: ContinuousClock.Instant, clock: ContinuousClock) -> GenerationRecord {
        record.stopReason = reason
        record.totalSeconds = seconds(clock.now - start)
        return record
    }
}

@inline(__always)
func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}
