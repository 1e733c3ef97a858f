import Foundation

/// What an OpenAI-compatible chat-completions stream says (OpenAI, Ollama `/v1`, llama.cpp's
/// server, vLLM; `protocols.md` §2.2–2.3).
public enum OpenAIStreamEvent: Sendable, Equatable {
    case text(String)
    /// `data: [DONE]`: the finish reason of the last choice that gave one, and the completion
    /// tokens of the last chunk carrying usage (servers put it on different chunks).
    case finished(finishReason: String?, completionTokens: Int?)
}

/// An error object inside a 200 stream (`data: {"error": …}`): the stream ends there.
public struct OpenAIStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String?
    public var message: String

    public init(type: String?, message: String) {
        self.type = type
        self.message = message
    }

    public var description: String { "the server failed mid-answer: \(message)" }
}

/// Turns the `data:` chunks of a chat-completions stream into answer events. Unknown keys
/// (`obfuscation`, `timings`, `service_tier`, …) are ignored; `error` as a string or an object
/// (OpenAI, llama.cpp and vLLM shapes, `code` a string or a number) ends the stream.
public struct OpenAIStreamReader: Sendable {
    private var finishReason: String?
    private var completionTokens: Int?

    public init() {}

    public mutating func read(_ event: ServerSentEvent) throws(OpenAIStreamError) -> OpenAIStreamEvent? {
        if event.data.hasPrefix("[DONE]") {
            return .finished(finishReason: finishReason, completionTokens: completionTokens)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any] else {
            return nil   // not JSON: tolerated like an unknown event
        }
        if let error = object["error"], !(error is NSNull) {
            if let body = error as? [String: Any] {
                throw OpenAIStreamError(type: body["type"] as? String, message: body["message"] as? String ?? "unknown error")
            }
            throw OpenAIStreamError(type: nil, message: "\(error)")
        }
        if let usage = object["usage"] as? [String: Any], let tokens = usage["completion_tokens"] as? Int {
            completionTokens = tokens
        }
        guard let choices = object["choices"] as? [[String: Any]], let first = choices.first else { return nil }
        if let reason = first["finish_reason"] as? String { finishReason = reason }
        if let delta = first["delta"] as? [String: Any], let content = delta["content"] as? String, !content.isEmpty {
            return .text(content)
        }
        return nil
    }
}
