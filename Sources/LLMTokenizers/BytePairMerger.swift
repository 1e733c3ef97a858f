/// Applies BPE merges to one word: start from single bytes, repeatedly merge the adjacent pair
/// with the lowest rank (leftmost first on ties) until no pair has a merge. A binary heap of
/// candidate pairs and a doubly linked list of symbols keep this O(n log n) per word.
///
/// Reused across the words of one `encode` call so buffers are allocated once.
struct BytePairMerger {
    private struct Candidate {
        let rank: Int32
        let left: Int32
        let right: Int32
        /// The symbols the pair had when queued; a pair whose symbols have since changed is stale.
        let leftSymbol: Int32
        let rightSymbol: Int32
        let result: Int32

        @inline(__always)
        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : left < other.left
        }
    }

    private var symbols: [Int32] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var heap: [Candidate] = []

    /// Appends the symbols `word` merges into (vocabulary ids, or extra symbol ids) to `output`.
    mutating func merge(_ word: ArraySlice<UInt8>, table: MergeTable, into output: inout [Int32]) {
        let count = word.count
        guard count > 1 else {
            if let byte = word.first { output.append(table.byteSymbols[Int(byte)]) }
            return
        }
        symbols.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for (offset, byte) in word.enumerated() {
            symbols.append(table.byteSymbols[Int(byte)])
            previous.append(Int32(offset - 1))
            next.append(offset + 1 < count ? Int32(offset + 1) : -1)
        }
        for left in 0..<(count - 1) {
            enqueue(Int32(left), Int32(left + 1), table)
        }

        while let best = popFirst() {
            let left = Int(best.left), right = Int(best.right)
            guard symbols[left] == best.leftSymbol, symbols[right] == best.rightSymbol, next[left] == best.right else {
                continue
            }
            symbols[left] = best.result
            symbols[right] = -1
            next[left] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = best.left }
            if previous[left] >= 0 { enqueue(previous[left], best.left, table) }
            if next[left] >= 0 { enqueue(best.left, next[left], table) }
        }

        var index: Int32 = 0
        while index >= 0 {
            output.append(symbols[Int(index)])
            index = next[Int(index)]
        }
    }

    private mutating func enqueue(_ left: Int32, _ right: Int32, _ table: MergeTable) {
        let leftSymbol = symbols[Int(left)], rightSymbol = symbols[Int(right)]
        guard let merge = table.merge(leftSymbol, rightSymbol) else { return }
        heap.append(Candidate(rank: merge.rank, left: left, right: right,
                              leftSymbol: leftSymbol, rightSymbol: rightSymbol, result: merge.result))
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
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
