/// The brain seam (DESIGN.md habit 5): every brain streams text and ends with a record.
///
/// Two protocols, not one, because of the privacy contract: a `LocalBrain` is asked text only —
/// there is no parameter through which a screenshot could reach it — while a `RemoteBrain` may
/// be shown the screens. Which one answers is decided by `TurnPlanner` before anything is
/// captured.

/// What a brain is asked: the text part of a turn.
public struct BrainQuestion: Sendable, Equatable {
    /// The brain's system prompt (`BuddyPrompts.local` or `.cloud`).
    public var system: String
    /// Earlier exchanges, oldest first, already filtered by `ConversationHistory.context(for:)`.
    public var history: [Exchange]
    /// The user's words for this turn.
    public var question: String
    public var maxTokens: Int
    /// Nil: the brain's own default.
    public var temperature: Double?

    public init(system: String, history: [Exchange] = [], question: String, maxTokens: Int = 1024,
                temperature: Double? = nil) {
        self.system = system
        self.history = history
        self.question = question
        self.maxTokens = maxTokens
        self.temperature = temperature
    }
}

/// Why an answer ended.
public enum StopReason: Sendable, Equatable {
    /// The brain finished its answer (`end_turn`, `stop`, end-of-sequence token).
    case complete
    /// It hit the token limit.
    case maxTokens
    /// A stop sequence matched.
    case stopSequence
    /// The listener stopped it (barge-in, Ctrl-C).
    case cancelled
    /// Any other reason the server named (refusal, content filter, …).
    case other(String)
}

/// How an answer went: what the badge and analytics show (no text).
public struct BrainRecord: Sendable, Equatable {
    /// Seconds from the request to the first piece of text; nil if no text came.
    public var firstTokenSeconds: Double?
    public var totalSeconds: Double
    /// Tokens the brain produced, when it says.
    public var outputTokens: Int?
    /// Decode speed, when the brain measures it (the local engine does; servers do not).
    public var tokensPerSecond: Double?
    public var stopReason: StopReason

    public init(firstTokenSeconds: Double?, totalSeconds: Double, outputTokens: Int? = nil,
                tokensPerSecond: Double? = nil, stopReason: StopReason) {
        self.firstTokenSeconds = firstTokenSeconds
        self.totalSeconds = totalSeconds
        self.outputTokens = outputTokens
        self.tokensPerSecond = tokensPerSecond
        self.stopReason = stopReason
    }
}

/// One event of an answer stream: pieces of text, then exactly one record.
public enum BrainEvent: Sendable, Equatable {
    case text(String)
    case finished(BrainRecord)
}

/// The answer stream every brain returns. It fails with a `BrainError`; cancelling the task
/// that iterates it stops the brain (generation or request) promptly.
public typealias BrainStream = AsyncThrowingStream<BrainEvent, any Error>

/// The brain on this machine. It has no way to receive a screenshot.
public protocol LocalBrain: Sendable {
    /// Whether it can answer now (not downloaded, downloading, loading, ready, failed).
    func readiness() async -> LocalReadiness
    func answer(_ question: BrainQuestion) -> BrainStream
}

/// A brain on another machine (Claude, an OpenAI-compatible server).
public protocol RemoteBrain: Sendable {
    /// What the badge calls it ("cloud").
    var badgeName: String { get }
    /// False for a server on this machine (a local Ollama or llama.cpp server at a loopback
    /// address): it answers with the network down, so the offline nudge does not apply.
    var needsInternet: Bool { get }
    /// Asks `question`, showing `screens` (empty for a text-only turn).
    func answer(_ question: BrainQuestion, screens: [ScreenImage]) -> BrainStream
}

extension RemoteBrain {
    public var needsInternet: Bool { true }
}
