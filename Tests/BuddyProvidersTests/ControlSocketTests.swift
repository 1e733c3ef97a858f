@testable import BuddyProviders
import Foundation
import XCTest

/// The running buddy's control socket: one line in, one line out; one buddy per socket; a
/// leftover socket file replaced; only this user can reach it.
final class ControlSocketTests: XCTestCase {
    private func socketPath() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("control-\(getpid())-\(UUID().uuidString.prefix(6))")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent("control.sock").path
    }

    func testARequestLineGetsTheHandlersAnswer() throws {
        let path = try socketPath()
        let server = try ControlServer(path: path) { request in "you said: \(request)" }
        defer { server.stop() }
        XCTAssertEqual(try ControlSocket.send("status", path: path), "you said: status")
        XCTAssertEqual(try ControlSocket.send("mode  local ", path: path), "you said: mode  local")
        let attributes = try FileManager.default.attributesOfItem(atPath: (path as NSString).deletingLastPathComponent)
        XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o700)
    }

    func testASecondBuddyIsRefusedAndALeftoverSocketIsReplaced() throws {
        let path = try socketPath()
        let first = try ControlServer(path: path) { _ in "first" }
        XCTAssertThrowsError(try ControlServer(path: path) { _ in "second" }) { error in
            XCTAssertEqual((error as? ControlSocket.Failure)?.kind, .alreadyRunning)
        }
        first.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "stop removes the socket")
        // A socket file nobody listens on (a buddy that was killed) is replaced.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = try ControlSocket.unixAddress(path)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(stale)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let second = try ControlServer(path: path) { _ in "second" }
        defer { second.stop() }
        XCTAssertEqual(try ControlSocket.send("status", path: path), "second")
    }

    func testNoBuddyIsNotRunningInOneLine() throws {
        let path = try socketPath()
        XCTAssertThrowsError(try ControlSocket.send("status", path: path)) { error in
            let failure = error as? ControlSocket.Failure
            XCTAssertEqual(failure?.kind, .notRunning)
            XCTAssertFalse(failure?.description.contains("\n") ?? true)
        }
    }

    func testASilentClientDoesNotBlockTheNextOne() throws {
        let path = try socketPath()
        let server = try ControlServer(path: path) { _ in "ok" }
        defer { server.stop() }
        let silent = try ControlSocket.connect(path)   // connects and says nothing
        defer { close(silent) }
        XCTAssertEqual(try ControlSocket.send("status", path: path, timeout: 5), "ok")
    }
}
