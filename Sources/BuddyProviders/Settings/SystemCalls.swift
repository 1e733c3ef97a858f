// The only settings file that talks to the operating system: every `canImport` and every libc
// call for settings, secrets and the Secret Service helper lives here, so the rest is portable
// Swift over bytes and paths.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: what was attempted, on which path, and the C library's words for errno.
struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32

    var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    /// `open` with `O_NOFOLLOW` met a symbolic link.
    var isSymbolicLink: Bool { code == ELOOP }
}

/// What `fstat` says about an open file, reduced to what the settings code decides on.
struct FileStatus: Sendable, Equatable {
    /// Permission bits only (for example `0o600`).
    var permissions: Int
    var isRegularFile: Bool
    var ownedByCurrentUser: Bool
}

/// A file opened for reading, closed when the value goes away. Checks and reads go through the
/// same descriptor, so the file cannot be swapped between "is it private?" and "read it".
struct ReadableFile: ~Copyable {
    private let descriptor: Int32
    private let path: String

    /// Opens `path`; nil when nothing is there. Without `followSymlinks` a symbolic link is refused.
    init?(path: String, followSymlinks: Bool) throws(SystemError) {
        let flags = O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW)
        let fd = open(path, flags)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError(operation: "open", path: path, code: errno)
        }
        descriptor = fd
        self.path = path
    }

    deinit { close(descriptor) }

    func status() throws(SystemError) -> FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError(operation: "stat", path: path, code: errno) }
        let mode = Int(info.st_mode)
        return FileStatus(permissions: mode & 0o7777, isRegularFile: mode & 0o170000 == 0o100000,
                          ownedByCurrentUser: info.st_uid == geteuid())
    }

    /// The whole file; more than `limit` bytes is an error (a settings file is never that big).
    func readAll(limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "read", path: path, code: errno)
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit { throw SystemError(operation: "read", path: path, code: EFBIG) }
        }
    }
}

/// Writing files so that a reader sees either the old contents or the new, never half of either.
enum FileSystem {
    /// Writes `bytes` to a fresh temporary file beside `path` (created with `permissions`, so a
    /// 0600 file is never readable by others, not even for a moment), flushes it, and renames it
    /// over `path`. With `exactPermissions` the umask cannot narrow or matter: the bits are set.
    static func writeAtomically(_ bytes: [UInt8], to path: String, permissions: Int,
                                exactPermissions: Bool) throws(SystemError) {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(permissions))
        guard fd >= 0 else { throw SystemError(operation: "create", path: temporary, code: errno) }
        var failure: SystemError?
        if exactPermissions, fchmod(fd, mode_t(permissions)) != 0 {
            failure = SystemError(operation: "chmod", path: temporary, code: errno)
        }
        var offset = 0
        while failure == nil, offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { write(fd, $0 + offset, buffer.count - offset) } ?? 0
            }
            if count < 0, errno != EINTR { failure = SystemError(operation: "write", path: temporary, code: errno) }
            if count == 0 { failure = SystemError(operation: "write", path: temporary, code: EIO) }
            if count > 0 { offset += count }
        }
        if failure == nil, fsync(fd) != 0 { failure = SystemError(operation: "flush", path: temporary, code: errno) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 {
            failure = SystemError(operation: "rename into", path: path, code: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        syncDirectory(containing: path)
    }

    /// Creates `path` and any missing parents with `permissions` (0700 for our config directory,
    /// as the XDG spec asks); directories that already exist are left as they are.
    static func makeDirectories(_ path: String, permissions: Int) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode_t(permissions)) != 0, errno != EEXIST {
                throw SystemError(operation: "create directory", path: prefix, code: errno)
            }
        }
    }

    /// True for an executable regular file.
    static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int(info.st_mode) & 0o170000 == 0o100000 && access(path, X_OK) == 0
    }

    /// True for a Unix-domain socket (how a D-Bus session bus shows up in `$XDG_RUNTIME_DIR`).
    static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int(info.st_mode) & 0o170000 == 0o140000
    }

    /// Makes the rename itself durable; a failure here loses nothing already written, so it is
    /// not reported.
    private static func syncDirectory(containing path: String) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let fd = open(directory.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// How a helper program ended.
struct ChildResult: Sendable, Equatable {
    /// The exit status; nil when the program was killed or died of a signal.
    var exitStatus: Int32?
    var output: [UInt8]
    /// The deadline or the output limit came first, so the program was killed.
    var killed: Bool
}

/// Runs a helper program (here only `secret-tool`) with a deadline it cannot outlive.
enum ChildProcess {
    /// Runs `executable` with `arguments` and exactly `environment`, feeding it `input` on stdin
    /// (at most 4 KiB) and collecting stdout (stderr is discarded: helpers may print there what
    /// we must not log). At `timeout` the program and its process group are killed. Nil when it
    /// could not be started at all.
    static func run(_ executable: String, arguments: [String], environment: [String: String],
                    input: [UInt8], timeout: Duration, outputLimit: Int = 65_536) -> ChildResult? {
        guard input.count <= 4096 else { return nil }
        var inputPipe: [Int32] = [-1, -1], outputPipe: [Int32] = [-1, -1]
        guard pipe(&inputPipe) == 0 else { return nil }
        guard pipe(&outputPipe) == 0 else {
            inputPipe.forEach { close($0) }
            return nil
        }
        for fd in inputPipe + outputPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The input goes into the pipe before the child exists. We still hold the read end, so
        // the write cannot raise SIGPIPE, and 4 KiB always fits in a pipe's buffer.
        _ = fcntl(inputPipe[1], F_SETFL, O_NONBLOCK)
        let written = input.withUnsafeBytes { buffer in buffer.baseAddress.map { write(inputPipe[1], $0, buffer.count) } ?? 0 }
        close(inputPipe[1])
        guard written == input.count else {
            close(inputPipe[0]); outputPipe.forEach { close($0) }
            return nil
        }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawnattr_init(&attributes)
        // Its own process group, so a timeout also kills anything it started.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        close(inputPipe[0])
        close(outputPipe[1])
        guard spawned == 0 else {
            close(outputPipe[0])
            return nil
        }

        let deadline = ContinuousClock.now + timeout
        var (output, stopped) = collect(outputPipe[0], until: deadline, limit: outputLimit)
        close(outputPipe[0])
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { return ChildResult(exitStatus: nil, output: [], killed: false) }
            if stopped || ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                stopped = true
                break
            }
            usleep(2_000)
        }
        if stopped { output = [] }
        let exited = status & 0x7f == 0
        return ChildResult(exitStatus: exited ? (status >> 8) & 0xff : nil, output: output, killed: stopped)
    }

    /// Reads `fd` until end of file; `stopped` is true when the deadline or the size limit came first.
    private static func collect(_ fd: Int32, until deadline: ContinuousClock.Instant,
                                limit: Int) -> (output: [UInt8], stopped: Bool) {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return (output, true) }
            let (seconds, attoseconds) = remaining.components
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            if ready < 0, errno != EINTR { return (output, true) }
            if ready <= 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return (output, false) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return (output, true)
            }
            output += chunk[0..<count]
            if output.count > limit { return (output, true) }
        }
    }
}
