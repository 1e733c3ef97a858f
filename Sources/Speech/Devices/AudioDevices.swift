import BuddyCore
import Foundation

/// What `clicky doctor` checks about the sound devices: that the microphone opens and audio
/// comes out of it, and that the speaker opens. Nothing is played (a check should not beep).
public enum AudioDevices {
    /// How long the microphone check waits for the first audio. A PulseAudio pipe source with
    /// no writer, or a muted-by-hardware device, delivers nothing at all; the check must end.
    public static let microphoneTimeout = 0.5

    /// Opens `device` for recording at 16 kHz mono and reads the first audio from it.
    /// - Returns: a line such as `ALSA "default" → default (IOPLUG), 16000 Hz mono, 20 ms read,
    ///   peak -23 dBFS`; or `.noMicrophone` when it does not open, `.deviceFailed` when it opens
    ///   but no audio arrives within `microphoneTimeout`.
    public static func checkMicrophone(device: String = "default") -> Result<String, AudioDeviceError> {
        let rate = AlsaMicrophone.sampleRate
        let pcm: AlsaPCM
        do {
            pcm = try AlsaPCM(device: device, direction: .capture, sampleRate: rate, latency: 0.08)
            try pcm.start()
        } catch {
            return .failure(error)
        }
        defer {
            pcm.drop()
            pcm.close()
        }
        var buffer = [Int16](repeating: 0, count: rate / 50)      // 20 ms
        var frames = 0
        let deadline = Date().addingTimeInterval(microphoneTimeout)
        do {
            while frames < buffer.count, Date() < deadline {
                try pcm.wait(milliseconds: 20)
                frames += try buffer.withUnsafeMutableBufferPointer { whole throws(AudioDeviceError) in
                    try pcm.read(into: UnsafeMutableBufferPointer(rebasing: whole[frames...]))
                }
            }
        } catch {
            return .failure(error)
        }
        guard frames > 0 else {
            return .failure(AudioDeviceError(.deviceFailed, device: device,
                                             reason: "it opened, but no audio arrived within \(Int(microphoneTimeout * 1000)) ms"))
        }
        let peak = buffer[0..<frames].map { abs(Int($0)) }.max() ?? 0
        let peakText = peak == 0 ? "silent" : String(format: "peak %.0f dBFS", 20 * log10(Double(peak) / 32_768))
        return .success("ALSA \"\(device)\" → \(pcm.summary), \(rate) Hz mono, \(frames * 1000 / rate) ms read, \(peakText)")
    }

    /// Opens `device` for playing 16 kHz mono and closes it again, without a sound.
    /// - Returns: a line such as `ALSA "default" → default (IOPLUG), 16000 Hz mono`; or
    ///   `.noSpeaker` when it does not open.
    public static func checkSpeaker(device: String = "default") -> Result<String, AudioDeviceError> {
        let rate = AlsaMicrophone.sampleRate
        do {
            let pcm = try AlsaPCM(device: device, direction: .playback, sampleRate: rate, latency: 0.08)
            defer { pcm.close() }
            return .success("ALSA \"\(device)\" → \(pcm.summary), \(rate) Hz mono")
        } catch {
            return .failure(error)
        }
    }
}
