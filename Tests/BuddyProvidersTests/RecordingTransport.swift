import BuddyProviders
import Foundation
import Synchronization

/// An in-memory `HTTPTransport`: keeps every request it is given and answers from a script,
/// so a client's wire traffic and its reaction to each kind of answer can be checked without
/// a socket.
final class RecordingTransport: HTTPTransport, Sendable {
    /// One scripted answer.
    enum Reply: Sendable {
        /// A response with this status, body and headers.
        case status(Int, body: [UInt8] = [], headers: [String: String] = [:])
        /// A failure below HTTP (nothing came back).
        case failure(HTTPTransportError)
        /// Never answers (until the calling task is cancelled): a dead network or server.
        case hang
    }

    private struct State {
        var requests: [HTTPRequest] = []
        var script: [Reply]
    }

    private let state: Mutex<State>
    private let otherwise: Reply

    /// Answers with `script` in order, then with `otherwise` (by default an empty 200).
    init(_ script: [Reply] = [], otherwise: Reply = .status(200, body: Array(#"{"status":1}"#.utf8))) {
        state = Mutex(State(script: script))
        self.otherwise = otherwise
    }

    /// Every request so far, in the order sent.
    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let reply = state.withLock { state -> Reply in
            state.requests.append(request)
            return state.script.isEmpty ? otherwise : state.script.removeFirst()
        }
        switch reply {
        case .status(let status, let body, let headers):
            let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
                if !body.isEmpty { continuation.yield(body) }
                continuation.finish()
            }
            return HTTPResponse(head: HTTPResponseHead(status: status, headers: headers), body: stream)
        case .failure(let error):
            throw error
        case .hang:
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
            }
            throw HTTPTransportError.cancelled
        }
    }
}

/// A parsed JSON document, for comparing request bodies with the recorded fixtures by
/// structure rather than by bytes (key order and number spelling may differ).
enum JSONValue: Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var object: [String: JSONValue]? {
        if case .object(let value) = self { value } else { nil }
    }

    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The value with every scalar replaced by its JSON type name and arrays reduced to the
    /// shapes of their elements: two documents of the same shape have the same keys and
    /// types everywhere.
    var shape: JSONValue {
        switch self {
        case .null: .string("null")
        case .bool: .string("bool")
        case .number: .string("number")
        case .string: .string("string")
        case .array(let items): .array(items.map(\.shape))
        case .object(let fields): .object(fields.mapValues(\.shape))
        }
    }
}
