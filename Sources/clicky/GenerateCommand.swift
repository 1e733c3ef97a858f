import ArgumentParser
import Foundation
import LLMEngine

/// `clicky generate --raw TEXT`: a raw completion with no chat template. Special-token markup in
/// the text is parsed; BOS is added per the model's flag. `--json` prints the token ids too.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Complete raw text (no chat template).")

    @Option(name: .long, help: "The prompt text; markup such as <|im_start|> becomes special tokens.")
    var raw: String

    @Flag(name: .long, help: "Print {\"prompt_token_ids\":[…],\"token_ids\":[…],\"text\":\"…\"}.")
    var json = false

    @Option(name: .customLong("top-logits"), help: "With --json, also report the N most likely tokens at each step.")
    var topLogits: Int = 0

    @OptionGroup var options: ModelOptions

    func validate() throws {
        guard (0...100).contains(topLogits) else { throw ValidationError("--top-logits must be between 0 and 100") }
    }

    func run() async throws {
        let engine = try options.loadEngine()
        let interrupts = InterruptMonitor()
        let promptIDs: [Int32]
        do { promptIDs = try engine.tokenize(.raw(raw)) } catch { throw CLIError(error) }
        guard !promptIDs.isEmpty else { throw CLIError("the prompt is empty", exitCode: ExitStatus.usage) }
        let streaming = !json
        var generation = options.generation
        generation.reportTopLogits = json ? topLogits : 0
        let answer = try await streamAnswer(engine: engine, prompt: .tokens(promptIDs), options: generation,
                                            interrupts: interrupts) { text in if streaming { writeOut(text) } }
        if json {
            let payload = GenerateOutput(promptTokenIds: promptIDs, tokenIds: answer.tokenIDs, text: answer.text,
                                         topLogits: topLogits > 0 ? answer.topLogits.map { $0.map { [Double($0.token), Double($0.logit)] } } : nil)
            writeOut(try JSONOutput.encode(payload) + "\n")
        } else {
            writeOut("\n")
        }
        if answer.record?.stopReason == .cancelled { throw CLIError("interrupted", exitCode: ExitStatus.interrupted) }
    }
}

struct GenerateOutput: Encodable {
    let promptTokenIds: [Int32]
    let tokenIds: [Int32]
    let text: String
    /// Per step, [token, logit] pairs best first — the goldens' `top5` shape.
    let topLogits: [[[Double]]]?
}
