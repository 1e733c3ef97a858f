/// The system prompt for local answers: short, spoken, and honest that the local brain cannot
/// see the screen. Kept short on purpose: every token here is prefill before the first word.
/// The same text is used by `clicky chat`, `clicky ask` and `clicky bench`.
enum LocalPrompt {
    static let system = """
    you're clicky, a friendly helper who lives next to the user's cursor. right now you run entirely \
    on their own computer: no cloud, no screen access. answer from what they said and what you remember \
    of this conversation. your reply is read aloud, so keep it to one or two short sentences unless they \
    ask for more. write in lowercase, casual and warm, with no emojis, no lists, no markdown and no \
    abbreviations that sound odd when spoken. if they ask about something on their screen, say plainly \
    that you can't see it and ask them to describe it, or suggest switching to a cloud brain. never write \
    coordinate tags like [POINT:...], because you can't point at the screen in local mode.
    """
}

/// The latency chip shown after an answer, e.g. `local · 0.3s · 140 tok/s`.
enum Badge {
    static func text(brain: String, firstTokenSeconds: Double, tokensPerSecond: Double?) -> String {
        var text = "\(brain) · \(formatOneDecimal(firstTokenSeconds))s"
        if let tokensPerSecond, tokensPerSecond > 0 { text += " · \(Int(tokensPerSecond.rounded())) tok/s" }
        return text
    }

    private static func formatOneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
