// The writer's byte-level half: metadata values and their encoding, the header as raw fields,
// and the atomic file output. The libc calls of writing live here, as those of reading live in
// ByteStorage.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension GGUFWriter {
    /// A metadata value to write. Strings are bytes (`GGUFString`), as the format stores them;
    /// an array names its element type so an empty array still has one.
    public indirect enum Value: Sendable, Equatable, CustomStringConvertible {
        case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
        case float32(Float), bool(Bool), string(GGUFString), uint64(UInt64), int64(Int64), float64(Double)
        /// Elements all of the given type. Arrays of arrays are allowed; one level deeper is not.
        case array(GGUFValueType, [Value])

        /// A string value holding `text` as UTF-8.
        public static func text(_ text: String) -> Value { .string(GGUFString(bytes: Array(text.utf8))) }

        /// The value `value` read from a file holds, with arrays decoded in full.
        public init(_ value: GGUFValue) throws(GGUFError) {
            switch value {
            case .uint8(let v): self = .uint8(v)
            case .int8(let v): self = .int8(v)
            case .uint16(let v): self = .uint16(v)
            case .int16(let v): self = .int16(v)
            case .uint32(let v): self = .uint32(v)
            case .int32(let v): self = .int32(v)
            case .float32(let v): self = .float32(v)
            case .bool(let v): self = .bool(v)
            case .string(let v): self = .string(v)
            case .uint64(let v): self = .uint64(v)
            case .int64(let v): self = .int64(v)
            case .float64(let v): self = .float64(v)
            case .array(let array):
                var elements: [Value] = []
                elements.reserveCapacity(array.count)
                for element in try array.values() { elements.append(try Value(element)) }
                self = .array(array.elementType, elements)
            }
        }

        /// The GGUF type of this value.
        public var type: GGUFValueType {
            switch self {
            case .uint8: return .uint8
            case .int8: return .int8
            case .uint16: return .uint16
            case .int16: return .int16
            case .uint32: return .uint32
            case .int32: return .int32
            case .float32: return .float32
            case .bool: return .bool
            case .string: return .string
            case .array: return .array
            case .uint64: return .uint64
            case .int64: return .int64
            case .float64: return .float64
            }
        }

        /// Numbers plainly, strings quoted and escaped, arrays by element type and count.
        public var description: String {
            switch self {
            case .uint8(let v): return String(v)
            case .int8(let v): return String(v)
            case .uint16(let v): return String(v)
            case .int16(let v): return String(v)
            case .uint32(let v): return String(v)
            case .int32(let v): return String(v)
            case .float32(let v): return String(v)
            case .bool(let v): return String(v)
            case .string(let v): return GGUFError.quoted(v.text)
            case .array(let type, let elements): return "array of \(elements.count) \(type)"
            case .uint64(let v): return String(v)
            case .int64(let v): return String(v)
            case .float64(let v): return String(v)
            }
        }

        /// Checks what the reader checks: element types match, nesting stays within bounds.
        /// `depth` is the number of arrays around this value.
        func validate(subject: String, depth: Int) throws(GGUFWriteError) {
            guard case .array(let elementType, let elements) = self else { return }
            if elementType == .array && depth + 1 >= ValueReader.maximumNesting {
                throw GGUFWriteError(.invalidValue, subject: subject,
                                     problem: "nests arrays more than \(ValueReader.maximumNesting) deep")
            }
            for (index, element) in elements.enumerated() {
                guard element.type == elementType else {
                    throw GGUFWriteError(.invalidValue, subject: subject, problem: "is an array of \(elementType), "
                                         + "but element \(index) is a \(element.type)")
                }
                try element.validate(subject: subject, depth: depth + 1)
            }
        }

        /// The encoding without the leading type id (array elements are stored this way).
        func payload() -> [UInt8] {
            var sink = ByteSink()
            encode(into: &sink)
            return sink.bytes
        }

        func encode(into sink: inout ByteSink) {
            switch self {
            case .uint8(let v): sink.append(v)
            case .int8(let v): sink.append(v)
            case .uint16(let v): sink.append(v)
            case .int16(let v): sink.append(v)
            case .uint32(let v): sink.append(v)
            case .int32(let v): sink.append(v)
            case .float32(let v): sink.append(v.bitPattern)
            case .bool(let v): sink.append(UInt8(v ? 1 : 0))
            case .string(let v): sink.appendString(v.bytes)
            case .uint64(let v): sink.append(v)
            case .int64(let v): sink.append(v)
            case .float64(let v): sink.append(v.bitPattern)
            case .array(let type, let elements):
                sink.append(type.rawValue)
                sink.append(UInt64(elements.count))
                for element in elements { element.encode(into: &sink) }
            }
        }
    }
}

/// Little-endian byte accumulator.
struct ByteSink {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// A GGUF string: its byte length as a UInt64, then the bytes.
    mutating func appendString(_ string: [UInt8]) {
        append(UInt64(string.count))
        bytes += string
    }
}

/// A header field by field, written exactly as given. `GGUFWriter` fills it only with checked
/// values; the reader's tests fill it with damaged ones (a count that lies, an unknown type id,
/// a misaligned offset) without a second encoder.
struct RawHeader {
    /// One metadata key-value pair; `payload` is the value without its type id.
    struct Pair {
        var key: [UInt8]
        var typeID: UInt32
        var payload: [UInt8]
    }

    /// One tensor directory entry.
    struct Entry {
        var name: [UInt8]
        var dimensions: [UInt64]
        var typeID: UInt32
        var offset: UInt64
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32
    var tensorCount: UInt64 = 0
    var keyCount: UInt64 = 0
    var pairs: [Pair] = []
    var entries: [Entry] = []

    /// Bytes `encoded()` returns, without encoding.
    var encodedSize: Int {
        let pairBytes = pairs.reduce(0) { $0 + 8 + $1.key.count + 4 + $1.payload.count }
        let entryBytes = entries.reduce(0) { $0 + 8 + $1.name.count + 4 + 8 * $1.dimensions.count + 12 }
        return magic.count + 4 + 16 + pairBytes + entryBytes
    }

    func encoded() -> [UInt8] {
        var sink = ByteSink()
        sink.bytes.reserveCapacity(encodedSize)
        sink.bytes += magic
        sink.append(version)
        sink.append(tensorCount)
        sink.append(keyCount)
        for pair in pairs {
            sink.appendString(pair.key)
            sink.append(pair.typeID)
            sink.bytes += pair.payload
        }
        for entry in entries {
            sink.appendString(entry.name)
            sink.append(UInt32(entry.dimensions.count))
            for extent in entry.dimensions { sink.append(extent) }
            sink.append(entry.typeID)
            sink.append(entry.offset)
        }
        return sink.bytes
    }
}

/// A file written under a temporary name beside its destination and renamed over it by
/// `commit()`; if it is dropped uncommitted (an error on the way), the temporary file is removed.
final class AtomicFileOutput {
    private let destination: String
    private let temporary: String
    private var descriptor: Int32
    private var committed = false

    /// Creates the temporary file (`.NAME.partial-RANDOM` in the destination's directory, so
    /// the rename never crosses file systems), with the usual permissions less the umask.
    init(destination: String) throws(GGUFWriteError) {
        self.destination = destination
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[...$0]) } ?? ""
        let name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        guard !name.isEmpty else { throw .cannotWrite(path: destination, reason: "the path names a directory") }
        var attempt = 0
        while true {
            let suffix = String(UInt64.random(in: 0 ... .max), radix: 36)
            let candidate = directory + "." + String(name.unicodeScalars.prefix(48)) + ".partial-" + suffix
            let opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if opened >= 0 {
                temporary = candidate
                descriptor = opened
                return
            }
            attempt += 1
            guard errno == EEXIST, attempt < 8 else { throw .cannotWrite(path: destination, reason: Self.errnoText()) }
        }
    }

    deinit {
        guard !committed else { return }
        if descriptor >= 0 { close(descriptor) }
        unlink(temporary)
    }

    /// Appends `bytes` at the end of the file.
    func append(_ bytes: [UInt8]) throws(GGUFWriteError) {
        let failure = bytes.withUnsafeBytes { writeAll($0) }
        if let failure { throw .cannotWrite(path: destination, reason: failure) }
    }

    /// Appends `count` zero bytes (padding).
    func appendZeros(_ count: Int) throws(GGUFWriteError) {
        var left = count
        let zeros = [UInt8](repeating: 0, count: min(max(count, 0), 1 << 16))
        while left > 0 {
            let chunk = min(left, zeros.count)
            let failure = zeros.withUnsafeBytes { writeAll(UnsafeRawBufferPointer(rebasing: $0[..<chunk])) }
            if let failure { throw .cannotWrite(path: destination, reason: failure) }
            left -= chunk
        }
    }

    /// Flushes the file to disk, closes it and renames it over the destination. The rename is
    /// the only step a reader can observe, and it replaces the old file in one step.
    func commit() throws(GGUFWriteError) {
        guard fsync(descriptor) == 0 else { throw .cannotWrite(path: destination, reason: Self.errnoText()) }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw .cannotWrite(path: destination, reason: Self.errnoText()) }
        guard rename(temporary, destination) == 0 else {
            throw .cannotWrite(path: destination, reason: Self.errnoText())
        }
        committed = true
    }

    /// Writes all of `buffer`, retrying short writes and interruptions; the reason on failure.
    private func writeAll(_ buffer: UnsafeRawBufferPointer) -> String? {
        guard let base = buffer.baseAddress else { return nil }
        var done = 0
        while done < buffer.count {
            let written = write(descriptor, base + done, min(buffer.count - done, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                return Self.errnoText()
            }
            done += written
        }
        return nil
    }

    private static func errnoText() -> String {
        let code = errno
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
