import BuddyProviders
import Foundation
import Synchronization
import XCTest

/// A loopback Hugging Face Hub built from the recorded `hf-*` fixtures: the Hub itself on one
/// LoopbackServer and its CDN on another (another port is another origin, so the token must not
/// travel there). `127.0.0.1:8089` in a recorded `Location` is rewritten to the CDN's address.
///
/// The Hub routes on the repository and the file name after `resolve/<revision>/`, whatever the
/// revision and folders are:
/// - `mock-org/Mock-Model-1B-Instruct-GGUF` … `model.Q4_K_M.gguf` → 302 to the CDN (LFS);
///   `config.json` → 307 to `/api/resolve-cache/…` (relative), where HEAD and GET answer 200;
///   anything else → 404 `EntryNotFound`;
/// - `meta-llama/…` → gated: 401 without a token, 403 with one;
/// - any other repository → 401 `RepoNotFound`.
/// The CDN serves `hf-fake-model.bin` (or `cdnBody`), honouring `Range: bytes=<n>-` with a 206;
/// `cdnReply` may reshape each reply (cuts, holds, delays) by request index.
final class HubLoopback: Sendable {
    static let repository = "mock-org/Mock-Model-1B-Instruct-GGUF"
    static let commit = "0cb88a4f764b7a12671c53f0838cd831a0843b95"
    static let modelSHA256 = "5ab775379b00e0ca28b6ee8c0b71b2e54307875de77c156356740d946a181be6"
    static let configSHA1 = "f10bc304da75675b6bc448470cd35efcca8507fa"
    static let gatedRepository = "meta-llama/Llama-3.2-1B-Instruct"
    static let model = HubFile(repository: repository, path: "model.Q4_K_M.gguf")
    static let config = HubFile(repository: repository, path: "config.json")
    static let missing = HubFile(repository: repository, path: "tokenizer.json")

    let hub: LoopbackServer
    let cdn: LoopbackServer

    /// - Parameters:
    ///   - cdnBody: the bytes the CDN serves (default: the real model bytes).
    ///   - cdnReply: reshapes the CDN's n-th reply (0-based) before it is sent.
    init(cdnBody: [UInt8]? = nil,
         cdnReply: @escaping @Sendable (Int, LoopbackReply) -> LoopbackReply = { $1 }) throws {
        let modelBytes = try Fixture.bytes("hf-fake-model.bin")
        let served = cdnBody ?? modelBytes
        let full = try Self.recorded("hf-get-cdn-200.http", body: served)
        let resumed1000 = try Self.recorded("hf-get-cdn-206-range.http", body: Array(served.dropFirst(1000)))
        let count = Mutex(0)
        cdn = try LoopbackServer { request in
            let index = count.withLock { value in
                defer { value += 1 }
                return value
            }
            return cdnReply(index, Self.cdnAnswer(request, body: served, full: full, resumed1000: resumed1000))
        }

        let cdnAddress = "127.0.0.1:\(cdn.port)"
        func head(_ name: String, body: [UInt8] = []) throws -> LoopbackReply {
            var reply = try Self.recorded(name, body: body)
            for (key, value) in reply.headers where key.lowercased() == "location" {
                reply.headers[key] = value.replacingOccurrences(of: "127.0.0.1:8089", with: cdnAddress)
            }
            return reply
        }
        let lfs = try head("hf-head-lfs-302.http")
        let small307 = try head("hf-head-small-307-relative.http")
        let small200 = try head("hf-head-small-200.http", body: try Fixture.bytes("hf-small-config.json"))
        let entry404 = try head("hf-head-entry-404.http")
        let gated401 = try head("hf-head-gated-401.http")
        let gated403 = try head("hf-head-gated-403.http")
        let repo401 = try head("hf-head-repo-not-found-401.http")

        hub = try LoopbackServer { request in
            if request.path.hasPrefix("/api/resolve-cache/") { return small200 }
            guard let resolve = request.path.range(of: "/resolve/") else { return .text("not a Hub route", status: 400) }
            let repository = String(request.path[request.path.index(after: request.path.startIndex)..<resolve.lowerBound])
            let name = request.path.split(separator: "/").last.map(String.init) ?? ""
            switch repository {
            case Self.repository:
                return name == "model.Q4_K_M.gguf" ? lfs : name == "config.json" ? small307 : entry404
            case Self.gatedRepository:
                return request.header("authorization") == nil ? gated401 : gated403
            default:
                return repo401
            }
        }
    }

    /// The CDN's standard answer: the whole body, or from `bytes=<n>-` on with a 206 (the
    /// recorded 206 for n = 1000, the same shape computed for any other n).
    static func cdnAnswer(_ request: LoopbackRequest, body: [UInt8], full: LoopbackReply,
                          resumed1000: LoopbackReply) -> LoopbackReply {
        guard let range = request.header("range"), range.hasPrefix("bytes="), range.hasSuffix("-"),
              let start = Int(range.dropFirst("bytes=".count).dropLast()) else { return full }
        if start == 1000, body.count == 4096 { return resumed1000 }
        guard start < body.count else {
            return LoopbackReply(status: 416, headers: ["Content-Range": "bytes */\(body.count)"])
        }
        return LoopbackReply(status: 206, headers: ["Content-Type": "application/octet-stream",
                                                    "Content-Range": "bytes \(start)-\(body.count - 1)/\(body.count)",
                                                    "Accept-Ranges": "bytes"],
                             body: Array(body[start...]))
    }

    static func recorded(_ name: String, body: [UInt8] = []) throws -> LoopbackReply {
        let head = String(decoding: try Fixture.bytes(name), as: UTF8.self)
        return try XCTUnwrap(LoopbackReply.recorded(head: head, body: body), name)
    }

    /// Settings pointing at this Hub, with a fresh or given cache.
    func settings(cache: String, token: String? = nil, offline: Bool = false) -> HubSettings {
        HubSettings(endpoint: hub.baseURL, token: token.flatMap(Secret.init), offline: offline, cacheDirectory: cache)
    }

    var cdnRequests: [LoopbackRequest] { cdn.requests }
    var hubRequests: [LoopbackRequest] { hub.requests }
}

/// A fresh directory under the system's temporary folder, removed by `remove()`.
struct HubScratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "clicky-hub-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func bytes(_ relative: String) -> [UInt8]? {
        FileManager.default.contents(atPath: "\(path)/\(relative)").map(Array.init)
    }

    func write(_ bytes: [UInt8], to relative: String) throws {
        let url = URL(fileURLWithPath: "\(path)/\(relative)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func link(_ relative: String, to target: String) throws {
        let url = URL(fileURLWithPath: "\(path)/\(relative)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: "\(path)/\(relative)") }

    /// Everything under `relative`, as `hf-cache-layout.txt` writes it: `dir/`, `file`,
    /// `link -> target`, each with its path from `relative`, hidden entries included.
    func layout(_ relative: String) -> Set<String> {
        var found = Set<String>()
        func walk(_ folder: String, _ prefix: String) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names {
                let full = "\(folder)/\(name)"
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
                    found.insert("\(prefix)\(name) -> \(target)")
                } else if (try? FileManager.default.contentsOfDirectory(atPath: full)) != nil {
                    found.insert("\(prefix)\(name)/")
                    walk(full, "\(prefix)\(name)/")
                } else {
                    found.insert(prefix + name)
                }
            }
        }
        walk("\(path)/\(relative)", "")
        return found
    }
}

/// Progress reports as a download made them, for assertions after it.
final class HubProgressLog: Sendable {
    private let reports = Mutex<[DownloadProgress]>([])
    var all: [DownloadProgress] { reports.withLock { $0 } }
    var last: DownloadProgress? { all.last }
    var callback: @Sendable (DownloadProgress) -> Void { { progress in self.reports.withLock { $0.append(progress) } } }
}

/// A transport for pulls that must not touch the network: every call is counted and refused.
final class HubNoNetwork: HTTPTransport {
    private let calls = Mutex(0)
    var count: Int { calls.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        calls.withLock { $0 += 1 }
        throw HTTPTransportError.cannotConnect("this test allows no request (\(request.url.absoluteString))")
    }
}
