import Foundation

/// What the Hub says about one file before any of its bytes are fetched (`protocols.md` §4.2).
struct HubFileMetadata: Sendable, Equatable {
    /// The commit the revision resolved to (`X-Repo-Commit`).
    var commit: String
    /// The blob's name in the cache: `X-Linked-Etag` (the sha256 of an LFS file) else `ETag`
    /// (the git blob sha1 of a small file), without `W/` and quotes.
    var etag: String
    /// `X-Linked-Size`, else the `Content-Length` of a final 200; nil when the Hub did not say.
    var size: Int64?
    /// Where the bytes are: the CDN's absolute `Location`, else the URL the HEAD ended at.
    var location: URL

    /// An LFS file's ETag is the sha256 of its bytes, which the download is checked against.
    var isSHA256: Bool { HubMetadataReader.isSHA256(etag) }
}

/// Reads a file's metadata the way `huggingface_hub` does: a HEAD that follows relative
/// redirects itself (a renamed repository, `/api/resolve-cache/…`) but stops at an absolute one,
/// because the `X-Linked-*` headers are on that 3xx and would be lost by following it to the CDN.
struct HubMetadataReader: Sendable {
    var settings: HubSettings
    var transport: any HTTPTransport
    /// `HF_HUB_ETAG_TIMEOUT`'s default.
    var timeout: Double = 10
    /// More relative hops than this is a loop, not the Hub.
    static let maximumRedirects = 10

    /// The answer to a lookup: the file's metadata, or the Hub's word that the repository has
    /// no such file (`EntryNotFound`, with the commit it looked at when it said so).
    enum Lookup: Sendable, Equatable {
        case found(HubFileMetadata)
        case missing(commit: String?, HubError)
    }

    /// Asks the Hub about `file`; every other refusal or failure is thrown.
    func lookUp(_ file: HubFile) async throws(HubError) -> Lookup {
        var url = try Self.resolveURL(endpoint: settings.endpoint, file: file)
        for _ in 0...Self.maximumRedirects {
            var headers = ["Accept-Encoding": "identity"]
            if let token = settings.token { headers["Authorization"] = "Bearer \(token.reveal())" }
            let request = HTTPRequest(method: "HEAD", url: url, headers: headers, followRedirects: false, timeout: timeout)
            let head: HTTPResponseHead
            do {
                head = try await transport.send(request).head
            } catch {
                throw HubFailures.transportFailure(error, reaching: url)
            }
            if (300..<400).contains(head.status), let location = head.header("Location") {
                guard let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                    throw .invalidResponse("HTTP \(head.status) to an unusable Location: \(location)")
                }
                if Self.isRelative(location) {
                    url = next
                    continue
                }
                return .found(try Self.parse(head, location: next, isRedirect: true))
            }
            guard (200..<300).contains(head.status) else {
                let error = HubFailures.classify(head, file: file, settings: settings)
                if head.status == 404, head.header("X-Error-Code") == "EntryNotFound" {
                    return .missing(commit: head.header("X-Repo-Commit")?.trimmingCharacters(in: .whitespaces), error)
                }
                throw error
            }
            return .found(try Self.parse(head, location: url, isRedirect: false))
        }
        throw .invalidResponse("more than \(Self.maximumRedirects) redirects for \(file)")
    }

    /// The metadata in a final answer. On a 3xx the `Content-Length` is the redirect page's, so
    /// only `X-Linked-Size` counts there.
    static func parse(_ head: HTTPResponseHead, location: URL, isRedirect: Bool) throws(HubError) -> HubFileMetadata {
        guard let commit = head.header("X-Repo-Commit")?.trimmingCharacters(in: .whitespaces), !commit.isEmpty else {
            throw .invalidResponse("no X-Repo-Commit header: \(location.host ?? "the server") is not a Hugging Face Hub")
        }
        guard let etag = normalizedETag(head.header("X-Linked-Etag") ?? head.header("ETag")), isSafeName(etag) else {
            throw .invalidResponse("no usable ETag for the file, so it cannot be cached")
        }
        let sizeText = head.header("X-Linked-Size") ?? (isRedirect ? nil : head.header("Content-Length"))
        let size = sizeText.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 >= 0 ? $0 : nil }
        return HubFileMetadata(commit: commit, etag: etag, size: size, location: location)
    }

    /// `W/"abc"` → `abc`: the weak marker and the quotes are HTTP framing, not the hash.
    static func normalizedETag(_ raw: String?) -> String? {
        guard var text = raw?.trimmingCharacters(in: .whitespaces) else { return nil }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return text.isEmpty ? nil : text
    }

    /// The ETag becomes a file name in `blobs/`; only hash-like names are accepted.
    static func isSafeName(_ etag: String) -> Bool {
        etag.utf8.count <= 128 && etag.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
        }
    }

    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A Location without scheme and host (`/api/resolve-cache/…`): still the Hub.
    static func isRelative(_ location: String) -> Bool {
        guard let parsed = URL(string: location) else { return !location.contains("://") }
        return parsed.scheme == nil && parsed.host == nil
    }

    /// `{endpoint}/{repo}/resolve/{revision}/{path}`. The revision is one path segment, so its
    /// `/` is encoded (`refs%2Fpr%2F1`); the path keeps its folders.
    static func resolveURL(endpoint: URL, file: HubFile) throws(HubError) -> URL {
        guard HubCache.isSafe(file) else { throw .fileNotFound("\(file) is not a valid repository file name") }
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let repository = file.repository.split(separator: "/").map { encode(String($0)) }.joined(separator: "/")
        let path = file.path.split(separator: "/").map { encode(String($0)) }.joined(separator: "/")
        guard let url = URL(string: "\(base)/\(repository)/resolve/\(encode(file.revision))/\(path)") else {
            throw .invalidResponse("cannot build a download address from HF_ENDPOINT \(base)")
        }
        return url
    }

    /// Percent-encodes everything but ASCII letters, digits and `-._~` (so `/` too).
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// How the Hub's refusals and the network's failures become `HubError`s. The Hub says what went
/// wrong in `X-Error-Code` (`protocols.md` §4.3); the status alone is ambiguous, since a private
/// repository and a missing one both answer 401 so as not to reveal which it is.
enum HubFailures {
    /// The error for a non-2xx answer to the metadata HEAD or to the download GET.
    static func classify(_ head: HTTPResponseHead, file: HubFile, settings: HubSettings) -> HubError {
        let code = head.header("X-Error-Code")?.trimmingCharacters(in: .whitespaces)
        let message = head.header("X-Error-Message").map { ": \($0)" } ?? ""
        let status = head.status
        switch code {
        case "GatedRepo":
            return .gated(repository: file.repository, page: file.pageURL(endpoint: settings.endpoint).absoluteString,
                          hasToken: settings.token != nil)
        case "RepoNotFound":
            return .repositoryNotFound(repositoryMissing(file, settings: settings))
        case "RevisionNotFound":
            return .repositoryNotFound("\(file.repository) has no revision \"\(file.revision)\"")
        case "EntryNotFound":
            return .fileNotFound("\(file.repository) has no file \(file.path) at \(file.revision)")
        default:
            break
        }
        switch status {
        case 401, 403:
            // What the Python client concludes too: without an error code, a refusal on a
            // repository URL means the repository is missing or private.
            return .repositoryNotFound(repositoryMissing(file, settings: settings) + " (HTTP \(status)\(message))")
        case 404:
            return .fileNotFound("\(file) (HTTP 404\(message))")
        case 416:
            return .invalidResponse("the server refused the byte range asked for \(file) (HTTP 416)")
        case 429:
            return .interrupted("the Hub is limiting requests (HTTP 429); wait a minute")
        case 500...599:
            return .interrupted("the server answered HTTP \(status)\(message)")
        default:
            return .invalidResponse("HTTP \(status) for \(file)\(message)")
        }
    }

    private static func repositoryMissing(_ file: HubFile, settings: HubSettings) -> String {
        let hint = settings.token == nil
            ? "; if it is private, set HF_TOKEN to a token with access"
            : "; if it is private, the token in use has no access to it"
        return "\(file.repository) does not exist on \(settings.endpoint.host ?? settings.endpoint.absoluteString)\(hint)"
    }

    /// A failure below HTTP while asking for metadata or bytes. Nothing reachable is `.offline`
    /// (so the CLI exits 4 with the offline nudge); a transfer that broke is `.interrupted`,
    /// and so is a cancelled task: Ctrl-C leaves the partial file for the next pull to resume.
    static func transportFailure(_ error: any Error, reaching url: URL) -> HubError {
        let host = url.host ?? url.absoluteString
        if error is CancellationError { return .interrupted("cancelled") }
        guard let failure = error as? HTTPTransportError else {
            return .interrupted("\(error)")
        }
        switch failure {
        case .cannotConnect(let detail): return .offline("cannot reach \(host) (\(detail))")
        case .timedOut: return .offline("\(host) did not answer in time")
        case .connectionLost(let detail): return .interrupted("the connection to \(host) was lost (\(detail))")
        case .cancelled: return .interrupted("cancelled")
        case .invalidResponse(let detail): return .invalidResponse("\(host): \(detail)")
        }
    }

    /// A body that stopped early: a timeout mid-body is an interruption, not "offline", because
    /// bytes did arrive and the pull can resume where they end.
    static func bodyFailure(_ error: any Error, from url: URL) -> HubError {
        if case .timedOut? = error as? HTTPTransportError {
            return .interrupted("\(url.host ?? "the server") stopped sending")
        }
        return transportFailure(error, reaching: url)
    }
}
