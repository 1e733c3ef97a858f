import BuddyCore
import Foundation

/// Everything the PostHog client needs to know, decided by the caller. The client reads no
/// environment and no files itself: the app turns `POSTHOG_HOST`, its settings and its stored
/// anonymous id into this value, so tests can build any configuration without touching the
/// machine.
///
/// There is no configuration without a project key: `init` returns nil for a missing or blank
/// key, and with no configuration there is no client (`PostHogClient.sink` hands back
/// `NoAnalytics`). Analytics are therefore off unless someone deliberately configured a key.
public struct PostHogConfiguration: Sendable, Equatable {
    /// The project token (`phc_…`). PostHog takes it in the body, not in a header.
    public var apiKey: String
    /// Scheme and host of the capture service; `/batch/` is appended.
    public var host: URL
    /// The anonymous id this installation reports as: a random UUID the caller made once and
    /// kept. Never an email or account name — the events are personless.
    public var distinctID: String
    /// Sent as `$app_version` on every event, so answers and errors can be split by release
    /// (the events are personless, so there is no profile to carry it).
    public var appVersion: String
    /// `$os_name` / `$os_version` on every event, when the caller knows them.
    public var osName: String?
    public var osVersion: String?
    /// Events held while waiting to be sent. When full, the oldest is dropped and counted:
    /// a dead network must cost bounded memory, and new events are worth more than old ones.
    public var queueCapacity: Int
    /// Events per request; reaching this many queued events also wakes the sender.
    public var batchSize: Int
    /// Seconds between timed sends of whatever is queued.
    public var flushInterval: Double
    /// The longest `flush()` waits, so quitting is never held up by an unreachable server.
    public var flushTimeout: Double
    /// Attempts after the first for a batch that failed with 408, 429, 5xx or no connection.
    public var maxRetries: Int
    /// The first retry waits this long, doubling each time up to `maxRetryDelay`.
    public var retryDelay: Double
    /// Upper bound for one wait between attempts, `Retry-After` included.
    public var maxRetryDelay: Double
    /// Seconds a single request may take before the transport gives up on it.
    public var requestTimeout: Double
    /// Start opted out (the caller persists the user's choice and passes it back here).
    public var optedOut: Bool

    /// The US cloud, which the original app used.
    public static let defaultHost = URL(string: "https://us.i.posthog.com")!

    /// Nil when `apiKey` is nil or only whitespace: no key, no analytics.
    public init?(apiKey: String?, host: URL = PostHogConfiguration.defaultHost, distinctID: String,
                 appVersion: String, osName: String? = nil, osVersion: String? = nil,
                 queueCapacity: Int = 100, batchSize: Int = 20, flushInterval: Double = 30,
                 flushTimeout: Double = 2, maxRetries: Int = 3, retryDelay: Double = 1,
                 maxRetryDelay: Double = 30, requestTimeout: Double = 10, optedOut: Bool = false) {
        guard let key = apiKey?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty else { return nil }
        self.apiKey = key
        self.host = host
        self.distinctID = distinctID
        self.appVersion = appVersion
        self.osName = osName
        self.osVersion = osVersion
        self.queueCapacity = max(1, queueCapacity)
        self.batchSize = max(1, batchSize)
        self.flushInterval = max(0.01, flushInterval)
        self.flushTimeout = max(0, flushTimeout)
        self.maxRetries = max(0, maxRetries)
        self.retryDelay = max(0, retryDelay)
        self.maxRetryDelay = max(0, maxRetryDelay)
        self.requestTimeout = max(0.01, requestTimeout)
        self.optedOut = optedOut
    }

    /// `{host}/batch/`, with or without a trailing slash or a path prefix on the host (a
    /// self-hosted instance behind a reverse proxy may live under one).
    public var batchURL: URL {
        var base = host.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: base + "/batch/") ?? host.appendingPathComponent("batch/")
    }
}

/// The sink used when no PostHog key is configured: every call is a no-op. Having one keeps
/// the app free of `if let analytics` at each event.
public struct NoAnalytics: AnalyticsSink {
    public init() {}
    public func record(_ event: AnalyticsEvent) {}
    public func record(_ event: ContentEvent) {}
    public func flush() async {}
}

extension PostHogClient {
    /// The sink for `configuration`: a running client, or `NoAnalytics` when there is no
    /// configuration (no key). The only way the app should obtain a PostHog sink.
    public static func sink(_ configuration: PostHogConfiguration?,
                            transport: any HTTPTransport) -> any AnalyticsSink {
        guard let configuration else { return NoAnalytics() }
        return PostHogClient(configuration: configuration, transport: transport)
    }
}
