import Foundation

/// One complete file in the Hub cache, as `clicky models list` shows it.
public struct CachedHubFile: Sendable, Equatable {
    public var repository: String
    /// The snapshot's commit.
    public var commit: String
    /// The refs that point at `commit` (`main`, `refs/pr/1`, …), sorted; empty when the file was
    /// pulled by commit only.
    public var revisions: [String]
    /// The path inside the repository.
    public var path: String
    /// The blob's size in bytes.
    public var size: Int64
    /// `snapshots/<commit>/<path>`: the path to load.
    public var snapshotPath: String

    public init(repository: String, commit: String, revisions: [String], path: String, size: Int64,
                snapshotPath: String) {
        self.repository = repository
        self.commit = commit
        self.revisions = revisions
        self.path = path
        self.size = size
        self.snapshotPath = snapshotPath
    }

    /// The file at its first ref, else at its commit: what a pull of it would ask for.
    public var hubFile: HubFile { HubFile(repository: repository, revision: revisions.first ?? commit, path: path) }
}

extension HubCache {
    /// Every complete file of every model repository in the cache (ours and other tools'),
    /// sorted by repository, commit and path. Entries whose blob is missing (a dangling link)
    /// are left out, since they cannot be loaded.
    public func cachedFiles() -> [CachedHubFile] {
        var files: [CachedHubFile] = []
        for folder in HubDisk.entries(directory) {
            guard let repository = Self.repository(forFolder: folder) else { continue }
            let root = "\(directory)/\(folder)"
            let refs = Self.walk("\(root)/refs").compactMap { name -> (String, String)? in
                guard let data = FileManager.default.contents(atPath: "\(root)/refs/\(name)") else { return nil }
                return (name, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            for commit in HubDisk.entries("\(root)/snapshots") {
                let revisions = refs.filter { $0.1 == commit }.map(\.0).sorted()
                for path in Self.walk("\(root)/snapshots/\(commit)") {
                    let snapshot = "\(root)/snapshots/\(commit)/\(path)"
                    guard let size = HubDisk.fileSize(snapshot) else { continue }
                    files.append(CachedHubFile(repository: repository, commit: commit, revisions: revisions,
                                               path: path, size: size, snapshotPath: snapshot))
                }
            }
        }
        return files
    }

    /// Removes `file` from its snapshot, and its blob when no other snapshot entry of the
    /// repository links to it (two revisions often share most blobs). Folders left empty go too,
    /// and with an emptied snapshot the refs that named it, so the cache stays one other tools
    /// scan without complaint. A file that is not in the cache is `.fileNotFound`.
    ///
    /// Not locked against a pull of the same file running at the same moment: removal is a user
    /// action on a finished file, and a pull re-creates whatever it needs.
    public func remove(_ file: HubFile) throws(HubError) {
        guard let commit = commit(for: file) else { throw .fileNotFound("\(file) is not in the cache") }
        let root = repositoryFolder(file.repository)
        let entry = snapshotPath(file.repository, commit: commit, path: file.path)
        let isLink = HubDisk.isSymbolicLink(entry)
        guard isLink || HubDisk.fileSize(entry) != nil else { throw .fileNotFound("\(file) is not in the cache") }

        let blob = isLink ? HubDisk.linkTarget(entry).flatMap(Self.blobName(inLinkTarget:)) : nil
        try HubDisk.remove(entry)
        pruneEmptyFolders(from: Self.parent(of: entry), upTo: "\(root)/snapshots")

        if let blob, !linksToBlob(blob, in: root) {
            try HubDisk.remove("\(root)/blobs/\(blob)")
        }
        if !HubDisk.isDirectory("\(root)/snapshots/\(commit)") {
            for name in Self.walk("\(root)/refs") {
                let path = "\(root)/refs/\(name)"
                let data = FileManager.default.contents(atPath: path) ?? Data()
                if String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == commit {
                    try HubDisk.remove(path)
                    pruneEmptyFolders(from: Self.parent(of: path), upTo: root)
                }
            }
        }
        for folder in ["snapshots", "blobs", "refs"] { HubDisk.removeIfEmpty("\(root)/\(folder)") }
        HubDisk.removeIfEmpty(root)
    }

    /// The blob a snapshot link points to, when it points into `blobs/` the way the cache does.
    static func blobName(inLinkTarget target: String) -> String? {
        let parts = target.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2] == "blobs" else { return nil }
        return String(parts[parts.count - 1])
    }

    /// True when any snapshot entry of the repository at `root` links to `blob`.
    private func linksToBlob(_ blob: String, in root: String) -> Bool {
        for commit in HubDisk.entries("\(root)/snapshots") {
            for path in Self.walk("\(root)/snapshots/\(commit)") {
                let target = HubDisk.linkTarget("\(root)/snapshots/\(commit)/\(path)")
                if target.flatMap(Self.blobName(inLinkTarget:)) == blob { return true }
            }
        }
        return false
    }

    /// Removes `folder` and its parents while they are empty, stopping before `limit`.
    private func pruneEmptyFolders(from folder: String, upTo limit: String) {
        var current = folder
        while current.count > limit.count, current.hasPrefix(limit + "/"), HubDisk.removeIfEmpty(current) {
            current = Self.parent(of: current)
        }
    }

    /// The paths, relative to `root`, of everything under it that is not a folder (files and
    /// links), sorted. Links to folders are not followed, so a looping link cannot loop this.
    static func walk(_ root: String) -> [String] {
        var found: [String] = []
        for name in HubDisk.entries(root) {
            let path = "\(root)/\(name)"
            if HubDisk.isDirectory(path), !HubDisk.isSymbolicLink(path) {
                found += walk(path).map { "\(name)/\($0)" }
            } else {
                found.append(name)
            }
        }
        return found.sorted()
    }
}
