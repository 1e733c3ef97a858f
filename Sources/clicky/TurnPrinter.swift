import BuddyCore
import Foundation

/// Runs one buddy turn in the terminal: the answer streams to stdout (or is kept for JSON),
/// notices and the badge go to stderr, Ctrl-C stops the brain. Failures become CLI errors with
/// the contract's exit codes: a refusal for being offline or a broken connection is 4.
struct TurnPrinter {
    let buddy: Buddy
    let wantsScreens: Bool
    let interrupts: InterruptMonitor
    /// False for `--json`: nothing is printed while the turn runs.
    let streaming: Bool

    func run(_ question: String) async throws -> TurnOutcome {
        let streaming = self.streaming
        let task = Task { () throws -> TurnOutcome? in
            var outcome: TurnOutcome?
            for try await event in buddy.ask(question, wantsScreens: wantsScreens) {
                switch event {
                case .text(let text):
                    if streaming { writeOut(text) }
                case .textOnly(let reason):
                    printError("(\(reason))")
                case .refused(let failure, let line):
                    throw CLIError(line, exitCode: ExitStatus.refused(failure))
                case .asking:
                    break
                case .finished(let finished):
                    outcome = finished
                }
            }
            return outcome
        }
        do {
            let outcome = try await interrupts.whileRunning(cancel: { task.cancel() }) { try await task.value }
            guard let outcome else { throw CLIError("interrupted", exitCode: ExitStatus.interrupted) }
            return outcome
        } catch is CancellationError {
            throw CLIError("interrupted", exitCode: ExitStatus.interrupted)
        } catch let error as BrainError {
            throw CLIError(error)
        }
    }
}

/// `clicky ask --json`: the answer and how it went.
struct AskOutput: Encodable {
    struct Record: Encodable {
        let firstTokenSeconds: Double?
        let totalSeconds: Double
        let generatedTokens: Int?
        let tokensPerSecond: Double?
        let stopReason: String
    }
    struct Point: Encodable {
        let x: Int, y: Int
        let label: String?
        let screen: Int
        let desktopX: Double, desktopY: Double
    }
    let answer: String
    let brain: String
    let badge: String?
    let record: Record
    let point: Point?
    let screensShown: Int

    init(_ outcome: TurnOutcome) {
        answer = outcome.spokenText
        brain = outcome.brainName
        badge = outcome.badge
        let record = outcome.record
        self.record = Record(firstTokenSeconds: record.firstTokenSeconds, totalSeconds: record.totalSeconds,
                             generatedTokens: record.outputTokens, tokensPerSecond: record.tokensPerSecond,
                             stopReason: Self.name(record.stopReason))
        point = outcome.point.map {
            Point(x: $0.tag.x, y: $0.tag.y, label: $0.tag.label, screen: $0.captureIndex + 1,
                  desktopX: $0.desktop.x, desktopY: $0.desktop.y)
        }
        screensShown = outcome.screensShown
    }

    static func name(_ reason: StopReason) -> String {
        switch reason {
        case .complete: "complete"
        case .maxTokens: "max_tokens"
        case .stopSequence: "stop_sequence"
        case .cancelled: "cancelled"
        case .other(let name): name
        }
    }
}

extension CLIError {
    /// A brain's failure as the command line reports it: the spoken nudge for no network, exit
    /// code 4 for any network cause, 1 otherwise.
    init(_ error: BrainError) {
        if case .offline = error {
            self.init("\(SpokenLines.offline) (\(error))", exitCode: ExitStatus.network)
        } else {
            self.init(error.description, exitCode: error.isNetwork ? ExitStatus.network : ExitStatus.failure)
        }
    }
}

extension ExitStatus {
    /// A turn nobody was asked: 4 when the network is down, 1 otherwise (the local model not ready).
    static func refused(_ failure: TurnMachine.Failure) -> Int32 {
        failure == .offline ? ExitStatus.network : ExitStatus.failure
    }
}
