/// The seams of the voice loop: a microphone, a voice that turns a sentence into sound, and a
/// speaker. Adapters live in `Speech` (ALSA devices, flite, espeak-ng) and `BuddyProviders`
/// (ElevenLabs); the loop itself (`VoiceLoop`) only sees these.

/// Mono audio as floats in -1…1 at `sampleRate` samples per second.
public struct AudioClip: Sendable, Equatable {
    public var samples: [Float]
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    public var seconds: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}

/// The default microphone, recording 16 kHz mono while the talk key is held.
public protocol Microphone: Sendable {
    /// Starts recording. `level` is called about every 50 ms, from any thread, with the loudness
    /// of the last stretch in 0…1 (for the overlay's waveform). Throws `AudioDeviceError` when
    /// there is no microphone.
    func start(level: @escaping @Sendable (Double) -> Void) async throws
    /// Stops recording and returns everything heard since `start`: 16 kHz mono samples.
    func stop() async -> [Float]
}

/// A voice: one sentence of text to audio (flite, espeak-ng, ElevenLabs).
public protocol SpeechSynthesizer: Sendable {
    /// Whether speaking sends the text off this machine. Local Mode and offline turns never use
    /// a voice that does.
    var needsInternet: Bool { get }
    func synthesize(_ text: String) async throws -> AudioClip
}

/// The default output device.
public protocol Speaker: Sendable {
    /// Plays `clip` and returns when it has been played out. Cancelling the calling task stops
    /// the sound within 100 ms (what is still buffered is dropped, not drained) and returns
    /// (throwing `CancellationError`). Throws `AudioDeviceError` when there is no output device.
    func play(_ clip: AudioClip) async throws
}

/// Why an audio device could not be used, as one line saying what to do.
public struct AudioDeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case noMicrophone
        case noSpeaker
        /// The device opened but failed while in use.
        case deviceFailed
    }
    public var kind: Kind
    /// The device name as the audio system knows it ("default", "pulse", "hw:0").
    public var device: String
    /// The audio system's own reason.
    public var reason: String

    public init(_ kind: Kind, device: String, reason: String) {
        self.kind = kind
        self.device = device
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .noMicrophone:
            "no microphone: cannot record from ALSA device \"\(device)\" (\(reason)); plug one in or start PulseAudio/PipeWire, and run `clicky doctor`"
        case .noSpeaker:
            "no speaker: cannot play to ALSA device \"\(device)\" (\(reason)); start PulseAudio/PipeWire or check `aplay -l`, and run `clicky doctor`"
        case .deviceFailed:
            "audio device \"\(device)\" failed: \(reason)"
        }
    }
}
