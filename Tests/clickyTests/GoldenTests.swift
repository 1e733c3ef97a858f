import Foundation
import XCTest

/// `clicky generate --raw … --temperature 0 --json` against llama.cpp's greedy outputs
/// (`shared/golden/smollm2-135m-instruct-q4_1.json`): prompt ids exactly, generated ids up to the
/// first fragile step, and at a fragile step a token among the reference's top two.
final class GoldenTests: XCTestCase {
    struct Golden: Decodable {
        struct Step: Decodable {
            let step: Int
            let token: Int32
            let top5: [[Double]]
        }
        struct Case: Decodable {
            let prompt: String
            let prompt_token_ids: [Int32]
            let generated_token_ids: [Int32]
            let steps: [Step]
            let fragile_steps: [Int]
        }
        let cases: [Case]
    }

    struct Output: Decodable {
        let prompt_token_ids: [Int32]
        let token_ids: [Int32]
        let text: String
    }

    static func goldenURL(_ name: String) -> URL {
        CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/golden/\(name)")
    }

    func testSmolLM2MatchesLlamaCppGreedy() throws {
        try check(golden: "smollm2-135m-instruct-q4_1.json", model: CLIRunner.defaultModel(), cases: 4)
    }

    /// Gemma 3 270M (Q8_0/Q5_0/Q4_K/Q6_K weights, SentencePiece, sliding-window attention): the
    /// shared golden, and one of ours made by scripts/golden/make_golden.py whose first prompt
    /// (557 tokens) is longer than the 512-position sliding window.
    func testGemma3MatchesLlamaCppGreedy() throws {
        let model = CLIRunner.modelsDirectory.appendingPathComponent("gemma-3-270m-Q4_K_M.gguf")
        guard FileManager.default.fileExists(atPath: model.path) else {
            throw XCTSkip("Gemma 3 270M not installed; run scripts/setup.sh")
        }
        try check(golden: "gemma3-270m-q4_k_m.json", model: model, cases: 3)
        try check(golden: "gemma3-270m-long.json", model: model, cases: 2)
    }

    /// Llama 3 (llama3 BPE, RoPE frequency factors) and Qwen 2 (qwen2 BPE, q/k/v biases, NeoX
    /// rotation) on tiny random-weight models with the real tokenizers' vocabularies, made by
    /// scripts/golden/make_tiny_models.py and installed by the set-up.
    func testTinyLlama3AndQwen2MatchLlamaCppGreedy() throws {
        for name in ["tiny-llama3", "tiny-qwen2"] {
            let model = CLIRunner.modelsDirectory.appendingPathComponent("\(name).gguf")
            guard FileManager.default.fileExists(atPath: model.path) else {
                throw XCTSkip("\(name).gguf not installed; run scripts/setup.sh")
            }
            let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.goldenURL("\(name).json")))
            try check(golden: "\(name).json", model: model, cases: golden.cases.count)
        }
    }

    private func check(golden name: String, model: URL, cases: Int) throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.goldenURL(name)))
        XCTAssertEqual(golden.cases.count, cases)
        for threads in ["1", "2"] {
            for (index, reference) in golden.cases.enumerated() {
                let result = try CLIRunner.run(["generate", "--raw", reference.prompt, "--temperature", "0",
                                                "--max-tokens", String(reference.steps.count), "--json", "--model", model.path,
                                                "--threads", threads])
                XCTAssertEqual(result.status, 0, "\(name) case \(index): \(result.stderr)")
                let output = try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
                XCTAssertEqual(output.prompt_token_ids, reference.prompt_token_ids, "\(name) case \(index) prompt ids")
                try compareGenerated(output.token_ids, reference, label: "\(name) case \(index), \(threads) threads")
            }
        }
    }

    /// Walks the reference steps: exact match on solid steps; at a fragile step our token must
    /// be one of the top two, and if it differs the sequences may legitimately diverge after it.
    func compareGenerated(_ ours: [Int32], _ reference: Golden.Case, label: String) throws {
        let fragile = Set(reference.fragile_steps)
        for step in reference.steps {
            guard step.step < ours.count else {
                XCTFail("\(label): stopped after \(ours.count) tokens, reference has \(reference.steps.count)")
                return
            }
            let mine = ours[step.step]
            if fragile.contains(step.step) {
                let topTwo = step.top5.prefix(2).map { Int32($0[0]) }
                XCTAssertTrue(topTwo.contains(mine), "\(label): step \(step.step) chose \(mine), top two are \(topTwo)")
                if mine != step.token { return }
            } else {
                XCTAssertEqual(mine, step.token, "\(label): step \(step.step) (reference \(reference.generated_token_ids), ours \(ours))")
                if mine != step.token { return }
            }
        }
        XCTAssertEqual(ours.count, reference.generated_token_ids.count, "\(label): length differs")
    }
}
