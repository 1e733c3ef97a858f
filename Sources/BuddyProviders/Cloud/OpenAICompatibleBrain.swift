import BuddyCore
import Foundation

/// How to reach an OpenAI-compatible chat-completions server (OpenAI, Ollama, llama.cpp's
/// server, vLLM, LM Studio) and what to ask it for.
public struct OpenAICompatibleConfiguration: Sendable, Equatable {
    /// The server, with or without a trailing `/v1` (`http://localhost:11434`,
    /// `https://api.openai.com/v1`): both reach `…/v1/chat/completions`.
    public var baseURL: URL
    /// Sent as `Authorization: Bearer …` only when set (local servers usually need none).
    public var apiKey: APIKey?
    /// The server's model name (`llama3.2`, `gpt-4o-mini`, …); there is no sensible default.
    public var model: String
    /// The most output tokens any question may ask for. Sent as `max_tokens`, the field
    /// Ollama's shim reads.
    public var maxTokens: Int
    /// Used when the question names none; nil leaves the server's default.
    public var temperature: Double?
    /// Seconds to wait for the connection and then for each piece of the answer.
    public var timeout: Double

    public init(baseURL: URL, apiKey: APIKey? = nil, model: String, maxTokens: Int = 1024,
                temperature: Double? = nil, timeout: Double = 60) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.timeout = timeout
    }

    /// OpenAI's own server, for a key given without an address.
    public static let openAIBaseURL = URL(string: "https://api.openai.com/v1") ?? URL(fileURLWithPath: "/")

    /// The configuration the environment describes (passed in, not read here):
    /// `OPENAI_BASE_URL` (a local server needs no key) and/or `OPENAI_API_KEY` (alone: OpenAI
    /// itself). The model name comes from the caller: no variable names it.
    public init(environment: [String: String], model: String) throws(BrainError) {
        let settings = CloudEnvironment(environment)
        let key = settings.value("OPENAI_API_KEY").map(APIKey.init)
        guard let base = try settings.webURL("OPENAI_BASE_URL") ?? (key == nil ? nil : Self.openAIBaseURL) else {
            throw .notConfigured("no OpenAI-compatible server: set OPENAI_BASE_URL (e.g. http://localhost:11434) or OPENAI_API_KEY")
        }
        self.init(baseURL: base, apiKey: key, model: model)
    }

    /// `{base}/v1/chat/completions`, not doubling a `/v1` the base already ends in.
    public var url: URL {
        let path = baseURL.path.hasSuffix("/") ? String(baseURL.path.dropLast()) : baseURL.path
        let versioned = path.hasSuffix("/v1") ? baseURL : baseURL.appendingPathComponent("v1")
        return versioned.appendingPathComponent("chat").appendingPathComponent("completions")
    }
}

/// A brain on any OpenAI-compatible server, streamed (`protocols.md` §2). The error shapes of
/// OpenAI, Ollama `/v1`, llama.cpp (503 while a model loads, retried like any 5xx) and vLLM
/// (an integer `code`) all carry `error.message`, which becomes the `BrainError`'s message.
public struct OpenAICompatibleBrain: RemoteBrain {
    public let configuration: OpenAICompatibleConfiguration
    public let badgeName: String
    private let call: CloudCall

    public init(configuration: OpenAICompatibleConfiguration, transport: any HTTPTransport,
                retry: RetryPolicy = RetryPolicy(), badgeName: String = "openai") {
        self.configuration = configuration
        self.badgeName = badgeName
        self.call = CloudCall(transport: transport, retry: retry, secret: configuration.apiKey)
    }

    public func answer(_ question: BrainQuestion, screens: [ScreenImage]) -> BrainStream {
        call.answer(as: OpenAIDialect.self) { () throws(BrainError) in try request(for: question, screens: screens) }
    }

    /// The HTTP request for one turn.
    func request(for question: BrainQuestion, screens: [ScreenImage]) throws(BrainError) -> HTTPRequest {
        guard !configuration.model.isEmpty else { throw .notConfigured("no model name for the OpenAI-compatible server") }
        var headers = ["content-type": "application/json", "accept": "text/event-stream"]
        if let key = configuration.apiKey, !key.value.isEmpty { headers["authorization"] = "Bearer \(key.value)" }
        let body = ChatCompletionsBody(question: question, screens: screens, configuration: configuration)
        let bytes: [UInt8]
        do {
            bytes = Array(try CloudJSON.encoder.encode(body))
        } catch {
            throw .invalidResponse("could not encode the request: \(error)")
        }
        return HTTPRequest(method: "POST", url: configuration.url, headers: headers, body: bytes,
                           timeout: configuration.timeout)
    }
}

/// The chat-completions request body (`protocols.md` §2.1; `openai-request-vision.json`).
struct ChatCompletionsBody: Encodable {
    var model: String
    var messages: [Message]
    var stream = true
    var streamOptions = StreamOptions()
    var maxTokens: Int
    var temperature: Double?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, temperature
        case streamOptions = "stream_options", maxTokens = "max_tokens"
    }

    /// Usage arrives in a chunk of its own only when asked for.
    struct StreamOptions: Encodable {
        var includeUsage = true
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    struct Message: Encodable {
        var role: String
        var content: Content
    }

    enum Content: Encodable {
        case text(String)
        case parts([Part])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .parts(let parts): try container.encode(parts)
            }
        }
    }

    enum Part: Encodable {
        case text(String)
        /// A `data:` URL: the only image form Ollama accepts.
        case image(dataURL: String)

        private enum Keys: String, CodingKey { case type, text, url, imageURL = "image_url" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch self {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .image(let url):
                try container.encode("image_url", forKey: .type)
                var image = container.nestedContainer(keyedBy: Keys.self, forKey: .imageURL)
                try image.encode(url, forKey: .url)
            }
        }
    }

    init(question: BrainQuestion, screens: [ScreenImage], configuration: OpenAICompatibleConfiguration) {
        model = configuration.model
        maxTokens = max(1, min(question.maxTokens, configuration.maxTokens))
        temperature = question.temperature ?? configuration.temperature
        messages = question.system.isEmpty ? [] : [Message(role: "system", content: .text(question.system))]
        messages += CloudJSON.usable(question.history).flatMap {
            [Message(role: "user", content: .text($0.question)), Message(role: "assistant", content: .text($0.answer))]
        }
        if screens.isEmpty {
            messages.append(Message(role: "user", content: .text(question.question)))
        } else {
            // The question first (the shape OpenAI documents), then each screenshot followed by
            // its label, so "screen N" in a POINT tag means the same as for Claude.
            let images = screens.flatMap { screen -> [Part] in
                [.image(dataURL: "data:\(screen.mediaType);base64,\(Data(screen.bytes).base64EncodedString())"),
                 .text(screen.label)]
            }
            messages.append(Message(role: "user", content: .parts([.text(question.question)] + images)))
        }
    }
}

/// Chat-completion chunks as answer steps.
struct OpenAIDialect: CloudStreamDialect {
    private var reader = OpenAIStreamReader()

    static let missingEnd = "the answer stream ended before [DONE]"

    mutating func read(_ event: ServerSentEvent) throws(BrainError) -> DialectStep? {
        do {
            switch try reader.read(event) {
            case .text(let piece)?: return .text(piece)
            case .finished(let reason, let tokens)?: return .finished(Self.stopReason(reason), outputTokens: tokens)
            case nil: return nil
            }
        } catch {
            throw .failedMidAnswer(type: error.type, message: error.message)
        }
    }

    static func stopReason(_ reason: String?) -> StopReason {
        switch reason {
        case "stop": .complete
        case "length": .maxTokens
        case let other?: .other(other)
        case nil: .other("unspecified")
        }
    }
}
