#if canImport(Glibc)
import Glibc

// The few calls whose names clash with the wrappers below, or differ between C libraries.
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Glibc.listen(fd, backlog) }
private func systemAccept(_ fd: Int32) -> Int32 { Glibc.accept(fd, nil, nil) }
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Glibc.connect(fd, address, length)
}
#elseif canImport(Darwin)
import Darwin

private let streamSocket = SOCK_STREAM
private let noSignal: Int32 = 0   // Darwin has no MSG_NOSIGNAL; accepted sockets get SO_NOSIGPIPE
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Darwin.listen(fd, backlog) }
private func systemAccept(_ fd: Int32) -> Int32 {
    let accepted = Darwin.accept(fd, nil, nil)
    var yes: Int32 = 1
    if accepted >= 0 { setsockopt(accepted, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size)) }
    return accepted
}
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Darwin.connect(fd, address, length)
}
#endif

/// Why the loopback server could not start.
enum LoopbackServerError: Error, Equatable {
    case socket(String, errno: Int32)
}

/// Thin wrappers over the POSIX calls the loopback server needs, so the server and connection
/// code read as HTTP rather than as C. Every call here is blocking; waits are bounded by `poll`.
enum LoopbackSocket {
    /// A listening TCP socket on 127.0.0.1 with a port the kernel picks; returns (fd, port).
    static func listen() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { throw LoopbackServerError.socket("socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, systemListen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw LoopbackServerError.socket("bind/listen", errno: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw LoopbackServerError.socket("getsockname", errno: code)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A client socket connected to 127.0.0.1:`port` (for tests of the server's own wire output).
    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { throw LoopbackServerError.socket("socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw LoopbackServerError.socket("connect", errno: code)
        }
        return fd
    }

    /// Waits up to `milliseconds` for `fd` to become readable (or hung up).
    static func readable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0
    }

    /// Accepts one connection, with TCP_NODELAY so every write leaves at once; nil on failure.
    static func accept(_ listener: Int32) -> Int32? {
        let fd = systemAccept(listener)
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Reads what is available (blocking until something is); nil at end of stream or on error.
    static func read(_ fd: Int32, max: Int = 64 * 1024) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        guard count > 0 else { return nil }
        return Array(buffer[0..<count])
    }

    /// Writes all of `bytes`; false if the peer has gone (no SIGPIPE: MSG_NOSIGNAL).
    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return send(fd, base + offset, raw.count - offset, noSignal)
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// True if the peer has closed its side: readable, and a peek finds end of stream or an error.
    /// Bytes the client sends meanwhile are read and dropped (every reply closes the connection).
    static func peerClosed(_ fd: Int32) -> Bool {
        guard readable(fd, milliseconds: 0) else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if count == 0 { return true }
        if count < 0 { return errno != EAGAIN && errno != EINTR }
        _ = read(fd)
        return false
    }

    /// Half-closes for writing (the client sees end of stream), then reads until the client's
    /// own close or about a second, so no reset can destroy bytes still in flight. The caller
    /// closes the descriptor.
    static func finishWriting(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_WR))
        for _ in 0..<20 where readable(fd, milliseconds: 50) {
            if read(fd) == nil { return }
        }
    }

    /// Wakes any thread blocked reading `fd` (it sees end of stream); the owner still closes it.
    static func interrupt(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_RDWR))
    }
}
