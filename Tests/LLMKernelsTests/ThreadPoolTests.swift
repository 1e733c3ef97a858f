import Foundation
import GGUF
import XCTest
@testable import LLMKernels

final class ThreadPoolTests: XCTestCase {
    /// Results do not depend on the number of threads, bit for bit.
    func testThreadCountsGiveIdenticalResults() {
        var rng = TestRandom(seed: 5)
        for type in [GGMLType.q4_1, .q4_0, .q8_0, .f16] {
            let rows = 301, columns = 512
            let bytes = randomWeights(type, rows: rows, columns: columns, rng: &rng)
            for tokens in [1, 3, 40] {
                let x = rng.floats(tokens * columns)
                var results: [[Float]] = []
                for threads in [1, 2, 3] {
                    let pool = ThreadPool(threadCount: threads)
                    XCTAssertEqual(pool.threadCount, threads)
                    let scratch = ActivationBuffer(maxTokens: tokens, maxColumns: columns)
                    var y = [Float](repeating: .nan, count: tokens * rows)
                    bytes.withUnsafeBytes { raw in
                        let w = try! WeightMatrix(type: type, rows: rows, columns: columns, data: raw.baseAddress!)
                        MatMul.multiply(w, x, tokens: tokens, into: &y, scratch: scratch, pool: pool)
                    }
                    results.append(y)
                }
                XCTAssertEqual(results[1], results[0], "\(type), \(tokens) tokens, 2 threads")
                XCTAssertEqual(results[2], results[0], "\(type), \(tokens) tokens, 3 threads")
            }
        }
    }

    /// Many tiny batches: every index runs exactly once per call, and nothing hangs.
    func testStressManySmallCalls() {
        for threads in [2, 3] {
            let pool = ThreadPool(threadCount: threads)
            let slots = UnsafeMutablePointer<Int>.allocate(capacity: 64)
            defer { slots.deallocate() }
            slots.initialize(repeating: 0, count: 64)
            var expected = [Int](repeating: 0, count: 64)
            for call in 0..<20_000 {
                let count = call % 13 + 1
                pool.parallelFor(count) { i in slots[i] += 1 }
                for i in 0..<count { expected[i] += 1 }
            }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: slots, count: 64)), expected)
        }
    }

    /// The allocation-free struct entry point: same guarantees as the closure one.
    func testParallelWorkStruct() {
        struct Count: ParallelWork {
            let slots: UnsafeMutablePointer<Int>
            func run(_ index: Int) { slots[index] += index + 1 }
        }
        let pool = ThreadPool(threadCount: 3)
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 32)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0, count: 32)
        var expected = [Int](repeating: 0, count: 32)
        for call in 0..<20_000 {
            let count = call % 31 + 1
            pool.parallelFor(count, Count(slots: slots))
            for i in 0..<count { expected[i] += i + 1 }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: slots, count: 32)), expected)
    }

    /// Workers that have parked (after their spin window) wake up for the next batch.
    func testWakesParkedWorkers() {
        let pool = ThreadPool(threadCount: 2)
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0, count: 8)
        for _ in 0..<20 {
            usleep(useconds_t(ThreadPool.spinNanoseconds / 1000 * 2))
            pool.parallelFor(8) { i in slots[i] += i }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: slots, count: 8)), (0..<8).map { $0 * 20 })
    }

    /// Both threads really take part when the work is long enough.
    func testWorkIsShared() {
        let pool = ThreadPool(threadCount: 2)
        let owners = UnsafeMutablePointer<pthread_t>.allocate(capacity: 16)
        defer { owners.deallocate() }
        var sawWorker = false
        for _ in 0..<50 where !sawWorker {
            pool.parallelFor(16) { i in
                owners[i] = pthread_self()
                usleep(200)
            }
            sawWorker = (0..<16).contains { owners[$0] != pthread_self() }
        }
        XCTAssertTrue(sawWorker)
    }

    func testEdgeCountsAndTeardown() {
        for _ in 0..<50 {
            let pool = ThreadPool(threadCount: 3)
            var ran = 0
            pool.parallelFor(0) { _ in ran += 1 }
            pool.parallelFor(1) { _ in ran += 1 }
            XCTAssertEqual(ran, 1)
        }
        XCTAssertEqual(ThreadPool(threadCount: 0).threadCount, 1)
    }
}
