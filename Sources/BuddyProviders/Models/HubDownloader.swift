import Foundation

/// Pulls files from the Hugging Face Hub into the shared Hugging Face cache, as the official
/// client does (`protocols.md` §4), so a model is downloaded once and then loaded offline for
/// good — by Clicky or by any other tool that reads `~/.cache/huggingface/hub`.
///
/// One pull: the cache first (a complete file returns at once, without any request, online or
/// not); then a HEAD for the commit, the ETag and the size; then, holding the file's lock, the
/// bytes into `blobs/<etag>.incomplete` (resumed with `Range` when an earlier pull was cut),
/// checked, renamed into `blobs/<etag>` and linked from `snapshots/<commit>/<path>`.
///
/// Checks: `expectedSHA256` (from our catalogue) wins over the Hub's word; otherwise an LFS
/// file's sha256 must equal its linked ETag. A small non-LFS file (ETag = git blob sha1, which
/// would need SHA-1) is checked by its size only. Bytes that fail are deleted from the
/// `.incomplete` file — resuming from them could only fail again — and never reach `blobs/`,
/// so no snapshot ever points at them; nothing else in the cache is touched. A blob already in
/// `blobs/` (another revision's, another tool's) is trusted as it is: its name is its hash, and
/// re-hashing gigabytes on every load would defeat "pull once".
public struct HubDownloader: Sendable {
    public let settings: HubSettings
    let transport: any HTTPTransport
    /// Free bytes on the file system of a directory (statvfs unless a test injects one).
    let freeSpace: @Sendable (String) -> Int64?
    /// Kept free beyond the file itself, for the file system's own blocks and the small files
    /// a pull writes next to the blob.
    public static let spaceMargin: Int64 = 8 << 20

    /// - Parameter freeSpace: how much may still be written in a directory; nil (the default)
    ///   asks the file system. Tests pass a fixed answer to reach `.insufficientSpace`.
    public init(settings: HubSettings, transport: any HTTPTransport,
                freeSpace: (@Sendable (String) -> Int64?)? = nil) {
        self.settings = settings
        self.transport = transport
        self.freeSpace = freeSpace ?? { HubDisk.freeSpace($0) }
    }

    /// The cache this downloader fills.
    public var cache: HubCache { HubCache(directory: settings.cacheDirectory) }

    /// Returns the snapshot path of `file`, pulling it first unless it is already cached.
    ///
    /// - Already cached → returned at once with no request (also when offline).
    /// - `HF_HUB_OFFLINE` and not cached → `.offline` without any request (`.fileNotFound` when an
    ///   earlier pull recorded that the Hub has no such file).
    /// - Cancelling the calling task stops the transfer with `.interrupted("cancelled")` and keeps
    ///   what arrived in `blobs/<etag>.incomplete`; the next pull resumes from there.
    /// - A second pull of the same file, in this process or another, waits for the first and then
    ///   finds the blob: the bytes are fetched once.
    /// - Parameters:
    ///   - expectedSHA256: the sha256 our catalogue records for the file; wins over the Hub's
    ///     linked ETag. If the Hub announces a different sha256, nothing is downloaded.
    ///   - progress: called on the downloading task, throttled (about every MiB or 100 ms), once
    ///     at the start and once with the final size.
    public func download(_ file: HubFile, expectedSHA256: String? = nil,
                         progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }) async throws(HubError) -> String {
        let cache = self.cache
        if let path = cache.cachedPath(for: file) { return path }
        guard HubCache.isSafe(file) else { throw .fileNotFound("\(file) is not a valid repository file name") }
        if settings.offline {
            if cache.isKnownMissing(file) {
                throw .fileNotFound("\(file) does not exist on the Hub (an earlier pull was told so)")
            }
            throw .offline("HF_HUB_OFFLINE is set and \(file) is not in the cache")
        }

        let reader = HubMetadataReader(settings: settings, transport: transport)
        let metadata: HubFileMetadata
        switch try await reader.lookUp(file) {
        case .found(let found):
            metadata = found
        case .missing(let commit, let error):
            if let commit, HubCache.isCommit(commit) {
                // Remembered like the Python client does, so an offline pull can say "missing".
                try cache.markMissing(file.repository, commit: commit, path: file.path)
                try cache.recordRef(file.repository, revision: file.revision, commit: commit)
            }
            throw error
        }
        guard HubCache.isCommit(metadata.commit) else {
            throw .invalidResponse("X-Repo-Commit is not a commit id: \(metadata.commit)")
        }
        let expected = expectedSHA256?.lowercased()
        if let expected, metadata.isSHA256, metadata.etag != expected {
            // The Hub's file is not the one the catalogue names: fetching it could only fail.
            throw .checksumMismatch(file: file.description, expected: expected, actual: metadata.etag)
        }

        try cache.tagAsCache()
        try HubDisk.makeDirectories(HubCache.parent(of: cache.lockPath(file.repository, etag: metadata.etag)))
        try HubDisk.makeDirectories("\(cache.repositoryFolder(file.repository))/blobs")
        return try await HubLock.holding(cache.lockPath(file.repository, etag: metadata.etag)) { () async throws(HubError) -> String in
            let blob = cache.blobPath(file.repository, etag: metadata.etag)
            if HubDisk.fileSize(blob) == nil {
                try await fetch(file, metadata: metadata, expectedSHA256: expected, into: blob, progress: progress)
            }
            try cache.recordRef(file.repository, revision: file.revision, commit: metadata.commit)
            try cache.linkSnapshot(file.repository, commit: metadata.commit, path: file.path, etag: metadata.etag)
            return cache.snapshotPath(file.repository, commit: metadata.commit, path: file.path)
        }
    }

    /// Fetches, checks and installs the blob. Runs under the file's lock.
    private func fetch(_ file: HubFile, metadata: HubFileMetadata, expectedSHA256: String?, into blob: String,
                       progress: @escaping @Sendable (DownloadProgress) -> Void) async throws(HubError) {
        let partial = blob + ".incomplete"
        if let size = metadata.size {
            let present = min(HubDisk.fileSize(partial) ?? 0, size)
            let needed = size - present + Self.spaceMargin
            if let available = freeSpace(settings.cacheDirectory), available < needed {
                throw .insufficientSpace(needed: needed, available: available, directory: settings.cacheDirectory)
            }
        }
        let wanted = expectedSHA256 ?? (metadata.isSHA256 ? metadata.etag : nil)
        let outcome = try await HubTransfer(transport: transport)
            .fetch(file, from: metadata.location, settings: settings, into: partial, size: metadata.size,
                   hashing: wanted != nil, progress: progress)
        if let wanted, let actual = outcome.sha256, actual != wanted {
            try HubDisk.remove(partial)
            throw .checksumMismatch(file: file.description, expected: wanted, actual: actual)
        }
        try HubDisk.move(partial, to: blob)
    }
}
