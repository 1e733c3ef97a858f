/// Which brain answered an exchange: what decides where it may be sent later.
public enum AnswerOrigin: Sendable, Equatable {
    /// This machine's engine: the exchange never left it.
    case local
    /// A cloud brain, which has seen it already.
    case cloud
}

/// One question and its spoken answer (POINT tags already removed).
public struct Exchange: Sendable, Equatable {
    public var question: String
    public var answer: String
    public var origin: AnswerOrigin

    public init(question: String, answer: String, origin: AnswerOrigin) {
        self.question = question
        self.answer = answer
        self.origin = origin
    }
}

/// The last exchanges of a session, shared by every brain — with the privacy rule the original
/// lacked: exchanges answered locally are never sent to a cloud brain as history unless the user
/// turned that on (`shareLocalHistoryWithCloud`). The original capped history at 10 exchanges.
public struct ConversationHistory: Sendable, Equatable {
    public static let limit = 10
    public private(set) var exchanges: [Exchange] = []
    /// The user's explicit opt-in to give cloud brains the local exchanges as context.
    public var shareLocalHistoryWithCloud: Bool

    public init(shareLocalHistoryWithCloud: Bool = false) {
        self.shareLocalHistoryWithCloud = shareLocalHistoryWithCloud
    }

    public mutating func append(_ exchange: Exchange) {
        exchanges.append(exchange)
        if exchanges.count > Self.limit { exchanges.removeFirst(exchanges.count - Self.limit) }
    }

    public mutating func clear() { exchanges.removeAll() }

    /// What a brain of `origin` may be given: everything for the local brain (nothing leaves
    /// the machine); for a cloud brain, only what a cloud brain already saw, unless opted in.
    public func context(for origin: AnswerOrigin) -> [Exchange] {
        switch origin {
        case .local: exchanges
        case .cloud: shareLocalHistoryWithCloud ? exchanges : exchanges.filter { $0.origin == .cloud }
        }
    }
}
