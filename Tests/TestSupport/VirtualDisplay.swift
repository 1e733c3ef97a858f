import Foundation
import Synchronization

/// A private X server for one test (Xvfb, 24-bit, one wide screen), optionally split into
/// monitors with `xrandr --setmonitor` the way a two-monitor desktop looks to RandR clients.
/// `environment` carries DISPLAY for child processes; in-process code opens `display`. RandR
/// then reports the declared monitors and also the automatic whole-screen monitor `screen`,
/// which the app must drop (linux-desktop.md §2.7).
public final class VirtualDisplay: @unchecked Sendable {
    public struct Monitor: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case unavailable(String)
        public var description: String {
            switch self { case .unavailable(let why): "no virtual display: \(why)" }
        }
    }

    /// ":N", for XOpenDisplay and DISPLAY.
    public let display: String
    public let width: Int, height: Int
    public let monitors: [Monitor]
    private let server: SpawnedProcess

    public var environment: [String: String] { ["DISPLAY": display] }

    /// Every display that has not been stopped, kept alive here. An optimised build may release
    /// a test's `VirtualDisplay` right after its last use, while a window or capturer of the test
    /// still holds a connection; Xlib ends the whole process when a server goes away under an
    /// open connection. So a display lives until `stop()` or the end of the test process.
    private static let live = Mutex<[ObjectIdentifier: VirtualDisplay]>([:])
    private static let cleanup: Void = { atexit { VirtualDisplay.stopAll() } }()

    private static func stopAll() {
        let displays = live.withLock { live in
            defer { live.removeAll() }
            return Array(live.values)
        }
        for display in displays { display.server.stop() }
    }

    /// Starts Xvfb at `width`×`height` and declares `monitors` (none: the one screen).
    public init(width: Int = 1280, height: Int = 800, monitors: [Monitor] = []) throws {
        guard let xvfb = SpawnedProcess.find("Xvfb") else { throw Failure.unavailable("Xvfb is not installed (apt install xvfb)") }
        self.width = width
        self.height = height
        // A display number of our own: the lowest free one from a pid-based start.
        var number = 50 + Int(getpid() % 400)
        while FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock") || FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") {
            number += 1
        }
        display = ":\(number)"
        // -noreset: without it the monitors declared by xrandr vanish when xrandr disconnects.
        server = try SpawnedProcess(xvfb, [display, "-screen", "0", "\(width)x\(height)x24", "-nolisten", "tcp", "-noreset",
                                           "+extension", "RANDR"])
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") {
            guard server.isRunning, Date() < deadline else {
                server.stop()
                throw Failure.unavailable("Xvfb \(display) did not start: \(server.errorOutput)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: 0.1)
        for (index, monitor) in monitors.enumerated() {
            let geometry = "\(monitor.width)/\(monitor.width * 254 / 960)x\(monitor.height)/\(monitor.height * 254 / 960)+\(monitor.x)+\(monitor.y)"
            let result = try SpawnedProcess.run("xrandr", ["--setmonitor", "clicky-\(index + 1)", geometry, "none"],
                                                environment: ["DISPLAY": display])
            guard result.status == 0 else {
                server.stop()
                throw Failure.unavailable("xrandr --setmonitor failed: \(result.error)")
            }
        }
        self.monitors = monitors.isEmpty ? [Monitor(x: 0, y: 0, width: width, height: height)] : monitors
        Self.cleanup
        Self.live.withLock { $0[ObjectIdentifier(self)] = self }
    }

    /// Runs a tool (xdotool, import, xsetroot) against this display.
    @discardableResult
    public func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try SpawnedProcess.run(program, arguments, environment: environment)
    }

    /// A PNG screenshot of the whole screen (ImageMagick `import -window root`).
    public func screenshot(to path: String) throws {
        let result = try run("import", ["-window", "root", path])
        guard result.status == 0 else { throw Failure.unavailable("import failed: \(result.error)") }
    }

    /// Stops the server; close every connection to it first.
    public func stop() {
        server.stop()
        _ = Self.live.withLock { $0.removeValue(forKey: ObjectIdentifier(self)) }
    }
}
