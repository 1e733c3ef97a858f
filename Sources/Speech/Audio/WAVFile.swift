import Foundation

/// Reads RIFF/WAVE files into mono `AudioClip`s.
///
/// Accepted: chunks in any order (unknown ones skipped, odd sizes followed by a pad byte);
/// `fmt ` PCM 8-bit (unsigned), 16, 24 and 32-bit (signed), IEEE float 32 and 64-bit, and
/// WAVE_FORMAT_EXTENSIBLE whose sub-format is PCM or float (containers as above, valid bits ≤
/// container); 1–8 channels, averaged into mono; 8 000–192 000 Hz. Samples become -1…1
/// (integers divided by 2^(bits−1), unsigned 8-bit centred on 128 first); floats are kept as
/// they are but must be finite.
///
/// Validation, against the file's real size:
/// - the RIFF size may not claim more bytes than the file has, and every chunk must fit in the
///   RIFF body. A file cut short — including one whose data chunk is truncated — is rejected as
///   `invalidAudio` rather than read in part: a recording that stopped mid-write is not
///   something to transcribe silently. Bytes after the RIFF body are ignored, and so are fewer
///   than 8 trailing bytes inside it (too short to be a chunk) and a missing final pad byte;
/// - exactly one `fmt ` and one `data` chunk; `fmt ` at least 16 bytes (40 for EXTENSIBLE);
/// - channels ≥ 1, rate ≥ 1, block align = channels × container bytes; the byte rate is not used
///   and not checked. A data size that is not a whole number of frames loses its partial frame;
/// - zero channels, a zero rate or any structural flaw → `invalidAudio`; a well-formed file in
///   an encoding or shape we do not read (μ-law, A-law, ADPCM, MPEG, 12-bit PCM, 9+ channels,
///   rates outside 8–192 kHz, RIFX/RF64) → `unsupportedAudio`, naming the format code.
public enum WAVFile {
    /// Reads and decodes the WAV file at `path`; a file that cannot be read is `.io`.
    public static func read(path: String) throws(SpeechError) -> AudioClip {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .io(path: path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        return try decode(bytes, path: path)
    }

    /// Decodes the bytes of a WAV file; `path` only names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws(SpeechError) -> AudioClip {
        let result: Result<AudioClip, SpeechError> = bytes.withUnsafeBytes { raw in
            do throws(SpeechError) {
                return .success(try parse(raw, path: path))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What the `fmt ` chunk says, reduced to what decoding needs.
    struct Format {
        enum Encoding { case unsigned8, signed16, signed24, signed32, float32, float64 }
        var encoding: Encoding
        var channels: Int
        var sampleRate: Int
        var blockAlign: Int
    }

    static func parse(_ raw: UnsafeRawBufferPointer, path: String) throws(SpeechError) -> AudioClip {
        func invalid(_ reason: String) -> SpeechError { .invalidAudio(path: path, reason: reason) }
        let size = raw.count
        guard size >= 12 else { throw invalid("\(size) bytes is too short for a RIFF/WAVE header") }
        let magic = tag(raw, 0)
        if magic == "RIFX" || magic == "RF64" || magic == "BW64" {
            throw .unsupportedAudio(path: path, reason: "\(magic) container (only little-endian RIFF is read)")
        }
        guard magic == "RIFF" else { throw invalid("no RIFF signature (starts with \(describe(magic)))") }
        guard tag(raw, 8) == "WAVE" else { throw invalid("RIFF file of type \(describe(tag(raw, 8))), not WAVE") }
        let riffSize = Int(u32(raw, 4))
        guard riffSize >= 4 else { throw invalid("RIFF size \(riffSize) is smaller than its WAVE tag") }
        guard riffSize <= size - 8 else {
            throw invalid("truncated: the RIFF header declares \(riffSize + 8) bytes, the file has \(size)")
        }
        let end = 8 + riffSize
        var format: (offset: Int, size: Int)?
        var data: (offset: Int, size: Int)?
        var offset = 12
        while end - offset >= 8 {
            let id = tag(raw, offset)
            let length = Int(u32(raw, offset + 4))
            let body = offset + 8
            guard length <= end - body else {
                throw invalid("chunk \(describe(id)) at byte \(offset) declares \(length) bytes, only \(end - body) remain")
            }
            if id == "fmt " {
                guard format == nil else { throw invalid("a second 'fmt ' chunk at byte \(offset)") }
                format = (body, length)
            } else if id == "data" {
                guard data == nil else { throw invalid("a second 'data' chunk at byte \(offset)") }
                data = (body, length)
            }
            offset = body + length + (length & 1)
        }
        guard let fmt = format else { throw invalid("no 'fmt ' chunk") }
        guard let samples = data else { throw invalid("no 'data' chunk") }
        let f = try readFormat(raw, at: fmt.offset, size: fmt.size, path: path)
        return try decodeSamples(raw, at: samples.offset, size: samples.size, format: f, path: path)
    }

    /// Parses and checks the `fmt ` chunk body.
    static func readFormat(_ raw: UnsafeRawBufferPointer, at o: Int, size: Int,
                           path: String) throws(SpeechError) -> Format {
        func invalid(_ reason: String) -> SpeechError { .invalidAudio(path: path, reason: reason) }
        func unsupported(_ reason: String) -> SpeechError { .unsupportedAudio(path: path, reason: reason) }
        guard size >= 16 else { throw invalid("'fmt ' chunk is \(size) bytes, needs at least 16") }
        var code = Int(u16(raw, o))
        let channels = Int(u16(raw, o + 2))
        let rate = Int(u32(raw, o + 4))
        let blockAlign = Int(u16(raw, o + 12))
        let bits = Int(u16(raw, o + 14))
        var validBits = bits
        if code == 0xFFFE {
            guard size >= 40, u16(raw, o + 16) >= 22 else {
                throw invalid("WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of \(size) bytes, needs 40")
            }
            validBits = Int(u16(raw, o + 18))
            let guidTail: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
                                     0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
            let tail = (0..<14).map { raw[o + 26 + $0] }
            guard tail == guidTail else { throw unsupported("WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID") }
            code = Int(u16(raw, o + 24))
            if validBits == 0 { validBits = bits }   // 0 means "all of the container"
        }
        guard channels >= 1 else { throw invalid("zero channels") }
        guard rate >= 1 else { throw invalid("sample rate 0") }
        let encoding: Format.Encoding
        switch (code, bits) {
        case (1, 8): encoding = .unsigned8
        case (1, 16): encoding = .signed16
        case (1, 24): encoding = .signed24
        case (1, 32): encoding = .signed32
        case (3, 32): encoding = .float32
        case (3, 64): encoding = .float64
        case (1, _), (3, _):
            throw unsupported("\(formatName(code)) with \(bits) bits per sample")
        default:
            throw unsupported("format code \(hex(code)) (\(formatName(code)))")
        }
        guard validBits >= 1, validBits <= bits else {
            throw invalid("\(validBits) valid bits in a \(bits)-bit container")
        }
        guard channels <= 8 else { throw unsupported("\(channels) channels (at most 8 are read)") }
        guard (8_000...192_000).contains(rate) else {
            throw unsupported("sample rate \(rate) Hz (8000–192000 Hz are read)")
        }
        guard blockAlign == channels * bits / 8 else {
            throw invalid("block align \(blockAlign) does not match \(channels) channels of \(bits) bits")
        }
        return Format(encoding: encoding, channels: channels, sampleRate: rate, blockAlign: blockAlign)
    }

    /// Converts the data chunk to mono floats, averaging the channels of each frame.
    static func decodeSamples(_ raw: UnsafeRawBufferPointer, at offset: Int, size: Int, format f: Format,
                              path: String) throws(SpeechError) -> AudioClip {
        let frames = size / f.blockAlign
        let channels = f.channels, width = f.blockAlign / channels
        var out = [Float](repeating: 0, count: frames)
        let scale = 1 / Float(channels)
        var finite = true
        out.withUnsafeMutableBufferPointer { dst in
            guard let o = dst.baseAddress, let base = raw.baseAddress else { return }
            let p = base + offset
            func each(_ sample: (Int) -> Float) {       // sample(byte offset) for one channel value
                for t in 0..<frames {
                    var sum: Float = 0
                    var at = t * f.blockAlign
                    for _ in 0..<channels { sum += sample(at); at += width }
                    o[t] = sum * scale
                }
            }
            switch f.encoding {
            case .unsigned8:
                each { (Float(p.load(fromByteOffset: $0, as: UInt8.self)) - 128) * (1 / 128) }
            case .signed16:
                each { Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: $0, as: Int16.self))) * (1 / 32_768) }
            case .signed24:
                each { at in
                    let low = Int32(p.load(fromByteOffset: at, as: UInt8.self))
                        | Int32(p.load(fromByteOffset: at + 1, as: UInt8.self)) << 8
                    let high = Int32(Int8(bitPattern: p.load(fromByteOffset: at + 2, as: UInt8.self))) << 16
                    return Float(high | low) * (1 / 8_388_608)
                }
            case .signed32:
                each { Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: $0, as: Int32.self))) * (1 / 2_147_483_648) }
            case .float32:
                each { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: $0, as: UInt32.self))) }
            case .float64:
                each { Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: $0, as: UInt64.self)))) }
            }
            if f.encoding == .float32 || f.encoding == .float64 {
                for t in 0..<frames where !o[t].isFinite { finite = false; break }
            }
        }
        guard finite else { throw .invalidAudio(path: path, reason: "float samples that are NaN, infinite or out of range") }
        return AudioClip(samples: out, sampleRate: f.sampleRate)
    }

    static func u16(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(raw[at]) | UInt16(raw[at + 1]) << 8
    }

    static func u32(_ raw: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(raw[at]) | UInt32(raw[at + 1]) << 8 | UInt32(raw[at + 2]) << 16 | UInt32(raw[at + 3]) << 24
    }

    /// Four bytes as a string of Latin-1 characters (chunk ids are compared and printed this way).
    static func tag(_ raw: UnsafeRawBufferPointer, _ at: Int) -> String {
        String((0..<4).map { Character(Unicode.Scalar(raw[at + $0])) })
    }

    /// A chunk id for a one-line message: quoted if printable ASCII, as hex otherwise.
    static func describe(_ id: String) -> String {
        let scalars = id.unicodeScalars
        if scalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return "'\(id)'" }
        return "0x" + scalars.map { String($0.value, radix: 16, uppercase: true) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }

    static func hex(_ code: Int) -> String {
        let digits = String(code, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func formatName(_ code: Int) -> String {
        switch code {
        case 0x0001: "PCM"
        case 0x0002: "Microsoft ADPCM"
        case 0x0003: "IEEE float"
        case 0x0006: "A-law"
        case 0x0007: "μ-law"
        case 0x0011: "IMA ADPCM"
        case 0x0031: "GSM 6.10"
        case 0x0050: "MPEG"
        case 0x0055: "MPEG layer 3 (MP3)"
        case 0x0092: "Dolby AC-3"
        case 0x00FF, 0x1610: "AAC"
        case 0xF1AC: "FLAC"
        default: "unknown encoding"
        }
    }
}
