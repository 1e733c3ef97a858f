// The only file in this module that talks to the operating system: every `#if os`/`canImport`
// and every libc call lives here, so the parser itself is portable Swift over a byte buffer.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes of one model file, either memory-mapped or an owned heap copy.
///
/// Immutable after init, so sharing it across threads is safe; arrays decoded lazily keep a
/// reference to it, which keeps the mapping alive for as long as any value still needs it.
final class ByteStorage: @unchecked Sendable {
    /// The first byte of the file (or of a one-byte allocation when the buffer is empty).
    /// Never written through; released in `deinit`.
    let base: UnsafeRawPointer
    /// Size of the file in bytes.
    let count: Int
    private let isMapped: Bool

    /// The whole file.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Copies `source` into a fresh allocation. The start is 64-byte aligned so tensor data
    /// pointers keep the alignment the file promises, as they would in a page-aligned mapping.
    init(copying source: [UInt8]) {
        // Allocate at least one byte so even an empty buffer has a real base address.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(source.count, 1), alignment: 64)
        source.withUnsafeBytes { source in
            if let start = source.baseAddress { buffer.copyMemory(from: start, byteCount: source.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = source.count
        isMapped = false
    }

    /// Maps the file at `path` read-only and private. Nothing is read here: pages arrive on
    /// first touch, so opening a large model costs only what the parser looks at.
    init(mapping path: String) throws(GGUFError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: Self.errnoText()) }
        // The mapping outlives the descriptor, so it can be closed on every path out of here.
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .cannotOpen(path: path, reason: Self.errnoText())
        }
        let fileKind = status.st_mode & S_IFMT
        guard fileKind == S_IFREG else {
            let what = fileKind == S_IFDIR ? "it is a directory" : "it is not a regular file"
            throw .notAFile(path: path, reason: what)
        }
        guard status.st_size > 0, let size = Int(exactly: status.st_size) else {
            // mmap refuses zero lengths; an empty file is simply a truncated model.
            throw GGUFError(.truncated, field: "magic", byteOffset: nil,
                            subject: "the file " + GGUFError.quoted(path), problem: "is empty")
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .cannotOpen(path: path, reason: "mmap failed: " + Self.errnoText())
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

    private static func errnoText() -> String {
        let code = errno
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
