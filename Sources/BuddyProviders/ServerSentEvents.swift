/// One server-sent event: its `event:` name (nil when the server sent none) and its `data:`
/// lines joined with "\n".
public struct ServerSentEvent: Sendable, Equatable {
    public var name: String?
    public var data: String

    public init(name: String?, data: String) {
        self.name = name
        self.data = data
    }
}

/// A server-sent-events decoder that is a pure function of the bytes fed to it, however they
/// are cut: it buffers bytes up to a blank line (`\n\n`, `\r\r` or `\r\n\r\n`, as the Anthropic
/// SDK does) and only then decodes UTF-8, so a character split across network chunks is never
/// mangled. Comment lines (`:`…), `id:` and `retry:` are tolerated and ignored; an event without
/// data is not dispatched; one space after a field's colon is dropped.
public struct ServerSentEventDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var scanned = 0   // bytes of `buffer` already known to hold no separator

    public init() {}

    /// The events completed by `bytes`.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        while let (end, next) = nextSeparator() {
            if let event = Self.event(from: buffer[..<end]) { events.append(event) }
            buffer.removeFirst(next)
            scanned = 0
        }
        return events
    }

    /// The last event when the stream ends without a blank line after it.
    public mutating func finish() -> [ServerSentEvent] {
        defer { buffer.removeAll(); scanned = 0 }
        return Self.event(from: buffer[...]).map { [$0] } ?? []
    }

    /// (end of the block, start of the next) for the first blank line in the buffer.
    private mutating func nextSeparator() -> (Int, Int)? {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var i = max(0, scanned - 3)
        while i + 1 < buffer.count {
            let a = buffer[i], b = buffer[i + 1]
            if a == lf && b == lf { return (i, i + 2) }
            if a == cr && b == lf {
                guard i + 3 < buffer.count else { break }   // wait: "\r\n" may start "\r\n\r\n"
                if buffer[i + 2] == cr && buffer[i + 3] == lf { return (i, i + 4) }
            } else if a == cr && b == cr {
                return (i, i + 2)
            }
            i += 1
        }
        scanned = buffer.count
        return nil
    }

    /// Parses one block of lines into an event; nil for a block with no data.
    private static func event(from block: ArraySlice<UInt8>) -> ServerSentEvent? {
        let text = String(decoding: block, as: UTF8.self)
        var name: String?
        var data: [Substring] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            if line.hasPrefix(":") { continue }   // comment
            let field: Substring, value: Substring
            if let colon = line.firstIndex(of: ":") {
                field = line[..<colon]
                var rest = line[line.index(after: colon)...]
                if rest.hasPrefix(" ") { rest = rest.dropFirst() }
                value = rest
            } else {
                field = line
                value = ""
            }
            switch field {
            case "event": name = String(value)
            case "data": data.append(value)
            default: continue   // id, retry, and fields this client has no use for
            }
        }
        guard !data.isEmpty else { return nil }
        return ServerSentEvent(name: name, data: data.joined(separator: "\n"))
    }
}
