import Foundation

/// Recorded replies from `Tests/Fixtures/protocols`, replayed in order by `replay_server.py`.
enum ReplayServer {
    struct Reply: Encodable {
        let status: Int
        let headers: [String: String]
        let bodyFile: String?
        enum CodingKeys: String, CodingKey { case status, headers, bodyFile = "body_file" }
    }

    static let fixtures = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/protocols")

    /// A reply with a recorded body: an SSE stream or a JSON error.
    static func fixture(_ name: String, status: Int = 200) -> Reply {
        let type = name.hasSuffix(".sse") ? "text/event-stream" : "application/json"
        return Reply(status: status, headers: ["Content-Type": type], bodyFile: fixtures.appendingPathComponent(name).path)
    }

    /// Starts a server answering the n-th request with `replies[n]` (the last one repeats).
    static func start(_ replies: [Reply]) throws -> PythonServer {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-script-\(UUID().uuidString).json")
        try JSONEncoder().encode(replies).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }   // read before the port is printed
        return try PythonServer(script: "replay_server.py", arguments: [script.path, "{dir}/requests.jsonl"])
    }
}
