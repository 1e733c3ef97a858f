/// The latency chip beside the cursor while an answer plays, exactly as the original writes it
/// (`clicky-behaviour.md` §3.7): `local · 0.6s · 58 tok/s`, `cloud · 1.9s`. With the automatic
/// router the brain reads `auto→local` or `auto→cloud`.
public enum LatencyBadge {
    /// - Parameters:
    ///   - brain: "local", "cloud", or a routed name such as "auto→local".
    ///   - firstTokenSeconds: request start to the first streamed text, one decimal.
    ///   - tokensPerSecond: decode speed, when the brain reports it (local only); none or zero
    ///     leaves that part out.
    public static func text(brain: String, firstTokenSeconds: Double, tokensPerSecond: Double? = nil) -> String {
        var text = "\(brain) · \(oneDecimal(firstTokenSeconds))s"
        if let tokensPerSecond, tokensPerSecond > 0, tokensPerSecond.isFinite {
            text += " · \(Int(tokensPerSecond.rounded())) tok/s"
        }
        return text
    }

    /// `brain` as routed by `auto`: "auto→local".
    public static func routed(to brain: String) -> String { "auto→\(brain)" }

    /// Rounded half away from zero to tenths, printed without Foundation's locale-dependent formats.
    private static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "0.0" }
        let tenths = Int((max(value, 0) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
