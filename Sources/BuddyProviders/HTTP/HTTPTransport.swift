import Foundation

/// One HTTP request as the clients build it.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    /// Header names as sent; the transport adds nothing but what HTTP itself requires.
    public var headers: [String: String]
    public var body: [UInt8]
    /// False: a 3xx is returned as it is (the Hugging Face HEAD reads the redirect's headers).
    public var followRedirects: Bool
    /// Seconds to wait for the connection and for each piece of the response.
    public var timeout: Double

    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: [UInt8] = [],
                followRedirects: Bool = true, timeout: Double = 60) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followRedirects = followRedirects
        self.timeout = timeout
    }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A response whose body arrives in pieces as the server sends them.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    /// The body, chunk by chunk; fails with `HTTPTransportError`. Dropping or cancelling the
    /// iteration cancels the request.
    public var body: AsyncThrowingStream<[UInt8], any Error>

    public init(head: HTTPResponseHead, body: AsyncThrowingStream<[UInt8], any Error>) {
        self.head = head
        self.body = body
    }

    /// The whole body (for error responses and small documents).
    public func collect(limit: Int = 8 << 20) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in body {
            bytes += chunk
            if bytes.count > limit { throw HTTPTransportError.invalidResponse("body larger than \(limit) bytes") }
        }
        return bytes
    }
}

/// Why a request failed below HTTP.
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server could not be reached (no route, refused, DNS): nothing was sent.
    case cannotConnect(String)
    /// No answer, or no further bytes, within the timeout.
    case timedOut
    /// The connection closed before the response was complete.
    case connectionLost(String)
    case cancelled
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .cannotConnect(let detail): "cannot connect: \(detail)"
        case .timedOut: "timed out"
        case .connectionLost(let detail): "connection lost: \(detail)"
        case .cancelled: "cancelled"
        case .invalidResponse(let detail): "invalid response: \(detail)"
        }
    }
}

/// Sends HTTP requests. The one real implementation is `URLSessionTransport`; tests inject
/// loopback servers through it, or a recording transport in its place.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns once the response head has arrived; the body streams after.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
