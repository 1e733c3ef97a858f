// Machine read bandwidth: the ceiling for decode, which streams every weight once per token.
import LLMKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sums `words` 64-bit words in four independent SIMD lanes so the loads, not the adds, set the pace.
private func readAll(_ p: UnsafePointer<SIMD8<UInt64>>, count: Int) -> UInt64 {
    var a = SIMD8<UInt64>(), b = a, c = a, d = a   // 8 ymm registers on AVX2: no spills
    var i = 0
    while i + 4 <= count {
        a &+= p[i]; b &+= p[i + 1]; c &+= p[i + 2]; d &+= p[i + 3]
        i += 4
    }
    return ((a &+ b) &+ (c &+ d)).wrappedSum()
}

private struct ReadSlice: ParallelWork {
    let base: UnsafePointer<SIMD8<UInt64>>
    let vectorsPerSlice: Int
    let sink: UnsafeMutablePointer<UInt64>
    func run(_ index: Int) { sink[index] = readAll(base + index * vectorsPerSlice, count: vectorsPerSlice) }
}

/// GB/s reading a 1 GiB huge-page buffer, best of `rounds`, on `pool`'s threads.
func readBandwidth(pool: ThreadPool, rounds: Int) -> Double {
    let bytes = 1 << 30
    var raw: UnsafeMutableRawPointer?
    guard posix_memalign(&raw, 2 << 20, bytes) == 0, let raw else { return 0 }
    defer { free(raw) }
    #if os(Linux)
    _ = madvise(raw, bytes, 14)   // MADV_HUGEPAGE, as the engine's weights get
    #endif
    memset(raw, 1, bytes)
    let vectors = bytes / MemoryLayout<SIMD8<UInt64>>.size
    let slices = pool.threadCount
    let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: slices)
    defer { sink.deallocate() }
    let work = ReadSlice(base: UnsafePointer(raw.assumingMemoryBound(to: SIMD8<UInt64>.self)),
                         vectorsPerSlice: vectors / slices, sink: sink)
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = now()
        if slices == 1 { work.run(0) } else { pool.parallelFor(slices, work) }
        best = min(best, now() - start)
    }
    return Double(bytes) / best / 1e9
}
