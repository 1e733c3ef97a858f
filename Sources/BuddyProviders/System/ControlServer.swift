import Foundation
import Synchronization

/// The listening side of `ControlSocket`: accepts one connection at a time on its own thread,
/// reads one line, asks `handler` for the answer line, writes it, and closes. The handler runs
/// as an async task so it can talk to actors (the buddy).
public final class ControlServer: Sendable {
    public let path: String
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)

    /// Binds `path` (its folder made 0700). Another buddy answering there is `.alreadyRunning`;
    /// a socket file nobody answers on is a leftover and is replaced.
    public init(path: String = ControlSocket.defaultPath(),
                handler: @escaping @Sendable (String) async -> String) throws(ControlSocket.Failure) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if mkdir(folder, 0o700) != 0, errno != EEXIST {
            throw ControlSocket.Failure(.io, "cannot make \(folder): \(String(cString: strerror(errno)))")
        }
        if let other = try? ControlSocket.connect(path) {
            close(other)
            throw ControlSocket.Failure(.alreadyRunning, "another clicky buddy is already running (\(path))")
        }
        unlink(path)   // a leftover from a buddy that died
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlSocket.Failure(.io, "no socket: \(String(cString: strerror(errno)))") }
        var address = try ControlSocket.unixAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ControlSocket.Failure(.io, "cannot listen on \(path): \(reason)")
        }
        listener = fd
        // The thread holds the server until `stop()` closes the listener and it returns.
        let thread = Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                let client = accept(listener, nil, nil)
                if client < 0 { if errno == EINTR { continue } else { return } }
                Self.serve(client, handler: handler)
            }
        }
        thread.name = "clicky control"
        thread.start()
    }

    /// Answers one client: a line in, the handler's line out. A client that sends nothing in
    /// 2 s is dropped, so it cannot block the next one.
    private static func serve(_ client: Int32, handler: @escaping @Sendable (String) async -> String) {
        defer { close(client) }
        var limit = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard let request = ControlSocket.readLine(client) else { return }
        let answer = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let line = await handler(request.trimmingCharacters(in: .whitespaces))
            answer.withLock { $0 = line }
            done.signal()
        }
        done.wait()
        let line = answer.withLock { $0 } ?? ""
        _ = ControlSocket.writeAll(client, Array((line.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
    }

    /// Stops listening and removes the socket file.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    deinit { stop() }
}
