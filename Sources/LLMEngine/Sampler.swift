import LLMTokenizers

/// Picks the next token from logits. The chain runs in llama.cpp's order: repetition penalty,
/// top-k, softmax with temperature, top-p, min-p, then a draw. Buffers are reused between calls.
public final class Sampler {
    public let parameters: SamplingParameters
    private var random: SeededGenerator
    private var candidates: [(id: Int32, logit: Float)] = []
    private var weights: [Float] = []
    private var recent: [TokenID] = []

    public init(parameters: SamplingParameters) {
        self.parameters = parameters
        let seed = parameters.seed ?? UInt64.random(in: .min ... .max)
        random = SeededGenerator(seed: seed)
    }

    /// Remembers a token for the repetition penalty (prompt and generated tokens alike).
    public func observe(_ token: TokenID) {
        guard parameters.repetitionPenalty != 1, parameters.repetitionWindow > 0 else { return }
        recent.append(token)
        if recent.count > parameters.repetitionWindow { recent.removeFirst(recent.count - parameters.repetitionWindow) }
    }

    public func sample(_ logits: UnsafeBufferPointer<Float>) -> TokenID {
        if parameters.temperature == 0 && parameters.repetitionPenalty == 1 {
            return Self.argmax(logits)
        }
        if parameters.temperature > 0, parameters.repetitionPenalty == 1, parameters.topK == 0,
           parameters.topP >= 1, parameters.minP <= 0 {
            return drawFromSoftmax(logits)
        }
        candidates.removeAll(keepingCapacity: true)
        for (i, logit) in logits.enumerated() { candidates.append((Int32(i), logit)) }
        applyRepetitionPenalty()
        if parameters.temperature == 0 {
            return candidates.max { $0.logit < $1.logit }?.id ?? 0
        }
        // Sorting 50k candidates costs milliseconds, so only truncating samplers pay for it.
        if parameters.topK > 0 || parameters.topP < 1 {
            candidates.sort { $0.logit > $1.logit }
            if parameters.topK > 0, parameters.topK < candidates.count {
                candidates.removeSubrange(parameters.topK...)
            }
        }
        // Softmax with temperature, in place: `logit` now holds a probability.
        var maximum = -Float.infinity
        for c in candidates where c.logit > maximum { maximum = c.logit }
        var total: Float = 0
        for i in candidates.indices {
            let p = expf((candidates[i].logit - maximum) / parameters.temperature)
            candidates[i].logit = p
            total += p
        }
        for i in candidates.indices { candidates[i].logit /= total }
        if parameters.topP < 1 {
            var mass: Float = 0
            var keep = candidates.count
            for (i, c) in candidates.enumerated() {
                mass += c.logit
                if mass >= parameters.topP { keep = i + 1; break }
            }
            candidates.removeSubrange(keep...)
        }
        if parameters.minP > 0 {
            var best: Float = 0
            for c in candidates where c.logit > best { best = c.logit }
            let floor = best * parameters.minP
            candidates.removeAll { $0.logit < floor }
        }
        var remaining: Float = 0
        for c in candidates { remaining += c.logit }
        var draw = random.nextUnitFloat() * remaining
        for c in candidates {
            draw -= c.logit
            if draw < 0 { return c.id }
        }
        return candidates[candidates.count - 1].id
    }

    /// Temperature alone (the app's default): a draw from softmax(logits / T) straight from the
    /// logits, 16 at a time, with no candidate list — for a 262k vocabulary the list cost more
    /// than a millisecond a token.
    private func drawFromSoftmax(_ logits: UnsafeBufferPointer<Float>) -> TokenID {
        let count = logits.count
        guard count > 0, let base = logits.baseAddress else { return 0 }
        var maximum = -Float.infinity
        for v in logits where v > maximum { maximum = v }
        if weights.count < count { weights = [Float](repeating: 0, count: count) }
        let inverseTemperature = 1 / parameters.temperature
        var total: Float = 0
        weights.withUnsafeMutableBufferPointer { out in
            let w = out.baseAddress!
            var i = 0
            while i + 16 <= count {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
                let e = TransformerOps.exp((x - maximum) * inverseTemperature)
                UnsafeMutableRawPointer(w + i).storeBytes(of: e, as: SIMD16<Float>.self)
                total += e.sum()
                i += 16
            }
            while i < count {
                w[i] = expf((base[i] - maximum) * inverseTemperature)
                total += w[i]
                i += 1
            }
        }
        var draw = random.nextUnitFloat() * total
        for i in 0..<count {
            draw -= weights[i]
            if draw < 0 { return TokenID(i) }
        }
        return TokenID(count - 1)
    }

    private func applyRepetitionPenalty() {
        let penalty = parameters.repetitionPenalty
        guard penalty != 1, !recent.isEmpty else { return }
        for token in Set(recent) where Int(token) < candidates.count {
            let logit = candidates[Int(token)].logit
            candidates[Int(token)].logit = logit > 0 ? logit / penalty : logit * penalty
        }
    }

    /// Index of the largest logit; the lowest index wins ties, as in llama.cpp's greedy sampler.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> TokenID {
        var best = 0
        var bestValue = -Float.infinity
        for (i, v) in logits.enumerated() where v > bestValue {
            best = i
            bestValue = v
        }
        return TokenID(best)
    }
}

import Foundation
