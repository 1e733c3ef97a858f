import ArgumentParser
import Foundation
import LLMEngine

/// Exit codes of the command-line contract (DESIGN.md).
enum ExitStatus {
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let invalidInput: Int32 = 3
    static let network: Int32 = 4
    static let interrupted: Int32 = 130
}

/// An error the CLI reports as one line with a specific exit code.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32

    init(_ message: String, exitCode: Int32 = ExitStatus.failure) {
        description = message
        self.exitCode = exitCode
    }

    init(_ error: EngineError) {
        description = error.description
        exitCode = error.isInvalidModel ? ExitStatus.invalidInput : ExitStatus.failure
    }
}

@main
struct Clicky: AsyncParsableCommand {
    /// This build's version (`clicky --version`, analytics' `app_version`).
    static let version = "0.5.0"

    static let configuration = CommandConfiguration(
        commandName: "clicky",
        abstract: "A voice AI buddy that lives beside your cursor — Local Mode runs on this machine.",
        discussion: """
        Without a display, `clicky` is `clicky talk` (Enter to talk) when there is a microphone, else `clicky chat`.
        Exit codes: 0 ok · 1 failure · 2 usage · 3 invalid model or input file · 4 network · 130 interrupted.
        """,
        version: Clicky.version,
        subcommands: [Start.self, Chat.self, Ask.self, Generate.self, Bench.self, Models.self, Transcribe.self, Voice.self, Talk.self, Desktop.self, Mode.self, Status.self, Doctor.self, InstallDesktop.self],
        defaultSubcommand: Start.self)

    /// Parses, runs, and maps every failure onto the contract's exit codes (argument-parser's
    /// own usage code is 64; ours is 2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            printError(error.description)
            terminate(error.exitCode)
        } catch let error as EngineError {
            let cli = CLIError(error)
            printError(cli.description)
            terminate(cli.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            terminate(code == .validationFailure ? ExitStatus.usage : code.rawValue)
        }
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

/// Writes text to standard output immediately (streamed answers must not wait for a newline).
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Ends the process with `code` (the global `exit`, which a command's own `exit` shadows).
func terminate(_ code: Int32) -> Never {
    Foundation.exit(code)
}
