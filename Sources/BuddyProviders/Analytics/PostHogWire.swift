import BuddyCore
import Foundation

/// One property value as PostHog stores it. Only scalars: nothing an event carries needs more,
/// and a closed set keeps every body encodable.
public enum PostHogValue: Sendable, Equatable, Encodable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        // JSON has no NaN or infinity; a broken timer must not make the whole batch unsendable.
        case .double(let value): value.isFinite ? try container.encode(value) : try container.encodeNil()
        case .bool(let value): try container.encode(value)
        }
    }
}

/// An event as queued: its name and own properties, plus the time and id fixed when it was
/// recorded (so a retried batch is the same batch and PostHog can drop duplicates by `uuid`).
public struct PostHogEvent: Sendable, Equatable {
    public var name: String
    public var properties: [String: PostHogValue]
    public var timestamp: Date
    public var uuid: String

    public init(name: String, properties: [String: PostHogValue], timestamp: Date, uuid: String) {
        self.name = name
        self.properties = properties
        self.timestamp = timestamp
        self.uuid = uuid
    }

    /// The properties of a content-free event. None of the cases carries text, so none of
    /// these can; the names are the original app's where it had one.
    public static func properties(of event: AnalyticsEvent) -> [String: PostHogValue] {
        switch event {
        case .appOpened(let version):
            return ["app_version": .string(version)]
        case .pushToTalkStarted, .pushToTalkReleased, .elementPointed:
            return [:]
        case .brainSelected(let brain):
            return ["brain": .string(brain)]
        case .answered(let brain, let characters, let firstTokenSeconds):
            return ["brain": .string(brain), "character_count": .int(characters),
                    "first_token_seconds": .double((firstTokenSeconds * 1000).rounded() / 1000)]
        case .responseError(let kind):
            return ["error_kind": .string(kind)]
        }
    }

    /// The properties of a content event: the text under the original's name for it
    /// (`transcript` for the question, `response` for the answer) and its length.
    public static func properties(of event: ContentEvent) -> [String: PostHogValue] {
        let key = switch event.name {
        case "user_message_sent": "transcript"
        case "ai_response_received": "response"
        default: "text"
        }
        return [key: .string(event.text), "character_count": .int(event.text.count)]
    }
}

/// The `/batch/` request body: `{"api_key", "batch": [{"event", "distinct_id", "properties",
/// "timestamp", "uuid"}], "sent_at"}` as in `shared/fixtures/protocols/posthog-batch.json`.
/// `distinct_id` sits on each event, not in its properties, as the SDKs send it.
public enum PostHogWire {
    /// `$lib` / `$lib_version`: this client, not the app (PostHog groups SDK issues by them).
    public static let library = "clicky-swift"
    public static let libraryVersion = "0.1.0"

    private struct Body: Encodable {
        var api_key: String
        var batch: [Item]
        var sent_at: String
    }

    private struct Item: Encodable {
        var event: String
        var distinct_id: String
        var properties: [String: PostHogValue]
        var timestamp: String
        var uuid: String
    }

    /// The JSON body for `events`, stamped `sentAt`. Keys are sorted, so equal input gives
    /// equal bytes.
    public static func body(for events: [PostHogEvent], configuration: PostHogConfiguration,
                            sentAt: Date) throws(PostHogEncodingError) -> [UInt8] {
        let items = events.map { event in
            Item(event: event.name, distinct_id: configuration.distinctID,
                 properties: event.properties.merging(commonProperties(configuration)) { own, _ in own },
                 timestamp: timestamp(event.timestamp), uuid: event.uuid)
        }
        let body = Body(api_key: configuration.apiKey, batch: items, sent_at: timestamp(sentAt))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(body))
        } catch {
            throw PostHogEncodingError(detail: String(describing: error))
        }
    }

    /// What every event carries besides its own properties. `$process_person_profile: false`
    /// makes the events personless: PostHog keeps no profile for the anonymous id.
    static func commonProperties(_ configuration: PostHogConfiguration) -> [String: PostHogValue] {
        var common: [String: PostHogValue] = [
            "$lib": .string(library), "$lib_version": .string(libraryVersion),
            "$app_version": .string(configuration.appVersion), "$process_person_profile": .bool(false),
        ]
        if let name = configuration.osName { common["$os_name"] = .string(name) }
        if let version = configuration.osVersion { common["$os_version"] = .string(version) }
        return common
    }

    /// ISO-8601 in UTC with milliseconds, `2026-01-01T00:00:05.250Z`, as the SDKs send it.
    public static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = millis.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, milli) = seconds.remainder < 0
            ? (seconds.quotient - 1, seconds.remainder + 1000) : (seconds.quotient, seconds.remainder)
        let style = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .gmt)
        let base = style.format(Date(timeIntervalSince1970: Double(wholeSeconds)))   // …:SSZ
        let fraction = String(milli + 1000).dropFirst()                              // "250"
        return base.dropLast() + "." + fraction + "Z"
    }

    /// A version-7 UUID (milliseconds since 1970 in the top 48 bits, then random bits), the
    /// kind posthog-ios makes: events sort by time on the server even before parsing.
    public static func uuidV7(at date: Date,
                              using generator: inout some RandomNumberGenerator) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)   // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)   // RFC 9562 variant
        let hex = bytes.map { String(($0 >> 4) & 0xF, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
        let cuts = [8, 12, 16, 20]
        var text = ""
        for (offset, character) in hex.enumerated() {
            if cuts.contains(offset) { text.append("-") }
            text.append(character)
        }
        return text
    }
}

/// A batch could not be turned into JSON (it never should; counted, never thrown to the app).
public struct PostHogEncodingError: Error, Sendable, Equatable {
    public var detail: String
}
