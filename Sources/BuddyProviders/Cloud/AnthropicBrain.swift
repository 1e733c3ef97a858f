import BuddyCore
import Foundation

/// Claude over the Messages API, streamed (`protocols.md` §1), directly or through the original
/// app's worker. It sends what the original sends — the system prompt, earlier exchanges as
/// plain-string turns, then every screenshot with its label and the question — and reads the
/// answer with `AnthropicStreamReader`, so an `event: error` inside the stream is surfaced
/// (`.failedMidAnswer`) where the original ignored it.
public struct AnthropicBrain: RemoteBrain {
    public let configuration: AnthropicConfiguration
    public let badgeName: String
    private let call: CloudCall

    public init(configuration: AnthropicConfiguration, transport: any HTTPTransport,
                retry: RetryPolicy = RetryPolicy(), badgeName: String = "cloud") {
        self.configuration = configuration
        self.badgeName = badgeName
        self.call = CloudCall(transport: transport, retry: retry, secret: configuration.apiKey)
    }

    public func answer(_ question: BrainQuestion, screens: [ScreenImage]) -> BrainStream {
        call.answer(as: AnthropicDialect.self) { () throws(BrainError) in try request(for: question, screens: screens) }
    }

    /// The HTTP request for one turn.
    func request(for question: BrainQuestion, screens: [ScreenImage]) throws(BrainError) -> HTTPRequest {
        var headers = ["content-type": "application/json", "accept": "text/event-stream"]
        if case .direct(let key, _) = configuration.endpoint {
            guard !key.value.isEmpty else { throw .notConfigured("the Anthropic API key is empty") }
            headers["x-api-key"] = key.value
            headers["anthropic-version"] = AnthropicConfiguration.apiVersion
        }
        let body = AnthropicRequestBody(question: question, screens: screens, configuration: configuration)
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

/// The JSON encoder both cloud brains use: base64 image data keeps its slashes unescaped.
enum CloudJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    /// The exchanges worth sending: an exchange with a blank side (a turn cut off before it
    /// answered) would be an empty message, which the Messages API refuses.
    static func usable(_ history: [Exchange]) -> [Exchange] {
        history.filter {
            !$0.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                && !$0.answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
    }
}

/// The Messages API request body (`protocols.md` §1.2; `anthropic-request-vision.json`).
struct AnthropicRequestBody: Encodable {
    var model: String
    var maxTokens: Int
    var stream = true
    var system: String?
    var temperature: Double?
    var messages: [Message]

    enum CodingKeys: String, CodingKey {
        case model, stream, system, temperature, messages
        case maxTokens = "max_tokens"
    }

    struct Message: Encodable {
        var role: String
        var content: Content
    }

    /// A plain string (history, text-only questions) or content blocks.
    enum Content: Encodable {
        case text(String)
        case blocks([Block])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .blocks(let blocks): try container.encode(blocks)
            }
        }
    }

    enum Block: Encodable {
        case image(mediaType: String, base64: String)
        case text(String)

        private enum Keys: String, CodingKey { case type, source, text, data, mediaType = "media_type" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch self {
            case .image(let mediaType, let base64):
                try container.encode("image", forKey: .type)
                var source = container.nestedContainer(keyedBy: Keys.self, forKey: .source)
                try source.encode("base64", forKey: .type)
                try source.encode(mediaType, forKey: .mediaType)
                try source.encode(base64, forKey: .data)
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            }
        }
    }

    init(question: BrainQuestion, screens: [ScreenImage], configuration: AnthropicConfiguration) {
        model = configuration.model
        maxTokens = max(1, min(question.maxTokens, configuration.maxTokens))
        system = question.system.isEmpty ? nil : question.system
        temperature = question.temperature ?? configuration.temperature
        messages = CloudJSON.usable(question.history).flatMap {
            [Message(role: "user", content: .text($0.question)), Message(role: "assistant", content: .text($0.answer))]
        }
        if screens.isEmpty {
            messages.append(Message(role: "user", content: .text(question.question)))
        } else {
            // Each screenshot, then the label naming it, then the question: images before text
            // is what the vision docs recommend, and "screen N" in a POINT tag refers to these.
            let blocks = screens.flatMap { screen -> [Block] in
                [.image(mediaType: screen.mediaType, base64: Data(screen.bytes).base64EncodedString()), .text(screen.label)]
            }
            messages.append(Message(role: "user", content: .blocks(blocks + [.text(question.question)])))
        }
    }
}

/// Anthropic's events as answer steps.
struct AnthropicDialect: CloudStreamDialect {
    private var reader = AnthropicStreamReader()

    static let missingEnd = "the answer stream ended before message_stop"

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
        case "end_turn": .complete
        case "max_tokens": .maxTokens
        case "stop_sequence": .stopSequence
        case let other?: .other(other)
        case nil: .other("unspecified")
        }
    }
}
