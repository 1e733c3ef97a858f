import Foundation

/// Why a cloud voice could not speak, as one line saying which: no network, a refused key, a
/// used-up quota, a refused request, a busy or failing service, or audio we cannot play.
/// `isNetwork` tells a caller that the offline voice should take over.
public struct CloudVoiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The service could not be reached: nothing was sent.
        case offline
        /// The connection broke or went silent after the request was sent.
        case connectionLost
        /// Something in the configuration cannot work (a malformed voice id).
        case notConfigured
        /// 401 other than `quota_exceeded`: the key is wrong or revoked.
        case keyRefused
        /// 401 `quota_exceeded`: the account has no characters left.
        case quotaExceeded
        /// Another 4xx (422: the body did not validate).
        case rejected(status: Int)
        /// 429 after the retries.
        case rateLimited
        /// 5xx after the retries.
        case serverFailed(status: Int)
        /// A 2xx whose body is not audio we can decode.
        case invalidAudio
    }

    public var kind: Kind
    /// How the other end is named: "ElevenLabs", "ElevenLabs (through the worker)".
    public var service: String
    /// What the service (or the transport) said.
    public var detail: String

    public init(_ kind: Kind, service: String, detail: String) {
        self.kind = kind
        self.service = service
        self.detail = detail
    }

    /// True when the cause is the network: no connection, or one that broke.
    public var isNetwork: Bool {
        switch kind {
        case .offline, .connectionLost: true
        default: false
        }
    }

    public var description: String {
        switch kind {
        case .offline: "no network: cannot reach \(service) (\(detail))"
        case .connectionLost: "the connection to \(service) broke: \(detail)"
        case .notConfigured: "the \(service) voice is not set up: \(detail)"
        case .keyRefused: "\(service) refused the API key (401): \(detail)"
        case .quotaExceeded: "\(service) quota is used up (401 quota_exceeded): \(detail)"
        case .rejected(let status): "\(service) refused the request (\(status)): \(detail)"
        case .rateLimited: "\(service) is rate limiting (429), even after retrying: \(detail)"
        case .serverFailed(let status): "\(service) failed (\(status)), even after retrying: \(detail)"
        case .invalidAudio: "\(service) sent audio that cannot be played: \(detail)"
        }
    }

    /// The error for a final (not retried, or out of retries) non-2xx response.
    static func refused(status: Int, body: [UInt8], service: String) -> CloudVoiceError {
        let said = ElevenLabsErrorBody(status: status, body: body)
        let kind: Kind = switch status {
        case 401: said.code == "quota_exceeded" ? .quotaExceeded : .keyRefused
        case 429: .rateLimited
        case 400..<500: .rejected(status: status)
        default: .serverFailed(status: status)
        }
        return CloudVoiceError(kind, service: service, detail: said.message)
    }

    /// The error for a failure below HTTP.
    static func transport(_ failure: HTTPTransportError, service: String) -> CloudVoiceError {
        switch failure {
        case .cannotConnect(let detail): CloudVoiceError(.offline, service: service, detail: detail)
        case .timedOut: CloudVoiceError(.connectionLost, service: service, detail: "no answer within the timeout")
        case .connectionLost(let detail): CloudVoiceError(.connectionLost, service: service, detail: detail)
        case .cancelled: CloudVoiceError(.connectionLost, service: service, detail: "the request was cancelled")
        case .invalidResponse(let detail): CloudVoiceError(.invalidAudio, service: service, detail: detail)
        }
    }

    /// The same error with every occurrence of `key` replaced, so a server or worker that echoes
    /// the key cannot put it in front of the user or into a log (keys under four characters are
    /// left alone, as `BrainError.redacting` does).
    func redacting(_ key: APIKey?) -> CloudVoiceError {
        guard let secret = key?.value, secret.count >= 4 else { return self }
        var clean = self
        clean.detail = detail.replacingOccurrences(of: secret, with: "<redacted>")
        return clean
    }
}

/// What an ElevenLabs error body says: `{"detail":{"status":"quota_exceeded","message":…}}`
/// (401s), `{"detail":[{"loc":["body","text"],"msg":"Field required",…}]}` (422 validation),
/// else whatever `ServerErrorBody` finds (a worker's `{"error":…}`, a proxy's HTML page).
struct ElevenLabsErrorBody: Equatable {
    /// The machine-readable status (`quota_exceeded`, `invalid_api_key`), when there is one.
    var code: String?
    var message: String

    init(status: Int, body: [UInt8]) {
        let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        if let detail = object?["detail"] as? [String: Any] {
            code = detail["status"] as? String
            message = (detail["message"] as? String) ?? code ?? "HTTP \(status)"
        } else if let problems = object?["detail"] as? [[String: Any]], !problems.isEmpty {
            code = nil
            message = problems.map { problem in
                let place = (problem["loc"] as? [Any])?.map { "\($0)" }.joined(separator: ".")
                let what = (problem["msg"] as? String) ?? (problem["type"] as? String) ?? "invalid"
                return place.map { "\($0): \(what)" } ?? what
            }.joined(separator: "; ")
        } else {
            code = nil
            message = ServerErrorBody(status: status, body: body).message
        }
        // One line, whatever the server put in it.
        message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
