/// Typed access to metadata. A missing key is `.missingKey`, a value of another type is
/// `.wrongType`, and an integer that does not fit the result is `.valueOutOfRange`; each error
/// names the key and where its value sits in the file.
extension GGUFFile {
    /// True when the file has `key`.
    public func has(_ key: String) -> Bool {
        metadata[key] != nil
    }

    /// The value of `key`, of whatever type.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = metadata[key] else {
            throw GGUFError(.missingKey, field: key, byteOffset: nil,
                            subject: "required key " + GGUFError.quoted(key), problem: "is missing")
        }
        return value
    }

    /// A string value, decoded as UTF-8 with invalid sequences replaced by U+FFFD.
    public func string(_ key: String) throws(GGUFError) -> String {
        try byteString(key).text
    }

    /// A string value with its exact bytes.
    public func byteString(_ key: String) throws(GGUFError) -> GGUFString {
        let value = try value(key)
        guard case .string(let string) = value else { throw wrongType(key, value, expected: "a string") }
        return string
    }

    /// An integer value of any of the eight integer types, as `Int`.
    public func integer(_ key: String) throws(GGUFError) -> Int {
        let value = try value(key)
        guard value.isInteger else { throw wrongType(key, value, expected: "an integer") }
        guard let integer = value.exactInteger(as: Int.self) else {
            throw GGUFError(.valueOutOfRange, field: key, byteOffset: byteOffset(ofKey: key),
                            subject: "key " + GGUFError.quoted(key), problem: "is \(value), which does not fit in Int")
        }
        return integer
    }

    /// A float32 value, or a float64 value rounded to `Float`.
    public func float(_ key: String) throws(GGUFError) -> Float {
        let value = try value(key)
        switch value {
        case .float32(let float): return float
        case .float64(let double): return Float(double)
        default: throw wrongType(key, value, expected: "a float32 or float64")
        }
    }

    /// A bool value.
    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let value = try value(key)
        guard case .bool(let bool) = value else { throw wrongType(key, value, expected: "a bool") }
        return bool
    }

    /// An array value, undecoded.
    public func array(_ key: String) throws(GGUFError) -> GGUFArray {
        let value = try value(key)
        guard case .array(let array) = value else { throw wrongType(key, value, expected: "an array") }
        return array
    }

    /// An array of strings, each decoded as UTF-8 with invalid sequences replaced by U+FFFD.
    public func stringArray(_ key: String) throws(GGUFError) -> [String] {
        try array(key).strings()
    }

    /// An array of strings with each string's exact bytes (vocabularies are keyed by bytes).
    public func byteStringArray(_ key: String) throws(GGUFError) -> [[UInt8]] {
        try array(key).byteStrings()
    }

    /// An array of any integer type whose elements all fit in `Int32`.
    public func int32Array(_ key: String) throws(GGUFError) -> [Int32] {
        try array(key).integers(as: Int32.self)
    }

    /// An array of float32 (or float64, rounded).
    public func floatArray(_ key: String) throws(GGUFError) -> [Float] {
        try array(key).floats()
    }

    private func wrongType(_ key: String, _ value: GGUFValue, expected: String) -> GGUFError {
        // "a uint8" but "an int8", "an array of string": by sound, not by letter.
        let article = ["int", "array"].contains(where: value.typeName.hasPrefix) ? "an" : "a"
        return GGUFError(.wrongType, field: key, byteOffset: byteOffset(ofKey: key),
                         subject: "key " + GGUFError.quoted(key),
                         problem: "is \(article) \(value.typeName), expected \(expected)")
    }
}
