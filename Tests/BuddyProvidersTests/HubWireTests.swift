@testable import BuddyProviders
import Foundation
import XCTest

/// The pure pieces of the Hub protocol: addresses, header parsing and error classification,
/// for the shapes the recorded fixtures do not carry (weak ETags, other error codes, bad ranges).
final class HubWireTests: XCTestCase {
    private let settings = HubSettings(endpoint: URL(string: "https://hub.example") ?? HubSettings.defaultEndpoint,
                                       token: nil, offline: false, cacheDirectory: "/tmp/unused")
    private let file = HubFile(repository: "org/model", path: "model.gguf")

    func testTheResolveAddressEncodesTheRevisionAsOneSegment() throws {
        let plain = try HubMetadataReader.resolveURL(endpoint: settings.endpoint, file: file)
        XCTAssertEqual(plain.absoluteString, "https://hub.example/org/model/resolve/main/model.gguf")
        let pr = HubFile(repository: "org/model", revision: "refs/pr/1", path: "dir/a b.gguf")
        let slash = URL(string: "https://hub.example/") ?? settings.endpoint
        XCTAssertEqual(try HubMetadataReader.resolveURL(endpoint: slash, file: pr).absoluteString,
                       "https://hub.example/org/model/resolve/refs%2Fpr%2F1/dir/a%20b.gguf")
        XCTAssertThrowsError(try HubMetadataReader.resolveURL(endpoint: slash, file: HubFile(repository: "org/model", path: "../x")))
    }

    func testETagsLoseTheirWeakMarkerAndQuotes() {
        XCTAssertEqual(HubMetadataReader.normalizedETag("W/\"abc123\""), "abc123")
        XCTAssertEqual(HubMetadataReader.normalizedETag("\"abc123\""), "abc123")
        XCTAssertEqual(HubMetadataReader.normalizedETag("abc123"), "abc123")
        XCTAssertNil(HubMetadataReader.normalizedETag("\"\""))
        XCTAssertFalse(HubMetadataReader.isSafeName("../../etc"), "an ETag becomes a file name")
    }

    func testTheLinkedHeadersWinOnARedirectAndACommitIsRequired() throws {
        let cdn = URL(string: "https://cdn.example/blob") ?? settings.endpoint
        let redirect = HTTPResponseHead(status: 302, headers: [
            "X-Repo-Commit": String(repeating: "c", count: 40), "ETag": "\"sha1\"", "Content-Length": "1122",
            "X-Linked-Etag": "W/\"\(String(repeating: "d", count: 64))\"", "X-Linked-Size": "4096"])
        let metadata = try HubMetadataReader.parse(redirect, location: cdn, isRedirect: true)
        XCTAssertEqual(metadata, HubFileMetadata(commit: String(repeating: "c", count: 40), etag: String(repeating: "d", count: 64),
                                                 size: 4096, location: cdn))
        XCTAssertTrue(metadata.isSHA256)
        let noLinkedSize = HTTPResponseHead(status: 302, headers: ["X-Repo-Commit": "c", "ETag": "\"e\"", "Content-Length": "1122"])
        XCTAssertNil(try HubMetadataReader.parse(noLinkedSize, location: cdn, isRedirect: true).size, "a redirect page's length")
        XCTAssertThrowsError(try HubMetadataReader.parse(HTTPResponseHead(status: 200, headers: ["ETag": "\"e\""]),
                                                         location: cdn, isRedirect: false)) { error in
            guard case .invalidResponse? = error as? HubError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(HubMetadataReader.isRelative("/api/resolve-cache/models/x?etag=1"))
        XCTAssertFalse(HubMetadataReader.isRelative("https://cdn.example/x"))
        XCTAssertFalse(HubMetadataReader.isRelative("//cdn.example/x"), "another host, scheme-relative")
    }

    func testAPartialAnswerMustContinueWhereTheFileEnds() throws {
        XCTAssertNoThrow(try HubTransfer.checkContentRange("bytes 1000-4095/4096", start: 1000, size: 4096))
        XCTAssertNoThrow(try HubTransfer.checkContentRange("bytes 1000-4095/*", start: 1000, size: 4096))
        XCTAssertThrowsError(try HubTransfer.checkContentRange("bytes 0-4095/4096", start: 1000, size: 4096))
        XCTAssertThrowsError(try HubTransfer.checkContentRange("bytes 1000-4095/5000", start: 1000, size: 4096))
        XCTAssertThrowsError(try HubTransfer.checkContentRange(nil, start: 1000, size: 4096))
        XCTAssertThrowsError(try HubTransfer.checkContentRange("bytes x-y/z", start: 1000, size: nil))
    }

    func testTheTokenStaysWithinTheEndpointsOrigin() throws {
        let hub = try XCTUnwrap(URL(string: "https://huggingface.co"))
        XCTAssertTrue(HubTransfer.sameOrigin(try XCTUnwrap(URL(string: "https://huggingface.co:443/api/resolve-cache/x")), hub))
        XCTAssertFalse(HubTransfer.sameOrigin(try XCTUnwrap(URL(string: "https://cdn-lfs.huggingface.co/x")), hub))
        XCTAssertFalse(HubTransfer.sameOrigin(try XCTUnwrap(URL(string: "http://huggingface.co/x")), hub))
        XCTAssertFalse(HubTransfer.sameOrigin(try XCTUnwrap(URL(string: "https://huggingface.co:8443/x")), hub))
    }

    func testErrorCodesDecideBeforeStatuses() {
        func classify(_ status: Int, _ code: String? = nil) -> HubError {
            var headers: [String: String] = [:]
            if let code { headers["X-Error-Code"] = code }
            return HubFailures.classify(HTTPResponseHead(status: status, headers: headers), file: file, settings: settings)
        }
        XCTAssertEqual(classify(403, "GatedRepo"), .gated(repository: "org/model", page: "https://hub.example/org/model", hasToken: false))
        guard case .repositoryNotFound = classify(404, "RevisionNotFound"),
              case .repositoryNotFound = classify(404, "RepoNotFound"),
              case .repositoryNotFound = classify(401),
              case .fileNotFound = classify(404, "EntryNotFound"),
              case .fileNotFound = classify(404),
              case .interrupted = classify(429),
              case .interrupted = classify(503),
              case .invalidResponse = classify(400) else { return XCTFail("classification") }
        XCTAssertEqual(HubFailures.transportFailure(HTTPTransportError.cannotConnect("refused"), reaching: settings.endpoint),
                       .offline("cannot reach hub.example (refused)"))
        XCTAssertEqual(HubFailures.bodyFailure(HTTPTransportError.timedOut, from: settings.endpoint),
                       .interrupted("hub.example stopped sending"))
        XCTAssertEqual(HubFailures.transportFailure(CancellationError(), reaching: settings.endpoint), .interrupted("cancelled"))
    }
}
