/// The brain the user picked: one brain, or `auto` (the router decides per question).
public enum BrainMode: String, Sendable, Equatable, CaseIterable {
    case local, sonnet, opus, openai, auto

    /// True for the brains that run elsewhere.
    public var isCloud: Bool { self == .sonnet || self == .opus || self == .openai }
}

/// Whether the local model can answer now (the original's readiness states).
public enum LocalReadiness: Sendable, Equatable {
    case notDownloaded
    case downloading(fraction: Double)
    case loading
    case ready
    case failed(String)
}

/// How one question will be answered, decided before anything is captured or sent.
public enum TurnPlan: Sendable, Equatable {
    /// Answer on this machine. There is deliberately no screen here: a local turn has nothing
    /// to capture with, so the capture adapter is never reached.
    case local(badgeName: String)
    /// Answer with a cloud brain, which is shown the screens and may point.
    case cloud(BrainMode, badgeName: String)
    /// Do not ask anyone; say this line (no request is made).
    case refuse(TurnMachine.Failure)
}

/// Chooses the brain for a question (issue 5, scopes 6–7): the mode is read once per turn, so a
/// mode change mid-answer cannot mix brains; a cloud brain while offline fails fast with the
/// spoken nudge (the original waited up to two minutes); a local brain that is not ready says
/// it is warming up; `auto` asks the router and shows its choice in the badge.
public enum TurnPlanner {
    public static func plan(question: String, mode: BrainMode, isOnline: Bool, local: LocalReadiness) -> TurnPlan {
        switch mode {
        case .local:
            return local == .ready ? .local(badgeName: "local") : .refuse(.localNotReady)
        case .sonnet, .opus, .openai:
            return isOnline ? .cloud(mode, badgeName: "cloud") : .refuse(.offline)
        case .auto:
            switch BrainRouter.route(question, isOnline: isOnline) {
            case .cloud:
                return .cloud(.sonnet, badgeName: LatencyBadge.routed(to: "cloud"))
            case .local:
                if local == .ready { return .local(badgeName: LatencyBadge.routed(to: "local")) }
                // Online and the local model is not ready: the cloud can still answer.
                return isOnline ? .cloud(.sonnet, badgeName: LatencyBadge.routed(to: "cloud")) : .refuse(.localNotReady)
            }
        }
    }
}
