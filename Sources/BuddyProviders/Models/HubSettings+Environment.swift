import Foundation

extension HubSettings {
    /// The Hub as `huggingface_hub` finds it in the environment, so a machine already set up for
    /// the Python tools (a token saved by `huggingface-cli login`, a mirror in `HF_ENDPOINT`, a
    /// cache moved to another disk) works with Clicky unchanged:
    ///
    /// - endpoint: `HF_ENDPOINT` with trailing `/` removed, else `https://huggingface.co`;
    /// - token: `HF_TOKEN`, else the file at `HF_TOKEN_PATH`, else `$HF_HOME/token`
    ///   (surrounding whitespace dropped; empty means no token);
    /// - offline: `HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE` set to 1, ON, YES or TRUE (any case);
    /// - cache: `HF_HUB_CACHE`, else the older `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`.
    ///
    /// `HF_HOME` defaults to `$XDG_CACHE_HOME/huggingface`, else `$HOME/.cache/huggingface`, as
    /// in `huggingface_hub`; a leading `~/` in any of these paths is the home directory.
    ///
    /// A malformed `HF_ENDPOINT` is kept as written (percent-encoded where needed) rather than
    /// replaced by the default: the first request then fails naming it, instead of silently
    /// talking to a server the user did not choose.
    public init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                return nil
            }
            return raw
        }
        let home = value("HOME") ?? NSHomeDirectory()
        func expand(_ path: String) -> String {
            if path == "~" { return home }
            return path.hasPrefix("~/") ? home + path.dropFirst() : path
        }
        let cacheHome = value("XDG_CACHE_HOME").map(expand) ?? home + "/.cache"
        let hfHome = value("HF_HOME").map(expand) ?? cacheHome + "/huggingface"

        let token = value("HF_TOKEN").flatMap(Secret.init)
            ?? Self.readToken(at: value("HF_TOKEN_PATH").map(expand) ?? hfHome + "/token")
        let offline = Self.isTruthy(value("HF_HUB_OFFLINE")) || Self.isTruthy(value("TRANSFORMERS_OFFLINE"))
        let cache = (value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE")).map(expand) ?? hfHome + "/hub"
        self.init(endpoint: Self.endpoint(value("HF_ENDPOINT")), token: token, offline: offline,
                  cacheDirectory: cache)
    }

    /// The Hub everyone uses when `HF_ENDPOINT` is not set.
    public static let defaultEndpoint = URL(string: "https://huggingface.co") ?? URL(fileURLWithPath: "/")

    /// `HF_ENDPOINT` without its trailing slashes (so `{endpoint}/{repo}` never doubles one).
    static func endpoint(_ raw: String?) -> URL {
        guard var text = raw else { return defaultEndpoint }
        while text.hasSuffix("/") { text.removeLast() }
        if let url = URL(string: text) { return url }
        let escaped = text.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed) ?? text
        return URL(string: escaped) ?? URL(fileURLWithPath: escaped)
    }

    /// `huggingface_hub`'s truthy spellings; anything else (0, false, empty) is false.
    static func isTruthy(_ raw: String?) -> Bool {
        guard let raw else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(raw.uppercased())
    }

    /// The token file `huggingface-cli login` writes; missing or unreadable means no token (the
    /// user may simply never have logged in, and public models need none).
    static func readToken(at path: String) -> Secret? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 64 << 10 else { return nil }
        return Secret(String(decoding: data, as: UTF8.self))
    }
}
