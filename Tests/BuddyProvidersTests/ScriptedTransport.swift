import BuddyCore
import BuddyProviders
import Foundation
import Synchronization
import XCTest

/// An in-memory `HTTPTransport` for the cloud brains: each request takes the next scripted
/// reply, whose body arrives in the chunks given and then ends, breaks, or hangs. It records
/// the requests and how many bodies were cancelled, so retries and end-to-end cancellation
/// can be checked without a socket or a wait.
final class ScriptedTransport: HTTPTransport, Sendable {
    /// How a scripted body ends after its last chunk.
    enum Ending: Sendable {
        case finish
        case fail(HTTPTransportError)
        /// Stays open until the reader goes away.
        case hang
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [String: String], chunks: [[UInt8]], ending: Ending)
        /// Fails before any response head.
        case failure(HTTPTransportError)

        /// A 200 event stream cut into `chunkSize`-byte pieces (0: one piece).
        static func events(_ bytes: [UInt8], chunkSize: Int = 0, ending: Ending = .finish) -> Reply {
            .respond(status: 200, headers: ["content-type": "text/event-stream; charset=utf-8"],
                     chunks: split(bytes, chunkSize), ending: ending)
        }

        /// An error response with a JSON (or any) body.
        static func status(_ status: Int, _ body: [UInt8], headers: [String: String] = [:]) -> Reply {
            .respond(status: status, headers: ["content-type": "application/json"].merging(headers) { $1 },
                     chunks: [body], ending: .finish)
        }
    }

    private struct State {
        var script: [Reply]
        var requests: [HTTPRequest] = []
        var cancelledBodies = 0
    }

    private let state: Mutex<State>

    init(_ script: [Reply]) { state = Mutex(State(script: script)) }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }
    var cancelledBodies: Int { state.withLock { $0.cancelledBodies } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let reply = state.withLock { state -> Reply? in
            state.requests.append(request)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch reply {
        case nil:
            throw HTTPTransportError.invalidResponse("the script has no reply for request \(requests.count)")
        case .failure(let failure)?:
            throw failure
        case .respond(let status, let headers, let chunks, let ending)?:
            let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            for chunk in chunks where !chunk.isEmpty { continuation.yield(chunk) }
            switch ending {
            case .finish: continuation.finish()
            case .fail(let failure): continuation.finish(throwing: failure)
            case .hang: break
            }
            continuation.onTermination = { [weak self] termination in
                if case .cancelled = termination { self?.state.withLock { $0.cancelledBodies += 1 } }
            }
            return HTTPResponse(head: HTTPResponseHead(status: status, headers: headers), body: body)
        }
    }

    static func split(_ bytes: [UInt8], _ size: Int) -> [[UInt8]] {
        guard size > 0 else { return [bytes] }
        return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min(bytes.count, $0 + size)]) }
    }
}

/// The sleeps a retry policy asked for, instead of sleeping them.
final class SleepLog: Sendable {
    private let log = Mutex<[Double]>([])

    var requested: [Double] { log.withLock { $0 } }

    /// A policy that records its sleeps and draws `random` for the jitter (0: none).
    func policy(random: Double = 0, now: Date = Date(timeIntervalSince1970: 1_767_225_600)) -> RetryPolicy {
        RetryPolicy(sleep: { [self] seconds in self.log.withLock { $0.append(seconds) } },
                    random: { random }, now: { now })
    }
}

/// What a brain's stream produced: its text, its record, and the error that ended it.
struct BrainOutcome {
    var text = ""
    var record: BrainRecord?
    var error: BrainError?
    var pieces = 0
}

/// Reads a whole brain stream.
func collect(_ stream: BrainStream) async -> BrainOutcome {
    var outcome = BrainOutcome()
    do {
        for try await event in stream {
            switch event {
            case .text(let piece):
                outcome.text += piece
                outcome.pieces += 1
            case .finished(let record):
                outcome.record = record
            }
        }
    } catch let error as BrainError {
        outcome.error = error
    } catch {
        XCTFail("a brain stream failed with a non-BrainError: \(error)")
    }
    return outcome
}

/// A JSON document parsed for structural comparison (key order and number spelling ignored).
func jsonDocument(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> NSDictionary {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary else {
        XCTFail("not a JSON object: \(String(decoding: bytes, as: UTF8.self))", file: file, line: line)
        return NSDictionary()
    }
    return object
}

/// The 1×1 PNG of the request fixtures, as a screen.
func fixtureScreen(label: String) -> ScreenImage {
    let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
    let bytes = Data(base64Encoded: base64).map { Array($0) } ?? []
    let capture = ScreenCapture(imageWidth: 1, imageHeight: 1, monitor: DesktopRect(x: 0, y: 0, width: 1, height: 1))
    return ScreenImage(bytes: bytes, label: label, capture: capture)
}

/// The message inside a recorded error body.
enum ServerMessage {
    static func of(_ name: String) throws -> String {
        let object = jsonDocument(try Fixture.bytes(name))
        return ((object["error"] as? NSDictionary)?["message"] as? String) ?? ""
    }
}

extension Fixture {
    /// A recorded `.headers` file (status line, then `name: value` lines) as a header map.
    static func headers(_ name: String) throws -> [String: String] {
        let lines = String(decoding: try bytes(name), as: UTF8.self).split(whereSeparator: \.isNewline).dropFirst()
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}
