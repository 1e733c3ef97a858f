import Foundation

/// What an Anthropic Messages stream says, event by event (`protocols.md` §1.5–1.6).
public enum AnthropicStreamEvent: Sendable, Equatable {
    /// A piece of the answer's text.
    case text(String)
    /// The answer is complete (`message_stop`), with the last `message_delta`'s stop reason
    /// and cumulative output token count.
    case finished(stopReason: String?, outputTokens: Int?)
}

/// An error the API reported inside a 200 stream (`event: error`): the stream ends there.
public struct AnthropicStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    public var description: String { "the cloud brain failed mid-answer (\(type)): \(message)" }
}

/// Turns decoded server-sent events into answer events. Pings, block starts and stops, and
/// event types this client does not know are ignored, as the official SDK ignores them; only
/// text deltas carry text (thinking, tool input and citation deltas are not spoken).
public struct AnthropicStreamReader: Sendable {
    private var stopReason: String?
    private var outputTokens: Int?

    public init() {}

    public mutating func read(_ event: ServerSentEvent) throws(AnthropicStreamError) -> AnthropicStreamEvent? {
        let payload = Data(event.data.utf8)
        switch event.name {
        case "content_block_delta":
            guard let delta = try? JSONDecoder().decode(BlockDelta.self, from: payload).delta,
                  delta.type == "text_delta", let text = delta.text else { return nil }
            return .text(text)
        case "message_delta":
            if let message = try? JSONDecoder().decode(MessageDelta.self, from: payload) {
                stopReason = message.delta?.stopReason ?? stopReason
                outputTokens = message.usage?.outputTokens ?? outputTokens
            }
            return nil
        case "message_stop":
            return .finished(stopReason: stopReason, outputTokens: outputTokens)
        case "error":
            let body = try? JSONDecoder().decode(ErrorEvent.self, from: payload)
            throw AnthropicStreamError(type: body?.error.type ?? "error", message: body?.error.message ?? event.data)
        default:
            return nil
        }
    }

    private struct BlockDelta: Decodable {
        struct Delta: Decodable { let type: String; let text: String? }
        let delta: Delta
    }

    private struct MessageDelta: Decodable {
        struct Delta: Decodable {
            let stopReason: String?
            enum CodingKeys: String, CodingKey { case stopReason = "stop_reason" }
        }
        struct Usage: Decodable {
            let outputTokens: Int?
            enum CodingKeys: String, CodingKey { case outputTokens = "output_tokens" }
        }
        let delta: Delta?
        let usage: Usage?
    }

    private struct ErrorEvent: Decodable {
        struct Body: Decodable { let type: String; let message: String }
        let error: Body
    }
}
