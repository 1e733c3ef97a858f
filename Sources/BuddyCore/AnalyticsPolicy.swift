/// Product analytics events, content-free by construction: none of them can carry a transcript,
/// an answer or an element label. (The original sent full transcripts and answers to PostHog and
/// only stopped in Local Mode.) Conversation content can be attached only through
/// `AnalyticsPolicy.contentEvent`, which needs the user's explicit opt-in and never applies to a
/// local turn.
public enum AnalyticsEvent: Sendable, Equatable {
    case appOpened(version: String)
    case pushToTalkStarted
    case pushToTalkReleased
    case brainSelected(String)
    /// A question was answered: which brain, how long, how many characters — no text.
    case answered(brain: String, characters: Int, firstTokenSeconds: Double)
    case elementPointed
    case responseError(kind: String)

    public var name: String {
        switch self {
        case .appOpened: "app_opened"
        case .pushToTalkStarted: "push_to_talk_started"
        case .pushToTalkReleased: "push_to_talk_released"
        case .brainSelected: "brain_selected"
        case .answered: "ai_response_received"
        case .elementPointed: "element_pointed"
        case .responseError: "response_error"
        }
    }
}

/// An analytics event that carries conversation text; only `AnalyticsPolicy` makes them.
public struct ContentEvent: Sendable, Equatable {
    public let name: String
    public let text: String
    fileprivate init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// What may be sent to analytics at all.
public struct AnalyticsPolicy: Sendable, Equatable {
    /// Analytics on or off as a whole (off: nothing is sent, not even content-free events).
    public var enabled: Bool
    /// The user's explicit opt-in to include conversation text; off by default.
    public var includeConversationContent: Bool

    public init(enabled: Bool = false, includeConversationContent: Bool = false) {
        self.enabled = enabled
        self.includeConversationContent = includeConversationContent
    }

    /// `event`, if analytics are on.
    public func allows(_ event: AnalyticsEvent) -> AnalyticsEvent? { enabled ? event : nil }

    /// A transcript or answer event: only with analytics on, the content opt-in, and a cloud
    /// turn. A local turn's words never reach any network.
    public func contentEvent(_ name: String, text: String, origin: AnswerOrigin) -> ContentEvent? {
        guard enabled, includeConversationContent, origin == .cloud else { return nil }
        return ContentEvent(name: name, text: text)
    }
}
