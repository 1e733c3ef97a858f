/// The only way this module reads file bytes: a little-endian reader over a bounded window of
/// the file that checks every read against the window before touching memory.
///
/// Field names are autoclosures so the hot paths (tens of thousands of vocabulary strings) build
/// no strings unless something is wrong. Positions are absolute file offsets, so errors thrown
/// from a window (a lazily decoded array) still point at the right byte.
struct ByteCursor {
    private let bytes: UnsafeRawBufferPointer
    /// Absolute offset of the next byte to read.
    private(set) var position: Int
    /// Absolute offset one past the last readable byte.
    let end: Int

    /// A cursor over `bytes[start..<end]`; the window is clamped to the buffer, so a bad range
    /// can only make reads fail, never reach outside.
    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        let limit = min(max(end ?? bytes.count, 0), bytes.count)
        self.end = limit
        self.position = min(max(start, 0), limit)
    }

    /// Bytes left in the window.
    var remaining: Int { end - position }

    mutating func u8(field: @autoclosure () -> String) throws(GGUFError) -> UInt8 {
        try load(UInt8.self, field: field())
    }
    mutating func i8(field: @autoclosure () -> String) throws(GGUFError) -> Int8 {
        try load(Int8.self, field: field())
    }
    mutating func u16(field: @autoclosure () -> String) throws(GGUFError) -> UInt16 {
        try load(UInt16.self, field: field())
    }
    mutating func i16(field: @autoclosure () -> String) throws(GGUFError) -> Int16 {
        try load(Int16.self, field: field())
    }
    mutating func u32(field: @autoclosure () -> String) throws(GGUFError) -> UInt32 {
        try load(UInt32.self, field: field())
    }
    mutating func i32(field: @autoclosure () -> String) throws(GGUFError) -> Int32 {
        try load(Int32.self, field: field())
    }
    mutating func u64(field: @autoclosure () -> String) throws(GGUFError) -> UInt64 {
        try load(UInt64.self, field: field())
    }
    mutating func i64(field: @autoclosure () -> String) throws(GGUFError) -> Int64 {
        try load(Int64.self, field: field())
    }
    mutating func f32(field: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try load(UInt32.self, field: field()))
    }
    mutating func f64(field: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try load(UInt64.self, field: field()))
    }

    /// Reads a GGUF string (a UInt64 byte length, then the bytes) and returns a view of its
    /// bytes inside the buffer. A length that cannot be an `Int` or exceeds `maximumLength` is
    /// `.stringTooLong`; one that runs past the window is `.truncated`. Both are decided on the
    /// 64-bit length before any conversion, so a huge length can never wrap into a small one.
    mutating func stringBytes(field: @autoclosure () -> String,
                              maximumLength: Int = .max) throws(GGUFError) -> UnsafeRawBufferPointer {
        let start = position
        let length = try load(UInt64.self, field: field())
        guard length <= UInt64(maximumLength) else {
            let limit = maximumLength == .max ? "the largest representable size" : "the limit of \(maximumLength) bytes"
            throw GGUFError(.stringTooLong, field: field(), byteOffset: start,
                            problem: "has length \(length), more than \(limit)")
        }
        let count = Int(length)
        guard count <= remaining else {
            throw GGUFError(.truncated, field: field(), byteOffset: start,
                            problem: "is a string of \(count) bytes but only \(remaining) bytes follow")
        }
        let view = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position += count
        return view
    }

    /// Steps over `count` bytes that the caller has already sized from a checked count.
    mutating func skip(_ count: Int, field: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw GGUFError(.truncated, field: field(), byteOffset: position,
                            problem: "needs \(count) bytes but only \(remaining) remain")
        }
        position += count
    }

    /// Converts a count read from the file into an `Int` after proving the remaining bytes could
    /// hold that many items of at least `minimumItemSize` bytes each. This runs before anything
    /// is allocated or looped over, so a count of 2^60 costs nothing.
    func checkedCount(_ count: UInt64, minimumItemSize: Int, field: @autoclosure () -> String,
                      at fieldOffset: Int) throws(GGUFError) -> Int {
        let capacity = remaining / max(minimumItemSize, 1)
        guard count <= UInt64(capacity) else {
            throw GGUFError(.countTooLarge, field: field(), byteOffset: fieldOffset,
                            problem: "is \(count), but the \(remaining) bytes that follow can hold at most \(capacity)")
        }
        return Int(count)
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type, field: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw GGUFError(.truncated, field: field(), byteOffset: position,
                            problem: "needs \(size) bytes but only \(remaining) remain")
        }
        let raw = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: raw)
    }
}
