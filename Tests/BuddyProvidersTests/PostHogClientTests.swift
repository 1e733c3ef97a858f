import BuddyCore
@testable import BuddyProviders
import Foundation
import XCTest

/// The PostHog client against a recording transport: the `/batch/` body beside the recorded
/// fixture, content-free events, the queue bound, never blocking on a dead network, the flush
/// deadline, retry and drop rules, and opt-out.
final class PostHogClientTests: XCTestCase {
    private static let fixtureKey = "phc_mockProjectToken0000000000000000000000000"
    private static let fixtureID = "01920f3c-7b1e-7c3a-9f00-000000000001"
    /// 2026-01-01T00:00:00Z, the fixture's first timestamp.
    private static let newYear = Date(timeIntervalSince1970: 1_767_225_600)

    private func configuration(capacity: Int = 100, batchSize: Int = 20, interval: Double = 3600,
                               timeout: Double = 2, retries: Int = 3, optedOut: Bool = false) -> PostHogConfiguration {
        PostHogConfiguration(apiKey: Self.fixtureKey, distinctID: Self.fixtureID, appVersion: "1.0.0",
                             osName: "Linux", osVersion: "6.8.0", queueCapacity: capacity, batchSize: batchSize,
                             flushInterval: interval, flushTimeout: timeout, maxRetries: retries,
                             retryDelay: 0.001, maxRetryDelay: 0.01, optedOut: optedOut)!
    }

    private func client(_ transport: RecordingTransport, _ configuration: PostHogConfiguration,
                        clock: @escaping @Sendable () -> Date = { Date() }) -> PostHogClient {
        PostHogClient(configuration: configuration, transport: transport, clock: clock)
    }

    /// The events of every request, in order.
    private func sentEvents(_ transport: RecordingTransport) throws -> [[String: JSONValue]] {
        try transport.requests.flatMap { request -> [[String: JSONValue]] in
            guard case .array(let batch)? = try JSONValue.parse(request.body).object?["batch"] else { return [] }
            return batch.compactMap(\.object)
        }
    }

    /// `body` with each event's properties cut down to the keys of the fixture's event at the
    /// same position.
    private static func trimmingProperties(of body: JSONValue, to fixture: JSONValue) -> JSONValue {
        guard case .object(var fields) = body, case .array(let events)? = fields["batch"],
              case .array(let expected)? = fixture.object?["batch"] else { return body }
        fields["batch"] = .array(zip(events, expected).map { event, model in
            guard case .object(var item) = event, let properties = item["properties"]?.object,
                  let wanted = model.object?["properties"]?.object else { return event }
            item["properties"] = .object(properties.filter { wanted[$0.key] != nil })
            return .object(item)
        })
        return .object(fields)
    }

    // MARK: Wire format

    func testBatchBodyHasTheShapeAndValuesOfTheRecordedFixture() async throws {
        let fixture = try JSONValue.parse(Fixture.bytes("posthog-batch.json"))
        let transport = RecordingTransport()
        let sink = client(transport, configuration(), clock: { Self.newYear })
        sink.record(.appOpened(version: "1.0.0"))
        let policy = AnalyticsPolicy(enabled: true, includeConversationContent: true)
        sink.record(try XCTUnwrap(policy.contentEvent("user_message_sent", text: "where is the save button",
                                                      origin: .cloud)))
        await sink.flush()

        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertEqual(transport.requests.count, 1)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, "https://us.i.posthog.com/batch/")
        XCTAssertEqual(request.headers["Content-Type"], "application/json")
        let body = try JSONValue.parse(request.body)
        // Same keys and JSON types at every level; within `properties`, every key the fixture's
        // event has (our extra properties are checked one by one below).
        XCTAssertEqual(Self.trimmingProperties(of: body, to: fixture).shape, fixture.shape)
        XCTAssertEqual(body.object?["api_key"], fixture.object?["api_key"])
        XCTAssertEqual(body.object?["sent_at"], .string("2026-01-01T00:00:00.000Z"))

        guard case .array(let events)? = body.object?["batch"], case .array(let expected)? = fixture.object?["batch"]
        else { return XCTFail("no batch array") }
        XCTAssertEqual(events.map { $0.object?["event"] }, expected.map { $0.object?["event"] })
        for event in events {
            let uuid = try XCTUnwrap(event.object?["uuid"]?.string)
            XCTAssertNotNil(uuid.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/), uuid)
            XCTAssertTrue(uuid.hasPrefix("019b76da-a800"), "v7 uuids start with the event's milliseconds: \(uuid)")
        }
        // The app_opened event is the fixture's, field for field, but for its own uuid and the
        // `$app_version` every event carries.
        var opened = try XCTUnwrap(events.first?.object), openedFixture = try XCTUnwrap(expected.first?.object)
        opened["uuid"] = nil; openedFixture["uuid"] = nil
        XCTAssertEqual(opened["properties"]?.object?["$app_version"], .string("1.0.0"))
        if case .object(var properties)? = opened["properties"] {
            properties["$app_version"] = nil
            opened["properties"] = .object(properties)
        }
        XCTAssertEqual(opened, openedFixture)

        // The content event: every fixture property with its type, plus the text the user allowed.
        let message = try XCTUnwrap(events.last?.object?["properties"]?.object)
        let messageFixture = try XCTUnwrap(expected.last?.object?["properties"]?.object)
        for (key, value) in messageFixture { XCTAssertEqual(message[key]?.shape, value.shape, key) }
        XCTAssertEqual(message["transcript"], .string("where is the save button"))
        XCTAssertEqual(message["character_count"], .number(24))
        XCTAssertEqual(Set(message.keys).subtracting(messageFixture.keys),
                       ["transcript", "$app_version", "$os_name", "$os_version"])
    }

    func testTimestampsAreUTCWithMillisecondsAndUUIDsAreVersion7() {
        XCTAssertEqual(PostHogWire.timestamp(Self.newYear), "2026-01-01T00:00:00.000Z")
        XCTAssertEqual(PostHogWire.timestamp(Self.newYear.addingTimeInterval(5.25)), "2026-01-01T00:00:05.250Z")
        XCTAssertEqual(PostHogWire.timestamp(Self.newYear.addingTimeInterval(59.9999)), "2026-01-01T00:00:59.999Z")
        XCTAssertEqual(PostHogWire.timestamp(Date(timeIntervalSince1970: -0.5)), "1969-12-31T23:59:59.500Z")
        var random = SystemRandomNumberGenerator()
        let ids = (0..<50).map { _ in PostHogWire.uuidV7(at: Self.newYear, using: &random) }
        XCTAssertEqual(Set(ids).count, 50)
        XCTAssertTrue(ids.allSatisfy { $0.hasPrefix("019b76da-a800-7") })
    }

    func testEventsKeepTheOriginalNamesAndCarryOnlyCountsAndKinds() {
        let cases: [(AnalyticsEvent, String, [String: PostHogValue])] = [
            (.appOpened(version: "2.1"), "app_opened", ["app_version": .string("2.1")]),
            (.pushToTalkStarted, "push_to_talk_started", [:]),
            (.pushToTalkReleased, "push_to_talk_released", [:]),
            (.brainSelected("local"), "brain_selected", ["brain": .string("local")]),
            (.answered(brain: "claude", characters: 120, firstTokenSeconds: 0.41234), "ai_response_received",
             ["brain": .string("claude"), "character_count": .int(120), "first_token_seconds": .double(0.412)]),
            (.elementPointed, "element_pointed", [:]),
            (.responseError(kind: "timeout"), "response_error", ["error_kind": .string("timeout")]),
        ]
        for (event, name, properties) in cases {
            XCTAssertEqual(event.name, name)
            XCTAssertEqual(PostHogEvent.properties(of: event), properties, name)
        }
    }

    func testContentFreeEventsSendNoTextAndContentNeedsThePolicy() async throws {
        let transcript = String(repeating: "my bank password is hunter2 ", count: 40)
        let transport = RecordingTransport()
        let sink = client(transport, configuration())
        let contentOff = AnalyticsPolicy(enabled: true, includeConversationContent: false)
        let contentOn = AnalyticsPolicy(enabled: true, includeConversationContent: true)
        XCTAssertNil(contentOff.contentEvent("user_message_sent", text: transcript, origin: .cloud))
        XCTAssertNil(contentOn.contentEvent("user_message_sent", text: transcript, origin: .local),
                     "a local turn's words never become an event")
        sink.record(.answered(brain: "local", characters: transcript.count, firstTokenSeconds: 0.2))
        sink.record(.responseError(kind: "offline"))
        sink.record(.elementPointed)
        await sink.flush()

        let body = try XCTUnwrap(transport.requests.first?.body)
        XCTAssertNil(String(decoding: body, as: UTF8.self).range(of: "hunter2"))
        for event in try sentEvents(transport) {
            let keys = Set(event["properties"]?.object?.keys ?? [:].keys)
            XCTAssertTrue(keys.isDisjoint(with: ["transcript", "response", "text", "element_label"]), "\(keys)")
        }
        XCTAssertEqual(try sentEvents(transport).first?["properties"]?.object?["character_count"],
                       .number(Double(transcript.count)))

        let answer = try XCTUnwrap(contentOn.contentEvent("ai_response_received", text: "Click File.", origin: .cloud))
        sink.record(answer)
        await sink.flush()
        let properties = try XCTUnwrap(try sentEvents(transport).last?["properties"]?.object)
        XCTAssertEqual(properties["response"], .string("Click File."))
        XCTAssertEqual(properties["character_count"], .number(11))
    }

    // MARK: Queue and timing

    func testAFullQueueDropsTheOldestAndCountsThem() async throws {
        let transport = RecordingTransport()
        let sink = client(transport, configuration(capacity: 5, batchSize: 50))
        for index in 0..<8 { sink.record(.brainSelected("brain \(index)")) }
        XCTAssertEqual(sink.queuedCount, 5)
        XCTAssertEqual(sink.statistics.droppedForCapacity, 3)
        await sink.flush()
        let brains = try sentEvents(transport).map { $0["properties"]?.object?["brain"]?.string }
        XCTAssertEqual(brains, (3..<8).map { "brain \($0)" })
        XCTAssertEqual(sink.statistics.sent, 5)
    }

    func testRecordingNeverWaitsWhileTheTransportHangs() async throws {
        let transport = RecordingTransport(otherwise: .hang)
        let sink = client(transport, configuration(timeout: 0.3))
        let start = ContinuousClock.now
        for index in 0..<1000 { sink.record(.answered(brain: "local", characters: index, firstTokenSeconds: 0.1)) }
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(500))
        XCTAssertLessThanOrEqual(sink.queuedCount, 100)
        XCTAssertGreaterThan(sink.statistics.droppedForCapacity, 0, "the stuck sender cannot drain the queue")

        let flushStart = ContinuousClock.now
        await sink.flush()
        let waited = ContinuousClock.now - flushStart
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(250))
        XCTAssertLessThan(waited, .milliseconds(1500), "flush returns at its deadline, not when the network does")
    }

    func testFlushSendsEverythingInBatchesOfTheConfiguredSize() async throws {
        let transport = RecordingTransport()
        let sink = client(transport, configuration(batchSize: 20))
        for _ in 0..<45 { sink.record(.pushToTalkStarted) }
        await sink.flush()
        XCTAssertEqual(sink.queuedCount, 0)
        let sizes = try transport.requests.map { request -> Int in
            guard case .array(let batch)? = try JSONValue.parse(request.body).object?["batch"] else { return 0 }
            return batch.count
        }
        XCTAssertEqual(sizes.reduce(0, +), 45)
        XCTAssertTrue(sizes.allSatisfy { $0 <= 20 }, "\(sizes)")
        XCTAssertEqual(Set(try sentEvents(transport).compactMap { $0["uuid"]?.string }).count, 45)
        XCTAssertEqual(sink.statistics.sent, 45)
    }

    func testTheTimerSendsWithoutAFlush() async throws {
        let transport = RecordingTransport()
        let sink = client(transport, configuration(interval: 0.05))
        sink.record(.pushToTalkReleased)
        let deadline = ContinuousClock.now + .seconds(5)
        while transport.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(try sentEvents(transport).first?["event"], .string("push_to_talk_released"))
    }
}

/// Retries, refusals, opt-out and the no-key rule.
extension PostHogClientTests {
    func testA400IsDroppedWithoutRetryAndTheClientCarriesOn() async throws {
        let refusal = try Fixture.bytes("posthog-error-400.json")
        let transport = RecordingTransport([.status(400, body: refusal)])
        let sink = client(transport, configuration())
        sink.record(.appOpened(version: "1.0.0"))
        await sink.flush()
        XCTAssertEqual(transport.requests.count, 1)
        XCTAssertEqual(sink.statistics.rejected, 1)
        XCTAssertEqual(sink.statistics.sent, 0)
        XCTAssertEqual(sink.statistics.lastError,
                       "HTTP 400: Project API key invalid. You can find your project API key in PostHog project settings.")

        sink.record(.pushToTalkStarted)
        await sink.flush()
        XCTAssertEqual(transport.requests.count, 2, "the refused batch is gone; later ones still go")
        XCTAssertEqual(try sentEvents(transport).map { $0["event"]?.string }, ["app_opened", "push_to_talk_started"])
    }

    func testServerErrorsThrottlingAndLostConnectionsAreRetriedThenDelivered() async throws {
        let transport = RecordingTransport([
            .status(500), .failure(.cannotConnect("connection refused")),
            .status(429, headers: ["Retry-After": "0"]),
        ])
        let sink = client(transport, configuration(retries: 3))
        sink.record(.elementPointed)
        await sink.flush()
        XCTAssertEqual(transport.requests.count, 4)
        XCTAssertEqual(sink.statistics.sent, 1)
        XCTAssertEqual(sink.statistics.requests, 4)
        let uuids = try sentEvents(transport).map { $0["uuid"]?.string }
        XCTAssertEqual(Set(uuids).count, 1, "a retry resends the same event, so the server can drop a duplicate")
    }

    func testRetriesStopAtTheLimitAndTheBatchIsCountedAsFailed() async throws {
        let transport = RecordingTransport(otherwise: .status(503))
        let sink = client(transport, configuration(retries: 2))
        sink.record(.pushToTalkStarted)
        await sink.flush()
        XCTAssertEqual(transport.requests.count, 3)
        XCTAssertEqual(sink.statistics.failed, 1)
        XCTAssertEqual(sink.statistics.lastError, "HTTP 503")
    }

    func testRetryWaitsDoubleAndAreCapped() throws {
        let config = try XCTUnwrap(PostHogConfiguration(apiKey: "phc_x", distinctID: "id", appVersion: "1",
                                                        retryDelay: 1, maxRetryDelay: 30))
        XCTAssertEqual((1...6).map { postHogRetryDelay(attempt: $0, retryAfter: nil, configuration: config) },
                       [1, 2, 4, 8, 16, 30])
        XCTAssertEqual(postHogRetryDelay(attempt: 1, retryAfter: 7, configuration: config), 7)
        XCTAssertEqual(postHogRetryDelay(attempt: 1, retryAfter: 3600, configuration: config), 30)
    }

    func testOptingOutSendsNothingAndOptingInResumes() async throws {
        let transport = RecordingTransport()
        let sink = client(transport, configuration(optedOut: true))
        sink.record(.appOpened(version: "1.0.0"))
        await sink.flush()
        XCTAssertTrue(transport.requests.isEmpty, "opted out from launch")

        sink.setOptedOut(false)
        sink.record(.pushToTalkStarted)
        sink.setOptedOut(true)
        XCTAssertEqual(sink.queuedCount, 0, "opting out empties the queue")
        sink.record(.pushToTalkReleased)
        await sink.flush()
        XCTAssertTrue(transport.requests.isEmpty)

        sink.setOptedOut(false)
        sink.record(.elementPointed)
        await sink.flush()
        XCTAssertEqual(try sentEvents(transport).map { $0["event"]?.string }, ["element_pointed"])
    }

    func testNoKeyMeansNoClient() {
        XCTAssertNil(PostHogConfiguration(apiKey: nil, distinctID: "id", appVersion: "1"))
        XCTAssertNil(PostHogConfiguration(apiKey: " \n", distinctID: "id", appVersion: "1"))
        XCTAssertTrue(PostHogClient.sink(nil, transport: RecordingTransport()) is NoAnalytics)
        let configured = PostHogConfiguration(apiKey: "phc_x", distinctID: "id", appVersion: "1")
        XCTAssertTrue(PostHogClient.sink(configured, transport: RecordingTransport()) is PostHogClient)
    }

    func testTheBatchPathIsAppendedToAnyHost() throws {
        let hosts = ["https://eu.i.posthog.com": "https://eu.i.posthog.com/batch/",
                     "https://eu.i.posthog.com/": "https://eu.i.posthog.com/batch/",
                     "http://127.0.0.1:8000/ph": "http://127.0.0.1:8000/ph/batch/"]
        for (host, expected) in hosts {
            let config = PostHogConfiguration(apiKey: "phc_x", host: try XCTUnwrap(URL(string: host)),
                                              distinctID: "id", appVersion: "1")
            XCTAssertEqual(config?.batchURL.absoluteString, expected)
        }
    }

    /// End to end: the batch goes through `URLSessionTransport` over a real socket to the
    /// loopback server, which first answers 503 (retried) and then 200.
    func testABatchCrossesARealSocketThroughURLSessionTransport() async throws {
        let server = try LoopbackServer(replies: [
            .text(#"{"detail":"busy"}"#, status: 503, contentType: "application/json"),
            .text(#"{"status":1}"#, contentType: "application/json"),
        ])
        let config = try XCTUnwrap(PostHogConfiguration(apiKey: Self.fixtureKey, host: server.baseURL,
                                                        distinctID: Self.fixtureID, appVersion: "1.0.0",
                                                        retryDelay: 0.001, requestTimeout: 5))
        let sink = PostHogClient(configuration: config, transport: URLSessionTransport(), clock: { Self.newYear })
        sink.record(.appOpened(version: "1.0.0"))
        sink.record(.answered(brain: "local", characters: 42, firstTokenSeconds: 0.25))
        await sink.flush(timeout: 10)

        XCTAssertEqual(server.requests.count, 2)
        XCTAssertEqual(sink.statistics.sent, 2)
        let received = try XCTUnwrap(server.requests.last)
        XCTAssertEqual(received.method, "POST")
        XCTAssertEqual(received.target, "/batch/")
        XCTAssertEqual(received.header("content-type"), "application/json")
        let body = try JSONValue.parse(received.body)
        XCTAssertEqual(body.object?["api_key"], .string(Self.fixtureKey))
        XCTAssertEqual(body.object?["sent_at"], .string("2026-01-01T00:00:00.000Z"))
        guard case .array(let events)? = body.object?["batch"] else { return XCTFail("no batch array") }
        XCTAssertEqual(events.map { $0.object?["event"] }, [.string("app_opened"), .string("ai_response_received")])
        XCTAssertEqual(events.map { $0.object?["distinct_id"] }, Array(repeating: .string(Self.fixtureID), count: 2))
        let answered = try XCTUnwrap(events.last?.object?["properties"]?.object)
        XCTAssertEqual(answered["character_count"], .number(42))
        XCTAssertEqual(answered["first_token_seconds"], .number(0.25))
        XCTAssertEqual(answered["$lib"], .string("clicky-swift"))
        XCTAssertEqual(try JSONValue.parse(server.requests[0].body), body, "the retry resends the same batch")
    }
}
