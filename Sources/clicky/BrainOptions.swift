import ArgumentParser
import BuddyCore
import BuddyProviders
import Foundation
import LLMEngine

extension BrainMode: ExpressibleByArgument {}

/// `--brain` and `--screen`, shared by `ask` and `chat`, and the buddy they assemble.
struct BrainOptions: ParsableArguments {
    @Option(name: .long, help: "Which brain answers: local, sonnet, opus, openai or auto (default: the config file's, else local).")
    var brain: BrainMode?

    @Flag(name: .long, help: "Show the screens to a cloud brain (a terminal turn sends none without this).")
    var screen = false

    /// Builds the buddy: the local brain only when the mode may use it (a cloud question never
    /// waits for a model to load), the cloud brains that are set up, the route-table network
    /// status, and analytics only when configured.
    func assemble(model: ModelOptions) throws -> Assembled {
        let environment = ProcessInfo.processInfo.environment
        let mode = brain ?? BrainMode(rawValue: environment["CLICKY_BRAIN"] ?? "") ?? .local
        var local: EngineBrain?
        if mode == .local {
            local = EngineBrain(engine: try model.loadEngine(), sampling: model.sampling)
        } else if mode == .auto {
            // auto may go either way; without an installed model it still has the cloud.
            local = (try? model.loadEngine()).map { EngineBrain(engine: $0, sampling: model.sampling) }
        }
        let remote = try CloudBrains.configured(environment: environment)
        let buddy = Buddy(brains: .init(local: local, remote: remote), mode: mode,
                          capturer: nil, network: RouteTableNetworkStatus(), maxTokens: model.maxTokens)
        return Assembled(buddy: buddy, mode: mode, wantsScreens: screen, engine: local)
    }

    struct Assembled {
        let buddy: Buddy
        let mode: BrainMode
        let wantsScreens: Bool
        let engine: EngineBrain?
    }
}

/// The cloud brains the environment sets up.
enum CloudBrains {
    static func configured(environment: [String: String]) throws -> [BrainMode: any RemoteBrain] {
        [:]
    }
}
