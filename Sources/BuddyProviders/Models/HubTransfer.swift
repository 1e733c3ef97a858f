import Foundation

/// The bytes of one file fetched into `blobs/<etag>.incomplete`, resuming what an earlier pull
/// left there (`protocols.md` §4.3). The partial file is always a prefix of the real file: it is
/// only ever appended to in order, or emptied when the server starts over.
struct HubTransfer: Sendable {
    var transport: any HTTPTransport
    /// Seconds of silence allowed (`HF_HUB_DOWNLOAD_TIMEOUT`'s default).
    var timeout: Double = 10
    /// Bytes gathered before each write: few, large writes, and at most this much lost on a crash.
    var writeChunk = 4 << 20
    /// Progress is reported after this many bytes or this long, whichever comes first, and once
    /// at the start and at the end.
    var progressBytes: Int64 = 1 << 20
    var progressInterval: Duration = .milliseconds(100)

    struct Outcome: Sendable, Equatable {
        /// The partial file's final size.
        var bytes: Int64
        /// The hex sha256 of all of it, when asked for.
        var sha256: String?
    }

    /// Fetches `url` (where the metadata HEAD said `file`'s bytes are) into `partial` until the
    /// body ends. With `size` known the file ends at exactly that size or the call fails: fewer
    /// bytes is `.interrupted` with the partial kept to resume, more is `.invalidResponse` with
    /// it emptied. The token goes only to the endpoint's own origin: a signed CDN address needs
    /// none, and it must not leak there.
    func fetch(_ file: HubFile, from url: URL, settings: HubSettings, into partial: String, size: Int64?,
               hashing: Bool, progress: @escaping @Sendable (DownloadProgress) -> Void) async throws(HubError) -> Outcome {
        var output = try HubPartialFile(path: partial)
        if let size, output.size > size { try output.truncate() }
        var hasher: SHA256? = hashing ? try output.hashContents() : nil
        if let size, output.size == size {
            // An earlier pull got every byte but stopped before installing them.
            progress(DownloadProgress(received: size, total: size, resumedFrom: size))
            return Outcome(bytes: size, sha256: hasher?.hexDigest())
        }

        var answer: HTTPResponse? = nil
        for attempt in 0..<2 {
            var headers = ["Accept-Encoding": "identity"]
            if output.size > 0 { headers["Range"] = "bytes=\(output.size)-" }
            if let token = settings.token, Self.sameOrigin(url, settings.endpoint) {
                headers["Authorization"] = "Bearer \(token.reveal())"
            }
            let response: HTTPResponse
            do {
                response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers, timeout: timeout))
            } catch {
                throw HubFailures.transportFailure(error, reaching: url)
            }
            switch response.head.status {
            case 416 where output.size > 0 && attempt == 0:
                // The server will not serve from where the partial file ends: start again.
                try output.truncate()
                if hashing { hasher = SHA256() }
                continue
            case 200:
                if output.size > 0 {
                    // A server that ignores Range sends the whole file: what we had is dropped.
                    try output.truncate()
                    if hashing { hasher = SHA256() }
                }
            case 206 where output.size > 0:
                try Self.checkContentRange(response.head.header("Content-Range"), start: output.size, size: size)
            default:
                throw HubFailures.classify(response.head, file: file, settings: settings)
            }
            answer = response
            break
        }
        guard let response = answer else { throw .invalidResponse("the server kept refusing the byte range of \(file)") }

        let resumedFrom = output.size
        var buffer: [UInt8] = []
        buffer.reserveCapacity(writeChunk)
        var reported = (bytes: resumedFrom, time: ContinuousClock.now)
        var overflowed = false
        progress(DownloadProgress(received: resumedFrom, total: size, resumedFrom: resumedFrom))

        do {
            for try await piece in response.body {
                if let size, output.size + Int64(buffer.count + piece.count) > size {
                    overflowed = true
                    break
                }
                buffer += piece
                if buffer.count >= writeChunk { try Self.flush(&buffer, to: &output, hasher: &hasher) }
                let received = output.size + Int64(buffer.count)
                let now = ContinuousClock.now
                if received - reported.bytes >= progressBytes || now - reported.time >= progressInterval {
                    reported = (received, now)
                    progress(DownloadProgress(received: received, total: size, resumedFrom: resumedFrom))
                }
            }
        } catch let failure as HubError {
            throw failure   // the disk refused a write: what is on it stays for the next pull
        } catch {
            try Self.flush(&buffer, to: &output, hasher: &hasher)
            try output.sync()
            throw HubFailures.bodyFailure(error, from: url)
        }
        if overflowed {
            // Not the file the Hub described, so not a prefix worth resuming from.
            try output.truncate()
            throw .invalidResponse("the server sent more than the \(size ?? 0) bytes the Hub announced for \(file)")
        }
        try Self.flush(&buffer, to: &output, hasher: &hasher)
        try output.sync()
        // A cancelled consumer sees the body simply end: that is Ctrl-C, not a short file.
        if Task.isCancelled { throw .interrupted("cancelled") }
        if let size, output.size < size {
            throw .interrupted("the connection closed after \(output.size) of \(size) bytes")
        }
        progress(DownloadProgress(received: output.size, total: size ?? output.size, resumedFrom: resumedFrom))
        return Outcome(bytes: output.size, sha256: hasher?.hexDigest())
    }

    /// Writes what is buffered, and hashes exactly what was written.
    private static func flush(_ buffer: inout [UInt8], to output: inout HubPartialFile,
                              hasher: inout SHA256?) throws(HubError) {
        guard !buffer.isEmpty else { return }
        try output.append(buffer)
        buffer.withUnsafeBytes { hasher?.update($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// A 206 must continue exactly where the partial file ends (`bytes <start>-<last>/<size>`),
    /// or its bytes would be appended in the wrong place.
    static func checkContentRange(_ header: String?, start: Int64, size: Int64?) throws(HubError) {
        guard let header, header.hasPrefix("bytes ") else {
            throw .invalidResponse("a partial answer (206) without a Content-Range")
        }
        let parts = header.dropFirst("bytes ".count).split(separator: "/")
        let range = parts.first?.split(separator: "-") ?? []
        guard parts.count == 2, range.count == 2, let first = Int64(range[0]), let last = Int64(range[1]), last >= first else {
            throw .invalidResponse("an unreadable Content-Range: \(header)")
        }
        guard first == start else {
            throw .invalidResponse("the server resumed at byte \(first), not at \(start) where the partial file ends")
        }
        if let size, parts[1] != "*", Int64(parts[1]) != size {
            throw .invalidResponse("the server's file has \(parts[1]) bytes, the Hub announced \(size)")
        }
    }

    /// Same scheme, host and port: a redirect within the Hub keeps the token, a CDN does not get it.
    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : url.scheme?.lowercased() == "http" ? 80 : nil) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased()
            && port(a) == port(b)
    }
}
