import Foundation
import XCTest

/// The network half of the privacy contract and the offline fail-fast, through the real binary
/// in a network namespace with no network (`unshare -n`), traced with strace: a Local Mode turn
/// answers and opens no internet socket at all; a cloud turn refuses at once with the spoken
/// nudge and exit code 4, also without opening a socket.
final class OfflineTurnTests: XCTestCase {
    /// Keys and addresses for every cloud brain, so that nothing is "off" for lack of set-up.
    private let cloudEnvironment = ["ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key",
                                    "OPENAI_BASE_URL": "https://api.openai.com", "OPENAI_API_KEY": "sk-test-not-real"]

    /// Runs clicky with `arguments` inside a fresh network namespace under strace; returns the
    /// result, the seconds it took, and the traced socket calls that could reach a network.
    private func runOffline(_ arguments: [String]) throws -> (result: CLIRunner.Result, seconds: Double, inetCalls: [String]) {
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("clicky-strace-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: trace) }
        let start = Date()
        let result = try CLIRunner.run(["-n", "strace", "-f", "-qq", "-e", "trace=execve,socket,connect,sendto,sendmsg",
                                        "-o", trace.path, try CLIRunner.binary().path] + arguments,
                                       environment: cloudEnvironment, executable: URL(fileURLWithPath: "/usr/bin/unshare"))
        let seconds = Date().timeIntervalSince(start)
        let lines = (try? String(contentsOf: trace, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        XCTAssertTrue(lines.contains { $0.contains("execve(") }, "strace did not run: \(result.stderr)")
        return (result, seconds, lines.filter { $0.contains("AF_INET") })
    }

    func testALocalTurnAnswersWithNoNetworkAndOpensNoInternetSocket() throws {
        _ = try CLIRunner.defaultModel()
        let offline = try runOffline(["ask", "--brain", "local", "--screen", "where is the save button on my screen?",
                                      "--temperature", "0", "--max-tokens", "16"])
        XCTAssertEqual(offline.result.status, 0, offline.result.stderr)
        XCTAssertFalse(offline.result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertEqual(offline.inetCalls, [], "a Local Mode turn must not touch the network")
        XCTAssertFalse(offline.result.stderr.contains("screen"), "a local turn never considers the screen: \(offline.result.stderr)")
    }

    func testACloudTurnWithNoNetworkFailsInUnderASecondWithTheNudge() throws {
        for brain in ["sonnet", "opus", "openai"] {
            let offline = try runOffline(["ask", "--brain", brain, "what is on my screen?"])
            XCTAssertEqual(offline.result.status, 4, "\(brain): \(offline.result.stderr)")
            XCTAssertTrue(offline.result.stderr.contains("looks like the internet is out"), offline.result.stderr)
            XCTAssertEqual(offline.result.stdout, "")
            XCTAssertLessThan(offline.seconds, 1.0, "\(brain) must fail fast, not wait for a timeout")
            XCTAssertEqual(offline.inetCalls, [], "\(brain): no request may even be attempted")
        }
    }
}
