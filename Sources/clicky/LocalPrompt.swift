import BuddyCore

/// The CLI's names for BuddyCore's prompt and badge (one source for app, chat, ask and bench).
enum LocalPrompt {
    static var system: String { BuddyPrompts.local }
}

/// The latency chip shown after an answer, e.g. `local · 0.3s · 140 tok/s`.
enum Badge {
    static func text(brain: String, firstTokenSeconds: Double, tokensPerSecond: Double?) -> String {
        LatencyBadge.text(brain: brain, firstTokenSeconds: firstTokenSeconds, tokensPerSecond: tokensPerSecond)
    }
}
