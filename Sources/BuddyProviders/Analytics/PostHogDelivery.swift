import Foundation

/// What became of one attempt to post a batch, decided from the status code alone (PostHog's
/// success body has changed over time; the SDKs ignore it, and so do we).
enum PostHogAttempt: Sendable, Equatable {
    case delivered
    /// Worth trying again: 408, 429, 5xx, or the server could not be reached. `retryAfter` is
    /// the server's `Retry-After` in seconds, when it sent a number.
    case retry(retryAfter: Double?, reason: String)
    /// The server will never take this batch (bad key, bad payload, too large): drop it.
    case rejected(reason: String)

    /// The verdict for a response with `status` and `body` (the body only names the reason).
    static func classify(status: Int, headers: HTTPResponseHead, body: [UInt8]) -> PostHogAttempt {
        if (200..<300).contains(status) { return .delivered }
        let reason = "HTTP \(status)" + (detail(in: body).map { ": \($0)" } ?? "")
        if status == 408 || status == 429 || status >= 500 {
            let retryAfter = headers.header("retry-after").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            return .retry(retryAfter: retryAfter, reason: reason)
        }
        return .rejected(reason: reason)
    }

    /// The verdict for a failure below HTTP: every such failure may be temporary.
    static func classify(_ error: HTTPTransportError) -> PostHogAttempt {
        .retry(retryAfter: nil, reason: error.description)
    }

    /// PostHog's error bodies carry a human `detail` (`posthog-error-400.json`).
    private static func detail(in body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return object["detail"] as? String
    }
}

/// How long to wait before retry number `attempt` (1-based): the configured delay doubled per
/// attempt, or the server's `Retry-After` when longer, never more than the cap. The cap keeps a
/// hostile or confused `Retry-After` from parking the sender for an hour.
func postHogRetryDelay(attempt: Int, retryAfter: Double?, configuration: PostHogConfiguration) -> Double {
    let doubling = configuration.retryDelay * pow(2, Double(max(0, attempt - 1)))
    let wanted = max(doubling, retryAfter ?? 0)
    return min(wanted, configuration.maxRetryDelay)
}

/// Running totals, for `clicky doctor` and for tests. Events, not requests, except where named.
public struct PostHogStatistics: Sendable, Equatable {
    /// Events the server accepted.
    public var sent = 0
    /// Events pushed out of a full queue before they could be sent.
    public var droppedForCapacity = 0
    /// Events in batches the server refused with a 4xx (not retried), or that could not be encoded.
    public var rejected = 0
    /// Events in batches still failing after every retry.
    public var failed = 0
    /// Requests made, retries included.
    public var requests = 0
    /// Why the last unsuccessful attempt failed, for diagnostics.
    public var lastError: String?

    public init() {}
}

extension PostHogClient {
    /// Posts `batch` until it is delivered, refused, or out of retries; records the outcome.
    /// Stops early if the user opts out meanwhile: a batch waiting on a retry is not sent after.
    func deliver(_ batch: [PostHogEvent]) async {
        var attempt = 0
        while true {
            if isOptedOut { return }
            let outcome = await post(batch)
            switch outcome {
            case .delivered:
                update { $0.sent += batch.count }
                return
            case .rejected(let reason):
                update { $0.rejected += batch.count; $0.lastError = reason }
                return
            case .retry(let retryAfter, let reason):
                update { $0.lastError = reason }
                attempt += 1
                guard attempt <= configuration.maxRetries else {
                    update { $0.failed += batch.count }
                    return
                }
                let delay = postHogRetryDelay(attempt: attempt, retryAfter: retryAfter, configuration: configuration)
                try? await Task.sleep(for: .seconds(delay))
            }
        }
    }

    /// One attempt: encode with a fresh `sent_at`, send, classify.
    private func post(_ batch: [PostHogEvent]) async -> PostHogAttempt {
        let body: [UInt8]
        do {
            body = try PostHogWire.body(for: batch, configuration: configuration, sentAt: clock())
        } catch {
            return .rejected(reason: "encoding: \(error.detail)")
        }
        let request = HTTPRequest(method: "POST", url: configuration.batchURL,
                                  headers: ["Content-Type": "application/json",
                                            "User-Agent": "\(PostHogWire.library)/\(PostHogWire.libraryVersion)"],
                                  body: body, timeout: configuration.requestTimeout)
        update { $0.requests += 1 }
        do {
            let response = try await transport.send(request)
            let status = response.head.status
            // Only a refusal's body is read, to name the reason; a success body means nothing.
            let errorBody = (200..<300).contains(status) ? [] : ((try? await response.collect(limit: 64 << 10)) ?? [])
            return .classify(status: status, headers: response.head, body: errorBody)
        } catch let error as HTTPTransportError {
            return .classify(error)
        } catch {
            return .retry(retryAfter: nil, reason: String(describing: error))
        }
    }
}
