// swift-tools-version:6.0
import PackageDescription

// Swift SIMD collapses to SSE2 without a target CPU (docs: kernels.md §1), so the Swift
// modules are built for x86-64-v3 (AVX2/FMA/F16C). The C kernels pick AVX-512/AVX2 at run
// time through their own per-function target attributes and need no flag.
#if arch(x86_64)
let swiftFast: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let swiftFast: [SwiftSetting] = []
#endif

let package = Package(
    name: "Clicky",
    platforms: [.macOS(.v15)],   // Synchronization.Atomic
    products: [
        .executable(name: "clicky", targets: ["clicky"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "GGUF", swiftSettings: swiftFast),
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "LLMKernels", dependencies: ["CKernels", "GGUF"], swiftSettings: swiftFast),
        .target(name: "LLMTokenizers", dependencies: ["GGUF"], swiftSettings: swiftFast),
        .target(name: "ChatTemplates", dependencies: ["GGUF"], swiftSettings: swiftFast),
        .target(name: "LLMEngine",
                dependencies: ["GGUF", "LLMKernels", "LLMTokenizers", "ChatTemplates"],
                swiftSettings: swiftFast),
        // System libraries: ALSA for the microphone and speaker, libmpg123 for a worker's MP3 voice.
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CMpg123", pkgConfig: "libmpg123", providers: [.apt(["libmpg123-dev"])]),
        // X11 with its extensions and cairo (the overlay, hotkey, capture); libjpeg-turbo and libpng.
        .systemLibrary(name: "CX11", pkgConfig: "cairo-xlib",
                       providers: [.apt(["libx11-dev", "libxext-dev", "libxfixes-dev", "libxrandr-dev", "libxtst-dev",
                                         "libxi-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CImage", pkgConfig: "libpng", providers: [.apt(["libpng-dev", "libjpeg62-turbo-dev"])]),
        // The desktop adapters on X11: overlay, hotkey, screen capture.
        .target(name: "BuddyLinux", dependencies: ["BuddyCore", "CX11", "CImage"], swiftSettings: swiftFast),
        // The ears and the voice: WAV reading, log-mel, the CTranslate2 reader and Whisper on
        // LLMKernels; the audio devices; flite, espeak-ng and MP3 decoding.
        .target(name: "Speech", dependencies: ["LLMKernels", "LLMTokenizers", "BuddyCore", "CAlsa", "CMpg123"],
                swiftSettings: swiftFast),
        // Pure buddy logic, no I/O: POINT grammar and mapping, badge, prompts (DESIGN.md).
        .target(name: "BuddyCore", swiftSettings: swiftFast),
        // Adapters to brains and services: the local engine, Anthropic, OpenAI-compatible servers,
        // PostHog, settings and secrets, network status.
        .target(name: "BuddyProviders", dependencies: ["BuddyCore", "LLMEngine", "ChatTemplates", "GGUF", "Speech"], swiftSettings: swiftFast),
        .executableTarget(name: "clicky",
                          dependencies: ["LLMEngine", "BuddyCore", "BuddyProviders", "Speech", "BuddyLinux",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: swiftFast),
        // Kernel micro-benchmark: `swift run -c release KernelBench [--quick] [--only hot|bandwidth|isa|pool|quant|token|prefill|kquant]`.
        .executableTarget(name: "KernelBench", dependencies: ["LLMKernels", "CKernels", "GGUF"],
                          path: "bench/kernels", swiftSettings: swiftFast),

        .testTarget(name: "GGUFTests", dependencies: ["GGUF"], swiftSettings: swiftFast),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels", "LLMKernels"], swiftSettings: swiftFast),
        .testTarget(name: "LLMKernelsTests", dependencies: ["LLMKernels"], swiftSettings: swiftFast),
        .testTarget(name: "LLMTokenizersTests", dependencies: ["LLMTokenizers", "GGUF"], swiftSettings: swiftFast),
        .testTarget(name: "ChatTemplatesTests", dependencies: ["ChatTemplates", "GGUF"], swiftSettings: swiftFast),
        .testTarget(name: "LLMEngineTests", dependencies: ["LLMEngine", "GGUF", "LLMKernels"], swiftSettings: swiftFast),
        .testTarget(name: "BuddyCoreTests", dependencies: ["BuddyCore"], swiftSettings: swiftFast),
        .testTarget(name: "BuddyProvidersTests", dependencies: ["BuddyProviders", "BuddyCore", "LLMEngine", "Speech"], swiftSettings: swiftFast),
        // Test helpers shared by test targets: child processes started with posix_spawn.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SpeechTests", dependencies: ["Speech", "LLMKernels", "TestSupport"], swiftSettings: swiftFast),
        .testTarget(name: "clickyTests", dependencies: ["LLMEngine", "TestSupport"], swiftSettings: swiftFast),
        .testTarget(name: "BuddyLinuxTests", dependencies: ["BuddyLinux", "BuddyCore", "TestSupport"], swiftSettings: swiftFast),
    ],
    swiftLanguageModes: [.v6]
)
