/// The buddy's mind: picks the brain for each question, asks it, keeps the history and reports
/// analytics — with the privacy rules built in. Adapters (brains, capturer, network status,
/// analytics) are injected; nothing here does I/O itself.
///
/// One `ask` is one turn. The mode is read once when the turn starts, so switching brains
/// mid-answer cannot mix them. A cloud brain while offline, or a local model that is not ready,
/// refuses at once with its spoken line and asks no one.
public actor Buddy {
    /// The brains that are set up. Cloud brains without a key or address are simply absent.
    public struct Brains: Sendable {
        public var local: (any LocalBrain)?
        /// Keyed by `.sonnet`, `.opus`, `.openai`.
        public var remote: [BrainMode: any RemoteBrain]

        public init(local: (any LocalBrain)?, remote: [BrainMode: any RemoteBrain] = [:]) {
            self.local = local
            self.remote = remote
        }
    }

    private let brains: Brains
    private let capturer: (any ScreenCapturer)?
    private let network: any NetworkStatus
    private let analytics: (any AnalyticsSink)?
    private let policy: AnalyticsPolicy
    private let maxTokens: Int
    public private(set) var mode: BrainMode
    public private(set) var history: ConversationHistory
    private var saidTextOnly = false

    public init(brains: Brains, mode: BrainMode, capturer: (any ScreenCapturer)?, network: any NetworkStatus,
                analytics: (any AnalyticsSink)? = nil, policy: AnalyticsPolicy = AnalyticsPolicy(),
                history: ConversationHistory = ConversationHistory(), maxTokens: Int = 1024) {
        self.brains = brains
        self.maxTokens = maxTokens
        self.mode = mode
        self.capturer = capturer
        self.network = network
        self.analytics = analytics
        self.policy = policy
        self.history = history
    }

    public func setMode(_ newMode: BrainMode) {
        mode = newMode
        track(.brainSelected(newMode.rawValue))
    }

    public func forgetHistory() { history.clear() }

    /// Asks `question` and streams the turn. `wantsScreens`: show the screens to a cloud brain
    /// (ignored by local turns, which cannot capture). Cancelling the consumer stops the brain.
    /// The stream fails with `BrainError` (or `CancellationError`).
    public nonisolated func ask(_ question: String, wantsScreens: Bool) -> AsyncThrowingStream<TurnEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.runTurn(question, wantsScreens: wantsScreens) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func runTurn(_ question: String, wantsScreens: Bool, emit: @escaping @Sendable (TurnEvent) -> Void) async throws {
        let mode = self.mode
        // A chosen server on this machine needs no network; everything else asks the route table.
        let onMachine = mode.isCloud && brains.remote[mode].map { !$0.needsInternet } == true
        let online = onMachine ? true : await network.isOnline()
        let readiness = await brains.local?.readiness() ?? .notDownloaded
        let plan = resolve(TurnPlanner.plan(question: question, mode: mode, isOnline: online, local: readiness),
                           mode: mode, readiness: readiness)
        let outcome: TurnOutcome
        do {
            switch plan {
            case .refuse(let failure):
                track(.responseError(kind: failure.analyticsKind))
                emit(.refused(failure, line: SpokenLines.line(for: failure)))
                return
            case .local(let brainName):
                guard let local = brains.local else { throw BrainError.local("no local model is set up") }
                let turn = LocalTurn(brain: local, brainName: brainName)
                outcome = try await turn.run(brainQuestion(question, system: BuddyPrompts.local, for: .local), emit: emit)
            case .cloud(let brainMode, let brainName):
                guard let remote = remoteBrain(for: brainMode, auto: mode == .auto) else {
                    throw BrainError.notConfigured(Self.setupHint(for: brainMode))
                }
                let turn = CloudTurn(brain: remote, brainName: brainName, capturer: capturer)
                let notice = TextOnlyNotice(alreadySaid: saidTextOnly)
                outcome = try await turn.run(brainQuestion(question, system: BuddyPrompts.cloud, for: .cloud),
                                             wantsScreens: wantsScreens,
                                             textOnlyNotice: { notice.say($0, emit: emit) }, emit: emit)
                if notice.said { saidTextOnly = true }
            }
        } catch {
            track(.responseError(kind: (error as? BrainError).map(Self.kind) ?? "cancelled"))
            throw error
        }
        finish(question: question, outcome: outcome)
        emit(.finished(outcome))
    }

    /// `auto` without any cloud brain set up answers locally when it can.
    private func resolve(_ plan: TurnPlan, mode: BrainMode, readiness: LocalReadiness) -> TurnPlan {
        if mode == .auto, case .cloud = plan, brains.remote.isEmpty, readiness == .ready {
            return .local(badgeName: LatencyBadge.routed(to: "local"))
        }
        return plan
    }

    /// The brain for a cloud plan; `auto` takes Sonnet, else whichever cloud brain is set up.
    private func remoteBrain(for mode: BrainMode, auto: Bool) -> (any RemoteBrain)? {
        if let brain = brains.remote[mode] { return brain }
        guard auto else { return nil }
        return [BrainMode.opus, .openai].lazy.compactMap { self.brains.remote[$0] }.first
    }

    private func brainQuestion(_ text: String, system: String, for origin: AnswerOrigin) -> BrainQuestion {
        BrainQuestion(system: system, history: history.context(for: origin), question: text, maxTokens: maxTokens)
    }

    private func finish(question: String, outcome: TurnOutcome) {
        history.append(Exchange(question: question, answer: outcome.spokenText, origin: outcome.origin))
        // With the content opt-in (cloud turns only) the answer event carries the text, as the
        // original's did; otherwise the same event goes without it. Never both.
        let transcript = policy.contentEvent("user_message_sent", text: question, origin: outcome.origin)
        let response = policy.contentEvent("ai_response_received", text: outcome.spokenText, origin: outcome.origin)
        if let analytics, let transcript, let response {
            analytics.record(transcript)
            analytics.record(response)
        } else {
            track(.answered(brain: outcome.brainName, characters: outcome.spokenText.count,
                            firstTokenSeconds: outcome.record.firstTokenSeconds ?? 0))
        }
        if outcome.point != nil { track(.elementPointed) }
    }

    private func track(_ event: AnalyticsEvent) {
        if let analytics, let allowed = policy.allows(event) { analytics.record(allowed) }
    }

    static func setupHint(for mode: BrainMode) -> String {
        switch mode {
        case .openai: "the openai brain needs OPENAI_BASE_URL (and OPENAI_API_KEY if the server wants one)"
        default: "the \(mode.rawValue) brain needs ANTHROPIC_API_KEY or CLICKY_WORKER_URL"
        }
    }

    static func kind(_ error: BrainError) -> String {
        switch error {
        case .offline: "offline"
        case .connectionLost: "connection_lost"
        case .notConfigured: "not_configured"
        case .authentication: "authentication"
        case .permission: "permission"
        case .requestTooLarge: "request_too_large"
        case .rateLimited: "rate_limited"
        case .rejected: "rejected"
        case .serverFailed: "server_failed"
        case .failedMidAnswer: "failed_mid_answer"
        case .invalidResponse: "invalid_response"
        case .local: "local"
        }
    }
}

/// Says "answering without the screen" at most once per buddy.
private final class TextOnlyNotice: @unchecked Sendable {
    // Touched only from the one turn task that owns it (sequentially), never concurrently.
    private(set) var said: Bool

    init(alreadySaid: Bool) { said = alreadySaid }

    func say(_ reason: String, emit: @Sendable (TurnEvent) -> Void) {
        guard !said else { return }
        said = true
        emit(.textOnly(reason: reason))
    }
}

extension TurnMachine.Failure {
    var analyticsKind: String {
        switch self {
        case .localNotReady: "local_not_ready"
        case .offline: "offline"
        case .brainFailed(let local): local ? "local_failed" : "cloud_failed"
        case .hearingFailed: "hearing_failed"
        }
    }
}
