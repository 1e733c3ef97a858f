/// Where an answer asks the buddy to point: the trailing `[POINT:…]` tag of a cloud answer.
///
/// Grammar (the original's, `clicky-behaviour.md` §1.9, with its `:screenN` edge case fixed):
/// the tag must be the last thing in the answer (trailing whitespace allowed); a tag anywhere
/// else is ordinary text. Forms: `[POINT:none]`, `[POINT:x,y]`, `[POINT:x,y:label]`,
/// `[POINT:x,y:label:screenN]` and `[POINT:x,y:screenN]` — which the original read as the label
/// "screenN"; here it names the screen. `x` and `y` are non-negative integers (whitespace allowed
/// around the comma), in pixels of the labelled screenshot; a label may not contain `:` or `]`
/// and is trimmed; `N` counts screens from 1 as the image labels do.
public struct PointTag: Sendable, Equatable {
    /// Screenshot pixel coordinates, origin top-left.
    public var x: Int
    public var y: Int
    /// A short name for the element ("color inspector"), shown in the bubble.
    public var label: String?
    /// 1-based screen number from the image labels, when the tag names one.
    public var screen: Int?

    public init(x: Int, y: Int, label: String? = nil, screen: Int? = nil) {
        self.x = x
        self.y = y
        self.label = label
        self.screen = screen
    }
}

/// An answer split into what is spoken and where to point.
public struct PointedAnswer: Sendable, Equatable {
    /// The text before the tag, trimmed: what is spoken and kept in history.
    public var spokenText: String
    /// The target, or nil for `[POINT:none]` and for answers without a tag.
    public var target: PointTag?
    /// True when the answer ended in `[POINT:none]` (the model chose not to point).
    public var declined: Bool

    /// Splits `answer` at its trailing tag. A malformed trailing tag is left in the text.
    public init(parsing answer: String) {
        let trimmed = answer.trimmingWhitespace
        guard trimmed.hasSuffix("]"), let open = trimmed.ranges(of: "[POINT:").last,
              let tag = Self.tag(String(trimmed[open.upperBound...].dropLast())) else {
            spokenText = trimmed
            target = nil
            declined = false
            return
        }
        spokenText = String(trimmed[..<open.lowerBound]).trimmingWhitespace
        switch tag {
        case .none:
            target = nil
            declined = true
        case .point(let point):
            target = point
            declined = false
        }
    }

    private enum Body { case none, point(PointTag) }

    /// The body between `[POINT:` and the closing bracket; nil when it is not a valid tag.
    private static func tag(_ body: String) -> Body? {
        if body == "none" { return Body.none }
        guard !body.contains("]"), !body.contains("[") else { return nil }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count) else { return nil }
        let coordinates = parts[0].split(separator: ",", omittingEmptySubsequences: false)
        guard coordinates.count == 2,
              let x = integer(String(coordinates[0]).trimmingWhitespace),
              let y = integer(String(coordinates[1]).trimmingWhitespace) else { return nil }
        var tag = PointTag(x: x, y: y)
        switch parts.count {
        case 2:
            if let screen = screenNumber(parts[1]) { tag.screen = screen } else { tag.label = label(parts[1]) }
            if tag.screen == nil && tag.label == nil { return nil }
        case 3:
            guard let label = label(parts[1]), let screen = screenNumber(parts[2]) else { return nil }
            tag.label = label
            tag.screen = screen
        default:
            break
        }
        return .point(tag)
    }

    private static func label(_ text: String) -> String? {
        let label = text.trimmingWhitespace
        return label.isEmpty ? nil : label
    }

    /// `screen` followed by digits, exactly.
    private static func screenNumber(_ text: String) -> Int? {
        guard text.hasPrefix("screen") else { return nil }
        return integer(String(text.dropFirst("screen".count)))
    }

    /// ASCII digits only (no sign, no decimals), and small enough to be a pixel or screen index.
    private static func integer(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }
}
