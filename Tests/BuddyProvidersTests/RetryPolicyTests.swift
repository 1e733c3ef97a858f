import BuddyProviders
import Foundation
import XCTest

/// The retry rules of the official SDKs (`protocols.md` §1.8) with the fast connect-failure
/// schedule, and the send loop on a scripted transport: sleeps are recorded, never slept.
final class RetryPolicyTests: XCTestCase {
    private let noJitter = SleepLog().policy(random: 0)

    private func head(_ status: Int, _ headers: [String: String] = [:]) -> HTTPResponseHead {
        HTTPResponseHead(status: status, headers: headers)
    }

    func testTheSDKsRetryableStatusesAreRetriedAndNoOthers() {
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            XCTAssertNotNil(noJitter.delay(after: head(status), retriesDone: 0), "\(status)")
        }
        for status in [400, 401, 402, 403, 404, 413, 422] {
            XCTAssertNil(noJitter.delay(after: head(status), retriesDone: 0), "\(status)")
        }
    }

    func testTheServersShouldRetryHeaderWinsBothWays() {
        XCTAssertNotNil(noJitter.delay(after: head(400, ["x-should-retry": "true"]), retriesDone: 0))
        XCTAssertNil(noJitter.delay(after: head(529, ["X-Should-Retry": "false"]), retriesDone: 0))
        XCTAssertNil(noJitter.delay(after: head(429, ["x-should-retry": "false", "retry-after": "1"]), retriesDone: 0))
    }

    func testAtMostTwoRetries() {
        XCTAssertNotNil(noJitter.delay(after: head(529), retriesDone: 1))
        XCTAssertNil(noJitter.delay(after: head(529), retriesDone: 2))
        XCTAssertNil(noJitter.delay(after: .timedOut, retriesDone: 2))
        XCTAssertNil(RetryPolicy.never.delay(after: head(529), retriesDone: 0))
    }

    func testBackoffDoublesFromHalfASecondUpToEightWithAQuarterOfJitter() {
        XCTAssertEqual((0...6).map { noJitter.backoff(retriesDone: $0) }, [0.5, 1, 2, 4, 8, 8, 8])
        let fullJitter = SleepLog().policy(random: 0.999_999)
        XCTAssertEqual(fullJitter.backoff(retriesDone: 0), 0.375, accuracy: 1e-6)
        XCTAssertEqual(fullJitter.backoff(retriesDone: 9), 6, accuracy: 1e-5)
        XCTAssertEqual(noJitter.delay(after: head(500), retriesDone: 1), 1)
    }

    func testTheServersRequestedWaitIsHonouredUpToAMinute() {
        let cases: [([String: String], Double)] = [
            (["retry-after": "1"], 1),
            (["retry-after": "1.5"], 1.5),
            (["retry-after": "60"], 60),
            (["retry-after-ms": "250"], 0.25),
            (["retry-after-ms": "250", "retry-after": "7"], 0.25),   // milliseconds first
            (["retry-after": "Thu, 01 Jan 2026 00:00:10 GMT"], 10),  // 10 s after the injected now
        ]
        for (headers, expected) in cases {
            XCTAssertEqual(noJitter.delay(after: head(429, headers), retriesDone: 0) ?? -1, expected, accuracy: 1e-9, "\(headers)")
        }
        // Out of range or unreadable: the ordinary backoff.
        for headers in [["retry-after": "0"], ["retry-after": "61"], ["retry-after": "-3"], ["retry-after": "soon"],
                        ["retry-after-ms": "0"], ["retry-after": "Thu, 01 Jan 2026 00:05:00 GMT"],
                        ["retry-after": "Wed, 31 Dec 2025 23:59:00 GMT"]] {
            XCTAssertEqual(noJitter.delay(after: head(429, headers), retriesDone: 1), 1, "\(headers)")
        }
    }

    func testAConnectionThatCannotBeMadeIsRetriedWithinAThirdOfASecondInAll() {
        for random in [0.0, 0.5, 0.999] {
            let policy = SleepLog().policy(random: random)
            let waits = (0..<2).compactMap { policy.delay(after: .cannotConnect("refused"), retriesDone: $0) }
            XCTAssertEqual(waits.count, 2)
            XCTAssertLessThanOrEqual(waits.reduce(0, +), 0.3 + 1e-9)
        }
        XCTAssertEqual(noJitter.delay(after: .cannotConnect("no route"), retriesDone: 0), 0.1)
        XCTAssertEqual(noJitter.delay(after: .cannotConnect("no route"), retriesDone: 1), 0.2)
    }

    func testTimeoutsAndDroppedConnectionsBeforeAnyResponseUseTheOrdinaryBackoff() {
        XCTAssertEqual(noJitter.delay(after: .timedOut, retriesDone: 0), 0.5)
        XCTAssertEqual(noJitter.delay(after: .connectionLost("reset"), retriesDone: 1), 1)
        XCTAssertNil(noJitter.delay(after: .cancelled, retriesDone: 0))
        XCTAssertNil(noJitter.delay(after: .invalidResponse("garbage"), retriesDone: 0))
    }

    // MARK: - The send loop

    private let request = HTTPRequest(method: "POST", url: URL(fileURLWithPath: "/v1/messages"))

    func test429WithRetryAfterThenSuccessSleepsWhatTheServerAskedOnce() async throws {
        let sleeps = SleepLog()
        let transport = ScriptedTransport([.status(429, Array("{}".utf8), headers: ["retry-after": "1"]),
                                           .events(Array("data: x\n\n".utf8))])
        let reply = try await sleeps.policy().send(request, over: transport)
        guard case .streaming(let response) = reply else { return XCTFail("expected the 200") }
        XCTAssertEqual(response.head.status, 200)
        XCTAssertEqual(transport.requests.count, 2)
        XCTAssertEqual(sleeps.requested, [1])
        let body = try await response.collect()
        XCTAssertEqual(body, Array("data: x\n\n".utf8), "the 2xx body is left unread")
    }

    func testOverloadedThreeTimesIsRefusedWithTheLastBodyAfterTwoBackoffs() async throws {
        let sleeps = SleepLog()
        let body = Array(#"{"error":{"type":"overloaded_error","message":"Overloaded"}}"#.utf8)
        let transport = ScriptedTransport(Array(repeating: .status(529, body), count: 3))
        let reply = try await sleeps.policy().send(request, over: transport)
        guard case .refused(let head, let bytes) = reply else { return XCTFail("expected a refusal") }
        XCTAssertEqual(head.status, 529)
        XCTAssertEqual(bytes, body)
        XCTAssertEqual(transport.requests.count, 3)
        XCTAssertEqual(sleeps.requested, [0.5, 1])
    }

    func testARefusedKeyIsNotRetried() async throws {
        let sleeps = SleepLog()
        let transport = ScriptedTransport([.status(401, Array("{}".utf8))])
        _ = try await sleeps.policy().send(request, over: transport)
        XCTAssertEqual(transport.requests.count, 1)
        XCTAssertEqual(sleeps.requested, [])
    }

    func testAnUnreachableServerFailsAfterThreeQuickAttempts() async {
        let sleeps = SleepLog()
        let transport = ScriptedTransport(Array(repeating: .failure(.cannotConnect("Connection refused")), count: 3))
        do {
            _ = try await sleeps.policy(random: 0).send(request, over: transport)
            XCTFail("expected cannotConnect")
        } catch {
            XCTAssertEqual(error, .cannotConnect("Connection refused"))
        }
        XCTAssertEqual(transport.requests.count, 3)
        XCTAssertEqual(sleeps.requested, [0.1, 0.2])
    }

    func testACancelledWaitEndsTheLoop() async {
        let policy = RetryPolicy(sleep: { _ in throw CancellationError() })
        let transport = ScriptedTransport([.status(503, []), .events([])])
        do {
            _ = try await policy.send(request, over: transport)
            XCTFail("expected cancellation")
        } catch {
            XCTAssertEqual(error, .cancelled)
        }
        XCTAssertEqual(transport.requests.count, 1)
    }

    func testAFailureTheTransportDidNotNameCountsAsALostConnection() async {
        struct Odd: Error {}
        struct Throwing: HTTPTransport {
            func send(_ request: HTTPRequest) async throws -> HTTPResponse { throw Odd() }
        }
        do {
            _ = try await RetryPolicy.never.send(request, over: Throwing())
            XCTFail("expected a failure")
        } catch {
            guard case .connectionLost = error else { return XCTFail("\(error)") }
        }
    }
}
