import Foundation

/// The `.incomplete` file a download appends to. Writes go straight to the descriptor in the
/// caller's large chunks; closed when the value goes away.
struct HubPartialFile: ~Copyable {
    let path: String
    private let descriptor: Int32
    /// Bytes in the file (what an earlier pull left, plus what this one wrote).
    private(set) var size: Int64

    init(path: String) throws(HubError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HubDisk.failure("open", path) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let code = errno
            close(fd)
            throw HubDisk.failure("seek in", path, code)
        }
        self.path = path
        descriptor = fd
        size = Int64(end)
    }

    deinit { close(descriptor) }

    /// Empties the file: the server is starting over, or what is there cannot be trusted.
    mutating func truncate() throws(HubError) {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else { throw HubDisk.failure("empty", path) }
        size = 0
    }

    mutating func append(_ bytes: [UInt8]) throws(HubError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { write(descriptor, $0 + offset, buffer.count - offset) } ?? 0
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw HubDisk.failure("write", path, count < 0 ? errno : EIO) }
            offset += count
            size += Int64(count)
        }
    }

    /// Makes what was written durable before the file is renamed into `blobs/` (or left to resume).
    func sync() throws(HubError) {
        guard fsync(descriptor) == 0 else { throw HubDisk.failure("flush", path) }
    }

    /// A hasher fed with the bytes already in the file, so a resumed download is checked whole.
    func hashContents() throws(HubError) -> SHA256 {
        var hasher = SHA256()
        guard size > 0 else { return hasher }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HubDisk.failure("open", path) }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var remaining = size
        while remaining > 0 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(min(Int64($0.count), remaining))) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw HubDisk.failure("read", path, count < 0 ? errno : EIO) }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            remaining -= Int64(count)
        }
        return hasher
    }
}
