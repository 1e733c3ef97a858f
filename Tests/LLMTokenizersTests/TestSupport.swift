import Foundation
import GGUF
import XCTest
@testable import LLMTokenizers

/// Where test inputs live: fixtures and goldens in Tests/Fixtures (copies of shared/ ones),
/// the model in the user's data directory (installed by scripts/setup.sh).
enum TestPaths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let tokenizerFixture = repositoryRoot
        .appendingPathComponent("Tests/Fixtures/tokenizer/smollm2-135m-instruct.json")

    static let smolLMGolden = repositoryRoot
        .appendingPathComponent("Tests/Fixtures/golden/smollm2-135m-instruct-q4_1.json").standardizedFileURL

    static let gemmaTokenizerFixture = repositoryRoot
        .appendingPathComponent("Tests/Fixtures/tokenizer/gemma3-270m.json")

    static let gemmaGolden = repositoryRoot
        .appendingPathComponent("Tests/Fixtures/golden/gemma3-270m-q4_k_m.json").standardizedFileURL

    static var defaultModel: URL { model(named: "SmolLM2-135M-Instruct.Q4_1.gguf") }

    static var gemmaModel: URL { model(named: "gemma-3-270m-Q4_K_M.gguf") }

    static func model(named name: String) -> URL {
        let environment = ProcessInfo.processInfo.environment
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return URL(fileURLWithPath: dataHome).appendingPathComponent("clicky/models/\(name)")
    }
}

/// The Gemma 3 270M tokenizer, loaded once for all tests; skips the calling test when the model
/// file is absent.
enum Gemma {
    private static let loaded: Result<SentencePieceTokenizer, Error>? = {
        let path = TestPaths.gemmaModel.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return Result { () throws -> SentencePieceTokenizer in
            let file = try GGUFFile(path: path)
            return try SentencePieceTokenizer(metadata: TokenizerMetadata(file: file))
        }
    }()

    static func tokenizer() throws -> SentencePieceTokenizer {
        guard let loaded else {
            throw XCTSkip("model not installed at \(TestPaths.gemmaModel.path); run scripts/setup.sh")
        }
        return try loaded.get()
    }
}

/// The SmolLM2 tokenizer, loaded once for all tests; skips the calling test when the model file
/// is absent (CI always installs it).
enum SmolLM {
    private static let loaded: Result<ByteLevelBPETokenizer, Error>? = {
        let path = TestPaths.defaultModel.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return Result { () throws -> ByteLevelBPETokenizer in
            let file = try GGUFFile(path: path)
            return try ByteLevelBPETokenizer(metadata: TokenizerMetadata(file: file))
        }
    }()

    static func tokenizer() throws -> ByteLevelBPETokenizer {
        guard let loaded else {
            throw XCTSkip("model not installed at \(TestPaths.defaultModel.path); run scripts/setup.sh")
        }
        return try loaded.get()
    }
}

/// A small byte-level vocabulary for tests that need no model file: the 256 single bytes
/// (ids 0...255, in byte order), then `extraTokens`, then control tokens.
struct ToyVocabulary {
    var extraTokens: [String] = []
    var merges: [String] = []
    var controlTokens: [String] = []
    var userDefinedTokens: [String] = []
    var preTokenizer = "gpt-2"
    var specialTokenIDs: [SpecialTokenRole: Int] = [:]

    /// Byte-level spelling of plain text ("a b" -> "aĠb").
    static func spell(_ text: String) -> String {
        ByteLevelAlphabet.encode(Array(text.utf8))
    }

    func id(of spelling: String) -> TokenID? {
        allSpellings.firstIndex(of: spelling).map { TokenID($0) }
    }

    private var allSpellings: [String] {
        (0..<256).map { ByteLevelAlphabet.encode([UInt8($0)]) } + extraTokens + controlTokens + userDefinedTokens
    }

    var metadata: TokenizerMetadata {
        let spellings = allSpellings
        let types = [Int32](repeating: 1, count: 256 + extraTokens.count)
            + [Int32](repeating: 3, count: controlTokens.count)
            + [Int32](repeating: 4, count: userDefinedTokens.count)
        return TokenizerMetadata(model: "gpt2", preTokenizer: preTokenizer,
                                 tokens: spellings.map { Array($0.utf8) }, tokenTypes: types,
                                 merges: merges.map { Array($0.utf8) }, specialTokenIDs: specialTokenIDs)
    }

    func tokenizer() throws -> ByteLevelBPETokenizer {
        try ByteLevelBPETokenizer(metadata: metadata)
    }
}
