import Foundation
import XCTest

/// `clicky models` through the real binary: pulls from a loopback stand-in for the Hub
/// (`Tests/Servers/hub_server.py`) into a private Hugging Face cache, then offline use.
final class ModelsCommandTests: XCTestCase {
    private var home: URL!
    private let repository = "mock-org/Tiny-Chat-GGUF"
    private let file = "smollm2-135m-q4_1.gguf"
    private var spec: String { "\(repository)/\(file)" }

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("hub-root/\(repository)"),
                                                withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: home)
    }

    /// The hub serves a copy of the default model as `mock-org/Tiny-Chat-GGUF/smollm2-135m-q4_1.gguf`.
    private func startHub(_ options: [String] = []) throws -> PythonServer {
        let model = try CLIRunner.defaultModel()
        let served = home.appendingPathComponent("hub-root/\(repository)/\(file)")
        if !FileManager.default.fileExists(atPath: served.path) { try FileManager.default.copyItem(at: model, to: served) }
        return try PythonServer(script: "hub_server.py",
                                arguments: [home.appendingPathComponent("hub-root").path, "{dir}/requests.jsonl"] + options)
    }

    private var cache: URL { home.appendingPathComponent("hf-cache") }

    private func clicky(_ arguments: [String], hub: PythonServer? = nil, extra: [String: String] = [:],
                        offlineNamespace: Bool = false) throws -> CLIRunner.Result {
        var environment = ["HF_HUB_CACHE": cache.path, "HF_HOME": home.appendingPathComponent("hf-home").path,
                           "HF_TOKEN": "", "HF_HUB_OFFLINE": "", "XDG_CONFIG_HOME": home.appendingPathComponent("config").path]
        if let hub { environment["HF_ENDPOINT"] = hub.baseURL }
        environment.merge(extra) { $1 }
        if offlineNamespace {
            return try CLIRunner.run(["-n", try CLIRunner.binary().path] + arguments, environment: environment,
                                     executable: URL(fileURLWithPath: "/usr/bin/unshare"))
        }
        return try CLIRunner.run(arguments, environment: environment)
    }

    private func sha256(_ url: URL) throws -> String {
        let result = try CLIRunner.run([url.path], executable: URL(fileURLWithPath: "/usr/bin/sha256sum"))
        return String(result.stdout.prefix(64))
    }

    func testAPulledModelIsInTheHubCacheLayoutAndAnswersWithNoNetwork() throws {
        let hub = try startHub()
        let pull = try clicky(["models", "pull", spec], hub: hub)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        let sha = try sha256(home.appendingPathComponent("hub-root/\(repository)/\(file)"))
        let folder = cache.appendingPathComponent("models--mock-org--Tiny-Chat-GGUF")
        let snapshot = folder.appendingPathComponent("snapshots/0cb88a4f764b7a12671c53f0838cd831a0843b95/\(file)")
        XCTAssertEqual(pull.stdout.trimmingCharacters(in: .whitespacesAndNewlines), snapshot.path)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("refs/main"), encoding: .utf8),
                       "0cb88a4f764b7a12671c53f0838cd831a0843b95")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: snapshot.path), "../../blobs/\(sha)")
        XCTAssertTrue(pull.stderr.contains("100%"), "progress lines: \(pull.stderr)")
        XCTAssertNil(hub.requests.first { $0.path.hasPrefix("/cdn/") && $0.headers["authorization"] != nil })

        hub.stop()
        let ask = try clicky(["ask", "--model", spec, "what is the capital of france?", "--temperature", "0",
                              "--max-tokens", "12"], offlineNamespace: true)
        XCTAssertEqual(ask.status, 0, ask.stderr)
        XCTAssertFalse(ask.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let path = try clicky(["models", "path", spec], offlineNamespace: true)
        XCTAssertEqual(path.stdout.trimmingCharacters(in: .whitespacesAndNewlines), snapshot.path)
    }

    func testACutTransferIsResumedWithARangeRequest() throws {
        let hub = try startHub(["--cut-first", "5000000"])
        let first = try clicky(["models", "pull", spec], hub: hub)
        XCTAssertEqual(first.status, 4, first.stderr)
        XCTAssertTrue(first.stderr.contains("resume"), first.stderr)
        let second = try clicky(["models", "pull", spec], hub: hub)
        XCTAssertEqual(second.status, 0, second.stderr)
        let ranges = hub.requests.compactMap { $0.headers["range"] }
        XCTAssertEqual(ranges.count, 1, "the second pull resumed")
        XCTAssertTrue(ranges.first?.hasPrefix("bytes=") == true && ranges.first != "bytes=0-", "\(ranges)")
        let pulled = URL(fileURLWithPath: second.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(try sha256(pulled), try sha256(home.appendingPathComponent("hub-root/\(repository)/\(file)")))
    }

    func testCorruptBytesAreRejectedAndNeverUsed() throws {
        let hub = try startHub(["--corrupt"])
        let pull = try clicky(["models", "pull", spec], hub: hub)
        XCTAssertEqual(pull.status, 1, pull.stderr)
        XCTAssertTrue(pull.stderr.contains("checksum"), pull.stderr)
        let path = try clicky(["models", "path", spec])
        XCTAssertEqual(path.status, 3, "a file that failed its checksum is not installed")
    }

    func testGatedMissingAndOfflineAreClearLines() throws {
        let hub = try startHub(["--gated", repository])
        let gated = try clicky(["models", "pull", spec], hub: hub)
        XCTAssertEqual(gated.status, 1, gated.stderr)
        XCTAssertTrue(gated.stderr.contains("\(hub.baseURL)/\(repository)"), "names the licence page: \(gated.stderr)")
        XCTAssertTrue(gated.stderr.contains("HF_TOKEN"), gated.stderr)
        let withToken = try clicky(["models", "pull", spec], hub: hub, extra: ["HF_TOKEN": "hf_test_token_1234"])
        XCTAssertEqual(withToken.status, 1)
        XCTAssertFalse(withToken.stderr.contains("hf_test_token_1234"))

        let missing = try clicky(["models", "pull", "\(repository)/no-such-file.gguf"], hub: try startHub())
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("not found"), missing.stderr)

        let offlineHub = try startHub()
        let offline = try clicky(["models", "pull", spec], hub: offlineHub, extra: ["HF_HUB_OFFLINE": "1"])
        XCTAssertEqual(offline.status, 4, offline.stderr)
        XCTAssertTrue(offlineHub.requests.isEmpty, "HF_HUB_OFFLINE makes no request")
    }

    func testImportListPathAndRemove() throws {
        let data = home.appendingPathComponent("data")
        let environment = ["XDG_DATA_HOME": data.path]
        let copy = home.appendingPathComponent("my-model.gguf")
        try FileManager.default.copyItem(at: try CLIRunner.defaultModel(), to: copy)
        let imported = try clicky(["models", "import", copy.path], extra: environment)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let installed = data.appendingPathComponent("clicky/models/my-model.gguf")
        XCTAssertTrue(FileManager.default.fileExists(atPath: installed.path))
        XCTAssertTrue(try clicky(["models", "list"], extra: environment).stdout.contains("my-model.gguf"))
        XCTAssertEqual(try clicky(["models", "path", "my-model"], extra: environment).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines), installed.path)
        XCTAssertEqual(try clicky(["models", "import", copy.path], extra: environment).status, 1, "no silent overwrite")

        let junk = home.appendingPathComponent("junk.gguf")
        try Data("not a model at all".utf8).write(to: junk)
        let refused = try clicky(["models", "import", junk.path], extra: environment)
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1)

        XCTAssertEqual(try clicky(["models", "rm", "my-model.gguf"], extra: environment).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: installed.path))
        XCTAssertEqual(try clicky(["models", "path", "my-model"], extra: environment).status, 3)
    }
}


/// Ctrl-C in the middle of a pull keeps what arrived, and the next pull resumes from it.
final class InterruptedPullTests: XCTestCase {
    func testCtrlCKeepsAResumablePartialFile() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-interrupt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let repoFolder = home.appendingPathComponent("hub-root/mock-org/Slow-GGUF")
        try FileManager.default.createDirectory(at: repoFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try CLIRunner.defaultModel(), to: repoFolder.appendingPathComponent("m.gguf"))
        let hub = try PythonServer(script: "hub_server.py",
                                   arguments: [home.appendingPathComponent("hub-root").path, "{dir}/requests.jsonl", "--delay", "0.02"])
        let cache = home.appendingPathComponent("hf-cache")
        let process = Process()
        process.executableURL = try CLIRunner.binary()
        process.arguments = ["models", "pull", "mock-org/Slow-GGUF/m.gguf"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["HF_ENDPOINT": hub.baseURL, "HF_HUB_CACHE": cache.path, "HF_TOKEN": "", "HF_HUB_OFFLINE": ""]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let blobs = cache.appendingPathComponent("models--mock-org--Slow-GGUF/blobs")
        func partialSize() -> Int {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: blobs.path)) ?? []
            return names.filter { $0.hasSuffix(".incomplete") }.compactMap {
                (try? FileManager.default.attributesOfItem(atPath: blobs.appendingPathComponent($0).path))?[.size] as? Int
            }.first ?? 0
        }
        let deadline = Date().addingTimeInterval(20)
        while partialSize() < 1_000_000, Date() < deadline, process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(process.isRunning, "the slow pull must still be running")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let kept = partialSize()
        XCTAssertGreaterThan(kept, 1_000_000, "the partial download is kept")
        hub.stop()

        let fast = try PythonServer(script: "hub_server.py", arguments: [home.appendingPathComponent("hub-root").path, "{dir}/requests.jsonl"])
        let resumed = try CLIRunner.run(["models", "pull", "mock-org/Slow-GGUF/m.gguf"], environment:
            ["HF_ENDPOINT": fast.baseURL, "HF_HUB_CACHE": cache.path, "HF_TOKEN": "", "HF_HUB_OFFLINE": ""])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let range = fast.requests.compactMap { $0.headers["range"] }.first
        XCTAssertNotNil(range, "the second pull resumed")
        if let range, let start = Int(range.dropFirst("bytes=".count).dropLast()) {
            XCTAssertGreaterThanOrEqual(start, kept - (8 << 20), "resumed near where it stopped: \(range)")
        }
    }
}
