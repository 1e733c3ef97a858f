import BuddyCore
import Foundation

/// One step of an answer as a wire dialect reads it.
enum DialectStep: Sendable, Equatable {
    case text(String)
    case finished(StopReason, outputTokens: Int?)
}

/// How one API's server-sent events become answer steps: the only part of a streamed answer
/// that differs between Anthropic and the OpenAI-compatible servers.
protocol CloudStreamDialect: Sendable {
    init()
    /// Text, the end of the answer, or nothing; a mid-stream error is `.failedMidAnswer`.
    mutating func read(_ event: ServerSentEvent) throws(BrainError) -> DialectStep?
    /// Why the answer is incomplete when the body ends without the dialect's end marker.
    static var missingEnd: String { get }
}

/// Everything a cloud turn does once its request is built, shared by both cloud brains: send
/// with retries, map a refusal or a transport failure to a `BrainError`, decode the 2xx body as
/// server-sent events, yield text as it arrives and finish with a record. The stream's
/// consumer owns the request: when it stops listening the task is cancelled, and with it the
/// transport's body (DESIGN.md habit 6).
struct CloudCall: Sendable {
    var transport: any HTTPTransport
    var retry: RetryPolicy
    /// Scrubbed from every error the stream fails with.
    var secret: APIKey?

    func answer<Dialect: CloudStreamDialect>(_ request: HTTPRequest, as dialect: Dialect.Type) -> BrainStream {
        let (stream, continuation) = BrainStream.makeStream()
        let task = Task {
            do throws(BrainError) {
                try await run(request, as: dialect, into: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error.redacting(secret))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// A stream that fails at once: the brain could not even build its request.
    /// Builds the request and answers it; a request that cannot be built fails the stream
    /// (scrubbed of the key) without anything being sent.
    func answer<Dialect: CloudStreamDialect>(as dialect: Dialect.Type,
                                             building build: () throws(BrainError) -> HTTPRequest) -> BrainStream {
        do {
            return answer(try build(), as: dialect)
        } catch {
            return Self.failing(error.redacting(secret))
        }
    }

    static func failing(_ error: BrainError) -> BrainStream {
        let (stream, continuation) = BrainStream.makeStream()
        continuation.finish(throwing: error)
        return stream
    }

    private func run<Dialect: CloudStreamDialect>(_ request: HTTPRequest, as dialect: Dialect.Type,
                                                  into continuation: BrainStream.Continuation) async throws(BrainError) {
        let clock = ContinuousClock()
        let started = clock.now
        let reply: CloudReply
        do {
            reply = try await retry.send(request, over: transport)
        } catch {
            throw .transport(error)
        }
        let response: HTTPResponse
        switch reply {
        case .streaming(let streaming): response = streaming
        case .refused(let head, let body): throw .refused(status: head.status, body: body)
        }
        if let type = response.head.header("content-type")?.lowercased(), type.hasPrefix("application/json") {
            throw .invalidResponse("the server answered with JSON instead of an event stream (is streaming supported?)")
        }

        var decoder = ServerSentEventDecoder()
        var reader = Dialect()
        var firstText: ContinuousClock.Instant?
        var iterator = response.body.makeAsyncIterator()

        /// Handles the events of one chunk; true once the answer is finished.
        func handle(_ events: [ServerSentEvent]) throws(BrainError) -> Bool {
            for event in events {
                switch try reader.read(event) {
                case .text(let piece)?:
                    if firstText == nil { firstText = clock.now }
                    continuation.yield(.text(piece))
                case .finished(let stop, let tokens)?:
                    let now = clock.now
                    continuation.yield(.finished(BrainRecord(
                        firstTokenSeconds: firstText.map { ($0 - started).seconds },
                        totalSeconds: (now - started).seconds, outputTokens: tokens, stopReason: stop)))
                    return true
                case nil:
                    continue
                }
            }
            return false
        }

        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await iterator.next()
            } catch {
                throw .transport(HTTPTransportError(any: error))
            }
            guard let chunk else { break }
            if try handle(decoder.feed(chunk)) { return }
        }
        if try handle(decoder.finish()) { return }
        if Task.isCancelled { throw .transport(.cancelled) }
        throw .connectionLost(Dialect.missingEnd)
    }
}
