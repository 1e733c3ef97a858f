import ArgumentParser
import ChatTemplates
import Foundation
import LLMEngine

/// `clicky chat`: a typed conversation with the local brain. Answers stream as they are
/// generated, the latency badge follows each one, and the last 10 exchanges are remembered.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk to the local brain in the terminal (Ctrl-D to leave, /reset to forget).")

    @Option(name: .long, help: "Which brain answers (only 'local' so far).")
    var brain: String = "local"

    @OptionGroup var options: ModelOptions

    /// The original app keeps ten exchanges of history.
    static let historyLimit = 10

    func validate() throws {
        guard brain == "local" else { throw ValidationError("brain '\(brain)' is not available yet; use --brain local") }
    }

    func run() async throws {
        let engine = try options.loadEngine()
        let interrupts = InterruptMonitor()
        let interactive = isatty(STDIN_FILENO) != 0
        var history: [(user: String, assistant: String)] = []
        if interactive {
            printError("clicky · local · \(URL(fileURLWithPath: engine.path).lastPathComponent) · loaded in \(String(format: "%.2f", engine.loadSeconds))s · /reset forgets, Ctrl-D leaves")
        }
        while true {
            if interactive { writeOut("› ") }
            guard let line = readLine(strippingNewline: true) else { break }
            let question = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if question.isEmpty { continue }
            if question == "/exit" || question == "/quit" { break }
            if question == "/reset" {
                history.removeAll()
                printError("(history cleared)")
                continue
            }
            var messages = [ChatMessage(role: .system, content: LocalPrompt.system)]
            for exchange in history.suffix(Self.historyLimit) {
                messages.append(ChatMessage(role: .user, content: exchange.user))
                messages.append(ChatMessage(role: .assistant, content: exchange.assistant))
            }
            messages.append(ChatMessage(role: .user, content: question))
            let answer = try await streamAnswer(engine: engine, prompt: .chat(messages),
                                                options: options.generation, interrupts: interrupts) { writeOut($0) }
            writeOut("\n")
            if let record = answer.record {
                printError(Badge.text(brain: "local", firstTokenSeconds: record.firstTokenSeconds,
                                      tokensPerSecond: record.decodeTokensPerSecond))
                if record.stopReason == .cancelled { printError("(stopped)") }
            }
            history.append((question, answer.text.trimmingCharacters(in: .whitespacesAndNewlines)))
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        }
    }
}

/// `clicky ask QUESTION`: one turn. stdout carries the answer only; the badge goes to stderr.
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask one question and print the answer.")

    @Argument(help: "The question.")
    var question: [String]

    @Option(name: .long, help: "Which brain answers (only 'local' so far).")
    var brain: String = "local"

    @Flag(name: .long, help: "Print the answer and its measurements as JSON.")
    var json = false

    @OptionGroup var options: ModelOptions

    func validate() throws {
        guard brain == "local" else { throw ValidationError("brain '\(brain)' is not available yet; use --brain local") }
        guard !question.joined().trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("the question is empty")
        }
    }

    func run() async throws {
        let engine = try options.loadEngine()
        let interrupts = InterruptMonitor()
        let messages = [ChatMessage(role: .system, content: LocalPrompt.system),
                        ChatMessage(role: .user, content: question.joined(separator: " "))]
        let streaming = !json
        let answer = try await streamAnswer(engine: engine, prompt: .chat(messages), options: options.generation,
                                            interrupts: interrupts) { text in if streaming { writeOut(text) } }
        guard let record = answer.record else { throw CLIError("generation ended without a result") }
        let badge = Badge.text(brain: "local", firstTokenSeconds: record.firstTokenSeconds,
                               tokensPerSecond: record.decodeTokensPerSecond)
        if json {
            let payload = AskOutput(answer: answer.text.trimmingCharacters(in: .whitespacesAndNewlines),
                                    brain: "local", badge: badge, record: record)
            writeOut(try JSONOutput.encode(payload) + "\n")
        } else {
            writeOut("\n")
            printError(badge)
        }
        if record.stopReason == .cancelled { throw CLIError("interrupted", exitCode: ExitStatus.interrupted) }
    }
}

struct AskOutput: Encodable {
    let answer: String
    let brain: String
    let badge: String
    let record: GenerationRecord
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
