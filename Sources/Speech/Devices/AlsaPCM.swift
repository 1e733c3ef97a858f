import BuddyCore
import CAlsa
import Foundation

/// One open ALSA PCM, 16-bit little-endian mono, for recording or for playing.
///
/// The device is always opened non-blocking: every wait is `snd_pcm_wait` with a short timeout,
/// so the thread that owns the device can notice a stop or a cancel within one timeout even
/// when no audio flows (a PulseAudio pipe source with no writer, a stalled sink), instead of
/// sleeping inside `snd_pcm_readi`/`snd_pcm_writei` for as long as the device likes.
///
/// `@unchecked Sendable`: an ALSA PCM may be used by one thread at a time. The owners (the
/// microphone's capture thread, the speaker's play thread) hand it over under their own lock
/// and never touch it from two threads at once.
final class AlsaPCM: @unchecked Sendable {
    enum Direction: Sendable {
        case capture, playback

        /// The "cannot open" error for this direction: no microphone, or no speaker.
        var missingDevice: AudioDeviceError.Kind { self == .capture ? .noMicrophone : .noSpeaker }
        var stream: snd_pcm_stream_t { self == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK }
    }

    let device: String
    let direction: Direction
    let sampleRate: Int
    private var handle: OpaquePointer?

    /// Opens `device` and sets it to S16_LE mono at `sampleRate` with about `latency` seconds of
    /// buffer (ALSA picks a period of a quarter of it). `soft_resample` is on, so a `plug`
    /// device ("default" on a bare card) converts rates that the hardware lacks.
    /// - Throws: `.noMicrophone`/`.noSpeaker` with ALSA's reason when the device cannot be
    ///   opened or does not take that format.
    init(device: String, direction: Direction, sampleRate: Int, latency: Double) throws(AudioDeviceError) {
        Self.silenceLibraryMessages
        self.device = device
        self.direction = direction
        self.sampleRate = sampleRate
        var opened: OpaquePointer?
        let status = snd_pcm_open(&opened, device, direction.stream, SND_PCM_NONBLOCK)
        guard status >= 0, let opened else {
            throw AudioDeviceError(direction.missingDevice, device: device, reason: Self.reason(status))
        }
        let microseconds = UInt32(max(10_000, min(1_000_000, latency * 1_000_000)))
        let configured = snd_pcm_set_params(opened, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                                            1, UInt32(sampleRate), 1, microseconds)
        guard configured >= 0 else {
            snd_pcm_close(opened)
            throw AudioDeviceError(direction.missingDevice, device: device,
                                   reason: "it does not take \(sampleRate) Hz mono 16-bit audio: \(Self.reason(configured))")
        }
        handle = opened
    }

    deinit { close() }

    /// alsa-lib writes its own lines to stderr for every failed open (nine of them when there is
    /// no sound card); the caller gets the reason in an `AudioDeviceError` instead. A static
    /// `let` runs the set-up once, thread-safely.
    private static let silenceLibraryMessages: Void = clicky_alsa_silence_errors()

    /// ALSA's words for a negative status ("No such file or directory", "Connection refused").
    static func reason(_ status: Int32) -> String { String(cString: snd_strerror(status)) }

    /// "pulse (IOPLUG)": the PCM's name and plugin type, for `clicky doctor`.
    var summary: String {
        guard let handle else { return "\(device) (closed)" }
        return "\(String(cString: snd_pcm_name(handle))) (\(String(cString: snd_pcm_type_name(snd_pcm_type(handle)))))"
    }

    var isRunning: Bool { handle.map { snd_pcm_state($0) == SND_PCM_STATE_RUNNING } ?? false }

    /// Readies the device for a new stream after `drain` or `drop` (both leave it stopped).
    func prepare() throws(AudioDeviceError) {
        try check(snd_pcm_prepare(try open()), doing: "prepare")
    }

    /// Starts a capture stream now; a capture that was never started would make `wait` time
    /// out for ever.
    func start() throws(AudioDeviceError) {
        let pcm = try open()
        if snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED { try check(snd_pcm_start(pcm), doing: "start") }
    }

    /// Waits at most `milliseconds` for the device to have room (playback) or audio (capture).
    /// An xrun found while waiting is recovered here; the next read or write goes on from it.
    func wait(milliseconds: Int32) throws(AudioDeviceError) {
        let pcm = try open()
        let status = snd_pcm_wait(pcm, milliseconds)
        if status < 0 { try recover(status, doing: "wait") }
    }

    /// Reads up to `buffer.count` frames without blocking: the number read, 0 when none is ready.
    func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws(AudioDeviceError) -> Int {
        let pcm = try open()
        let count = snd_pcm_readi(pcm, buffer.baseAddress, snd_pcm_uframes_t(buffer.count))
        return try frames(count, doing: "read")
    }

    /// Writes up to `samples.count` frames without blocking: the number taken, 0 when the
    /// buffer is full.
    func write(_ samples: UnsafeBufferPointer<Int16>) throws(AudioDeviceError) -> Int {
        let pcm = try open()
        let count = snd_pcm_writei(pcm, samples.baseAddress, snd_pcm_uframes_t(samples.count))
        return try frames(count, doing: "write")
    }

    /// Frames written but not yet heard (playback), or heard but not yet read (capture); nil
    /// when the device cannot tell.
    func pendingFrames() -> Int? {
        guard let handle else { return nil }
        var delay = snd_pcm_sframes_t()
        return snd_pcm_delay(handle, &delay) >= 0 ? Int(delay) : nil
    }

    /// Starts playing what has been written when the stream has not started yet (ALSA waits
    /// for a full buffer before it starts, and a short clip may never fill one).
    func startIfPrepared() {
        guard let handle, snd_pcm_state(handle) == SND_PCM_STATE_PREPARED else { return }
        snd_pcm_start(handle)
    }

    /// Plays out what is buffered. In non-blocking mode a hardware device answers -EAGAIN and
    /// goes on draining by itself; `isDraining` then says when it is done.
    func drain() {
        guard let handle else { return }
        _ = snd_pcm_drain(handle)
    }

    var isDraining: Bool { handle.map { snd_pcm_state($0) == SND_PCM_STATE_DRAINING } ?? false }

    /// Stops at once, throwing away what is buffered (barge-in, or the end of a recording).
    func drop() {
        guard let handle else { return }
        _ = snd_pcm_drop(handle)
    }

    func close() {
        guard let handle else { return }
        snd_pcm_close(handle)
        self.handle = nil
    }

    private func open() throws(AudioDeviceError) -> OpaquePointer {
        guard let handle else { throw AudioDeviceError(.deviceFailed, device: device, reason: "the device is closed") }
        return handle
    }

    /// A read/write result as a frame count: -EAGAIN is "nothing now"; an overrun, underrun
    /// or suspend is recovered and counts as nothing; anything else ends the stream.
    private func frames(_ count: snd_pcm_sframes_t, doing step: String) throws(AudioDeviceError) -> Int {
        if count >= 0 { return Int(count) }
        if count == -snd_pcm_sframes_t(EAGAIN) { return 0 }
        try recover(Int32(truncatingIfNeeded: count), doing: step)
        return 0
    }

    private func recover(_ status: Int32, doing step: String) throws(AudioDeviceError) {
        if status == -EAGAIN { return }
        let pcm = try open()
        // silent = 1: snd_pcm_recover would otherwise print "underrun occurred" itself.
        let recovered = snd_pcm_recover(pcm, status, 1)
        guard recovered >= 0 else {
            throw AudioDeviceError(.deviceFailed, device: device, reason: "\(step) failed: \(Self.reason(status))")
        }
        // A recovered capture stream is back in PREPARED and, unlike playback, does not start
        // again by itself on the next wait.
        if direction == .capture { snd_pcm_start(pcm) }
    }

    private func check(_ status: Int32, doing step: String) throws(AudioDeviceError) {
        guard status >= 0 else {
            throw AudioDeviceError(.deviceFailed, device: device, reason: "\(step) failed: \(Self.reason(status))")
        }
    }
}
