import BuddyProviders
import Foundation
import XCTest

/// `HubDownloader` when a pull cannot or must not finish: refusals from the recorded Hub,
/// bytes that fail their checksum, no space, offline, cancellation. In every case nothing
/// unverified reaches `blobs/<etag>` or a snapshot.
final class HubDownloadFailureTests: XCTestCase {
    private var scratch: HubScratch!
    private let transport = URLSessionTransport()
    private let repoFolder = HubCache.folderName(for: HubLoopback.repository)

    override func setUpWithError() throws { scratch = try HubScratch() }
    override func tearDown() { scratch?.remove() }

    private func downloader(_ mock: HubLoopback, token: String? = nil, offline: Bool = false,
                            freeSpace: (@Sendable (String) -> Int64?)? = nil) -> HubDownloader {
        HubDownloader(settings: mock.settings(cache: scratch.path, token: token, offline: offline), transport: transport,
                      freeSpace: freeSpace)
    }

    /// The error a pull ends with (nil if it succeeds).
    private func failure(_ downloader: HubDownloader, _ file: HubFile, expectedSHA256: String? = nil) async -> HubError? {
        do {
            _ = try await downloader.download(file, expectedSHA256: expectedSHA256)
            return nil
        } catch {
            return error
        }
    }

    private func assertNothingInstalled(_ file: HubFile, etag: String, line: UInt = #line) {
        XCTAssertFalse(scratch.exists("\(repoFolder)/blobs/\(etag)"), "no blob", line: line)
        XCTAssertFalse(scratch.exists("\(repoFolder)/blobs/\(etag).incomplete"), "bad bytes are not kept to resume", line: line)
        XCTAssertFalse(scratch.exists("\(repoFolder)/snapshots/\(HubLoopback.commit)/\(file.path)"), "no snapshot entry", line: line)
        XCTAssertNil(HubCache(directory: scratch.path).cachedPath(for: file), line: line)
    }

    func testBytesThatAreNotTheLinkedSHA256AreNeverInstalled() async throws {
        let wrong = Array(repeating: UInt8(0x42), count: 4096)
        let mock = try HubLoopback(cdnBody: wrong)
        let error = await failure(downloader(mock), HubLoopback.model)
        var hasher = SHA256()
        hasher.update(wrong)
        XCTAssertEqual(error, .checksumMismatch(file: HubLoopback.model.description, expected: HubLoopback.modelSHA256,
                                                actual: hasher.hexDigest()))
        assertNothingInstalled(HubLoopback.model, etag: HubLoopback.modelSHA256)
        XCTAssertEqual(mock.cdnRequests.count, 1)
    }

    func testTheCatalogueChecksumWinsOverTheHubsETag() async throws {
        // The small file's ETag is a git sha1: only the catalogue's sha256 can check its bytes.
        let mock = try HubLoopback()
        var hasher = SHA256()
        hasher.update(try Fixture.bytes("hf-small-config.json"))
        let right = hasher.hexDigest(), wrong = String(repeating: "0", count: 64)

        let error = await failure(downloader(mock), HubLoopback.config, expectedSHA256: wrong)
        XCTAssertEqual(error, .checksumMismatch(file: HubLoopback.config.description, expected: wrong, actual: right))
        assertNothingInstalled(HubLoopback.config, etag: HubLoopback.configSHA1)

        let path = try await downloader(mock).download(HubLoopback.config, expectedSHA256: right.uppercased())
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path), right)
    }

    func testACatalogueChecksumTheHubContradictsFetchesNothing() async throws {
        let mock = try HubLoopback()
        let catalogue = String(repeating: "a", count: 64)
        let error = await failure(downloader(mock), HubLoopback.model, expectedSHA256: catalogue)
        XCTAssertEqual(error, .checksumMismatch(file: HubLoopback.model.description, expected: catalogue,
                                                actual: HubLoopback.modelSHA256))
        XCTAssertTrue(mock.cdnRequests.isEmpty)
    }

    func testAGatedModelNamesItsLicencePage() async throws {
        let mock = try HubLoopback()
        let file = HubFile(repository: HubLoopback.gatedRepository, path: "model.gguf")
        let page = "http://127.0.0.1:\(mock.hub.port)/\(HubLoopback.gatedRepository)"

        let anonymous = await failure(downloader(mock), file)
        XCTAssertEqual(anonymous, .gated(repository: HubLoopback.gatedRepository, page: page, hasToken: false))
        XCTAssertTrue(anonymous?.description.contains("set HF_TOKEN") ?? false)

        let unapproved = await failure(downloader(mock, token: "hf_not_approved"), file)
        XCTAssertEqual(unapproved, .gated(repository: HubLoopback.gatedRepository, page: page, hasToken: true))
        XCTAssertEqual(mock.hubRequests.map(\.method), ["HEAD", "HEAD"])
        XCTAssertTrue(mock.cdnRequests.isEmpty)
        XCTAssertFalse(scratch.exists(HubCache.folderName(for: HubLoopback.gatedRepository)))
    }

    func testAMissingFileIsRememberedAndAMissingRepositoryNamed() async throws {
        let mock = try HubLoopback()
        guard case .fileNotFound? = await failure(downloader(mock), HubLoopback.missing) else {
            return XCTFail("tokenizer.json is a 404 EntryNotFound")
        }
        XCTAssertEqual(scratch.bytes("\(repoFolder)/.no_exist/\(HubLoopback.commit)/tokenizer.json"), [])
        XCTAssertEqual(scratch.bytes("\(repoFolder)/refs/main"), Array(HubLoopback.commit.utf8))
        let requests = mock.hubRequests.count
        guard case .fileNotFound? = await failure(downloader(mock, offline: true), HubLoopback.missing) else {
            return XCTFail("offline, the marker says the file does not exist")
        }
        XCTAssertEqual(mock.hubRequests.count, requests)

        guard case .repositoryNotFound? = await failure(downloader(mock), HubFile(repository: "mock-org/nope", path: "x.gguf")) else {
            return XCTFail("401 RepoNotFound")
        }
    }

    func testOfflineMakesNoRequestAtAll() async throws {
        let mock = try HubLoopback()
        let error = await failure(downloader(mock, offline: true), HubLoopback.model)
        XCTAssertEqual(error, .offline("HF_HUB_OFFLINE is set and \(HubLoopback.model) is not in the cache"))
        XCTAssertTrue(mock.hubRequests.isEmpty)

        let online = try await downloader(mock).download(HubLoopback.model)
        let requests = mock.hubRequests.count + mock.cdnRequests.count
        let offline = try await downloader(mock, offline: true).download(HubLoopback.model)
        XCTAssertEqual(offline, online)
        XCTAssertEqual(mock.hubRequests.count + mock.cdnRequests.count, requests)
    }

    func testFilesAnotherToolCachedAreUsedAsTheyAre() async throws {
        let snapshot = "\(repoFolder)/snapshots/\(HubLoopback.commit)/model.Q4_K_M.gguf"
        try scratch.write(try Fixture.bytes("hf-fake-model.bin"), to: "\(repoFolder)/blobs/\(HubLoopback.modelSHA256)")
        try scratch.link(snapshot, to: "../../blobs/\(HubLoopback.modelSHA256)")
        try scratch.write(Array(HubLoopback.commit.utf8), to: "\(repoFolder)/refs/main")
        let network = HubNoNetwork()
        let settings = HubSettings(endpoint: HubSettings.defaultEndpoint, token: nil, offline: false, cacheDirectory: scratch.path)
        let path = try await HubDownloader(settings: settings, transport: network).download(HubLoopback.model)
        XCTAssertEqual(path, "\(scratch.path)/\(snapshot)")
        XCTAssertEqual(network.count, 0)
    }

    func testTooLittleSpaceStopsBeforeTheBytes() async throws {
        let mock = try HubLoopback()
        let error = await failure(downloader(mock, freeSpace: { _ in 1000 }), HubLoopback.model)
        XCTAssertEqual(error, .insufficientSpace(needed: 4096 + HubDownloader.spaceMargin, available: 1000,
                                                 directory: scratch.path))
        XCTAssertTrue(mock.cdnRequests.isEmpty)

        // What is already on disk counts: 3000 of 4096 bytes leave 1096 to fetch.
        try scratch.write(Array(try Fixture.bytes("hf-fake-model.bin").prefix(3000)),
                          to: "\(repoFolder)/blobs/\(HubLoopback.modelSHA256).incomplete")
        let enough = 1096 + HubDownloader.spaceMargin
        _ = try await downloader(mock, freeSpace: { _ in enough }).download(HubLoopback.model)
        XCTAssertEqual(mock.cdnRequests.map { $0.header("range") }, ["bytes=3000-"])
    }

    func testCancellingMidBodyLeavesAResumablePartialFile() async throws {
        let gate = LoopbackGate()   // never opened: the CDN holds after 1500 bytes
        let mock = try HubLoopback { index, reply in
            var held = reply
            if index == 0 {
                held.chunkSize = 500
                held.delay = 0.15
                held.holdAfter = 1500
                held.gate = gate
            }
            return held
        }
        let progress = HubProgressLog()
        let downloader = downloader(mock)
        let pull = Task { try await downloader.download(HubLoopback.model, progress: progress.callback) }
        let deadline = ContinuousClock.now + .seconds(10)
        while (progress.last?.received ?? 0) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let seen = try XCTUnwrap(progress.last?.received)
        XCTAssertGreaterThan(seen, 0, "bytes arrived before the cancellation")
        pull.cancel()
        do {
            _ = try await pull.value
            XCTFail("the pull was cancelled")
        } catch {
            XCTAssertEqual(error as? HubError, .interrupted("cancelled"))
        }

        let partial = try XCTUnwrap(scratch.bytes("\(repoFolder)/blobs/\(HubLoopback.modelSHA256).incomplete"))
        XCTAssertGreaterThanOrEqual(Int64(partial.count), seen, "what arrived was written")
        XCTAssertEqual(partial, Array(try Fixture.bytes("hf-fake-model.bin").prefix(partial.count)))
        XCTAssertNil(downloader.cache.cachedPath(for: HubLoopback.model))

        let path = try await downloader.download(HubLoopback.model)
        XCTAssertEqual(mock.cdnRequests.map { $0.header("range") }, [nil, "bytes=\(partial.count)-"])
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: path), HubLoopback.modelSHA256)
    }

    func testNothingListeningIsOffline() async throws {
        let gone = try LoopbackServer { _ in .text("never") }
        let endpoint = gone.baseURL
        gone.stop()
        let settings = HubSettings(endpoint: endpoint, token: nil, offline: false, cacheDirectory: scratch.path)
        let error = await failure(HubDownloader(settings: settings, transport: transport), HubLoopback.model)
        guard case .offline? = error else { return XCTFail(String(describing: error)) }
        XCTAssertTrue(error?.isNetwork ?? false)
    }
}
