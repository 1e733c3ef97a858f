import Foundation

/// Writes `AudioClip`s as WAV files: RIFF/WAVE, 16-bit signed PCM, mono, at the clip's rate.
public enum WAVWriter {
    /// Writes `clip` to `path` atomically: the bytes go to a temporary file beside `path`, which
    /// is then renamed over it, so a reader never sees a half-written file. Samples outside
    /// -1…1 are clipped (non-finite ones become silence); a failure to write is `.io`.
    public static func write(_ clip: AudioClip, to path: String) throws(SpeechError) {
        let bytes = encode(clip)
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            throw .io(path: path, reason: "cannot write the file: \(error.localizedDescription)")
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .io(path: path, reason: "cannot write the file: \(reason)")
        }
    }

    /// The bytes of a 16-bit PCM mono WAV file holding `clip`.
    public static func encode(_ clip: AudioClip) -> [UInt8] {
        let dataSize = clip.samples.count * 2
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44 + dataSize)
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: Array("RIFF".utf8))
        append32(UInt32(truncatingIfNeeded: 36 + dataSize))
        bytes.append(contentsOf: Array("WAVEfmt ".utf8))
        append32(16)
        append16(1)                                           // PCM
        append16(1)                                           // mono
        append32(UInt32(truncatingIfNeeded: clip.sampleRate))
        append32(UInt32(truncatingIfNeeded: clip.sampleRate * 2)) // byte rate
        append16(2)                                           // block align
        append16(16)                                          // bits per sample
        bytes.append(contentsOf: Array("data".utf8))
        append32(UInt32(truncatingIfNeeded: dataSize))
        for sample in clip.samples {
            // The reader's scale (÷ 2^15), so a clip read and written again is unchanged.
            let scaled = sample.isFinite ? (sample * 32768).rounded() : 0
            append16(UInt16(bitPattern: Int16(min(32767, max(-32768, scaled)))))
        }
        return bytes
    }
}
