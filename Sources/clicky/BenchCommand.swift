import ArgumentParser
import ChatTemplates
import Foundation
import LLMEngine

/// `clicky bench`: the original app's LocalModeBench, measured the same way — model load, then
/// for each of its three questions the first token, decode speed, total time and characters —
/// plus a warm-up, medians over `--runs`, a 512-token prefill measurement and peak memory.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure load time, first token, prefill and decode speed.")

    static let questions = [
        "what does git rebase actually do?",
        "what's the difference between a thread and a process?",
        "give me a quick dinner idea with eggs and rice",
    ]

    @Argument(help: "A custom question replacing the default three.")
    var question: [String] = []

    @Option(name: .long, help: "Runs per question; medians are reported.")
    var runs: Int = 1

    @Option(name: .customLong("prefill-tokens"), help: "Prompt length for the prefill measurement (0 = skip).")
    var prefillTokens: Int = 512

    @Option(name: .customLong("decode-tokens"), help: "Fixed-length decode measurement after the first question's prompt, end-of-text ignored (0 = skip).")
    var decodeTokens: Int = 128

    @Flag(name: .long, help: "Print results as JSON.")
    var json = false

    @OptionGroup var options: ModelOptions

    func validate() throws {
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be between 1 and 100") }
        guard prefillTokens >= 0 else { throw ValidationError("--prefill-tokens must be 0 or more") }
        guard decodeTokens >= 0 else { throw ValidationError("--decode-tokens must be 0 or more") }
    }

    func run() async throws {
        let engine = try options.loadEngine()
        let interrupts = InterruptMonitor()
        let questions = question.isEmpty ? Self.questions : [question.joined(separator: " ")]
        // The cache is not reused between runs: every question pays its full prompt, as in the app's first turn.
        var generation = options.generation
        generation.reusePromptCache = false
        if generation.sampling.seed == nil { generation.sampling.seed = 42 }

        if !json { printError("model ready in \(String(format: "%.2f", engine.loadSeconds))s (\(engine.options.threads) threads)") }
        _ = try await streamAnswer(engine: engine, prompt: chat("hi"), options: GenerationOptions(
            sampling: .greedy, maxTokens: 8, reusePromptCache: false), interrupts: interrupts) { _ in }

        var results: [QuestionResult] = []
        for (index, text) in questions.enumerated() {
            var samples: [Answer] = []
            for _ in 0..<runs {
                samples.append(try await streamAnswer(engine: engine, prompt: chat(text), options: generation,
                                                      interrupts: interrupts) { _ in })
            }
            let result = QuestionResult(question: text, samples: samples)
            results.append(result)
            if !json {
                let preview = questions.count == 1 ? result.answer : String(result.answer.prefix(120))
                writeOut(String(format: "q%d: first token %.2fs | %.0f tok/s | total %.2fs | %d chars | %d prompt tokens\n",
                                index + 1, result.firstTokenSeconds, result.decodeTokensPerSecond, result.totalSeconds,
                                result.characters, result.promptTokens))
                writeOut("    \(preview.replacingOccurrences(of: "\n", with: " "))\n")
            }
        }

        var prefill: Double? = nil
        if prefillTokens > 0 {
            let ids = try prefillPrompt(engine: engine, length: prefillTokens)
            var speeds: [Double] = []
            for _ in 0..<runs {
                let answer = try await streamAnswer(engine: engine, prompt: .tokens(ids), options: GenerationOptions(
                    sampling: .greedy, maxTokens: 1, reusePromptCache: false), interrupts: interrupts) { _ in }
                speeds.append(answer.record?.prefillTokensPerSecond ?? 0)
            }
            prefill = median(speeds)
            if !json { writeOut(String(format: "prefill: %d tokens at %.0f tok/s\n", ids.count, prefill ?? 0)) }
        }
        // Like llama-bench's tg128: a fixed number of greedy tokens, whatever the model would say.
        var fixedDecode: Double? = nil
        if decodeTokens > 0 {
            var speeds: [Double] = []
            for _ in 0..<runs {
                let answer = try await streamAnswer(engine: engine, prompt: chat(questions[0]), options: GenerationOptions(
                    sampling: .greedy, maxTokens: decodeTokens + 1, reusePromptCache: false,
                    ignoreEndOfGeneration: true), interrupts: interrupts) { _ in }
                speeds.append(answer.record?.decodeTokensPerSecond ?? 0)
            }
            fixedDecode = median(speeds)
            if !json { writeOut(String(format: "decode: %d tokens at %.0f tok/s\n", decodeTokens, fixedDecode ?? 0)) }
        }
        let peak = PeakMemory.megabytes()
        if json {
            let report = BenchReport(model: URL(fileURLWithPath: engine.path).lastPathComponent,
                                     threads: engine.options.threads, runs: runs, loadSeconds: engine.loadSeconds,
                                     questions: results, prefillTokens: prefillTokens,
                                     prefillTokensPerSecond: prefill, decodeTokens: decodeTokens,
                                     decodeTokensPerSecond: fixedDecode, peakMemoryMb: peak,
                                     promptTokenIds: try questions.map { try tokenIDs(engine, chat($0)) })
            writeOut(try JSONOutput.encode(report) + "\n")
        } else {
            writeOut(String(format: "load %.2fs | peak memory %.0f MB\n", engine.loadSeconds, peak))
        }
    }

    private func chat(_ question: String) -> Prompt {
        .chat([ChatMessage(role: .system, content: LocalPrompt.system), ChatMessage(role: .user, content: question)])
    }

    private func tokenIDs(_ engine: LocalEngine, _ prompt: Prompt) throws -> [Int32] {
        do { return try engine.tokenize(prompt) } catch { throw CLIError(error) }
    }

    /// A prompt of exactly `length` tokens made from ordinary prose.
    private func prefillPrompt(engine: LocalEngine, length: Int) throws -> [Int32] {
        let prose = "the quick brown fox jumps over the lazy dog while the small buddy watches the cursor move. "
        var ids: [Int32] = []
        let chunk: [Int32]
        do { chunk = try engine.tokenize(.raw(prose)) } catch { throw CLIError(error) }
        guard !chunk.isEmpty else { throw CLIError("could not tokenize the prefill prompt") }
        while ids.count < length { ids.append(contentsOf: chunk) }
        return Array(ids.prefix(length))
    }
}

struct QuestionResult: Encodable {
    let question: String
    let answer: String
    let promptTokens: Int
    let firstTokenSeconds: Double
    let decodeTokensPerSecond: Double
    let totalSeconds: Double
    let characters: Int
    let generatedTokens: Int

    init(question: String, samples: [Answer]) {
        let records = samples.compactMap(\.record)
        self.question = question
        answer = samples.last?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        promptTokens = records.last?.promptTokens ?? 0
        firstTokenSeconds = median(records.map(\.firstTokenSeconds))
        decodeTokensPerSecond = median(records.map(\.decodeTokensPerSecond))
        totalSeconds = median(records.map(\.totalSeconds))
        characters = Int(median(samples.map { Double($0.text.trimmingCharacters(in: .whitespacesAndNewlines).count) }))
        generatedTokens = Int(median(records.map { Double($0.generatedTokens) }))
    }
}

struct BenchReport: Encodable {
    let model: String
    let threads: Int
    let runs: Int
    let loadSeconds: Double
    let questions: [QuestionResult]
    let prefillTokens: Int
    let prefillTokensPerSecond: Double?
    let decodeTokens: Int
    /// Greedy decode of `decodeTokens` tokens after the first question's prompt, end-of-text ignored.
    let decodeTokensPerSecond: Double?
    let peakMemoryMb: Double
    /// The exact prompt of each question, so a peer engine can be timed on the same tokens.
    let promptTokenIds: [[Int32]]
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Peak resident memory of this process (VmHWM), in megabytes.
enum PeakMemory {
    static func megabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return digits / 1024
        }
        return 0
    }
}
