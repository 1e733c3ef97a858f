import ArgumentParser
import ChatTemplates
import Foundation
import BuddyCore
import LLMEngine

/// `clicky chat`: a typed conversation with the chosen brain. Answers stream as they are
/// generated, the latency badge follows each one, and the last 10 exchanges are remembered.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk to the buddy in the terminal (Ctrl-D to leave, /reset to forget).")

    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func run() async throws {
        try await Self.chat(brains: brains, options: options)
    }

    static func chat(brains: BrainOptions, options: ModelOptions) async throws {
        let assembled = try brains.assemble(model: options)
        let interrupts = InterruptMonitor()
        let printer = TurnPrinter(buddy: assembled.buddy, wantsScreens: assembled.wantsScreens,
                                  interrupts: interrupts, streaming: true)
        let interactive = isatty(STDIN_FILENO) != 0
        if interactive { printError(greeting(assembled)) }
        while true {
            if interactive { writeOut("› ") }
            guard let line = readLine(strippingNewline: true) else { break }
            let question = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if question.isEmpty { continue }
            if question == "/exit" || question == "/quit" { break }
            if question == "/reset" {
                await assembled.buddy.forgetHistory()
                printError("(history cleared)")
                continue
            }
            do {
                let outcome = try await printer.run(question)
                writeOut("\n")
                if let badge = outcome.badge { printError(badge) }
                if outcome.record.stopReason == .cancelled { printError("(stopped)") }
            } catch let error as CLIError where error.exitCode != ExitStatus.usage {
                // One failed turn does not end the conversation.
                writeOut("\n")
                printError(error.description)
            }
        }
        await assembled.analytics?.flush()
    }

    private static func greeting(_ assembled: BrainOptions.Assembled) -> String {
        guard let engine = assembled.engine?.loadedEngine else {
            return "clicky · \(assembled.mode.rawValue) · /reset forgets, Ctrl-D leaves"
        }
        return "clicky · \(assembled.mode.rawValue) · \(URL(fileURLWithPath: engine.path).lastPathComponent) · loaded in \(String(format: "%.2f", engine.loadSeconds))s · /reset forgets, Ctrl-D leaves"
    }
}

/// `clicky ask QUESTION`: one turn. stdout carries the answer only; the badge goes to stderr.
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask one question and print the answer.")

    @Argument(help: "The question.")
    var question: [String]

    @Flag(name: .long, help: "Print the answer and its measurements as JSON.")
    var json = false

    @OptionGroup var brains: BrainOptions
    @OptionGroup var options: ModelOptions

    func validate() throws {
        guard !question.joined().trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("the question is empty")
        }
    }

    func run() async throws {
        let assembled = try brains.assemble(model: options)
        let printer = TurnPrinter(buddy: assembled.buddy, wantsScreens: assembled.wantsScreens,
                                  interrupts: InterruptMonitor(), streaming: !json)
        let outcome: TurnOutcome
        do {
            outcome = try await printer.run(question.joined(separator: " "))
            await assembled.analytics?.flush()
        } catch {
            await assembled.analytics?.flush()
            throw error
        }
        if json {
            writeOut(try JSONOutput.encode(AskOutput(outcome)) + "\n")
        } else {
            writeOut("\n")
            if let badge = outcome.badge { printError(badge) }
        }
        if outcome.record.stopReason == .cancelled { throw CLIError("interrupted", exitCode: ExitStatus.interrupted) }
    }
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
