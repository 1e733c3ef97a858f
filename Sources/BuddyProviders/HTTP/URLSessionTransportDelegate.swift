import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The one delegate of a transport's URLSession: routes each callback to its request's
/// `URLSessionExchange` by task identifier.
///
/// Sendable without `@unchecked`: its only mutable state is the exchange table in a `Mutex`.
final class URLSessionTransportDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private let exchanges = Mutex<[Int: URLSessionExchange]>([:])

    func register(_ exchange: URLSessionExchange, for task: URLSessionTask) {
        exchanges.withLock { $0[task.taskIdentifier] = exchange }
    }

    private func exchange(for task: URLSessionTask) -> URLSessionExchange? {
        exchanges.withLock { $0[task.taskIdentifier] }
    }

    private func remove(_ task: URLSessionTask) -> URLSessionExchange? {
        exchanges.withLock { $0.removeValue(forKey: task.taskIdentifier) }
    }

    /// Drops a request that was never started (cancelled before its task was resumed).
    func forget(_ task: URLSessionTask) {
        _ = remove(task)
    }

    // MARK: URLSessionDataDelegate

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            exchange(for: dataTask)?.deliverHead(Self.head(of: http))
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let exchange = exchange(for: dataTask) else { return }
        // FoundationNetworking announces a redirect it was told not to follow only when the
        // task completes; make sure the head always precedes its body.
        if !exchange.headDelivered, let http = dataTask.response as? HTTPURLResponse {
            exchange.deliverHead(Self.head(of: http))
        }
        exchange.deliver(Array(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let exchange = exchange(for: task), exchange.followRedirects else {
            completionHandler(nil)
            return
        }
        completionHandler(Self.redirect(request, from: task.currentRequest ?? task.originalRequest))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                    totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        exchange(for: task)?.touch()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let exchange = remove(task) else { return }
        if let error {
            exchange.finish(Self.transportError(error))
            return
        }
        if !exchange.headDelivered, let http = task.response as? HTTPURLResponse {
            exchange.deliverHead(Self.head(of: http))
        }
        exchange.finish(nil)
    }

    // MARK: Translations

    static func head(of response: HTTPURLResponse) -> HTTPResponseHead {
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            guard let name = name as? String else { continue }
            headers[name] = value as? String ?? String(describing: value)
        }
        return HTTPResponseHead(status: response.statusCode, headers: headers)
    }

    /// The request for the next hop. Credentials never travel to another origin: a Hub token
    /// must not reach the CDN a download is redirected to, nor an API key a third party.
    static func redirect(_ next: URLRequest, from previous: URLRequest?) -> URLRequest {
        guard let from = previous?.url, let to = next.url,
              from.scheme != to.scheme || from.host != to.host || from.port != to.port else { return next }
        var stripped = next
        for name in ["Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"] {
            for key in (stripped.allHTTPHeaderFields ?? [:]).keys where key.caseInsensitiveCompare(name) == .orderedSame {
                stripped.setValue(nil, forHTTPHeaderField: key)
            }
        }
        return stripped
    }

    /// Maps URLSession's failures onto the transport's. `.cannotConnect` only where nothing can
    /// have reached the server (refused, unresolvable, unroutable, TLS handshake, unusable URL),
    /// because callers may treat it as "safe to retry elsewhere"; a broken-off exchange is
    /// `.connectionLost`. The codes were checked against FoundationNetworking 6.3 on Linux.
    static func transportError(_ error: any Error) -> HTTPTransportError {
        let code = (error as? URLError)?.code.rawValue ?? (error as NSError).code
        let detail = "\((error as NSError).localizedDescription) (\(code))"
        switch code {
        case NSURLErrorCancelled:
            return .cancelled
        case NSURLErrorTimedOut:
            return .timedOut
        case NSURLErrorCannotConnectToHost, NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed,
             NSURLErrorNotConnectedToInternet, NSURLErrorInternationalRoamingOff, NSURLErrorDataNotAllowed,
             NSURLErrorCallIsActive, NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateUntrusted,
             NSURLErrorServerCertificateHasBadDate, NSURLErrorServerCertificateHasUnknownRoot,
             NSURLErrorServerCertificateNotYetValid, NSURLErrorClientCertificateRejected,
             NSURLErrorClientCertificateRequired, NSURLErrorAppTransportSecurityRequiresSecureConnection,
             NSURLErrorBadURL, NSURLErrorUnsupportedURL:
            return .cannotConnect(detail)
        case NSURLErrorNetworkConnectionLost, NSURLErrorBadServerResponse, NSURLErrorUnknown:
            // libcurl's "Empty reply from server" (a server or proxy that hung up after the
            // request) arrives as a bad server response, and a body cut short ("transfer closed
            // with N bytes remaining", also a chunked body without its last chunk) as unknown.
            return .connectionLost(detail)
        case NSURLErrorCannotParseResponse, NSURLErrorCannotDecodeRawData,
             NSURLErrorCannotDecodeContentData, NSURLErrorHTTPTooManyRedirects, NSURLErrorRedirectToNonExistentLocation,
             NSURLErrorZeroByteResource:
            return .invalidResponse(detail)
        default:
            // Whatever else breaks a transfer: the request may have been sent, so it is not
            // `.cannotConnect`.
            return .connectionLost(detail)
        }
    }
}
