import Foundation
import LLMTokenizers

/// Keys and values of past positions, per layer, stored as Float16 like llama.cpp's default cache
/// (half the memory traffic of Float, and the same rounding the goldens were made with).
///
/// The cache is a ring of `capacity` slots: position p lives in slot p % capacity, so a long
/// conversation keeps the most recent `capacity` positions and memory stays flat (the original
/// app's `maxKVSize 4096`). Layout per layer: `[slot][kvHead][headDimension]`, one contiguous row
/// per position, so attention streams through it.
final class KVCache {
    let layers: Int
    let capacity: Int
    let rowWidth: Int              // kvHeads * headDimension
    private let keys: UnsafeMutablePointer<Float16>
    private let values: UnsafeMutablePointer<Float16>

    /// Number of positions written since the last reset (may exceed `capacity`).
    private(set) var positionCount = 0
    /// The tokens whose keys and values were written, in order (`positionCount` of them).
    private(set) var tokens: [TokenID] = []

    init(layers: Int, capacity: Int, rowWidth: Int) {
        self.layers = layers
        self.capacity = capacity
        self.rowWidth = rowWidth
        let count = layers * capacity * rowWidth
        // calloc: a large block comes straight from the kernel as untouched zero pages, so a
        // 4096-slot cache costs resident memory only for the positions a conversation uses.
        keys = Self.zeroed(count)
        values = Self.zeroed(count)
    }

    private static func zeroed(_ count: Int) -> UnsafeMutablePointer<Float16> {
        guard let raw = calloc(max(count, 1), MemoryLayout<Float16>.stride) else {
            fatalError("out of memory for a \(count)-value KV cache")
        }
        return raw.bindMemory(to: Float16.self, capacity: count)
    }

    deinit {
        free(keys)
        free(values)
    }

    /// True once old positions have been overwritten; a wrapped cache cannot be rewound.
    var hasWrapped: Bool { positionCount > capacity }

    func reset() {
        positionCount = 0
        tokens.removeAll(keepingCapacity: true)
    }

    /// Forgets every position at or after `count`. A wrapped ring no longer holds the early
    /// positions, so it cannot rewind and is cleared instead.
    func truncate(to count: Int) {
        guard count < tokens.count else { return }
        if hasWrapped || count <= 0 {
            reset()
        } else {
            positionCount = count
            tokens.removeSubrange(count...)
        }
    }

    /// Records a batch whose rows `store` has filled.
    func commit(_ batch: UnsafeBufferPointer<TokenID>) {
        positionCount += batch.count
        tokens.append(contentsOf: batch)
    }

    /// Checks `newTokens` against the vocabulary and hands them to `body` in batches of at most
    /// `limit`, flagging the last. A batch writes all its keys before attending, so it is never
    /// longer than the ring, or its own first tokens would be overwritten before they are read.
    func inBatches(_ newTokens: [TokenID], limit: Int, vocabularySize: Int,
                   _ body: (UnsafeBufferPointer<TokenID>, _ isLast: Bool) -> Void) throws(EngineError) {
        guard !newTokens.isEmpty else { throw .emptyPrompt }
        for token in newTokens where token < 0 || Int(token) >= vocabularySize {
            throw .invalidParameter("token id \(token) is outside the vocabulary (\(vocabularySize))")
        }
        let batch = min(limit, capacity)
        var start = 0
        while start < newTokens.count {
            let end = min(start + batch, newTokens.count)
            newTokens.withUnsafeBufferPointer { all in
                body(UnsafeBufferPointer(rebasing: all[start..<end]), end == newTokens.count)
            }
            start = end
        }
    }

    @inline(__always)
    func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float16> {
        keys + (layer * capacity + position % capacity) * rowWidth
    }

    @inline(__always)
    func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<Float16> {
        values + (layer * capacity + position % capacity) * rowWidth
    }

    /// Writes one position's keys and values (rowWidth floats each) for one layer.
    @inline(__always)
    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let k = keyRow(layer: layer, position: position)
        let v = valueRow(layer: layer, position: position)
        for i in 0..<rowWidth {
            k[i] = Float16(key[i])
            v[i] = Float16(value[i])
        }
    }

    /// The first position a query at `position` may attend to, given that positions up to
    /// `newestPosition` are already in the ring (a batch writes all its rows before attending).
    @inline(__always)
    func oldestVisible(newestPosition: Int) -> Int {
        max(0, newestPosition - capacity + 1)
    }
}
