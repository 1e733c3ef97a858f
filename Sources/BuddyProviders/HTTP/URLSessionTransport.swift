import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real HTTP transport: URLSession (libcurl under FoundationNetworking on Linux) driven
/// through a data delegate, so a streamed answer is handed on piece by piece as it arrives
/// instead of after the whole body.
///
/// - `send` returns when the status line and headers are in; the body follows as a stream.
/// - Cancelling the task awaiting `send`, or cancelling / dropping the body's iteration, cancels
///   the URLSession task (the connection is closed).
/// - Failures are `HTTPTransportError`s: refused, unroutable or unresolvable → `.cannotConnect`;
///   silence longer than `request.timeout` (before the head or between two pieces of body) →
///   `.timedOut`; a connection that closes before the announced end of the body → `.connectionLost`.
/// - `followRedirects == false` hands back the 3xx itself with its headers (and body).
///   Followed redirects to another origin drop `Authorization`, `Cookie` and `X-Api-Key`.
/// - Nothing is shared between instances or persisted: no cookies, no cache, no global session.
/// - Only `http` and `https` URLs are sent.
///
/// The body stream buffers without limit: URLSession on Linux cannot pause a transfer, so a
/// consumer slower than the network holds the difference in memory.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let delegate: URLSessionTransportDelegate

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        delegate = URLSessionTransportDelegate()
        // A nil queue gives the session its own serial queue: body pieces keep their order.
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        // Requests already streaming run to their end; the session then lets go of its delegate.
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        // URLSession would also read `file:` or `ftp:` URLs; a base URL from the environment
        // must not turn an API call into a local file read.
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw HTTPTransportError.cannotConnect("not an http(s) URL: \(request.url.absoluteString)")
        }
        let task = session.dataTask(with: Self.urlRequest(for: request))
        let (body, producer) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let exchange = URLSessionExchange(body: producer, followRedirects: request.followRedirects,
                                          timeout: Self.silenceLimit(request.timeout))
        producer.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        delegate.register(exchange, for: task)
        exchange.watchForSilence { task.cancel() }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { waiter in
                if exchange.awaitHead(waiter) {
                    task.resume()
                } else {
                    delegate.forget(task)
                }
            }
        } onCancel: {
            exchange.finish(.cancelled)
            task.cancel()
        }
        return HTTPResponse(head: head, body: body)
    }

    /// A week: the stand-in for "no limit" (an infinite or absurd timeout), kept finite because
    /// FoundationNetworking converts the interval to an integer of milliseconds.
    static let longestTimeout: Double = 7 * 24 * 3600

    /// `timeout` as the exchange enforces it: at least a millisecond, at most a week.
    static func silenceLimit(_ timeout: Double) -> Double {
        timeout.isFinite ? min(max(timeout, 0.001), longestTimeout) : longestTimeout
    }

    /// The URLRequest for `request`. Its own timeout is only a backstop, set a second above the
    /// exchange's: FoundationNetworking truncates it to whole seconds (0.5 s fires after a few
    /// milliseconds, 1.5 s after one second), so the exchange keeps the real limit itself.
    static func urlRequest(for request: HTTPRequest) -> URLRequest {
        var built = URLRequest(url: request.url)
        built.httpMethod = request.method
        // FoundationNetworking would otherwise add the process name with curl's version and the
        // user's locale (`Accept-Language`): nothing a server needs, so neither is sent.
        built.setValue("clicky", forHTTPHeaderField: "User-Agent")
        built.setValue("*", forHTTPHeaderField: "Accept-Language")
        for (name, value) in request.headers {
            built.setValue(value, forHTTPHeaderField: name)
        }
        if !request.body.isEmpty { built.httpBody = Data(request.body) }
        built.timeoutInterval = min(longestTimeout, (silenceLimit(request.timeout) + 1).rounded(.up))
        built.cachePolicy = .reloadIgnoringLocalCacheData
        return built
    }
}
