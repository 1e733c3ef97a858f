import LLMEngine
import LLMTokenizers

/// A model whose logits always favour (last token + 1) mod vocabulary, so the generated
/// sequence is known in advance. It counts forward passes to check how much work was done.
final class CountingModel: LanguageModel {
    let vocabularySize: Int
    let contextWindow = 1024
    private(set) var cachedTokens: [TokenID] = []
    private(set) var forwardCalls = 0
    private(set) var tokensComputed = 0
    private var logits: [Float]

    init(vocabularySize: Int = 16) {
        self.vocabularySize = vocabularySize
        logits = Array(repeating: 0, count: vocabularySize)
    }

    func truncateCache(to count: Int) {
        if count < cachedTokens.count { cachedTokens.removeSubrange(max(count, 0)...) }
    }

    func resetCache() { cachedTokens.removeAll() }

    func forward(_ tokens: [TokenID]) throws(EngineError) -> UnsafeBufferPointer<Float> {
        forwardCalls += 1
        tokensComputed += tokens.count
        cachedTokens += tokens
        let next = (Int(tokens[tokens.count - 1]) + 1) % vocabularySize
        for i in 0..<vocabularySize { logits[i] = i == next ? 10 : Float(i % 3) }
        return logits.withUnsafeBufferPointer { UnsafeBufferPointer(start: $0.baseAddress, count: $0.count) }
    }
}

/// Token i spells the single letter "a" + i; token 0 is the end-of-generation token.
struct LetterTokenizer: Tokenizer {
    var vocabularySize: Int = 16
    var bosToken: TokenID? { nil }
    var eosToken: TokenID? { 0 }
    var addsBOS: Bool { false }
    var endOfGenerationTokens: Set<TokenID> { [0] }

    func encode(_ text: String, parseSpecialTokens: Bool) -> [TokenID] {
        text.unicodeScalars.map { TokenID(($0.value - 97) % UInt32(vocabularySize)) }
    }

    func tokenBytes(_ id: TokenID) -> [UInt8] { id == 0 ? [] : [UInt8(97 + id)] }
    func isSpecial(_ id: TokenID) -> Bool { id == 0 }
    func tokenText(_ id: TokenID) -> String { String(decoding: tokenBytes(id), as: UTF8.self) }
}
