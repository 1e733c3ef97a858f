import Foundation
import XCTest

/// A loopback server written in Python under `Tests/Servers/`, run for one test: started with
/// its arguments, its port read from the first line it prints, stopped on `stop()` or deinit.
/// Each has a private directory; requests are logged there as JSON lines.
final class PythonServer {
    struct LoggedRequest: Decodable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: String?

        var json: [String: Any]? {
            body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    let directory: URL
    let baseURL: String
    private let process = Process()

    /// Runs `Tests/Servers/<script>` with `arguments`; `{dir}` in an argument is this server's directory.
    init(script: String, arguments: [String]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-server-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CLIRunner.packageRoot.appendingPathComponent("Tests/Servers/\(script)").path]
            + arguments.map { $0.replacingOccurrences(of: "{dir}", with: directory.path) }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw XCTSkip("the python3 test server \(script) did not start")
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// The requests logged to `{dir}/requests.jsonl`, in order.
    var requests: [LoggedRequest] {
        let log = directory.appendingPathComponent("requests.jsonl")
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(LoggedRequest.self, from: Data($0.utf8)) }
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
