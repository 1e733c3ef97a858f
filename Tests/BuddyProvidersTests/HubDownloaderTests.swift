import BuddyProviders
import Foundation
import XCTest

/// `HubDownloader` against a loopback Hub replaying the recorded `hf-*` heads, through the real
/// `URLSessionTransport`: the flows that end with the file in the cache.
final class HubDownloaderTests: XCTestCase {
    private var scratch: HubScratch!
    private let transport = URLSessionTransport()
    private let repoFolder = HubCache.folderName(for: HubLoopback.repository)

    override func setUpWithError() throws { scratch = try HubScratch() }
    override func tearDown() { scratch?.remove() }

    private func downloader(_ mock: HubLoopback, token: String? = nil, offline: Bool = false) -> HubDownloader {
        HubDownloader(settings: mock.settings(cache: scratch.path, token: token, offline: offline), transport: transport)
    }

    func testAnLFSFileComesFromTheCDNWithTheTokenSentOnlyToTheHub() async throws {
        let mock = try HubLoopback()
        let progress = HubProgressLog()
        let path = try await downloader(mock, token: "hf_mock_token").download(HubLoopback.model, progress: progress.callback)

        XCTAssertEqual(path, "\(scratch.path)/\(repoFolder)/snapshots/\(HubLoopback.commit)/model.Q4_K_M.gguf")
        XCTAssertEqual(FileManager.default.contents(atPath: path).map(Array.init), try Fixture.bytes("hf-fake-model.bin"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path), "../../blobs/\(HubLoopback.modelSHA256)")
        XCTAssertEqual(scratch.bytes("\(repoFolder)/refs/main"), Array(HubLoopback.commit.utf8), "the commit, no newline")

        let heads = mock.hubRequests
        XCTAssertEqual(heads.map(\.method), ["HEAD"])
        XCTAssertEqual(heads.first?.path, "/\(HubLoopback.repository)/resolve/main/model.Q4_K_M.gguf")
        XCTAssertEqual(heads.first?.header("authorization"), "Bearer hf_mock_token")
        XCTAssertEqual(heads.first?.header("accept-encoding"), "identity")
        let gets = mock.cdnRequests
        XCTAssertEqual(gets.map(\.method), ["GET"])
        XCTAssertEqual(gets.first?.path, "/cdn/\(HubLoopback.modelSHA256)")
        XCTAssertEqual(gets.first?.query?.hasPrefix("X-Amz-Expires=3600"), true, "the signed address as given")
        XCTAssertNil(gets.first?.header("authorization"), "the token never reaches another origin")
        XCTAssertNil(gets.first?.header("range"))

        XCTAssertEqual(progress.all.first, DownloadProgress(received: 0, total: 4096, resumedFrom: 0))
        XCTAssertEqual(progress.last, DownloadProgress(received: 4096, total: 4096, resumedFrom: 0))
    }

    func testASmallFileFollowsTheRelativeRedirectAndKeepsTheTokenOnTheHub() async throws {
        let mock = try HubLoopback()
        let path = try await downloader(mock, token: "hf_mock_token").download(HubLoopback.config)

        XCTAssertEqual(FileManager.default.contents(atPath: path).map(Array.init), try Fixture.bytes("hf-small-config.json"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path), "../../blobs/\(HubLoopback.configSHA1)")
        let requests = mock.hubRequests
        XCTAssertEqual(requests.map(\.method), ["HEAD", "HEAD", "GET"])
        XCTAssertEqual(requests[0].path, "/\(HubLoopback.repository)/resolve/main/config.json")
        let cached = "/api/resolve-cache/models/\(HubLoopback.repository)/\(HubLoopback.commit)/config.json"
        XCTAssertEqual(requests[1].path, cached)
        XCTAssertEqual(requests[2].path, cached)
        XCTAssertEqual(requests[2].query?.contains("etag=%22\(HubLoopback.configSHA1)%22"), true)
        XCTAssertEqual(requests.map { $0.header("authorization") }, Array(repeating: "Bearer hf_mock_token", count: 3),
                       "the same origin keeps the token")
        XCTAssertTrue(mock.cdnRequests.isEmpty)
    }

    func testTheCacheLayoutIsTheRecordedOne() async throws {
        let mock = try HubLoopback()
        let downloader = downloader(mock)
        _ = try await downloader.download(HubLoopback.model)
        _ = try await downloader.download(HubLoopback.config)
        do {
            _ = try await downloader.download(HubLoopback.missing)
            XCTFail("tokenizer.json does not exist")
        } catch {}

        XCTAssertEqual(scratch.layout(repoFolder), try Self.recordedLayout(of: repoFolder))
        XCTAssertEqual(scratch.bytes("\(repoFolder)/refs/main"), Array(HubLoopback.commit.utf8))
        XCTAssertEqual(scratch.bytes("\(repoFolder)/blobs/\(HubLoopback.configSHA1)"), try Fixture.bytes("hf-small-config.json"))
        XCTAssertTrue(scratch.exists(".locks/\(repoFolder)/\(HubLoopback.modelSHA256).lock"))
        XCTAssertTrue(scratch.exists(".locks/\(repoFolder)/\(HubLoopback.configSHA1).lock"))
        let tag = String(decoding: scratch.bytes("CACHEDIR.TAG") ?? [], as: UTF8.self)
        XCTAssertTrue(tag.hasPrefix("Signature: 8a477f597d28d172789f06886806bc55"))
    }

    func testAnIncompleteFileIsResumedWithARange() async throws {
        let mock = try HubLoopback()
        let bytes = try Fixture.bytes("hf-fake-model.bin")
        try scratch.write(Array(bytes.prefix(1000)), to: "\(repoFolder)/blobs/\(HubLoopback.modelSHA256).incomplete")
        let progress = HubProgressLog()
        let path = try await downloader(mock).download(HubLoopback.model, progress: progress.callback)

        XCTAssertEqual(mock.cdnRequests.map { $0.header("range") }, ["bytes=1000-"])
        XCTAssertEqual(FileManager.default.contents(atPath: path).map(Array.init), bytes)
        XCTAssertFalse(scratch.exists("\(repoFolder)/blobs/\(HubLoopback.modelSHA256).incomplete"))
        XCTAssertEqual(progress.all.first, DownloadProgress(received: 1000, total: 4096, resumedFrom: 1000))
        XCTAssertEqual(progress.last, DownloadProgress(received: 4096, total: 4096, resumedFrom: 1000))
    }

    func testAServerThatIgnoresTheRangeStartsTheFileOver() async throws {
        // A 200 to a Range request: the whole file again, so the partial must be dropped first.
        let bytes = try Fixture.bytes("hf-fake-model.bin")
        let mock = try HubLoopback { _, _ in LoopbackReply(status: 200, headers: ["Content-Type": "application/octet-stream"], body: bytes) }
        try scratch.write(Array(repeating: 0xEE, count: 1000), to: "\(repoFolder)/blobs/\(HubLoopback.modelSHA256).incomplete")
        let path = try await downloader(mock).download(HubLoopback.model)
        XCTAssertEqual(mock.cdnRequests.map { $0.header("range") }, ["bytes=1000-"])
        XCTAssertEqual(FileManager.default.contents(atPath: path).map(Array.init), bytes)
    }

    func testACutTransferIsKeptAndTheNextPullResumesIt() async throws {
        let mock = try HubLoopback { index, reply in
            var cut = reply
            if index == 0 {
                cut.chunkSize = 512
                cut.cutAfter = 2048
            }
            return cut
        }
        let downloader = downloader(mock)
        do {
            _ = try await downloader.download(HubLoopback.model)
            XCTFail("the transfer was cut")
        } catch {
            guard case .interrupted = error else { return XCTFail("\(error)") }
        }
        let bytes = try Fixture.bytes("hf-fake-model.bin")
        let partialPath = "\(repoFolder)/blobs/\(HubLoopback.modelSHA256).incomplete"
        let partial = try XCTUnwrap(scratch.bytes(partialPath), "the partial file is kept")
        XCTAssertGreaterThan(partial.count, 0)
        XCTAssertLessThanOrEqual(partial.count, 2048)
        XCTAssertEqual(partial, Array(bytes.prefix(partial.count)), "a prefix of the real file")
        XCTAssertNil(downloader.cache.cachedPath(for: HubLoopback.model))
        XCTAssertFalse(scratch.exists("\(repoFolder)/blobs/\(HubLoopback.modelSHA256)"))

        let path = try await downloader.download(HubLoopback.model)
        XCTAssertEqual(mock.cdnRequests.map { $0.header("range") }, [nil, "bytes=\(partial.count)-"])
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path), HubLoopback.modelSHA256)
    }

    func testTwoConcurrentPullsOfOneFileFetchItOnce() async throws {
        // The CDN holds the first pull's body (and so its lock) until both pulls have asked the
        // Hub; the second then waits for the lock and finds the blob: one request stream.
        let gate = LoopbackGate()
        let mock = try HubLoopback { _, reply in
            var held = reply
            held.holdAfter = 1024
            held.gate = gate
            return held
        }
        let first = downloader(mock), second = downloader(mock)
        async let a = first.download(HubLoopback.model)
        async let b = second.download(HubLoopback.model)
        let held = await mock.cdn.waitFor(.holding(request: 0), timeout: 10)
        let deadline = ContinuousClock.now + .seconds(10)
        while mock.hubRequests.count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertTrue(held)
        XCTAssertEqual(mock.hubRequests.count, 2, "both pulls asked for the metadata while the bytes were held")
        gate.open()
        let (pathA, pathB) = try await (a, b)

        XCTAssertEqual(pathA, pathB)
        XCTAssertEqual(mock.cdnRequests.count, 1, "one request stream for the bytes")
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: pathA), HubLoopback.modelSHA256)
    }

    func testAPulledFileIsReturnedAgainWithoutAnyRequest() async throws {
        let mock = try HubLoopback()
        let first = try await downloader(mock).download(HubLoopback.model)
        let before = (mock.hubRequests.count, mock.cdnRequests.count)
        let again = try await downloader(mock).download(HubLoopback.model)
        let byCommit = try await downloader(mock, offline: true)
            .download(HubFile(repository: HubLoopback.repository, revision: HubLoopback.commit, path: "model.Q4_K_M.gguf"))
        XCTAssertEqual(again, first)
        XCTAssertEqual(byCommit, first, "a commit revision finds the same snapshot")
        XCTAssertEqual(mock.hubRequests.count, before.0)
        XCTAssertEqual(mock.cdnRequests.count, before.1)
    }

    func testARevisionWithASlashIsOneSegmentAndANestedPathLinksDeeper() async throws {
        let mock = try HubLoopback()
        let file = HubFile(repository: HubLoopback.repository, revision: "refs/pr/1", path: "q4/k_m/model.Q4_K_M.gguf")
        let path = try await downloader(mock).download(file)

        XCTAssertEqual(mock.hubRequests.first?.path, "/\(HubLoopback.repository)/resolve/refs%2Fpr%2F1/q4/k_m/model.Q4_K_M.gguf")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path),
                       "../../../../blobs/\(HubLoopback.modelSHA256)")
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path), HubLoopback.modelSHA256)
        XCTAssertEqual(scratch.bytes("\(repoFolder)/refs/refs/pr/1"), Array(HubLoopback.commit.utf8))
        XCTAssertEqual(HubCache(directory: scratch.path).cachedPath(for: file), path)
    }

    /// `hf-cache-layout.txt`'s tree under `folder`, as `HubScratch.layout` lists a directory.
    static func recordedLayout(of folder: String) throws -> Set<String> {
        let text = String(decoding: try Fixture.bytes("hf-cache-layout.txt"), as: UTF8.self)
        var entries = Set<String>(), parents: [String] = []
        var inside = false
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let content = String(line.prefix { $0 != "#" }).trimmingCharacters(in: .whitespaces)
            let depth = line.prefix { $0 == " " }.count / 2
            if depth == 0 {
                inside = content == folder + "/"
                continue
            }
            guard inside else { continue }
            parents = Array(parents.prefix(depth - 1))
            let entry = parents.joined() + content
            entries.insert(entry)
            if content.hasSuffix("/") { parents.append(content) }
        }
        return entries
    }
}
