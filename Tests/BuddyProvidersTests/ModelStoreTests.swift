import BuddyProviders
import Foundation
import XCTest

/// What a `--model` name means, without any network.
final class ModelStoreTests: XCTestCase {
    func testHubSpecsAndCatalogueEntriesBecomeHubFiles() {
        XCTAssertEqual(ModelStore.hubFile(for: "org/name/model.gguf"), HubFile(repository: "org/name", path: "model.gguf"))
        XCTAssertEqual(ModelStore.hubFile(for: "org/name/sub/dir/m.gguf@v1.2"),
                       HubFile(repository: "org/name", revision: "v1.2", path: "sub/dir/m.gguf"))
        XCTAssertEqual(ModelStore.hubFile(for: "qwen2.5-0.5b"),
                       HubFile(repository: "Qwen/Qwen2.5-0.5B-Instruct-GGUF", path: "qwen2.5-0.5b-instruct-q4_k_m.gguf"))
        XCTAssertNil(ModelStore.hubFile(for: "smollm2-135m"), "installed by the set-up, not pulled")
        for bad in ["org/name", "org//m.gguf", "org/name/../m.gguf", "org/name/m.gguf@", "plain-name"] {
            XCTAssertNil(ModelStore.hubFile(for: bad), bad)
        }
    }

    func testResolutionPrefersPathsThenTheModelsDirectoryThenTheHubCache() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let models = root.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: models.appendingPathComponent("mine.gguf"))
        let store = ModelStore(modelsDirectory: models.path, hub: HubCache(directory: root.appendingPathComponent("hub").path))
        XCTAssertEqual(store.resolve("mine"), models.appendingPathComponent("mine.gguf").path)
        XCTAssertEqual(store.resolve("mine.gguf"), models.appendingPathComponent("mine.gguf").path)
        XCTAssertEqual(store.resolve(models.appendingPathComponent("mine.gguf").path), models.appendingPathComponent("mine.gguf").path)
        XCTAssertNil(store.resolve("org/name/absent.gguf"))
        XCTAssertNil(store.resolve("absent"))
        XCTAssertEqual(store.localFiles().map(\.name), ["mine.gguf"])
    }

    func testImportRefusesWhatIsNotAModelAndLeavesNothingBehind() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let models = root.appendingPathComponent("models")
        let junk = root.appendingPathComponent("junk.gguf")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("GGUF but not really".utf8).write(to: junk)
        let store = ModelStore(modelsDirectory: models.path, hub: HubCache(directory: root.appendingPathComponent("hub").path))
        XCTAssertThrowsError(try store.importFile(at: junk.path)) { error in
            XCTAssertTrue((error as? ModelStoreError)?.isInvalidInput == true, "\(error)")
        }
        XCTAssertTrue(store.localFiles().isEmpty)
        XCTAssertThrowsError(try store.remove("junk")) { error in
            XCTAssertEqual(error as? ModelStoreError, .notInstalled("junk"))
        }
    }
}
