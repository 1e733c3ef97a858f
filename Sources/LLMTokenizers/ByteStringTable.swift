/// A dictionary keyed by byte strings. Loading a vocabulary does well over a hundred thousand
/// lookups, so keys of up to 15 bytes (nearly every token) are packed into two integers: no
/// allocation to make a key, no reference counting, one cheap hash. Longer keys use arrays.
struct ByteStringTable<Value: Sendable>: Sendable {
    private var short: [PackedBytes: Value] = [:]
    private var long: [ByteString: Value] = [:]

    init(minimumCapacity: Int = 0) {
        short.reserveCapacity(minimumCapacity)
    }

    subscript(bytes: ArraySlice<UInt8>) -> Value? {
        if let packed = PackedBytes(bytes) { return short[packed] }
        return long[ByteString(Array(bytes))]
    }

    subscript(bytes: [UInt8]) -> Value? {
        self[bytes[...]]
    }

    /// Stores `value` for `bytes` and returns the value it replaced, if any.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey bytes: [UInt8]) -> Value? {
        if let packed = PackedBytes(bytes[...]) { return short.updateValue(value, forKey: packed) }
        return long.updateValue(value, forKey: ByteString(bytes))
    }
}

/// Up to 15 bytes and their count in two words: bytes 0–7 in `low`, 8–14 and the count in `high`.
private struct PackedBytes: Hashable, Sendable {
    let low: UInt64
    let high: UInt64

    @inline(__always)
    init?(_ bytes: ArraySlice<UInt8>) {
        let count = bytes.count
        guard count <= 15 else { return nil }
        var low: UInt64 = 0
        var high = UInt64(count) << 56
        var shift: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 {
                low |= UInt64(byte) << shift
            } else {
                high |= UInt64(byte) << (shift - 64)
            }
            shift += 8
        }
        self.low = low
        self.high = high
    }
}

/// Bytes as a dictionary key, hashed in one call over the buffer.
private struct ByteString: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
