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

    init(layers: Int, capacity: Int, rowWidth: Int) {
        self.layers = layers
        self.capacity = capacity
        self.rowWidth = rowWidth
        let count = layers * capacity * rowWidth
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
        keys.initialize(repeating: 0, count: count)
        values.initialize(repeating: 0, count: count)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// True once old positions have been overwritten; a wrapped cache cannot be rewound.
    var hasWrapped: Bool { positionCount > capacity }

    func reset() { positionCount = 0 }

    /// Forgets every position at or after `count`. Only valid while the ring has not wrapped.
    func rewind(to count: Int) {
        precondition(count <= positionCount && !hasWrapped, "KV cache rewind past what it holds")
        positionCount = count
    }

    /// Marks `count` more positions as written (after `store` filled their rows).
    func advance(by count: Int) { positionCount += count }

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
