/// Why a brain could not answer, in words a user can act on. Every brain's stream fails with one
/// of these; `isNetwork` selects the command line's exit code 4.
public enum BrainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No network, or the server could not be reached (nothing was sent).
    case offline(String)
    /// The connection broke or timed out after the request was sent.
    case connectionLost(String)
    /// The brain is not set up: a missing key or address, named in the message.
    case notConfigured(String)
    /// 401: the key was refused.
    case authentication(String)
    /// 403: the key may not use this model or endpoint.
    case permission(String)
    /// 413: the request (screenshots included) is too large.
    case requestTooLarge(String)
    /// 429 after the retries.
    case rateLimited(String)
    /// Another 4xx: the request was refused (bad model name, context too long, …).
    case rejected(status: Int, message: String)
    /// 5xx (or 529) after the retries.
    case serverFailed(status: Int, message: String)
    /// The server reported an error inside a stream that had started (partial text is incomplete).
    case failedMidAnswer(type: String?, message: String)
    /// The response was not what the protocol promises.
    case invalidResponse(String)
    /// The local model failed (or is not ready).
    case local(String)

    /// True when the cause is the network: no connection, or one that broke.
    public var isNetwork: Bool {
        switch self {
        case .offline, .connectionLost: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .offline(let detail): "offline: \(detail)"
        case .connectionLost(let detail): "connection lost: \(detail)"
        case .notConfigured(let detail): "not configured: \(detail)"
        case .authentication(let detail): "the API key was refused (401): \(detail)"
        case .permission(let detail): "this key may not do that (403): \(detail)"
        case .requestTooLarge(let detail): "the request is too large (413): \(detail)"
        case .rateLimited(let detail): "rate limited (429), even after retrying: \(detail)"
        case .rejected(let status, let message): "the server refused the request (\(status)): \(message)"
        case .serverFailed(let status, let message): "the server failed (\(status)), even after retrying: \(message)"
        case .failedMidAnswer(let type, let message):
            "the answer broke off (\(type ?? "error")): \(message)"
        case .invalidResponse(let detail): "unexpected response: \(detail)"
        case .local(let detail): "local brain: \(detail)"
        }
    }
}
