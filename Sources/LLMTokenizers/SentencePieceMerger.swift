/// llama.cpp's SentencePiece merge loop over one piece of escaped text: start from UTF-8
/// characters, repeatedly join the adjacent pair whose concatenation is the token with the
/// highest score (leftmost on ties), then emit each remaining symbol as its token, or as byte
/// tokens when no token spells it. Reused across the fragments of one `encode` call.
struct SentencePieceMerger {
    private struct Candidate {
        let score: Float
        let left: Int32
        let right: Int32
        /// Byte length of the pair when queued; a pair whose symbols have since changed is stale.
        let size: Int32

        @inline(__always)
        func precedes(_ other: Candidate) -> Bool {
            score != other.score ? score > other.score : left < other.left
        }
    }

    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var heap: [Candidate] = []

    mutating func tokenize(_ text: [UInt8], vocabulary: SentencePieceVocabulary, into output: inout [TokenID]) {
        guard !text.isEmpty else { return }
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)

        var offset = 0
        while offset < text.count {
            let length = min(Self.sequenceLength(lead: text[offset]), text.count - offset)
            let index = Int32(starts.count)
            starts.append(Int32(offset))
            lengths.append(Int32(length))
            previous.append(index - 1)
            offset += length
            next.append(offset == text.count ? -1 : index + 1)
        }
        for right in 1..<max(starts.count, 1) {
            enqueue(Int32(right - 1), Int32(right), text, vocabulary)
        }

        while let best = popFirst() {
            let left = Int(best.left), right = Int(best.right)
            guard lengths[left] != 0, lengths[right] != 0, lengths[left] + lengths[right] == best.size else { continue }
            lengths[left] += lengths[right]
            lengths[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = best.left }
            enqueue(previous[left], best.left, text, vocabulary)
            enqueue(best.left, next[left], text, vocabulary)
        }

        var index: Int32 = 0
        while index >= 0 {
            let start = Int(starts[Int(index)]), end = start + Int(lengths[Int(index)])
            if let id = vocabulary.idsBySpelling[text[start..<end]] {
                output.append(id)
            } else {
                // A merged symbol is always a token, so this is one character no token covers.
                // (llama.cpp throws if a byte has no token at all; such a byte is dropped here.)
                for byte in text[start..<end] {
                    if let id = vocabulary.byteTokens[Int(byte)] { output.append(id) }
                }
            }
            index = next[Int(index)]
        }
    }

    /// llama.cpp's `unicode_len_utf8`: the length announced by the high bits of a lead byte.
    @inline(__always)
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    private mutating func enqueue(_ left: Int32, _ right: Int32, _ text: [UInt8], _ vocabulary: SentencePieceVocabulary) {
        guard left >= 0, right >= 0 else { return }
        let start = Int(starts[Int(left)])
        let size = lengths[Int(left)] + lengths[Int(right)]
        guard let id = vocabulary.idsBySpelling[text[start..<(start + Int(size))]] else { return }
        heap.append(Candidate(score: vocabulary.scores[Int(id)], left: left, right: right, size: size))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popFirst() -> Candidate? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count, heap[left].precedes(heap[best]) { best = left }
            if right < heap.count, heap[right].precedes(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return first
    }
}
