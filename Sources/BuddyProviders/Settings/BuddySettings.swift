import BuddyCore
import Foundation

/// Everything the buddy reads from `config.toml`, with the defaults written once, here, as the
/// fields' initial values: `BuddySettings()` is the configuration of a fresh install. Privacy
/// switches default to the private side (nothing shared, no analytics), so a missing or empty
/// file can never opt anyone in. API keys are not settings: they live in `SecretStore`.
public struct BuddySettings: Sendable, Equatable {
    /// `brain`: which brain answers (`local`, `sonnet`, `opus`, `openai`, `auto`).
    public var brain: BrainMode = .local
    public var local = Local()
    public var anthropic = Anthropic()
    public var openAI = OpenAI()
    public var elevenLabs = ElevenLabs()
    public var privacy = Privacy()
    public var analytics = Analytics()

    public init() {}

    /// `[local]`: the on-device model.
    public struct Local: Sendable, Equatable {
        /// `model`: a catalogue name or a path to a GGUF file; nil means the default model.
        public var model: String?
        /// `threads`: decode threads; nil lets the engine use one per core.
        public var threads: Int?

        public init(model: String? = nil, threads: Int? = nil) {
            self.model = model
            self.threads = threads
        }
    }

    /// `[anthropic]`: the Sonnet and Opus brains.
    public struct Anthropic: Sendable, Equatable {
        /// `sonnet_model`: the model id the `sonnet` brain asks for.
        public var sonnetModel = "claude-sonnet-4-6"
        /// `opus_model`: the model id the `opus` brain asks for.
        public var opusModel = "claude-opus-4-6"
        /// `base_url`: the Messages API root, without `/v1` (as `ANTHROPIC_BASE_URL` in the SDKs).
        public var baseURL = BuddySettings.constantURL("https://api.anthropic.com")
        /// `worker_url`: a proxy with the original app's `/chat` route. When set, requests go
        /// there instead of the API and no Anthropic key is needed on this machine.
        public var workerURL: URL?

        public init() {}
    }

    /// `[openai]`: any OpenAI-compatible server (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio).
    public struct OpenAI: Sendable, Equatable {
        /// `base_url`: the root that `/chat/completions` is appended to, so it ends in `/v1`
        /// (as `OPENAI_BASE_URL` in the SDKs; Ollama: `http://localhost:11434/v1`).
        public var baseURL = BuddySettings.constantURL("https://api.openai.com/v1")
        /// `model`: the model name the server knows.
        public var model = "gpt-4o-mini"

        public init() {}
    }

    /// `[elevenlabs]`: the cloud voice. It speaks with `ELEVENLABS_API_KEY` when there is one,
    /// else through `anthropic.worker_url`'s `/tts` route (the original app's one worker).
    public struct ElevenLabs: Sendable, Equatable {
        /// `voice_id`: the voice to speak with (the original app's by default).
        public var voiceID = "kPzsL2i3teMYv0FxEYQ6"
        /// `model`: the speech model (`eleven_multilingual_v2` for more languages, slower).
        public var model = "eleven_flash_v2_5"

        public init() {}
    }

    /// `[privacy]`: what may leave the machine. Everything is off until the user turns it on.
    public struct Privacy: Sendable, Equatable {
        /// `share_local_history_with_cloud`: whether exchanges answered locally may be sent to a
        /// cloud brain as context.
        public var shareLocalHistoryWithCloud = false
        /// `analytics`: product analytics at all (content-free events only).
        public var analytics = false
        /// `include_conversation_content`: cloud turns' transcripts and answers in analytics.
        public var includeConversationContent = false

        public init() {}
    }

    /// `[analytics]`: where analytics go when `privacy.analytics` is on.
    public struct Analytics: Sendable, Equatable {
        /// `posthog_host`: the PostHog ingestion host (`https://eu.i.posthog.com` for the EU cloud).
        public var posthogHost = BuddySettings.constantURL("https://us.i.posthog.com")

        public init() {}
    }

    /// The analytics gate from the privacy switches, for `BuddyCore`.
    public var analyticsPolicy: AnalyticsPolicy {
        AnalyticsPolicy(enabled: privacy.analytics, includeConversationContent: privacy.includeConversationContent)
    }

    /// A URL written in this file. Only for the literals above, which always parse (the tests
    /// check each default); the fallback just keeps `!` out. User text goes through
    /// `SettingsField.url` and its error instead.
    static func constantURL(_ text: StaticString) -> URL {
        URL(string: "\(text)") ?? URL(fileURLWithPath: "/")
    }
}

/// Where the settings and the secrets file live: `$XDG_CONFIG_HOME/clicky`, or
/// `$HOME/.config/clicky` when `XDG_CONFIG_HOME` is unset, empty or relative (the XDG spec
/// says relative values are to be ignored).
public struct ConfigLocation: Sendable, Equatable {
    /// The `clicky` directory itself.
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Reads `XDG_CONFIG_HOME` and `HOME` from `environment` (pass `ProcessInfo.processInfo.environment`).
    public init(environment: [String: String]) throws(SettingsError) {
        if let configHome = environment["XDG_CONFIG_HOME"], configHome.hasPrefix("/") {
            directory = ConfigLocation.join(configHome, "clicky")
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            directory = ConfigLocation.join(home, ".config/clicky")
        } else {
            throw .noConfigDirectory
        }
    }

    /// `config.toml`.
    public var settingsFile: String { ConfigLocation.join(directory, "config.toml") }
    /// `secrets.toml`: API keys when no Secret Service is available.
    public var secretsFile: String { ConfigLocation.join(directory, "secrets.toml") }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
