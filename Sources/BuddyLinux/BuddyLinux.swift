import CImage
import CX11

/// The desktop adapters on X11 (issue 8): the overlay beside the cursor, the push-to-talk
/// hotkey, screen capture for cloud brains. Only this module talks to X11; the buddy's logic
/// sees the `Overlay` and `ScreenCapturer` seams of BuddyCore.
public enum BuddyLinux {}
