/// GPT-2's byte-level alphabet: every byte is spelled as one printable Unicode scalar so that
/// vocabularies and merges can be stored as text. Printable Latin-1 bytes stand for themselves;
/// the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) are moved to U+0100 and up, in
/// byte order. So a space is `Ġ` (U+0120) and a newline `Ċ` (U+010A).
///
/// The tokenizer keys its vocabulary by raw bytes, so spellings are decoded once at load time.
public enum ByteLevelAlphabet {
    /// Scalar value -> byte, for scalar values below `scalarLimit`; -1 where no byte maps there.
    private static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: scalarLimit)
        var nextShifted = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Int16(byte)
            } else {
                table[nextShifted] = Int16(byte)
                nextShifted += 1
            }
        }
        return table
    }()

    /// 256 + the 68 bytes that are shifted.
    private static let scalarLimit = 256 + 68

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The raw bytes a byte-level spelling stands for; nil when the spelling is not valid UTF-8
    /// or has a scalar outside the alphabet (such a token can never come out of BPE).
    public static func decode(_ spelling: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []
        return decode(spelling[...], into: &bytes) ? bytes : nil
    }

    /// `decode` into a caller's buffer (replacing its contents), to decode many spellings
    /// without allocating; false where `decode` gives nil.
    static func decode(_ spelling: ArraySlice<UInt8>, into bytes: inout [UInt8]) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        var index = spelling.startIndex
        let end = spelling.endIndex
        while index < end {
            let lead = spelling[index]
            // The alphabet's scalars are all below U+0800: one or two UTF-8 bytes.
            let scalar: Int
            if lead < 0x80 {
                scalar = Int(lead)
                index += 1
            } else if lead & 0xE0 == 0xC0, index + 1 < end, spelling[index + 1] & 0xC0 == 0x80 {
                scalar = Int(lead & 0x1F) << 6 | Int(spelling[index + 1] & 0x3F)
                index += 2
            } else {
                return false
            }
            guard scalar < scalarLimit else { return false }
            let byte = byteForScalar[scalar]
            guard byte >= 0 else { return false }
            bytes.append(UInt8(byte))
        }
        return true
    }

    /// The byte-level spelling of raw bytes (the inverse of `decode`), for tests and debugging.
    static func encode(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if standsForItself(byte) {
                scalars.append(Unicode.Scalar(byte))
            } else if let value = byteForScalar.firstIndex(of: Int16(byte)), let scalar = Unicode.Scalar(UInt32(value)) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
