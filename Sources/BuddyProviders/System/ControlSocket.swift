import Foundation

/// The running buddy's control line: a Unix socket in `$XDG_RUNTIME_DIR/clicky/` (mode 0700,
/// so only this user can reach it) where `clicky mode …` and `clicky status` send one line and
/// read one line back. Only one buddy listens: a second one finds the socket answering and
/// refuses; a socket left behind by a buddy that died is replaced.
public enum ControlSocket {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable { case notRunning, alreadyRunning, io }
        public var kind: Kind
        public var description: String
        public init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }
    }

    /// `$XDG_RUNTIME_DIR/clicky/control.sock`, else `/tmp/clicky-UID/control.sock`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        return (runtime.map { "\($0)/clicky" } ?? "/tmp/clicky-\(getuid())") + "/control.sock"
    }

    /// Sends `line` to the buddy at `path` and returns its one-line answer.
    public static func send(_ line: String, path: String = defaultPath(), timeout: Double = 5) throws(Failure) -> String {
        let fd = try connect(path)
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard writeAll(fd, Array((line + "\n").utf8)) else { throw Failure(.io, "cannot talk to the buddy at \(path)") }
        guard let answer = readLine(fd) else { throw Failure(.io, "the buddy at \(path) did not answer") }
        return answer
    }

    /// Connects to the socket; `.notRunning` when nobody listens there.
    static func connect(_ path: String) throws(Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(.io, "no socket: \(String(cString: strerror(errno)))") }
        var address = try unixAddress(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(.notRunning, "no clicky buddy is running (start one with `clicky`)")
        }
        return fd
    }

    static func unixAddress(_ path: String) throws(Failure) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw Failure(.io, "the socket path is too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if result < 0 { if errno == EINTR { continue } else { return false } }
            written += result
        }
        return true
    }

    /// Reads up to a newline (at most 64 KiB); nil on end of file, timeout or error.
    static func readLine(_ fd: Int32) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 65_536 {
            let result = recv(fd, &byte, 1, 0)
            if result < 0, errno == EINTR { continue }
            guard result == 1 else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return nil
    }
}
