import BuddyCore
import Foundation

/// An API key that cannot leak through printing: its description, debug description and mirror
/// all say `<redacted>`, so a configuration logged with `\(…)` or `dump` shows no secret. Only
/// the request builders read `value`.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "APIKey(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// What an error response said, whichever server shape it came in: Anthropic
/// (`{"type":"error","error":{"type","message"}}`), OpenAI and Ollama `/v1`
/// (`{"error":{"message","type","param","code"}}`), llama.cpp and vLLM (the same with an
/// integer `code`), Ollama's native `{"error":"…"}`, or no JSON at all (a proxy's HTML 413).
struct ServerErrorBody: Sendable, Equatable {
    var type: String?
    var message: String

    /// Longest excerpt of a non-JSON body kept in a message: enough to recognise the page.
    static let excerptLimit = 200

    init(type: String?, message: String) {
        self.type = type
        self.message = message
    }

    init(status: Int, body: [UInt8]) {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                let type = error["type"] as? String
                let message = (error["message"] as? String) ?? type ?? "HTTP \(status)"
                self.init(type: type, message: message)
                return
            }
            if let text = (object["error"] as? String) ?? (object["message"] as? String) ?? (object["detail"] as? String) {
                self.init(type: nil, message: text)
                return
            }
        }
        let text = String(decoding: body, as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        self.init(type: nil, message: text.isEmpty ? "HTTP \(status)" : String(text.prefix(Self.excerptLimit)))
    }
}

extension BrainError {
    /// The error for a final (not retried, or out of retries) non-2xx response.
    static func refused(status: Int, body: [UInt8]) -> BrainError {
        let said = ServerErrorBody(status: status, body: body)
        switch status {
        case 401: return .authentication(said.message)
        case 403: return .permission(said.message)
        case 413: return .requestTooLarge(said.message)
        case 429: return .rateLimited(said.message)
        case 400..<500: return .rejected(status: status, message: said.message)
        case 500...: return .serverFailed(status: status, message: said.message)
        default: return .invalidResponse("HTTP \(status): \(said.message)")
        }
    }

    /// The error for a failure below HTTP. Nothing was sent when the server could not be
    /// reached: that is what "offline" means to the turn (exit code 4, the spoken offline line).
    static func transport(_ failure: HTTPTransportError) -> BrainError {
        switch failure {
        case .cannotConnect(let detail): .offline(detail)
        case .timedOut: .connectionLost("no answer within the timeout")
        case .connectionLost(let detail): .connectionLost(detail)
        case .cancelled: .connectionLost("the request was cancelled")
        case .invalidResponse(let detail): .invalidResponse(detail)
        }
    }

    /// The same error with every occurrence of `key` replaced, so a server or proxy that echoes
    /// the key back cannot put it in front of the user or into a log. Keys of fewer than four
    /// characters are left alone: they protect nothing, and scrubbing them would garble words.
    func redacting(_ key: APIKey?) -> BrainError {
        guard let secret = key?.value, secret.count >= 4 else { return self }
        let clean = { (text: String) in text.replacingOccurrences(of: secret, with: "<redacted>") }
        switch self {
        case .offline(let detail): return .offline(clean(detail))
        case .connectionLost(let detail): return .connectionLost(clean(detail))
        case .notConfigured(let detail): return .notConfigured(clean(detail))
        case .authentication(let detail): return .authentication(clean(detail))
        case .permission(let detail): return .permission(clean(detail))
        case .requestTooLarge(let detail): return .requestTooLarge(clean(detail))
        case .rateLimited(let detail): return .rateLimited(clean(detail))
        case .rejected(let status, let message): return .rejected(status: status, message: clean(message))
        case .serverFailed(let status, let message): return .serverFailed(status: status, message: clean(message))
        case .failedMidAnswer(let type, let message): return .failedMidAnswer(type: type.map(clean), message: clean(message))
        case .invalidResponse(let detail): return .invalidResponse(clean(detail))
        case .local(let detail): return .local(clean(detail))
        }
    }
}

extension HTTPTransportError {
    /// Any error a transport threw, as the transport contract names it. Cancellation of the
    /// calling task is `.cancelled`; a foreign error (a transport breaking its contract) counts
    /// as a broken connection rather than being dropped.
    init(any error: any Error) {
        switch error {
        case let known as HTTPTransportError: self = known
        case is CancellationError: self = .cancelled
        default: self = .connectionLost(String(describing: error))
        }
    }
}
