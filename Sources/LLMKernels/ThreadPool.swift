import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed set of persistent worker threads for splitting one kernel call across cores.
///
/// `parallelFor` publishes a batch of indices; idle workers that are still spinning pick it up
/// within a few hundred nanoseconds (a `DispatchQueue.concurrentPerform` round trip costs
/// 15–25 µs here, longer than a whole 576×576 mat-vec). Workers spin for about
/// ``spinNanoseconds`` after their last batch, then park on a condition variable, so an idle
/// engine costs no CPU and a busy neighbour on the other core is never starved for long.
/// The calling thread claims indices too, so `threadCount == 1` means "no extra threads".
///
/// One caller at a time: the pool belongs to the engine's serial owner of model state.
/// `body` must not call `parallelFor` on the same pool.
public final class ThreadPool: @unchecked Sendable {
    // Sendable audit: all mutable shared state lives in `PoolCore` (atomics, the pthread
    // mutex/condition, and two fields whose hand-over is ordered by the atomics; see there).
    // `workers` is written only in init and deinit.

    /// Total threads taking part in a `parallelFor`, the caller included (at least 1).
    public let threadCount: Int

    /// How long a worker spins for new work before parking.
    public static let spinNanoseconds: UInt64 = 200_000

    private let core: PoolCore
    private var workers: [ThreadHandle] = []

    /// Starts `threadCount - 1` worker threads (values below 1 count as 1). If the OS refuses a
    /// thread, the pool runs with the ones it got; `threadCount` reports the real number.
    public init(threadCount: Int) {
        let wanted = max(1, threadCount)
        core = PoolCore()
        let context = Unmanaged.passUnretained(core).toOpaque()
        for _ in 1..<wanted {
            _ = Unmanaged.passRetained(core)   // released by the worker when it exits
            guard let handle = startThread(context, { raw in
                let core = Unmanaged<PoolCore>.fromOpaque(UnsafeRawPointer(raw)!)
                core.takeUnretainedValue().workerLoop()
                core.release()
                return nil
            }) else {
                Unmanaged.passUnretained(core).release()
                break
            }
            workers.append(handle)
        }
        self.threadCount = workers.count + 1
    }

    deinit {
        core.stop()
        for handle in workers { joinThread(handle) }
    }

    /// Calls `body(i)` once for every `i` in `0..<count`, spread over the pool's threads,
    /// and returns when all calls have returned. Indices are handed out one at a time in
    /// increasing order, so give each index a sizeable piece of work (tens of microseconds).
    /// `body` runs concurrently on several threads: it must only write disjoint memory.
    ///
    /// Making a non-escaping closure reachable from other threads costs one small heap
    /// allocation per call (Swift's `withoutActuallyEscaping` boxes it). In the per-token path
    /// use the ``ParallelWork`` overload with a struct instead, which allocates nothing.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            parallelFor(count, ClosureWork(body: escapable))
        }
    }

    /// Calls `work.run(i)` once for every `i` in `0..<count`, like the closure version, but
    /// without any allocation: `work` stays in this stack frame and the workers reach it
    /// through a pointer.
    public func parallelFor<Work: ParallelWork>(_ count: Int, _ work: Work) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 {
            for i in 0..<count { work.run(i) }
            return
        }
        precondition(count <= PoolCore.maxCount, "parallelFor supports at most \(PoolCore.maxCount) indices")
        withUnsafePointer(to: work) { pointer in
            core.run(count: count, job: WorkReference(pointer: pointer))
        }
    }
}

/// A piece of parallel work for `ThreadPool.parallelFor(_:_:)`: usually a
/// small struct of pointers and sizes whose `run(i)` does piece `i`. `run` is called
/// concurrently from several threads and must only write memory no other piece writes.
public protocol ParallelWork {
    func run(_ index: Int)
}

/// Adapts a closure to ``ParallelWork`` (for the closure-taking `parallelFor`).
private struct ClosureWork: ParallelWork {
    let body: (Int) -> Void
    func run(_ index: Int) { body(index) }
}

/// What the workers call: one pointer to the caller's work value. As an existential it fits
/// the inline buffer, so storing it in the core allocates nothing.
protocol PoolJob {
    func run(_ index: Int)
}

private struct WorkReference<Work: ParallelWork>: PoolJob {
    let pointer: UnsafePointer<Work>
    func run(_ index: Int) { pointer.pointee.run(index) }
}

/// State shared by the caller and the workers of one pool.
///
/// The batch is described by one 64-bit `ticket`: generation (24 bits) | count (20) | next
/// index (20). Claiming an index is a compare-exchange on the whole ticket, so a thread can
/// only ever claim an index of the batch that is current at that instant, and it reads `job`
/// only after a successful claim. While any claimed index is unfinished the caller cannot
/// return, so `job` (and the caller's stack frame it points into) stays valid for exactly as
/// long as anyone can read it.
final class PoolCore: @unchecked Sendable {
    // Sendable audit: `ticket`, `finished`, `sleepers`, `stopping` are atomics. `job` is
    // written by the caller before the release-store of a new ticket and cleared after all
    // indices finished (acquire); workers read it only between a successful claim and the
    // matching `finished` increment. `mutex`/`cond` are pthread objects at stable addresses.
    static let maxCount = (1 << 20) - 1
    private static let countShift: UInt64 = 20
    private static let generationShift: UInt64 = 40
    private static let fieldMask: UInt64 = (1 << 20) - 1

    let ticket = Atomic<UInt64>(0)
    let finished = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The current batch's work (nil between batches). Not a stored closure: that costs heap
    /// allocated contexts and reabstraction thunks on every call (measured: 3 mallocs per call).
    var job: (any PoolJob)?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    @inline(__always) private static func generation(_ t: UInt64) -> UInt64 { t >> generationShift }

    /// The caller's side of `parallelFor`.
    func run(count: Int, job: any PoolJob) {
        self.job = job
        finished.store(0, ordering: .relaxed)
        let old = ticket.load(ordering: .relaxed)
        let generation = (Self.generation(old) &+ 1) & ((1 << 24) - 1)
        let fresh = generation << Self.generationShift | UInt64(count) << Self.countShift
        // Sequentially consistent, paired with the worker's increment of `sleepers` before it
        // re-reads the ticket: either we see the sleeper and signal, or it sees the new ticket.
        ticket.store(fresh, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(cond)
            pthread_mutex_unlock(mutex)
        }
        claimAndRun()
        // Whatever is left is running on other threads right now; wait for it. Yield after a
        // while so that a worker descheduled onto this core gets to finish.
        var spins = 0
        while finished.load(ordering: .acquiring) != count {
            if spins < 4096 { spinPause(); spins &+= 1 } else { yieldThread() }
        }
        self.job = nil
    }

    /// Claims and runs indices of the current batch until none are left.
    private func claimAndRun() {
        var t = ticket.load(ordering: .acquiring)
        while true {
            let next = t & Self.fieldMask
            let count = (t >> Self.countShift) & Self.fieldMask
            if next >= count { return }
            let (done, seen) = ticket.compareExchange(expected: t, desired: t &+ 1,
                                                      ordering: .acquiringAndReleasing)
            if !done { t = seen; continue }
            runClaimed(Int(next))
            finished.add(1, ordering: .releasing)
            t = ticket.load(ordering: .acquiring)
        }
    }

    /// Separate function so any copy of the job is gone before `finished` counts the index.
    @inline(never) private func runClaimed(_ index: Int) {
        job.unsafelyUnwrapped.run(index)
    }

    func workerLoop() {
        var seen = Self.generation(ticket.load(ordering: .acquiring))
        while true {
            guard waitForBatch(after: seen) else { return }
            seen = Self.generation(ticket.load(ordering: .acquiring))
            claimAndRun()
        }
    }

    /// Spins, then parks, until the ticket's generation differs from `seen`. False on stop.
    private func waitForBatch(after seen: UInt64) -> Bool {
        let deadline = monotonicNanoseconds() &+ ThreadPool.spinNanoseconds
        var spins = 0
        while true {
            if stopping.load(ordering: .relaxed) { return false }
            if Self.generation(ticket.load(ordering: .acquiring)) != seen { return true }
            spinPause()
            spins &+= 1
            if spins & 255 == 0, monotonicNanoseconds() > deadline { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while !stopping.load(ordering: .sequentiallyConsistent)
                && Self.generation(ticket.load(ordering: .sequentiallyConsistent)) == seen {
            pthread_cond_wait(cond, mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return !stopping.load(ordering: .relaxed)
    }

    /// Wakes every worker and makes it exit its loop.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping.store(true, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }
}
