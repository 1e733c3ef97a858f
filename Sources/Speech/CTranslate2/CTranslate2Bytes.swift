// How the CTranslate2 reader gets at bytes: a read-only mapping of model.bin and a cursor that
// checks every read against the end of the file. The libc calls of the reader live here only.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why model.bin's contents are unusable, in words that name the field and the byte. The model
/// turns it into `SpeechError.invalidModel` with the path, so the parser stays a pure function
/// of bytes that tests can call on any buffer.
struct CT2FormatError: Error, Equatable {
    var reason: String
}

/// The bytes of one model file, memory-mapped (or, for tests, an owned copy). Immutable after
/// init; variables keep a reference, so their byte views stay valid as long as any of them lives.
final class CT2FileBytes: @unchecked Sendable {
    /// First byte of the file; never written through; released in `deinit`.
    let base: UnsafeRawPointer
    let count: Int
    private let isMapped: Bool

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A private copy of `source` (tests, and files that arrive in memory).
    init(copying source: [UInt8]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(source.count, 1), alignment: 64)
        source.withUnsafeBytes { raw in
            if let start = raw.baseAddress { buffer.copyMemory(from: start, byteCount: raw.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = source.count
        isMapped = false
    }

    /// Maps `path` read-only. Nothing is read here: a page arrives when the parser or the network
    /// first touches it, so opening a 75 MB model costs only the pages holding variable headers.
    init(mapping path: String) throws(SpeechError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .invalidModel(path: path, reason: "the file does not exist") }
            throw .io(path: path, reason: "cannot open: " + Self.text(of: code))
        }
        // The mapping outlives the descriptor, so it is closed on every way out.
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .io(path: path, reason: "cannot inspect: " + Self.text(of: errno))
        }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let what = kind == S_IFDIR ? "it is a directory, not a model file" : "it is not a regular file"
            throw .invalidModel(path: path, reason: what)
        }
        guard status.st_size > 0, let size = Int(exactly: status.st_size) else {
            // mmap refuses a zero length, and an empty model.bin is simply truncated.
            throw .invalidModel(path: path, reason: "the file is empty (truncated model)")
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .io(path: path, reason: "mmap failed: " + Self.text(of: errno))
        }
        base = UnsafeRawPointer(address)
        count = size
        isMapped = true
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    private static func text(of code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// A little-endian reader over a buffer that proves each read fits before touching memory.
/// Field names are autoclosures, so a valid file builds no error text.
struct CT2Cursor {
    private let bytes: UnsafeRawBufferPointer
    /// Offset of the next byte to read.
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - position }

    mutating func u8(_ field: @autoclosure () -> String) throws(CT2FormatError) -> UInt8 {
        try load(UInt8.self, field())
    }
    mutating func u16(_ field: @autoclosure () -> String) throws(CT2FormatError) -> UInt16 {
        try load(UInt16.self, field())
    }
    mutating func u32(_ field: @autoclosure () -> String) throws(CT2FormatError) -> UInt32 {
        try load(UInt32.self, field())
    }

    /// A CTranslate2 string: a u16 length that counts a closing NUL, then that many bytes. The
    /// NUL must be there and be the only one (CTranslate2 reads the text up to the first NUL, so
    /// an inner one would make two readers disagree), and the rest must be UTF-8.
    mutating func string(_ field: @autoclosure () -> String) throws(CT2FormatError) -> String {
        let start = position
        let length = Int(try u16(field()))
        guard length >= 1 else {
            throw CT2FormatError(reason: "\(field()) at byte \(start) has length 0; the length must count its closing NUL")
        }
        guard length <= remaining else {
            throw CT2FormatError(reason: "truncated: \(field()) at byte \(start) is \(length) bytes long "
                                     + "but only \(remaining) bytes follow")
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length - 1)])
        guard bytes[position + length - 1] == 0, !text.contains(0) else {
            throw CT2FormatError(reason: "\(field()) at byte \(start) is not one NUL-terminated string "
                                     + "(its NUL is missing or comes early)")
        }
        guard let string = String(validating: text, as: UTF8.self) else {
            throw CT2FormatError(reason: "\(field()) at byte \(start) is not valid UTF-8")
        }
        position += length
        return string
    }

    /// Steps over `count` bytes whose size the caller has already checked.
    mutating func skip(_ count: Int, _ field: @autoclosure () -> String) throws(CT2FormatError) {
        guard count >= 0, count <= remaining else {
            throw CT2FormatError(reason: "truncated: \(field()) at byte \(position) needs \(count) bytes "
                                     + "but only \(remaining) remain")
        }
        position += count
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type,
                                                     _ field: @autoclosure () -> String) throws(CT2FormatError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw CT2FormatError(reason: "truncated: \(field()) at byte \(position) needs \(size) bytes "
                                     + "but only \(remaining) remain")
        }
        let raw = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: raw)
    }
}
