import Foundation

/// The Hugging Face cache on disk, laid out exactly as `huggingface_hub` lays it out, so files
/// other tools already downloaded are used as they are and ours serve them in turn:
///
///     <directory>/CACHEDIR.TAG
///     <directory>/.locks/models--org--name/<etag>.lock
///     <directory>/models--org--name/refs/<revision>            the commit, no trailing newline
///     <directory>/models--org--name/blobs/<etag>               the bytes (sha256 for LFS files)
///     <directory>/models--org--name/blobs/<etag>.incomplete    a pull in progress or interrupted
///     <directory>/models--org--name/snapshots/<commit>/<path>  → ../../blobs/<etag> (relative)
///     <directory>/models--org--name/.no_exist/<commit>/<path>  the Hub said 404 for this file
///
/// Reading never touches the network: a revision is resolved through `refs/` (or taken as the
/// commit when it is one), then the snapshot entry. Links are relative so the whole cache can
/// be moved or mounted elsewhere.
public struct HubCache: Sendable {
    /// The cache root (`HubSettings.cacheDirectory`).
    public let directory: String

    public init(directory: String) {
        var trimmed = directory
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.directory = trimmed
    }

    // MARK: Where things are

    /// `models--org--name`: the repository id with `/` replaced by `--` (Hub names never
    /// contain `--`, so the mapping can be undone).
    public static func folderName(for repository: String) -> String {
        "models--" + repository.replacingOccurrences(of: "/", with: "--")
    }

    /// The repository id a cache folder stands for; nil for anything that is not a model folder.
    static func repository(forFolder name: String) -> String? {
        guard name.hasPrefix("models--"), name.count > "models--".count else { return nil }
        return String(name.dropFirst("models--".count)).replacingOccurrences(of: "--", with: "/")
    }

    func repositoryFolder(_ repository: String) -> String { "\(directory)/\(Self.folderName(for: repository))" }
    func blobPath(_ repository: String, etag: String) -> String { "\(repositoryFolder(repository))/blobs/\(etag)" }
    func partialPath(_ repository: String, etag: String) -> String { blobPath(repository, etag: etag) + ".incomplete" }
    func refPath(_ repository: String, revision: String) -> String { "\(repositoryFolder(repository))/refs/\(revision)" }
    func snapshotPath(_ repository: String, commit: String, path: String) -> String {
        "\(repositoryFolder(repository))/snapshots/\(commit)/\(path)"
    }
    func missingMarkerPath(_ repository: String, commit: String, path: String) -> String {
        "\(repositoryFolder(repository))/.no_exist/\(commit)/\(path)"
    }
    func lockPath(_ repository: String, etag: String) -> String {
        "\(directory)/.locks/\(Self.folderName(for: repository))/\(etag).lock"
    }

    /// The link text from `snapshots/<commit>/<path>` to `blobs/<etag>`: one `../` per folder
    /// between the entry and the repository folder (two, plus one per folder inside `path`).
    public static func blobLinkTarget(path: String, etag: String) -> String {
        let depth = 2 + path.split(separator: "/").count - 1
        return String(repeating: "../", count: depth) + "blobs/" + etag
    }

    /// True for a full commit id (40 hex digits), which names a snapshot with no ref involved.
    static func isCommit(_ revision: String) -> Bool {
        revision.utf8.count == 40 && revision.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Repository ids, revisions and paths become path components here: anything that could
    /// climb out of the cache (`..`, an absolute path, an empty component) is refused.
    static func isSafe(_ file: HubFile) -> Bool {
        func safe(_ text: String, maxComponents: Int) -> Bool {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            return !parts.isEmpty && parts.count <= maxComponents
                && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("\0") }
        }
        return safe(file.repository, maxComponents: 2) && !file.repository.contains("--")
            && safe(file.revision, maxComponents: 16) && safe(file.path, maxComponents: 64)
    }

    // MARK: Reading (never the network)

    /// The commit `file.revision` stands for here: `refs/<revision>`'s content, else the revision
    /// itself when it is a commit with a snapshot folder; nil when this cache cannot tell.
    func commit(for file: HubFile) -> String? {
        guard Self.isSafe(file) else { return nil }
        if let data = FileManager.default.contents(atPath: refPath(file.repository, revision: file.revision)) {
            let commit = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // Another tool's ref file is data: only a plain commit id becomes part of a path.
            if Self.isCommit(commit) { return commit }
        }
        if Self.isCommit(file.revision),
           HubDisk.isDirectory("\(repositoryFolder(file.repository))/snapshots/\(file.revision)") {
            return file.revision
        }
        return nil
    }

    /// The snapshot path of `file` when it is fully in the cache (its blob is there), else nil.
    /// Offline and immediate: the revision is resolved through `refs/`, never asked of the Hub.
    public func cachedPath(for file: HubFile) -> String? {
        guard let commit = commit(for: file) else { return nil }
        let path = snapshotPath(file.repository, commit: commit, path: file.path)
        return HubDisk.fileSize(path) == nil ? nil : path
    }

    /// True when an earlier pull learned from the Hub that `file` does not exist at the commit
    /// its revision points to (a `.no_exist` marker), so offline it can be called missing.
    public func isKnownMissing(_ file: HubFile) -> Bool {
        guard let commit = commit(for: file) else { return false }
        return FileManager.default.fileExists(atPath: missingMarkerPath(file.repository, commit: commit, path: file.path))
    }

    // MARK: Writing (the downloader, under the file's lock)

    /// Makes `refs/<revision>` name `commit` (no trailing newline, as the Python tools write
    /// it). Nothing to do when the revision is the commit itself or the ref already says so.
    func recordRef(_ repository: String, revision: String, commit: String) throws(HubError) {
        guard revision != commit else { return }
        let path = refPath(repository, revision: revision)
        if let data = FileManager.default.contents(atPath: path), String(decoding: data, as: UTF8.self) == commit {
            return
        }
        try HubDisk.makeDirectories(Self.parent(of: path))
        try HubDisk.writeAtomically(Array(commit.utf8), to: path)
    }

    /// Points `snapshots/<commit>/<path>` at `blobs/<etag>` with a relative link.
    func linkSnapshot(_ repository: String, commit: String, path: String, etag: String) throws(HubError) {
        let entry = snapshotPath(repository, commit: commit, path: path)
        try HubDisk.makeDirectories(Self.parent(of: entry))
        try HubDisk.link(entry, to: Self.blobLinkTarget(path: path, etag: etag))
    }

    /// Leaves the empty `.no_exist/<commit>/<path>` marker the Python tools also read.
    func markMissing(_ repository: String, commit: String, path: String) throws(HubError) {
        let marker = missingMarkerPath(repository, commit: commit, path: path)
        try HubDisk.makeDirectories(Self.parent(of: marker))
        try HubDisk.touch(marker)
    }

    /// Writes `CACHEDIR.TAG` at the root if it is missing, so backup tools skip the cache (the
    /// Cache Directory Tagging convention: the first line is its fixed signature).
    func tagAsCache() throws(HubError) {
        let path = "\(directory)/CACHEDIR.TAG"
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try HubDisk.makeDirectories(directory)
        let text = """
            Signature: 8a477f597d28d172789f06886806bc55
            # This file is a cache directory tag: the Hugging Face model cache (written by Clicky).
            # For information about cache directory tags see https://bford.info/cachedir/

            """
        try HubDisk.writeAtomically(Array(text.utf8), to: path)
    }

    /// Everything before the last `/`.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
