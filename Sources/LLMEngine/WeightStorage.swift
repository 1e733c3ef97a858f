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
/// On Linux the tensor data is copied once into private anonymous memory advised for huge
/// pages, and the file's pages are released as the copy proceeds. Two reasons: the copy is
/// writable, so `Repack` can rearrange matrices for faster kernels in place; and decode streams
/// every weight once per token, which on the machines measured runs 10-20 % faster from huge
/// pages than from the file mapping's 4 KiB pages (Gemma 3's 178 MB tied embedding/head most of
/// all). The copy is the raw quantized bytes — nothing is dequantized. Elsewhere, or if the
/// allocation fails, the weights are read straight from the file mapping.
final class WeightStorage {
    private let file: GGUFFile               // keeps the mapping (and its metadata) alive
    private let copy: UnsafeMutableRawPointer?
    private let copyLength: Int
    private let dataSectionStart: UnsafeRawPointer?

    /// True when `tensor` lives in this storage's private, writable copy (then every tensor does).
    func ownsCopy(of tensor: GGUFTensorInfo) -> Bool { copy != nil }

    /// With `privateCopies` the tensor data is copied (see above) on a temporary pool with one
    /// thread per core, whatever the inference thread count: most of the time goes to the kernel
    /// zeroing fresh pages on first touch, which parallelises.
    init(file: GGUFFile, privateCopies: Bool) {
        self.file = file
        let first = file.tensors.min { $0.offset < $1.offset }
        let start = first.map { file.data(of: $0) - $0.offset }
        dataSectionStart = start
        let length = file.tensors.map { $0.offset + $0.byteCount }.max() ?? 0
        guard privateCopies, let start, length > 0, let region = Self.hugePageRegion(length) else {
            copy = nil
            copyLength = 0
            return
        }
        // In 8 MiB steps, each step's file pages dropped right after: the model is resident
        // once, never twice (peak memory would otherwise be two copies of the weights). Steps
        // end on 8 MiB address boundaries, so every released range is whole pages.
        let steps = CopySteps(from: start, to: region.pointer, length: length)
        ThreadPool(threadCount: max(2, ProcessInfo.processInfo.activeProcessorCount)).parallelFor(steps.count, steps)
        copy = region.pointer
        copyLength = region.length
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

    deinit {
        if let copy { munmap(copy, copyLength) }
    }

    /// The bytes of `tensor`, from the copy if there is one.
    func data(of tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        if let copy { return UnsafeRawPointer(copy + tensor.offset) }
        return file.data(of: tensor)
    }

    private static func hugePageRegion(_ length: Int) -> (pointer: UnsafeMutableRawPointer, length: Int)? {
        #if os(Linux)
        let huge = 2 << 20
        let rounded = (length + huge - 1) / huge * huge
        // Over-allocate by one huge page so the start can be aligned to 2 MiB.
        let raw = mmap(nil, rounded + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { return nil }
        let address = Int(bitPattern: raw)
        let aligned = (address + huge - 1) / huge * huge
        if aligned > address { munmap(raw, aligned - address) }
        let tail = address + rounded + huge - (aligned + rounded)
        if let end = UnsafeMutableRawPointer(bitPattern: aligned + rounded), tail > 0 { munmap(end, tail) }
        guard let pointer = UnsafeMutableRawPointer(bitPattern: aligned) else { return nil }
        _ = madvise(pointer, rounded, MADV_HUGEPAGE)
        return (pointer, rounded)
        #else
        return nil
        #endif
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
