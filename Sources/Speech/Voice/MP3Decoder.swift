import CMpg123
import Foundation

/// Decodes a whole MP3 held in memory (what a Clicky worker's `/tts` route answers with) into a
/// mono clip, with libmpg123 in feed mode: all bytes are handed over at once and decoded until
/// the library asks for more.
///
/// - Channels are averaged into mono; the rate is the stream's own (no resampling here).
/// - Gapless: an Info/Xing frame's encoder delay and padding are trimmed, so a LAME file
///   decodes to the samples that were encoded.
/// - Refused as `invalidAudio`: no bytes, no MPEG audio frame at all, a stream cut short (fewer
///   samples than its Info/Xing frame declares, or a last frame missing its end), a decoding
///   error. A rate or channel change mid-stream is `unsupportedAudio`. Never a crash: every
///   libmpg123 result is checked.
public enum MP3Decoder {
    /// Decodes `bytes`; `name` only names the audio in errors ("the worker's /tts reply").
    public static func decode(_ bytes: [UInt8], name: String = "MP3 audio") throws(SpeechError) -> AudioClip {
        func invalid(_ reason: String) -> SpeechError { .invalidAudio(path: name, reason: reason) }
        guard !bytes.isEmpty else { throw invalid("no bytes: an empty MP3") }
        let decoder = try Handle(name: name)
        try decoder.feed(bytes)
        var stream = Stream()
        try decoder.drain(into: &stream)
        guard let format = stream.format, !stream.samples.isEmpty else {
            throw invalid("no MPEG audio frame in \(bytes.count) bytes: not an MP3")
        }
        let declared = decoder.declaredLength
        if declared > stream.samples.count {
            throw invalid("truncated: \(stream.samples.count) of the \(declared) samples its header declares")
        }
        let unread = decoder.unreadBytes
        if unread > 0, !isTrailingTag(bytes.suffix(unread)) {
            throw invalid("truncated: the last \(unread) bytes are not a whole frame")
        }
        return AudioClip(samples: stream.samples, sampleRate: format.rate)
    }

    /// Metadata that may follow the last frame and that libmpg123 leaves unread in feed mode:
    /// an ID3v1 tag, an APE tag or a Lyrics3 block.
    static func isTrailingTag(_ tail: ArraySlice<UInt8>) -> Bool {
        let start = String(decoding: tail.prefix(11), as: UTF8.self)
        return start.hasPrefix("TAG") || start.hasPrefix("APETAGEX") || start.hasPrefix("LYRICSBEGIN")
    }

    /// The decoded audio so far and the format it is in.
    struct Stream {
        struct Format: Equatable {
            var rate: Int
            var channels: Int
            var isFloat: Bool
        }
        var format: Format?
        var samples: [Float] = []

        /// Appends `count` bytes of interleaved output as mono.
        mutating func append(_ raw: UnsafeRawBufferPointer, count: Int) {
            guard let format, format.channels > 0, let base = raw.baseAddress else { return }
            let width = format.isFloat ? 4 : 2
            let frames = count / (width * format.channels)
            let scale = 1 / Float(format.channels)
            samples.reserveCapacity(samples.count + frames)
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<format.channels {
                    let at = (frame * format.channels + channel) * width
                    sum += format.isFloat
                        ? base.loadUnaligned(fromByteOffset: at, as: Float.self)
                        : Float(base.loadUnaligned(fromByteOffset: at, as: Int16.self)) * (1 / 32_768)
                }
                samples.append(sum * scale)
            }
        }
    }

    /// One libmpg123 decoder, deleted when it goes away.
    final class Handle {
        private let handle: OpaquePointer
        private let name: String

        init(name: String) throws(SpeechError) {
            self.name = name
            var error: Int32 = 0
            guard let made = mpg123_new(nil, &error) else {
                throw .io(path: name, reason: "cannot start the MP3 decoder: \(String(cString: mpg123_plain_strerror(error)))")
            }
            handle = made
            // Quiet: the library would otherwise print its complaints about bad input to stderr.
            // Only float or 16-bit output, at any rate, mono or stereo, so the reader below
            // knows every format it can be handed.
            let encodings = Int32(MPG123_ENC_FLOAT_32.rawValue) | Int32(MPG123_ENC_SIGNED_16.rawValue)
            let channels = Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue)
            guard mpg123_param2(handle, Int32(MPG123_ADD_FLAGS.rawValue), Int(MPG123_QUIET.rawValue), 0) == MPG123_OK.rawValue,
                  mpg123_format_none(handle) == MPG123_OK.rawValue,
                  mpg123_format2(handle, 0, channels, encodings) == MPG123_OK.rawValue,
                  mpg123_open_feed(handle) == MPG123_OK.rawValue else {
                throw .io(path: name, reason: "cannot set up the MP3 decoder: \(message)")
            }
        }

        deinit { mpg123_delete(handle) }

        /// The library's description of its last error.
        var message: String { String(cString: mpg123_strerror(handle)) }

        func feed(_ bytes: [UInt8]) throws(SpeechError) {
            let fed = bytes.withUnsafeBufferPointer { mpg123_feed(handle, $0.baseAddress, $0.count) }
            guard fed == MPG123_OK.rawValue else {
                throw .io(path: name, reason: "the MP3 decoder refused the data: \(message)")
            }
        }

        /// Decodes everything fed so far into `stream`.
        func drain(into stream: inout Stream) throws(SpeechError) {
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                var done = 0
                let result = buffer.withUnsafeMutableBytes { out in
                    mpg123_read(handle, out.baseAddress, out.count, &done)
                }
                if done > 0 { buffer.withUnsafeBytes { stream.append($0, count: done) } }
                switch result {
                case MPG123_OK.rawValue:
                    continue
                case MPG123_NEW_FORMAT.rawValue:
                    try adoptFormat(into: &stream)
                case MPG123_NEED_MORE.rawValue, MPG123_DONE.rawValue:
                    return   // everything fed has been decoded
                default:
                    throw .invalidAudio(path: name, reason: "MP3 decoding failed: \(message)")
                }
            }
        }

        /// Reads the new output format; only the first one is accepted.
        private func adoptFormat(into stream: inout Stream) throws(SpeechError) {
            var rate = 0, channels: Int32 = 0, encoding: Int32 = 0
            guard mpg123_getformat(handle, &rate, &channels, &encoding) == MPG123_OK.rawValue else {
                throw .invalidAudio(path: name, reason: "MP3 decoding failed: \(message)")
            }
            let format = Stream.Format(rate: rate, channels: Int(channels),
                                       isFloat: encoding == Int32(MPG123_ENC_FLOAT_32.rawValue))
            guard rate > 0, (1...2).contains(format.channels) else {
                throw .invalidAudio(path: name, reason: "MP3 with \(channels) channels at \(rate) Hz")
            }
            if let known = stream.format, known != format {
                throw .unsupportedAudio(path: name, reason: "MP3 whose format changes mid-stream (\(known.rate) Hz, \(known.channels) channels, then \(rate) Hz, \(channels) channels)")
            }
            stream.format = format
        }

        /// Samples per channel the stream declares (an Info/Xing frame), else what was decoded.
        var declaredLength: Int { max(0, Int(mpg123_length(handle))) }

        /// Bytes fed but not consumed: the start of a frame whose end never came, or a tag.
        var unreadBytes: Int {
            var fill = 0
            guard mpg123_getstate2(handle, Int32(MPG123_BUFFERFILL.rawValue), &fill, nil) == MPG123_OK.rawValue else { return 0 }
            return max(0, fill)
        }
    }
}
