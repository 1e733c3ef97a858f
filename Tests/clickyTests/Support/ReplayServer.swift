import Foundation
import XCTest

/// The Python replay server (`replay_server.py`) as a test fixture: recorded replies from
/// `Tests/Fixtures/protocols`, served on 127.0.0.1, and the requests it received.
final class ReplayServer {
    struct Reply: Encodable {
        let status: Int
        let headers: [String: String]
        let bodyFile: String?
        enum CodingKeys: String, CodingKey { case status, headers, bodyFile = "body_file" }
    }

    struct Request: Decodable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: String

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
    }

    static let fixtures = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/protocols")

    /// A reply with a recorded body: an SSE stream or a JSON error.
    static func fixture(_ name: String, status: Int = 200) -> Reply {
        let type = name.hasSuffix(".sse") ? "text/event-stream" : "application/json"
        return Reply(status: status, headers: ["Content-Type": type], bodyFile: fixtures.appendingPathComponent(name).path)
    }

    private let process = Process()
    private let directory: URL
    let baseURL: String

    init(_ replies: [Reply]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("script.json")
        try JSONEncoder().encode(replies).write(to: script)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CLIRunner.packageRoot.appendingPathComponent("Tests/Servers/replay_server.py").path,
                             script.path, directory.appendingPathComponent("requests.jsonl").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw XCTSkip("python3 replay server did not start")
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// The requests received so far, in order.
    var requests: [Request] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("requests.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
