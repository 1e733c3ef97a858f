import Foundation

// The Hub cache's system calls in one place. Foundation brings in the C library on Linux and on
// macOS alike, so no `#if` is needed here.

/// The file operations the Hub cache and downloader are built from, each a thin, checked wrapper
/// over one system call, with failures as `HubError.storage` naming the path and the reason.
enum HubDisk {
    static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> HubError {
        .storage("cannot \(operation) \(path): \(String(cString: strerror(code)))")
    }

    /// The size of the file at `path`, following symbolic links (a snapshot entry reports its
    /// blob); nil when nothing is there, the link dangles, or it is not a regular file.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, Int(info.st_mode) & 0o170000 == 0o100000 else { return nil }
        return Int64(info.st_size)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int(info.st_mode) & 0o170000 == 0o040000
    }

    /// True for a symbolic link itself (whether or not its target exists).
    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && Int(info.st_mode) & 0o170000 == 0o120000
    }

    /// Where the symbolic link at `path` points, as written in the link; nil for anything else.
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Entry names in `path` (no `.` or `..`), sorted; empty when it is not a readable directory.
    static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// `mkdir -p` with the user's umask deciding the permissions, as the Python tools do.
    static func makeDirectories(_ path: String) throws(HubError) {
        do {
            try FileSystem.makeDirectories(path, permissions: 0o777)
        } catch {
            throw .storage(error.description)
        }
    }

    /// Replaces the contents of `path` in one step (a reader sees the old bytes or the new).
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(HubError) {
        do {
            try FileSystem.writeAtomically(bytes, to: path, permissions: 0o644, exactPermissions: false)
        } catch {
            throw .storage(error.description)
        }
    }

    /// Creates an empty file unless one is there (the `.no_exist` markers).
    static func touch(_ path: String) throws(HubError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create", path) }
        close(fd)
    }

    /// Points a symbolic link at `target`, replacing whatever is at `path` in one rename, so a
    /// reader never finds the snapshot entry missing or half made.
    static func link(_ path: String, to target: String) throws(HubError) {
        let temporary = "\(path).link-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard symlink(target, temporary) == 0 else { throw failure("create the link", temporary) }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure("rename into", path, code)
        }
    }

    static func move(_ source: String, to destination: String) throws(HubError) {
        guard rename(source, destination) == 0 else { throw failure("rename \(source) to", destination) }
    }

    /// Removes a file or a link; one already gone is not an error.
    static func remove(_ path: String) throws(HubError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("remove", path) }
    }

    /// Removes `path` if it is an empty directory, and reports whether it did.
    @discardableResult
    static func removeIfEmpty(_ path: String) -> Bool { rmdir(path) == 0 }

    /// Bytes an unprivileged user may still write on the file system holding `directory` (or
    /// its nearest existing parent, since the cache may not exist yet); nil when unknown.
    static func freeSpace(_ directory: String) -> Int64? {
        var path = directory
        while !isDirectory(path) {
            guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
                path = "/"
                break
            }
            path = String(path[..<slash])
        }
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        return overflow ? Int64.max : Int64(clamping: bytes)
    }
}

/// An exclusive `flock` on a `.locks/…/<etag>.lock` file, held for a whole download so two pulls
/// of one file (two windows, two processes, or Clicky and the Python tools, which lock the same
/// file) never write the same partial file at once.
enum HubLock {
    /// Runs `body` holding the lock, and releases it however `body` ends. The wait polls a
    /// non-blocking `flock` instead of blocking a thread of the shared concurrency pool (on two
    /// cores one blocked waiter could stall the very download it waits for); a cancelled task
    /// stops waiting with `.interrupted("cancelled")`.
    static func holding<Result>(_ path: String, poll: Duration = .milliseconds(50),
                                _ body: () async throws(HubError) -> Result) async throws(HubError) -> Result {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HubDisk.failure("open the lock", path) }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else { throw HubDisk.failure("lock", path, code) }
            do {
                try await Task.sleep(for: poll)
            } catch {
                throw .interrupted("cancelled while another pull of the same file was running")
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}
