import BuddyCore
import Foundation

/// Servers on this machine answer with the network down: a local Ollama, a llama.cpp server,
/// a proxy on loopback. Their brains say so (`RemoteBrain.needsInternet`), and the offline
/// nudge is kept for brains that really are elsewhere.
extension URL {
    /// True for `localhost`, `127.0.0.0/8` and `::1`.
    var isOnThisMachine: Bool {
        guard let host = host?.lowercased() else { return false }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" || bare.hasPrefix("127.")
    }
}

extension OpenAICompatibleBrain {
    public var needsInternet: Bool { !configuration.baseURL.isOnThisMachine }
}

extension AnthropicBrain {
    public var needsInternet: Bool {
        switch configuration.endpoint {
        case .direct(_, let baseURL): !baseURL.isOnThisMachine
        case .proxy(let workerURL): !workerURL.isOnThisMachine
        }
    }
}
