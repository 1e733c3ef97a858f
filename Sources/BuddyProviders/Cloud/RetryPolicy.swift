import Foundation

/// What came back once the retries were done: a 2xx response whose body has not been touched,
/// or the last refusal with (the start of) its body, for the error message.
public enum CloudReply: Sendable {
    case streaming(HTTPResponse)
    case refused(HTTPResponseHead, body: [UInt8])
}

/// When and how long to wait before asking again, as the official Anthropic and OpenAI SDKs do
/// (`protocols.md` §1.8): at most two retries; a server's `x-should-retry` is obeyed either
/// way; otherwise 408, 409, 429 and every 5xx (529 included) are retried, and so are failures
/// to connect or to get an answer in time. The server's `retry-after-ms` / `retry-after` is
/// honoured up to a minute; else the wait doubles from half a second with a little jitter.
///
/// One departure, for the product: a connection that cannot be made (no network, nothing
/// listening) is retried after at most a fifth of a second, so an offline or stopped server
/// fails a turn in well under a second instead of the eight the SDK schedule allows.
///
/// Retrying only ever happens before a response body is read: once a 2xx stream has begun,
/// an error inside it is the caller's to surface (`send` returns as soon as it sees a 2xx).
/// The clock, the sleep and the random source are injected so tests never wait.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    /// Waits the given seconds; throws when the waiting task is cancelled.
    public var sleep: @Sendable (Double) async throws -> Void
    /// A number in 0..<1 for the jitter.
    public var random: @Sendable () -> Double
    /// The wall clock, for `retry-after` given as an HTTP date.
    public var now: @Sendable () -> Date

    /// The SDK schedule: 0.5 s doubling, capped at 8 s.
    public static let initialDelay = 0.5
    public static let maximumDelay = 8.0
    /// The connect-failure schedule: 0.1 s doubling, capped at 0.2 s (at most 0.3 s in all).
    public static let initialConnectDelay = 0.1
    public static let maximumConnectDelay = 0.2
    /// The longest server-requested wait that is honoured; longer ones fall back to backoff.
    public static let longestRequestedDelay = 60.0

    public init(maxRetries: Int = 2,
                sleep: @escaping @Sendable (Double) async throws -> Void = RetryPolicy.taskSleep,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.maxRetries = maxRetries
        self.sleep = sleep
        self.random = random
        self.now = now
    }

    /// No retries at all (a caller that wants its own schedule).
    public static var never: RetryPolicy { RetryPolicy(maxRetries: 0) }

    /// `Task.sleep`, which throws `CancellationError` when the task is cancelled.
    @Sendable public static func taskSleep(_ seconds: Double) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }

    /// Seconds to wait before retrying after `head`, or nil when it must not be retried.
    /// `retriesDone` counts the retries already made.
    public func delay(after head: HTTPResponseHead, retriesDone: Int) -> Double? {
        guard retriesDone < maxRetries else { return nil }
        switch head.header("x-should-retry")?.lowercased() {
        case "true": break
        case "false": return nil
        default:
            let status = head.status
            guard status == 408 || status == 409 || status == 429 || status >= 500 else { return nil }
        }
        return requestedDelay(in: head) ?? backoff(retriesDone: retriesDone)
    }

    /// Seconds to wait before retrying after a failure below HTTP (no response head was read),
    /// or nil when retrying cannot help.
    public func delay(after failure: HTTPTransportError, retriesDone: Int) -> Double? {
        guard retriesDone < maxRetries else { return nil }
        switch failure {
        case .cannotConnect:
            let base = min(Self.initialConnectDelay * pow(2, Double(retriesDone)), Self.maximumConnectDelay)
            return base * jitter()
        case .timedOut, .connectionLost:
            return backoff(retriesDone: retriesDone)
        case .cancelled, .invalidResponse:
            return nil
        }
    }

    /// The SDK's exponential backoff: min(0.5·2ⁿ, 8)·(1 − 0.25·random).
    public func backoff(retriesDone: Int) -> Double {
        min(Self.initialDelay * pow(2, Double(min(retriesDone, 30))), Self.maximumDelay) * jitter()
    }

    private func jitter() -> Double { 1 - 0.25 * min(max(random(), 0), 1) }

    /// The wait the server asked for: `retry-after-ms` (milliseconds), else `retry-after` as
    /// seconds (possibly fractional) or as an HTTP date; only 0 < d ≤ 60 s counts.
    public func requestedDelay(in head: HTTPResponseHead) -> Double? {
        var seconds: Double?
        if let text = head.header("retry-after-ms"), let milliseconds = Double(text.trimmingCharacters(in: .whitespaces)) {
            seconds = milliseconds / 1000
        } else if let text = head.header("retry-after")?.trimmingCharacters(in: .whitespaces) {
            if let value = Double(text) {
                seconds = value
            } else if let date = Self.httpDate(text) {
                seconds = date.timeIntervalSince(now())
            }
        }
        guard let wait = seconds, wait.isFinite, wait > 0, wait <= Self.longestRequestedDelay else { return nil }
        return wait
    }

    /// An IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), the form HTTP requires of servers.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// Most of an error body kept for its message; the rest is left unread.
    static let errorBodyLimit = 64 << 10

    /// Sends `request` until it gets a 2xx, a refusal that must not be retried, or runs out of
    /// retries. A response that will be retried is dropped unread (which cancels it).
    public func send(_ request: HTTPRequest, over transport: any HTTPTransport) async throws(HTTPTransportError) -> CloudReply {
        var retriesDone = 0
        while true {
            if Task.isCancelled { throw .cancelled }
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                let failure = HTTPTransportError(any: error)
                guard let wait = delay(after: failure, retriesDone: retriesDone) else { throw failure }
                try await pause(wait)
                retriesDone += 1
                continue
            }
            if (200..<300).contains(response.head.status) { return .streaming(response) }
            if let wait = delay(after: response.head, retriesDone: retriesDone) {
                try await pause(wait)
                retriesDone += 1
                continue
            }
            return .refused(response.head, body: await Self.start(of: response.body))
        }
    }

    private func pause(_ seconds: Double) async throws(HTTPTransportError) {
        do { try await sleep(seconds) } catch { throw .cancelled }
    }

    /// Up to `errorBodyLimit` bytes of a body; whatever arrived before a failure is kept, since
    /// the status alone already says what went wrong.
    private static func start(of body: AsyncThrowingStream<[UInt8], any Error>) async -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                bytes += chunk
                if bytes.count >= errorBodyLimit { return Array(bytes.prefix(errorBodyLimit)) }
            }
        } catch {}
        return bytes
    }
}
