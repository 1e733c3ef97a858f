import ArgumentParser
import BuddyCore
import BuddyProviders
import Foundation
import LLMEngine

extension BrainMode: ExpressibleByArgument {}

/// `--brain` and `--screen`, shared by `ask` and `chat`, and the buddy they assemble.
struct BrainOptions: ParsableArguments {
    @Option(name: .long, help: "Which brain answers: local, sonnet, opus, openai or auto (default: config.toml's `brain`, else local).")
    var brain: BrainMode?

    @Flag(name: .long, help: "Show the screens to a cloud brain (a terminal turn sends none without this).")
    var screen = false

    /// Builds the buddy from the flags, config.toml, the keys and the environment: the local
    /// brain only when the mode may use it (a cloud question never waits for a model to load),
    /// the cloud brains that are set up, the route-table network status, and analytics only
    /// when the user turned them on and a key is configured.
    func assemble(model: ModelOptions, capturer: (any ScreenCapturer)? = nil) throws -> Assembled {
        let environment = ProcessInfo.processInfo.environment
        let loaded: LoadedSettings
        do { loaded = try BuddySettings.load(environment: environment) } catch {
            throw CLIError(error.description, exitCode: ExitStatus.invalidInput)
        }
        for warning in loaded.warnings { printError("warning: \(warning)") }
        let settings = loaded.settings
        let mode = brain ?? settings.brain
        var model = model
        if model.model == nil { model.model = settings.local.model }
        if model.threads == nil { model.threads = settings.local.threads }

        var local: EngineBrain?
        if mode == .local {
            local = EngineBrain(engine: try model.loadEngine(), sampling: model.sampling)
        } else if mode == .auto {
            // auto may go either way; without an installed model it still has the cloud.
            local = (try? model.loadEngine()).map { EngineBrain(engine: $0, sampling: model.sampling) }
        }
        let keys: SecretStore
        do { keys = try SecretStore(environment: environment) } catch {
            throw CLIError(error.description, exitCode: ExitStatus.invalidInput)
        }
        let transport = URLSessionTransport()
        // Local Mode never asks a cloud brain, so it does not look up a key (no keyring process).
        let remote = mode == .local ? [:] : try CloudBrains.configured(settings: settings, keys: keys, transport: transport,
                                                                       maxTokens: model.maxTokens)
        let analytics = try AnalyticsWiring.sink(settings: settings, keys: keys, environment: environment,
                                                 transport: transport)
        let buddy = Buddy(brains: .init(local: local, remote: remote), mode: mode, capturer: capturer,
                          network: RouteTableNetworkStatus(), analytics: analytics, policy: settings.analyticsPolicy,
                          history: ConversationHistory(shareLocalHistoryWithCloud: settings.privacy.shareLocalHistoryWithCloud),
                          maxTokens: model.maxTokens)
        // The original's cloud voice speaks cloud answers when it is set up (a key, or the worker's
        // /tts). Built only by the commands that speak, so `ask` and `chat` look up no voice key;
        // Local Mode does not even build it.
        let cloudVoice = { () throws -> (any SpeechSynthesizer)? in
            guard mode != .local else { return nil }
            return try ElevenLabsConfiguration(settings: settings, apiKey: CloudBrains.key(.elevenlabs, in: keys))
                .map { ElevenLabsVoice(configuration: $0, transport: transport) }
        }
        return Assembled(buddy: buddy, mode: mode, wantsScreens: screen, engine: local, analytics: analytics,
                         cloudVoice: cloudVoice)
    }

    struct Assembled {
        let buddy: Buddy
        let mode: BrainMode
        let wantsScreens: Bool
        let engine: EngineBrain?
        let analytics: (any AnalyticsSink)?
        /// Builds ElevenLabs for cloud answers: nil unless it is set up and the mode is not local.
        let cloudVoice: () throws -> (any SpeechSynthesizer)?
    }
}

/// The cloud brains the settings and keys set up; a brain without access is simply absent (the
/// turn then says which key or address is missing).
enum CloudBrains {
    static func configured(settings: BuddySettings, keys: SecretStore, transport: any HTTPTransport,
                           maxTokens: Int) throws -> [BrainMode: any RemoteBrain] {
        var brains: [BrainMode: any RemoteBrain] = [:]
        let anthropicKey = try key(.anthropic, in: keys)
        let endpoint: AnthropicConfiguration.Endpoint? = if let anthropicKey {
            .direct(apiKey: APIKey(anthropicKey), baseURL: settings.anthropic.baseURL)
        } else {
            settings.anthropic.workerURL.map { .proxy(workerURL: $0) }
        }
        if let endpoint {
            for (mode, model) in [(BrainMode.sonnet, settings.anthropic.sonnetModel), (.opus, settings.anthropic.opusModel)] {
                let configuration = AnthropicConfiguration(endpoint: endpoint, model: model, maxTokens: maxTokens)
                brains[mode] = AnthropicBrain(configuration: configuration, transport: transport)
            }
        }
        // The OpenAI-compatible brain needs a server the user chose, or a key for the default one.
        let openAIKey = try key(.openai, in: keys)
        if settings.openAI.baseURL != BuddySettings().openAI.baseURL || openAIKey != nil {
            let configuration = OpenAICompatibleConfiguration(baseURL: settings.openAI.baseURL,
                                                              apiKey: openAIKey.map(APIKey.init),
                                                              model: settings.openAI.model, maxTokens: maxTokens)
            brains[.openai] = OpenAICompatibleBrain(configuration: configuration, transport: transport, badgeName: "cloud")
        }
        return brains
    }

    static func key(_ kind: SecretKind, in keys: SecretStore) throws -> String? {
        do { return try keys.lookup(kind)?.secret.reveal() } catch {
            throw CLIError(error.description, exitCode: ExitStatus.invalidInput)
        }
    }
}

/// Product analytics: only with `[privacy] analytics = true` and a PostHog key; an anonymous
/// id kept in the data directory, never the user's name or email.
enum AnalyticsWiring {
    static func sink(settings: BuddySettings, keys: SecretStore, environment: [String: String],
                     transport: any HTTPTransport) throws -> (any AnalyticsSink)? {
        guard settings.privacy.analytics, let key = try CloudBrains.key(.posthog, in: keys) else { return nil }
        let configuration = PostHogConfiguration(apiKey: key, host: settings.analytics.posthogHost,
                                                 distinctID: anonymousID(), appVersion: Clicky.version)
        return PostHogClient.sink(configuration, transport: transport)
    }

    /// A random id made once and kept in `$XDG_DATA_HOME/clicky/anonymous-id`.
    static func anonymousID() -> String {
        let file = ModelLocator.modelsDirectory.deletingLastPathComponent().appendingPathComponent("anonymous-id")
        if let text = try? String(contentsOf: file, encoding: .utf8),
           let id = UUID(uuidString: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return id.uuidString.lowercased()
        }
        let id = UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(id.utf8).write(to: file, options: .atomic)
        return id
    }
}
