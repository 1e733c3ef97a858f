import LLMEngine
import XCTest

final class ModelCatalogTests: XCTestCase {
    func testNamesAndFilesAreUnique() {
        XCTAssertEqual(Set(ModelCatalog.models.map(\.name)).count, ModelCatalog.models.count)
        XCTAssertEqual(Set(ModelCatalog.models.map(\.file)).count, ModelCatalog.models.count)
    }

    func testEveryEntryIsAGGUFWithAKnownFormat() {
        for model in ModelCatalog.models {
            XCTAssertTrue(model.file.hasSuffix(".gguf"), model.name)
            XCTAssertTrue(["chatml", "llama3", "gemma"].contains(model.chatFormat), model.name)
            XCTAssertGreaterThan(model.approximateBytes, 50_000_000, model.name)
        }
    }

    func testTheIssueListIsCovered() {
        for name in ["llama3.2-3b", "qwen2.5-3b", "qwen2.5-0.5b", "gemma3-1b", "smollm2-1.7b"] {
            XCTAssertNotNil(ModelCatalog.model(named: name), name)
        }
        XCTAssertEqual(ModelCatalog.model(named: "Llama3.2-3B")?.source,
                       .huggingFace(repository: "hugging-quants/Llama-3.2-3B-Instruct-Q4_K_M-GGUF", gated: true))
        XCTAssertEqual(ModelCatalog.model(named: ModelCatalog.defaultModelName)?.file, "SmolLM2-135M-Instruct.Q4_1.gguf")
    }
}
