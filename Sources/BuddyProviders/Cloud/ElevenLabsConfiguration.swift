import Foundation

/// How to reach the ElevenLabs voice and which voice to ask for. The voice never reads the
/// environment or the settings itself: the command line builds this (with
/// `init(settings:apiKey:)` or by hand) and injects it.
public struct ElevenLabsConfiguration: Sendable, Equatable {
    /// Where requests go.
    public enum Endpoint: Sendable, Equatable {
        /// Straight to the API with the user's own key:
        /// `POST {baseURL}/v1/text-to-speech/{voiceID}?output_format=pcm_16000`, answered with
        /// raw 16-bit PCM (nothing to decode).
        case direct(apiKey: APIKey, baseURL: URL)
        /// Through the original app's Cloudflare worker: `POST {workerURL}/tts`, same body, no
        /// key (the worker adds it and its own voice id), answered with MP3.
        case worker(workerURL: URL)
    }

    /// The original app's voice.
    public static let defaultVoiceID = "kPzsL2i3teMYv0FxEYQ6"
    /// The original app's model: the fastest to a first sound.
    public static let flash = "eleven_flash_v2_5"
    // A constant literal that always parses; the fallback only keeps `!` out of the code.
    public static let defaultBaseURL = URL(string: "https://api.elevenlabs.io") ?? URL(fileURLWithPath: "/")
    /// The rate asked for with `output_format=pcm_16000`: the microphone's rate too.
    public static let pcmSampleRate = 16_000

    public var endpoint: Endpoint
    /// Used by the direct route only: the worker speaks with the voice it was deployed with.
    public var voiceID: String
    public var model: String
    /// The original app's voice settings.
    public var stability: Double
    public var similarityBoost: Double
    /// Seconds to wait for the connection and then for each piece of the audio (the original
    /// allowed 30 s for the request).
    public var timeout: Double

    public init(endpoint: Endpoint, voiceID: String = ElevenLabsConfiguration.defaultVoiceID,
                model: String = ElevenLabsConfiguration.flash, stability: Double = 0.5,
                similarityBoost: Double = 0.75, timeout: Double = 30) {
        self.endpoint = endpoint
        self.voiceID = voiceID
        self.model = model
        self.stability = stability
        self.similarityBoost = similarityBoost
        self.timeout = timeout
    }

    /// The voice the settings and key describe: with a key (`SecretStore.lookup(.elevenlabs)`,
    /// i.e. `ELEVENLABS_API_KEY`, the keyring or secrets.toml) straight to ElevenLabs, else
    /// through `anthropic.worker_url` (the original app's worker has `/chat` and `/tts`), else
    /// nil: no cloud voice. With both, the key wins, as it does for Claude: the text then goes
    /// to ElevenLabs alone instead of through a third party's worker.
    public init?(settings: BuddySettings, apiKey: String?) {
        let voice = settings.elevenLabs
        if let key = apiKey?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty {
            self.init(endpoint: .direct(apiKey: APIKey(key), baseURL: Self.defaultBaseURL),
                      voiceID: voice.voiceID, model: voice.model)
        } else if let worker = settings.anthropic.workerURL {
            self.init(endpoint: .worker(workerURL: worker), voiceID: voice.voiceID, model: voice.model)
        } else {
            return nil
        }
    }

    /// The key sent with each request (nil through a worker), also what errors are scrubbed of.
    var apiKey: APIKey? {
        if case .direct(let key, _) = endpoint { return key }
        return nil
    }

    /// How error messages name the other end.
    var service: String {
        switch endpoint {
        case .direct: "ElevenLabs"
        case .worker: "ElevenLabs (through the worker)"
        }
    }

    /// Where the request goes. A voice id is letters and digits; anything else is refused
    /// rather than percent-encoded into a path nobody meant.
    func url() throws(CloudVoiceError) -> URL {
        switch endpoint {
        case .worker(let worker):
            return worker.appendingPathComponent("tts")
        case .direct(_, let base):
            guard !voiceID.isEmpty, voiceID.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }) else {
                throw CloudVoiceError(.notConfigured, service: service,
                                      detail: "the voice id \"\(voiceID)\" is not letters and digits (elevenlabs.voice_id)")
            }
            let path = base.appendingPathComponent("v1").appendingPathComponent("text-to-speech").appendingPathComponent(voiceID)
            var parts = URLComponents(url: path, resolvingAgainstBaseURL: false)
            parts?.queryItems = [URLQueryItem(name: "output_format", value: "pcm_\(Self.pcmSampleRate)")]
            guard let url = parts?.url else {
                throw CloudVoiceError(.notConfigured, service: service, detail: "cannot make a URL from \(base.absoluteString)")
            }
            return url
        }
    }
}
