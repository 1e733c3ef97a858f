import Foundation

/// The push-to-talk chord as the user writes it in settings: modifiers and at most one key,
/// joined by "+" — "ctrl+alt" (the default, like the original's Control+Option), "ctrl+shift",
/// "super+space", "F9". Parsing is pure so it can be checked without a display.
public struct HotkeyChord: Sendable, Equatable, CustomStringConvertible {
    public enum Modifier: String, Sendable, CaseIterable {
        case ctrl, alt, shift, `super`
    }

    public var modifiers: Set<Modifier>
    /// An X keysym name ("space", "F9", "m"); nil for a chord of modifiers only.
    public var key: String?

    public static let pushToTalk = HotkeyChord(modifiers: [.ctrl, .alt], key: nil)

    public init(modifiers: Set<Modifier>, key: String?) {
        self.modifiers = modifiers
        self.key = key
    }

    /// Parses "ctrl+alt", "Control+Option", "super+space", "F9"; nil for an empty chord, an
    /// unknown word in modifier position, two keys, or a single modifier (it would fire on every
    /// shortcut that uses it).
    public init?(parsing text: String) {
        let aliases: [String: Modifier] = ["ctrl": .ctrl, "control": .ctrl, "alt": .alt, "option": .alt, "meta": .alt,
                                           "shift": .shift, "super": .super, "win": .super, "cmd": .super]
        var modifiers: Set<Modifier> = []
        var key: String?
        for part in text.split(separator: "+", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard !part.isEmpty else { return nil }
            if let modifier = aliases[part.lowercased()] {
                modifiers.insert(modifier)
            } else {
                guard key == nil else { return nil }
                key = part
            }
        }
        guard key != nil || modifiers.count >= 2 else { return nil }
        self.modifiers = modifiers
        self.key = key
    }

    public var description: String {
        (Modifier.allCases.filter(modifiers.contains).map(\.rawValue) + (key.map { [$0] } ?? [])).joined(separator: "+")
    }
}

/// What a chord press means.
public enum HotkeyEvent: Sendable, Equatable {
    case talkPressed
    case talkReleased
    /// Escape while a turn is in flight.
    case cancel
    /// Ctrl+Alt+M: the next brain.
    case cycleBrain
}
