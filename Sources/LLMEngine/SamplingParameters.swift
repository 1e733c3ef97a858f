/// How the next token is chosen from the logits. Defaults follow the original app's Local Mode
/// (temperature 0.7, no top-p cut, no repetition penalty); `temperature == 0` is greedy.
public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float = 0.7
    /// Keep only the k most likely tokens (0 = off).
    public var topK: Int = 0
    /// Keep the smallest set of tokens whose probability mass reaches p (1 = off).
    public var topP: Float = 1
    /// Drop tokens less likely than minP × the most likely one (0 = off).
    public var minP: Float = 0
    /// Divide positive logits (multiply negative ones) of recently seen tokens (1 = off).
    public var repetitionPenalty: Float = 1
    /// How many recent tokens the repetition penalty looks at.
    public var repetitionWindow: Int = 64
    /// Fixes the random stream; the same seed, prompt and model give the same answer.
    public var seed: UInt64? = nil

    public init(temperature: Float = 0.7, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repetitionPenalty: Float = 1, repetitionWindow: Int = 64, seed: UInt64? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0)

    /// Checks ranges so a bad flag is reported before any work starts.
    public func validated() throws(EngineError) -> SamplingParameters {
        guard temperature.isFinite, temperature >= 0, temperature <= 100 else {
            throw .invalidParameter("temperature must be between 0 and 100, got \(temperature)")
        }
        guard topK >= 0 else { throw .invalidParameter("top-k must be 0 or more, got \(topK)") }
        guard topP.isFinite, topP > 0, topP <= 1 else {
            throw .invalidParameter("top-p must be in (0, 1], got \(topP)")
        }
        guard minP.isFinite, minP >= 0, minP < 1 else {
            throw .invalidParameter("min-p must be in [0, 1), got \(minP)")
        }
        guard repetitionPenalty.isFinite, repetitionPenalty > 0 else {
            throw .invalidParameter("repetition penalty must be above 0, got \(repetitionPenalty)")
        }
        guard repetitionWindow >= 0 else {
            throw .invalidParameter("repetition window must be 0 or more, got \(repetitionWindow)")
        }
        return self
    }
}

/// xoshiro256** seeded through SplitMix64: small, fast and identical on every platform, so a
/// seed reproduces a run anywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A uniform Float in [0, 1) from the top 24 bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }
}
