/// The seams to the machine: ears, voice, eyes, the overlay, the network and analytics. Adapters
/// live in leaf modules (`BuddyProviders`, `BuddyLinux`, `Speech`) and are injected.

/// A screenshot of one monitor, as attached to a cloud question.
public struct ScreenImage: Sendable, Equatable {
    /// The encoded image (JPEG from the capture adapter; PNG accepted — the media type is sniffed).
    public var bytes: [UInt8]
    /// The text sent with it ("screen 1 of 2 — cursor is on this screen (primary focus) …").
    public var label: String
    /// Its size and the monitor it shows, for mapping a POINT back to the desktop.
    public var capture: ScreenCapture

    public init(bytes: [UInt8], label: String, capture: ScreenCapture) {
        self.bytes = bytes
        self.label = label
        self.capture = capture
    }

    /// `image/png` for PNG bytes, else `image/jpeg` (the API wants the declared type to match).
    public var mediaType: String {
        bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "image/png" : "image/jpeg"
    }
}

/// Takes screenshots of every monitor, the cursor's first. Reached only from a cloud turn.
public protocol ScreenCapturer: Sendable {
    func captureScreens() async throws -> [ScreenImage]
}

/// Speech to text for one recording (16 kHz mono samples in -1…1).
public protocol SpeechToText: Sendable {
    func transcribe(_ samples: [Float]) async throws -> String
}

/// What the overlay beside the cursor shows.
public enum OverlayState: Sendable, Equatable {
    case idle
    /// Listening, with the microphone level 0…1 for the waveform.
    case listening(level: Double)
    case thinking
    /// Answering, with the latency badge text.
    case answering(badge: String)
}

/// The overlay beside the cursor.
public protocol Overlay: Sendable {
    func show(_ state: OverlayState) async
    /// Flies to `point` on the desktop, shows `label`, holds, flies back.
    func point(at point: DesktopPoint, label: String?) async
}

/// Whether the machine can reach the network now. Cheap: asked once per turn.
public protocol NetworkStatus: Sendable {
    func isOnline() async -> Bool
}

/// Where analytics go. Recording never blocks a turn; `flush` is for exit.
public protocol AnalyticsSink: Sendable {
    func record(_ event: AnalyticsEvent)
    /// An event with conversation text; only `AnalyticsPolicy.contentEvent` can make one.
    func record(_ event: ContentEvent)
    func flush() async
}
