/// Why the overlay could not start. Each case reads as one line for the terminal.
public enum OverlayError: Error, Equatable, CustomStringConvertible {
    /// Neither a display name was given nor DISPLAY set (a Wayland-only or headless session).
    case noDisplay
    /// XOpenDisplay refused the named display (no server, or no permission).
    case cannotOpen(String)

    public var description: String {
        switch self {
        case .noDisplay: "no X display: DISPLAY is not set, so the buddy cannot appear beside the cursor"
        case .cannotOpen(let name): "cannot open X display \(name): is the X server running and reachable?"
        }
    }
}
