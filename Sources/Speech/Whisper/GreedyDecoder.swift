/// Greedy decoding of one window, as faster-whisper runs an English-only model with
/// `without_timestamps=True`, beam size 1 and temperature 0:
///
/// - the prompt is `[<|startoftranscript|>, <|notimestamps|>]` (faster-whisper's `get_prompt`:
///   the start-of-transcript sequence, which for an English-only model has no language or task
///   token, then <|notimestamps|>);
/// - each step takes the most likely token (the first of equal maxima) after suppressing the
///   config's `suppress_ids` (punctuation-like symbols that are not speech, and the task and
///   start tokens) at every step, and its `suppress_ids_begin` (the blank " " and
///   <|endoftext|>) at the first step, as CTranslate2's `generate` does;
/// - additionally every id above <|endoftext|> (start/language/task tokens, <|notimestamps|>,
///   timestamps) is suppressed: without timestamps none of them can be part of the text, and
///   the model practically never ranks one first after <|notimestamps|>;
/// - decoding stops at <|endoftext|> or after `maximumTokens` tokens (CTranslate2 halves the
///   448-position context: 224).
///
/// Not faster-whisper's fallbacks: no retry at higher temperatures on a poor compression ratio
/// or log-probability, no no-speech threshold (silence is trimmed before decoding instead).
struct GreedyDecoder {
    let prompt: [Int]
    let endOfText: Int
    let maximumTokens: Int
    /// Ids suppressed at every step, then those suppressed at the first step only.
    private let suppressed: [Int]
    private let suppressedAtBegin: [Int]

    init(tokenizer: WhisperTokenizer, suppress: [Int], suppressAtBegin: [Int], textContext: Int) {
        prompt = [tokenizer.startOfTranscript, tokenizer.noTimestamps]
        endOfText = tokenizer.endOfText
        maximumTokens = textContext / 2
        suppressed = suppress.filter { $0 >= 0 && $0 < tokenizer.endOfText }
        suppressedAtBegin = suppressAtBegin.filter { $0 >= 0 && $0 <= tokenizer.endOfText }
    }

    /// Decodes the window `model` has just encoded; returns the text tokens (without the
    /// prompt and the final <|endoftext|>). `tokens` is cleared first and reused, so a caller
    /// that keeps it allocates nothing per token.
    func run(_ model: WhisperModel, into tokens: inout [Int]) {
        tokens.removeAll(keepingCapacity: true)
        tokens.reserveCapacity(maximumTokens)
        model.resetDecoder()
        var logits = model.decode(prompt[0])
        for token in prompt.dropFirst() { logits = model.decode(token) }
        let limit = min(maximumTokens, model.dimensions.textContext - prompt.count)
        while tokens.count < limit {
            let next = choose(logits, first: tokens.isEmpty)
            if next == endOfText { break }
            tokens.append(next)
            if tokens.count == limit { break }
            logits = model.decode(next)
        }
    }

    /// The highest logit among the ids that are allowed at this step (ids 0...endOfText minus
    /// the suppressed ones; the first of equal maxima). The logits are the model's scratch, so
    /// suppressed entries are simply overwritten.
    func choose(_ scores: UnsafeMutablePointer<Float>, first: Bool) -> Int {
        for id in suppressed { scores[id] = -.infinity }
        if first { for id in suppressedAtBegin { scores[id] = -.infinity } }
        var best = 0, bestScore = -Float.infinity
        for id in 0...endOfText where scores[id] > bestScore {
            best = id
            bestScore = scores[id]
        }
        return best
    }
}
