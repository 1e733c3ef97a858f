import Foundation

/// One file in a Hugging Face repository at a revision (`org/name`, `main`, `model.gguf`).
public struct HubFile: Sendable, Equatable, CustomStringConvertible {
    public var repository: String
    public var revision: String
    /// The path inside the repository.
    public var path: String

    public init(repository: String, revision: String = "main", path: String) {
        self.repository = repository
        self.revision = revision
        self.path = path
    }

    public var description: String { "\(repository)/\(path)" + (revision == "main" ? "" : "@\(revision)") }

    /// The page where a gated model's licence is accepted.
    public func pageURL(endpoint: URL) -> URL { endpoint.appendingPathComponent(repository) }
}

/// Where and how the Hub is reached, as `huggingface_hub` reads it from the environment
/// (`protocols.md` §4.1): `HF_ENDPOINT`, `HF_TOKEN` (else `$HF_HOME/token`), `HF_HUB_OFFLINE`
/// (or `TRANSFORMERS_OFFLINE`), `HF_HUB_CACHE` (else `$HF_HOME/hub`, else
/// `~/.cache/huggingface/hub`). The token is never printed.
public struct HubSettings: Sendable, Equatable {
    public var endpoint: URL
    public var token: Secret?
    /// True: no network at all; files come from the cache or the pull fails.
    public var offline: Bool
    /// The cache root holding `models--org--name/` folders.
    public var cacheDirectory: String

    public init(endpoint: URL, token: Secret?, offline: Bool, cacheDirectory: String) {
        self.endpoint = endpoint
        self.token = token
        self.offline = offline
        self.cacheDirectory = cacheDirectory
    }
}

/// How far a download is. `received` counts the bytes on disk (resumed ones included).
public struct DownloadProgress: Sendable, Equatable {
    public var received: Int64
    /// The file's size, once the Hub said it.
    public var total: Int64?
    /// Bytes that were already on disk from an earlier, interrupted pull.
    public var resumedFrom: Int64

    public init(received: Int64, total: Int64?, resumedFrom: Int64) {
        self.received = received
        self.total = total
        self.resumedFrom = resumedFrom
    }

    /// 0…1, or nil while the size is unknown.
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, Double(received) / Double(total))
    }

    /// The overlay's words for it, as the original showed them: "downloading the local model — 42 %".
    public var overlayLine: String {
        guard let fraction else { return "downloading the local model…" }
        return "downloading the local model — \(Int((fraction * 100).rounded(.down))) %"
    }
}

/// Why a pull failed, in a line a user can act on. `isNetwork` selects exit code 4.
public enum HubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No network (or `HF_HUB_OFFLINE`) and the file is not in the cache.
    case offline(String)
    /// 401/403 on a gated repository: the licence must be accepted on `page` (and `HF_TOKEN` set).
    case gated(repository: String, page: String, hasToken: Bool)
    /// The repository or the revision does not exist (or is private).
    case repositoryNotFound(String)
    /// The repository exists but has no such file.
    case fileNotFound(String)
    /// The downloaded bytes are not the file the Hub described; the partial file is not used.
    case checksumMismatch(file: String, expected: String, actual: String)
    case insufficientSpace(needed: Int64, available: Int64, directory: String)
    /// The connection broke or timed out; what arrived is kept for the next pull to resume.
    case interrupted(String)
    /// The server's answer is not what the Hub protocol promises.
    case invalidResponse(String)
    /// Reading or writing the cache failed.
    case storage(String)

    public var isNetwork: Bool {
        switch self {
        case .offline, .interrupted: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .offline(let detail): "offline: \(detail)"
        case .gated(let repository, let page, let hasToken):
            hasToken
                ? "\(repository) is gated and this token has no access: accept the licence at \(page)"
                : "\(repository) is gated: accept the licence at \(page), then set HF_TOKEN to a token of that account"
        case .repositoryNotFound(let detail): "repository not found: \(detail)"
        case .fileNotFound(let detail): "file not found: \(detail)"
        case .checksumMismatch(let file, let expected, let actual):
            "\(file) failed its checksum (expected sha256 \(expected), got \(actual)); it was not installed"
        case .insufficientSpace(let needed, let available, let directory):
            "not enough free space in \(directory): \(needed / 1_000_000) MB needed, \(available / 1_000_000) MB free"
        case .interrupted(let detail): "download interrupted (\(detail)); run the pull again to resume"
        case .invalidResponse(let detail): "unexpected answer from the Hub: \(detail)"
        case .storage(let detail): "cache: \(detail)"
        }
    }
}
