/// Where a cloud answer pointed, mapped onto the desktop.
public struct PointTarget: Sendable, Equatable {
    /// The tag as the brain wrote it (screenshot pixels, screen number).
    public var tag: PointTag
    /// The 0-based index of the capture it refers to.
    public var captureIndex: Int
    /// The point on the X11 desktop.
    public var desktop: DesktopPoint

    public init(tag: PointTag, captureIndex: Int, desktop: DesktopPoint) {
        self.tag = tag
        self.captureIndex = captureIndex
        self.desktop = desktop
    }
}

/// How a turn went, once it is over.
public struct TurnOutcome: Sendable, Equatable {
    /// Who answered as the badge names it: "local", "cloud", "auto→local", "auto→cloud".
    public var brainName: String
    /// Whether the answer stayed on this machine.
    public var origin: AnswerOrigin
    /// The answer without its POINT tag, trimmed: what was spoken and kept in history.
    public var spokenText: String
    /// The latency chip ("local · 0.6s · 58 tok/s"), nil when no text came.
    public var badge: String?
    public var record: BrainRecord
    /// Where to point; nil for local answers, text-only turns and `[POINT:none]`.
    public var point: PointTarget?
    /// Screenshots that were sent with the question.
    public var screensShown: Int

    public init(brainName: String, origin: AnswerOrigin, spokenText: String, badge: String?, record: BrainRecord,
                point: PointTarget?, screensShown: Int) {
        self.brainName = brainName
        self.origin = origin
        self.spokenText = spokenText
        self.badge = badge
        self.record = record
        self.point = point
        self.screensShown = screensShown
    }
}

/// What a turn reports as it runs.
public enum TurnEvent: Sendable, Equatable {
    /// A brain was chosen and is being asked; `screens` screenshots go with the question.
    case asking(brainName: String, screens: Int)
    /// Text to speak, as it streams (a trailing POINT tag never appears here).
    case text(String)
    /// Nobody was asked (offline with a cloud brain, local model not ready): say `line`.
    case refused(TurnMachine.Failure, line: String)
    /// The cloud turn goes without screenshots (no display, or not wanted), said once.
    case textOnly(reason: String)
    case finished(TurnOutcome)
}
