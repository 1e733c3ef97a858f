import Foundation
import XCTest

/// The command-line contract: usage errors, streams, JSON shapes and the chat loop.
final class CommandLineTests: XCTestCase {
    func testUnknownFlagIsAUsageError() throws {
        let result = try CLIRunner.run(["generate", "--raw", "hi", "--no-such-flag"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertFalse(result.stderr.isEmpty)
    }

    func testBadValuesAreUsageErrors() throws {
        for arguments in [["ask", "hi", "--threads", "0"], ["ask", "hi", "--temperature", "-1"],
                          ["ask", "hi", "--max-tokens", "0"], ["ask", "hi", "--top-p", "2"],
                          ["ask", "hi", "--brain", "nonsense"], ["bench", "--runs", "0"]] {
            let result = try CLIRunner.run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
        }
    }

    func testHelpExitsZero() throws {
        let result = try CLIRunner.run(["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("chat"))
    }

    func testUnknownModelNameIsAnInputError() throws {
        let result = try CLIRunner.run(["ask", "hi", "--model", "no-such-model"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
    }

    func testAskPrintsOnlyTheAnswerAndTheBadgeOnStderr() throws {
        _ = try CLIRunner.defaultModel()
        let result = try CLIRunner.run(["ask", "what", "is", "the", "capital", "of", "france?",
                                        "--temperature", "0", "--max-tokens", "24"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.lowercased().contains("paris"), result.stdout)
        let badge = try XCTUnwrap(result.stderr.split(separator: "\n").last.map(String.init))
        XCTAssertNotNil(badge.range(of: #"^local · \d+\.\ds · \d+ tok/s$"#, options: .regularExpression), badge)
    }

    func testAskJSON() throws {
        _ = try CLIRunner.defaultModel()
        let result = try CLIRunner.run(["ask", "say hello", "--json", "--temperature", "0", "--max-tokens", "8"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertFalse((object["answer"] as? String ?? "").isEmpty)
        let record = try XCTUnwrap(object["record"] as? [String: Any])
        XCTAssertEqual(record["generated_tokens"] as? Int, 8)
        XCTAssertEqual(record["stop_reason"] as? String, "max_tokens")
    }

    func testSeedMakesSampledRunsReproducible() throws {
        _ = try CLIRunner.defaultModel()
        let arguments = ["generate", "--raw", "Once upon a time", "--temperature", "1.0", "--max-tokens", "16", "--json"]
        let a = try CLIRunner.run(arguments + ["--seed", "123"])
        let b = try CLIRunner.run(arguments + ["--seed", "123"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
    }

    func testChatKeepsHistoryAndPrintsABadgePerAnswer() throws {
        _ = try CLIRunner.defaultModel()
        let result = try CLIRunner.run(["chat", "--temperature", "0", "--max-tokens", "16"],
                                       stdin: "my name is ada.\nwhat is my name?\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        let badges = result.stderr.split(separator: "\n").filter { $0.hasPrefix("local · ") }
        XCTAssertEqual(badges.count, 2, result.stderr)
        XCTAssertTrue(result.stdout.lowercased().contains("ada"), result.stdout)
    }

    func testBenchJSON() throws {
        _ = try CLIRunner.defaultModel()
        let result = try CLIRunner.run(["bench", "--json", "--max-tokens", "8", "--prefill-tokens", "64", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let questions = try XCTUnwrap(object["questions"] as? [[String: Any]])
        XCTAssertEqual(questions.count, 3)
        for question in questions {
            XCTAssertGreaterThan(question["decode_tokens_per_second"] as? Double ?? 0, 0)
            XCTAssertGreaterThan(question["first_token_seconds"] as? Double ?? 0, 0)
        }
        XCTAssertGreaterThan(object["prefill_tokens_per_second"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(object["peak_memory_mb"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(object["load_seconds"] as? Double ?? 0, 0)
    }

    /// Gemma 3 270M: raw generation and a chat (its GGUF has no template; the gemma3
    /// architecture selects the Gemma format) both work through `--model PATH`.
    func testGemma3GenerateAndChat() throws {
        let model = CLIRunner.modelsDirectory.appendingPathComponent("gemma-3-270m-Q4_K_M.gguf")
        guard FileManager.default.fileExists(atPath: model.path) else { throw XCTSkip("Gemma 3 270M not installed") }
        let generated = try CLIRunner.run(["generate", "--raw", "The capital of France is", "--temperature", "0",
                                           "--max-tokens", "6", "--model", model.path])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        XCTAssertFalse(generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let chat = try CLIRunner.run(["chat", "--model", model.path, "--temperature", "0", "--max-tokens", "12"],
                                     stdin: "hello there\n")
        XCTAssertEqual(chat.status, 0, chat.stderr)
        XCTAssertEqual(chat.stderr.split(separator: "\n").filter { $0.hasPrefix("local · ") }.count, 1, chat.stderr)
    }
}
