/// The ears' shared types: what a recording is once read, and what can go wrong. The stages
/// (WAV reading, resampling, log-mel, the CTranslate2 model file, the Whisper network and its
/// decoding) live in their own folders and meet only through these.

// `AudioClip` (mono samples at a rate) is BuddyCore's, shared with the voice loop's seams;
// re-exported so users of Speech see it.
@_exported import BuddyCore

/// Why speech could not be read or recognised, as one line; `isInvalidInput` selects the
/// command line's exit code 3 (a malformed WAV, a corrupt model file).
public enum SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a WAV we can read (truncated, malformed header, …).
    case invalidAudio(path: String, reason: String)
    /// A well-formed WAV in an encoding we do not read (e.g. μ-law, 12-bit, 8 channels).
    case unsupportedAudio(path: String, reason: String)
    /// The model directory or one of its files is missing, corrupt or not a Whisper model.
    case invalidModel(path: String, reason: String)
    /// Reading a file failed for a reason outside its contents.
    case io(path: String, reason: String)

    public var isInvalidInput: Bool {
        switch self {
        case .invalidAudio, .unsupportedAudio, .invalidModel: true
        case .io: false
        }
    }

    public var description: String {
        switch self {
        case .invalidAudio(let path, let reason): "\(path): not readable audio: \(reason)"
        case .unsupportedAudio(let path, let reason): "\(path): unsupported audio: \(reason)"
        case .invalidModel(let path, let reason): "\(path): not a usable Whisper model: \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        }
    }
}
