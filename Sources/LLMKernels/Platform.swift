// Every operating-system and architecture difference of LLMKernels lives in this file.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if arch(x86_64)
// The x86 `pause` instruction, through its LLVM intrinsic: Swift has no spelling for it and
// the project keeps C to the dot-product loops. Verified to emit `pause` under -O and -Onone.
@_silgen_name("llvm.x86.sse2.pause")
private func x86Pause()

/// Tells the CPU this is a spin-wait loop (saves power, frees the sibling hyper-thread).
@inline(__always) func spinPause() { x86Pause() }
#else
/// No portable spin hint; a plain empty loop iteration is correct, just less polite.
@inline(__always) func spinPause() {}
#endif

/// Gives the rest of this time slice to another runnable thread.
@inline(__always) func yieldThread() { _ = sched_yield() }

/// Monotonic time in nanoseconds, for bounding spin-waits.
@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

#if canImport(Glibc)
typealias ThreadHandle = pthread_t
#else
typealias ThreadHandle = pthread_t?
#endif

/// Starts a joinable OS thread running `entry(context)`. Returns nil if the OS refuses.
func startThread(_ context: UnsafeMutableRawPointer,
                 _ entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?) -> ThreadHandle? {
    #if canImport(Glibc)
    var handle = pthread_t()
    let status = pthread_create(&handle, nil, entry, context)
    return status == 0 ? handle : nil
    #else
    var handle: pthread_t?
    let status = pthread_create(&handle, nil, { entryArgument in
        // Darwin's signature is non-optional; forward to the shared entry through the context.
        let box = entryArgument.assumingMemoryBound(to: ThreadStart.self).pointee
        return box.entry(box.context)
    }, ThreadStart.box(context, entry))
    return status == 0 ? handle : nil
    #endif
}

func joinThread(_ handle: ThreadHandle) {
    #if canImport(Glibc)
    _ = pthread_join(handle, nil)
    #else
    if let handle { _ = pthread_join(handle, nil) }
    #endif
}

#if !canImport(Glibc)
/// Darwin only: carries the shared entry point across pthread_create's differently-typed callback.
struct ThreadStart {
    var context: UnsafeMutableRawPointer
    var entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?
    static func box(_ context: UnsafeMutableRawPointer,
                    _ entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer {
        let p = UnsafeMutablePointer<ThreadStart>.allocate(capacity: 1)   // leaked per thread, once
        p.initialize(to: ThreadStart(context: context, entry: entry))
        return UnsafeMutableRawPointer(p)
    }
}
#endif
