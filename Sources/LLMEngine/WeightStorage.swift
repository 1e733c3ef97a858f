#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GGUF
import LLMKernels

/// Where the weights live while the model runs.
///
/// On Linux the tensor data is copied once into private anonymous memory, and the file's pages
/// are released as the copy proceeds (the model is resident once). Two reasons: the copy is
/// writable, so `Repack` can rearrange matrices for faster kernels in place; and decode streams
/// every weight once per token, which runs 10-20 % faster from 2 MiB pages than from 4 KiB ones
/// on the machines measured. Fresh huge pages can cost the kernel half a second of zeroing and
/// compaction for a 250 MB model, though, so the copy is made in ordinary pages (fast, warm
/// memory) and `promoteToHugePages()` then has the kernel collapse it into huge pages on a
/// background thread (MADV_COLLAPSE, as khugepaged does under running programs: the contents
/// never change, readers just start hitting fewer TLB entries). Elsewhere, or if the memory
/// cannot be had, the weights are read straight from the file mapping.
final class WeightStorage {
    private let file: GGUFFile               // keeps the mapping (and its metadata) alive
    private let region: PrivateRegion?
    private let dataSectionStart: UnsafeRawPointer?

    /// True when every tensor lives in this storage's private, writable copy.
    var hasPrivateCopy: Bool { region != nil }

    /// With `privateCopies` the tensor data is copied (see above) on a temporary pool with one
    /// thread per core, whatever the inference thread count: most of the time goes to the kernel
    /// zeroing fresh pages on first touch, which parallelises.
    init(file: GGUFFile, privateCopies: Bool) {
        self.file = file
        let first = file.tensors.min { $0.offset < $1.offset }
        let start = first.map { file.data(of: $0) - $0.offset }
        dataSectionStart = start
        let length = file.tensors.map { $0.offset + $0.byteCount }.max() ?? 0
        guard privateCopies, let start, length > 0, let region = PrivateRegion(length) else {
            region = nil
            return
        }
        // In 8 MiB steps, each step's file pages dropped right after: the model is resident
        // once, never twice (peak memory would otherwise be two copies of the weights). Steps
        // end on 8 MiB address boundaries, so every released range is whole pages.
        let steps = CopySteps(from: start, to: region.pointer, length: length)
        ThreadPool(threadCount: max(2, ProcessInfo.processInfo.activeProcessorCount)).parallelFor(steps.count, steps)
        self.region = region
    }

    /// Starts collapsing the private copy into huge pages on a background thread (call once the
    /// weights are final, after any repacking). Nothing to do without a copy or off Linux.
    func promoteToHugePages() {
        guard let region else { return }
        Thread.detachNewThread { region.collapseIntoHugePages() }
    }

    /// Drops the file mapping's copies of the tensor pages from this process's resident set, so
    /// the weights are not counted twice. The mapping stays valid: a later read faults the page
    /// back in from the file.
    static func releaseFilePages(start: UnsafeRawPointer, length: Int) {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + length) / page * page
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, end - first, MADV_DONTNEED)
        #endif
    }

    /// The bytes of `tensor`, from the copy if there is one.
    func data(of tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        if let region { return UnsafeRawPointer(region.pointer + tensor.offset) }
        return file.data(of: tensor)
    }
}

/// Anonymous memory for the weight copy, 2 MiB-aligned, unmapped when the last owner (the
/// storage, or a promotion still running) lets go. `@unchecked Sendable`: the pointer and length
/// never change, and the promotion thread only asks the kernel to remap the pages.
private final class PrivateRegion: @unchecked Sendable {
    static let hugePage = 2 << 20
    let pointer: UnsafeMutableRawPointer
    let length: Int

    init?(_ bytes: Int) {
        #if os(Linux)
        let huge = Self.hugePage
        let rounded = (bytes + huge - 1) / huge * huge
        // Over-allocate by one huge page so the start can be aligned to 2 MiB.
        let raw = mmap(nil, rounded + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { return nil }
        let address = Int(bitPattern: raw)
        let aligned = (address + huge - 1) / huge * huge
        if aligned > address { munmap(raw, aligned - address) }
        let tail = address + rounded + huge - (aligned + rounded)
        if let end = UnsafeMutableRawPointer(bitPattern: aligned + rounded), tail > 0 { munmap(end, tail) }
        guard let pointer = UnsafeMutableRawPointer(bitPattern: aligned) else { return nil }
        // Ordinary pages for the copy, whatever the system's THP default (see WeightStorage).
        _ = madvise(pointer, rounded, MADV_NOHUGEPAGE)
        self.pointer = pointer
        length = rounded
        #else
        return nil
        #endif
    }

    /// Collapses the region, 2 MiB at a time, into huge pages. Failures (an old kernel without
    /// MADV_COLLAPSE, no free huge page) leave those pages as they are: correct, a little slower.
    func collapseIntoHugePages() {
        #if os(Linux)
        let collapse: Int32 = 25   // MADV_COLLAPSE (Linux 6.1), not in every libc header
        _ = madvise(pointer, length, MADV_HUGEPAGE)
        var offset = 0
        while offset < length {
            _ = madvise(pointer + offset, Self.hugePage, collapse)
            offset += Self.hugePage
        }
        #endif
    }

    deinit {
        munmap(pointer, length)
    }
}

/// The weight copy cut into steps for the pool: step i copies one 8 MiB-aligned span and then
/// releases the file pages it read.
private struct CopySteps: ParallelWork {
    static let step = 8 << 20
    let source: UnsafeRawPointer
    let destination: UnsafeMutableRawPointer
    let length: Int
    /// Offset of the first 8 MiB boundary after `source` (step 0 is the part before it).
    let firstBoundary: Int
    let count: Int

    init(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, length: Int) {
        self.source = source
        self.destination = destination
        self.length = length
        let address = Int(bitPattern: source)
        firstBoundary = min(length, (address + Self.step) / Self.step * Self.step - address)
        count = 1 + (length - firstBoundary + Self.step - 1) / Self.step
    }

    func run(_ index: Int) {
        let begin = index == 0 ? 0 : firstBoundary + (index - 1) * Self.step
        let end = index == 0 ? firstBoundary : min(length, begin + Self.step)
        guard end > begin else { return }
        (destination + begin).copyMemory(from: source + begin, byteCount: end - begin)
        WeightStorage.releaseFilePages(start: source + begin, length: end - begin)
    }
}
