import BuddyCore
import Foundation

/// How to reach Claude and what to ask it for. The brain never reads the environment: the
/// command line builds this (with `init(environment:model:)` or by hand) and injects it.
public struct AnthropicConfiguration: Sendable, Equatable {
    /// Where requests go.
    public enum Endpoint: Sendable, Equatable {
        /// Straight to the Messages API with the user's own key: `POST {baseURL}/v1/messages`.
        case direct(apiKey: APIKey, baseURL: URL)
        /// Through a proxy with the original app's Cloudflare-worker route: `POST {url}/chat`,
        /// same body, no key (the worker adds it).
        case proxy(workerURL: URL)
    }

    /// The original app's default model.
    public static let sonnet = "claude-sonnet-4-6"
    /// The original app's other choice.
    public static let opus = "claude-opus-4-6"
    /// The only API version the SDKs send.
    public static let apiVersion = "2023-06-01"
    // A constant literal that always parses; the fallback only keeps `!` out of the code.
    public static let defaultBaseURL = URL(string: "https://api.anthropic.com") ?? URL(fileURLWithPath: "/")

    public var endpoint: Endpoint
    /// Any model id the API accepts (the field is an open string).
    public var model: String
    /// The most output tokens any question may ask for; a question asking for fewer gets fewer.
    public var maxTokens: Int
    /// Used when the question names none; nil leaves the API's default.
    public var temperature: Double?
    /// Seconds to wait for the connection and then for each piece of the answer.
    public var timeout: Double

    public init(endpoint: Endpoint, model: String = AnthropicConfiguration.sonnet, maxTokens: Int = 1024,
                temperature: Double? = nil, timeout: Double = 60) {
        self.endpoint = endpoint
        self.model = model
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.timeout = timeout
    }

    /// The configuration the environment describes (passed in, not read here):
    /// `ANTHROPIC_API_KEY` (+ optional `ANTHROPIC_BASE_URL`) for direct mode, else
    /// `CLICKY_WORKER_URL` for proxy mode. With both, the key wins: the request then goes to
    /// Anthropic alone instead of through a third party's worker.
    public init(environment: [String: String], model: String = AnthropicConfiguration.sonnet) throws(BrainError) {
        let settings = CloudEnvironment(environment)
        if let key = settings.value("ANTHROPIC_API_KEY") {
            let base = try settings.webURL("ANTHROPIC_BASE_URL") ?? Self.defaultBaseURL
            self.init(endpoint: .direct(apiKey: APIKey(key), baseURL: base), model: model)
        } else if let worker = try settings.webURL("CLICKY_WORKER_URL") {
            self.init(endpoint: .proxy(workerURL: worker), model: model)
        } else {
            throw .notConfigured("no Claude access: set ANTHROPIC_API_KEY (or CLICKY_WORKER_URL for a proxy)")
        }
    }

    /// The key sent with each request (nil through a proxy), also what errors are scrubbed of.
    var apiKey: APIKey? {
        if case .direct(let key, _) = endpoint { return key }
        return nil
    }

    /// Where the request goes: `{base}/v1/messages`, or `{worker}/chat`.
    public var url: URL {
        switch endpoint {
        case .direct(_, let base): base.appendingPathComponent("v1").appendingPathComponent("messages")
        case .proxy(let worker): worker.appendingPathComponent("chat")
        }
    }
}

/// Environment variables as the cloud configurations read them: an empty value counts as unset,
/// and an address must be http(s) with a host (a typo is named, not silently ignored).
struct CloudEnvironment {
    let variables: [String: String]

    init(_ variables: [String: String]) { self.variables = variables }

    func value(_ name: String) -> String? {
        guard let text = variables[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    /// The address in `name`; nil when unset.
    func webURL(_ name: String) throws(BrainError) -> URL? {
        guard let text = value(name) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil else {
            throw .notConfigured("\(name) is not an http(s) address: \(text)")
        }
        return url
    }
}
