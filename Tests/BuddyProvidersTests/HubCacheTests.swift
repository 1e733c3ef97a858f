import BuddyProviders
import Foundation
import XCTest

/// `HubCache` on caches built by hand the way `huggingface_hub` leaves them: offline lookup,
/// listing and removal. No network anywhere.
final class HubCacheTests: XCTestCase {
    private var scratch: HubScratch!
    private let repo = "org/model"
    private let folder = "models--org--model"
    private let commitA = String(repeating: "a", count: 40)
    private let commitB = String(repeating: "b", count: 40)
    private let shared = String(repeating: "1", count: 64)
    private let onlyA = String(repeating: "2", count: 64)

    override func setUpWithError() throws {
        scratch = try HubScratch()
        // Two revisions sharing one blob: main → A (weights + config), refs/pr/1 → B (weights).
        try scratch.write(Array(repeating: 7, count: 300), to: "\(folder)/blobs/\(shared)")
        try scratch.write(Array("{}".utf8), to: "\(folder)/blobs/\(onlyA)")
        try scratch.link("\(folder)/snapshots/\(commitA)/w/model.gguf", to: "../../../blobs/\(shared)")
        try scratch.link("\(folder)/snapshots/\(commitA)/config.json", to: "../../blobs/\(onlyA)")
        try scratch.link("\(folder)/snapshots/\(commitB)/w/model.gguf", to: "../../../blobs/\(shared)")
        try scratch.write(Array(commitA.utf8), to: "\(folder)/refs/main")
        try scratch.write(Array((commitB + "\n").utf8), to: "\(folder)/refs/refs/pr/1")
    }

    override func tearDown() { scratch?.remove() }

    private var cache: HubCache { HubCache(directory: scratch.path) }

    func testNamesAndLinksFollowTheHubLayout() {
        XCTAssertEqual(HubCache.folderName(for: "mock-org/Mock-Model-1B-Instruct-GGUF"), "models--mock-org--Mock-Model-1B-Instruct-GGUF")
        XCTAssertEqual(HubCache.folderName(for: "gpt2"), "models--gpt2")
        XCTAssertEqual(HubCache.blobLinkTarget(path: "model.gguf", etag: "e"), "../../blobs/e")
        XCTAssertEqual(HubCache.blobLinkTarget(path: "a/b/model.gguf", etag: "e"), "../../../../blobs/e")
    }

    func testARevisionResolvesThroughRefsWithoutTheNetwork() {
        let main = HubFile(repository: repo, path: "w/model.gguf")
        XCTAssertEqual(cache.cachedPath(for: main), "\(scratch.path)/\(folder)/snapshots/\(commitA)/w/model.gguf")
        XCTAssertEqual(cache.cachedPath(for: HubFile(repository: repo, revision: "refs/pr/1", path: "w/model.gguf")),
                       "\(scratch.path)/\(folder)/snapshots/\(commitB)/w/model.gguf", "a ref written with a newline still reads")
        XCTAssertEqual(cache.cachedPath(for: HubFile(repository: repo, revision: commitB, path: "w/model.gguf")),
                       "\(scratch.path)/\(folder)/snapshots/\(commitB)/w/model.gguf", "a commit needs no ref")
        XCTAssertNil(cache.cachedPath(for: HubFile(repository: repo, revision: "refs/pr/1", path: "config.json")))
        XCTAssertNil(cache.cachedPath(for: HubFile(repository: repo, revision: "dev", path: "w/model.gguf")))
        XCTAssertNil(cache.cachedPath(for: HubFile(repository: "org/other", path: "w/model.gguf")))
        XCTAssertNil(cache.cachedPath(for: HubFile(repository: repo, path: "../../blobs/\(shared)")), "no climbing out")
    }

    func testAFileWhoseBlobIsMissingIsNotCached() throws {
        try scratch.link("\(folder)/snapshots/\(commitA)/dangling.bin", to: "../../blobs/\(String(repeating: "3", count: 64))")
        XCTAssertNil(cache.cachedPath(for: HubFile(repository: repo, path: "dangling.bin")))
        XCTAssertFalse(cache.cachedFiles().contains { $0.path == "dangling.bin" })
    }

    func testTheListingShowsEveryCompleteFileWithItsRevisions() {
        XCTAssertEqual(cache.cachedFiles(), [
            CachedHubFile(repository: repo, commit: commitA, revisions: ["main"], path: "config.json", size: 2,
                          snapshotPath: "\(scratch.path)/\(folder)/snapshots/\(commitA)/config.json"),
            CachedHubFile(repository: repo, commit: commitA, revisions: ["main"], path: "w/model.gguf", size: 300,
                          snapshotPath: "\(scratch.path)/\(folder)/snapshots/\(commitA)/w/model.gguf"),
            CachedHubFile(repository: repo, commit: commitB, revisions: ["refs/pr/1"], path: "w/model.gguf", size: 300,
                          snapshotPath: "\(scratch.path)/\(folder)/snapshots/\(commitB)/w/model.gguf"),
        ])
        XCTAssertEqual(cache.cachedFiles().first?.hubFile, HubFile(repository: repo, path: "config.json"))
        XCTAssertEqual(HubCache(directory: scratch.path + "/nowhere").cachedFiles(), [])
    }

    func testABlobSharedByTwoSnapshotsSurvivesRemovingOne() throws {
        try cache.remove(HubFile(repository: repo, path: "w/model.gguf"))
        XCTAssertNil(cache.cachedPath(for: HubFile(repository: repo, path: "w/model.gguf")))
        XCTAssertTrue(scratch.exists("\(folder)/blobs/\(shared)"), "refs/pr/1 still links it")
        XCTAssertFalse(scratch.exists("\(folder)/snapshots/\(commitA)/w"), "the emptied folder went")
        XCTAssertNotNil(cache.cachedPath(for: HubFile(repository: repo, revision: "refs/pr/1", path: "w/model.gguf")))

        try cache.remove(HubFile(repository: repo, revision: "refs/pr/1", path: "w/model.gguf"))
        XCTAssertFalse(scratch.exists("\(folder)/blobs/\(shared)"), "no snapshot links it any more")
        XCTAssertFalse(scratch.exists("\(folder)/snapshots/\(commitB)"))
        XCTAssertFalse(scratch.exists("\(folder)/refs/refs/pr/1"), "a ref to a removed snapshot goes with it")
        XCTAssertEqual(scratch.bytes("\(folder)/refs/main"), Array(commitA.utf8))

        try cache.remove(HubFile(repository: repo, path: "config.json"))
        XCTAssertFalse(scratch.exists(folder), "an emptied repository folder goes")
    }

    func testRemovingWhatIsNotCachedSaysSo() {
        XCTAssertThrowsError(try cache.remove(HubFile(repository: repo, path: "nope.gguf"))) { error in
            guard case .fileNotFound? = error as? HubError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try cache.remove(HubFile(repository: "org/other", path: "w/model.gguf")))
        XCTAssertTrue(scratch.exists("\(folder)/blobs/\(shared)"))
    }
}

/// `HubSettings(environment:)`: the variables `huggingface_hub` reads, with its defaults.
final class HubSettingsEnvironmentTests: XCTestCase {
    func testDefaults() {
        let settings = HubSettings(environment: ["HOME": "/home/u"])
        XCTAssertEqual(settings.endpoint.absoluteString, "https://huggingface.co")
        XCTAssertNil(settings.token)
        XCTAssertFalse(settings.offline)
        XCTAssertEqual(settings.cacheDirectory, "/home/u/.cache/huggingface/hub")
        XCTAssertEqual(HubSettings(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/x"]).cacheDirectory,
                       "/x/huggingface/hub")
    }

    func testEndpointCacheAndOfflineOverrides() {
        let settings = HubSettings(environment: ["HOME": "/home/u", "HF_ENDPOINT": "https://hf-mirror.example//",
                                                 "HF_HOME": "~/hf", "HF_HUB_OFFLINE": "yes"])
        XCTAssertEqual(settings.endpoint.absoluteString, "https://hf-mirror.example")
        XCTAssertEqual(settings.cacheDirectory, "/home/u/hf/hub")
        XCTAssertTrue(settings.offline)
        XCTAssertEqual(HubSettings(environment: ["HF_HOME": "/h", "HF_HUB_CACHE": "/elsewhere"]).cacheDirectory, "/elsewhere")
        for (value, offline) in [("1", true), ("ON", true), ("True", true), ("0", false), ("no", false), ("", false)] {
            XCTAssertEqual(HubSettings(environment: ["HF_HUB_OFFLINE": value]).offline, offline, value)
            XCTAssertEqual(HubSettings(environment: ["TRANSFORMERS_OFFLINE": value]).offline, offline, value)
        }
    }

    func testTheTokenComesFromHFTokenElseTheLoginFile() throws {
        let scratch = try HubScratch()
        defer { scratch.remove() }
        try scratch.write(Array("hf_from_file\n".utf8), to: "token")
        XCTAssertEqual(HubSettings(environment: ["HF_HOME": scratch.path]).token?.reveal(), "hf_from_file")
        XCTAssertEqual(HubSettings(environment: ["HF_HOME": scratch.path, "HF_TOKEN": "hf_env"]).token?.reveal(), "hf_env")
        XCTAssertEqual(HubSettings(environment: ["HF_HOME": scratch.path + "/none"]).token, nil)
        XCTAssertEqual(HubSettings(environment: ["HF_HOME": scratch.path, "HF_TOKEN": "hf_env"]).token?.description, "<redacted>")
    }
}
