import CKernels
import GGUF

/// Load-time rearrangement of weight blocks for faster kernels; the values and the results
/// stay exactly the same (the kernels for the new layouts sum in the same order).
public enum Repack {
    /// Whether `w` qualifies for ``rowGroups(_:)`` and this CPU has the kernels that pay for
    /// it: Q4_1 or Q5_0, rows a multiple of 16, an even number of blocks per row, AVX-512 VNNI.
    public static func wantsRowGroups(_ w: WeightMatrix) -> Bool {
        (w.type == .q4_1 || w.type == .q5_0) && w.layout == .ggml && w.rows % 16 == 0 && w.columns % 64 == 0
            && ck_isa() >= Int32(CK_ISA_AVX512)
    }

    /// ``q4_1RowGroups(_:)`` or ``q5_0RowGroups(_:)`` by type.
    public static func rowGroups(_ w: WeightMatrix) -> WeightMatrix {
        w.type == .q5_0 ? q5_0RowGroups(w) : q4_1RowGroups(w)
    }

    /// As ``q4_1RowGroups(_:)``, for Q5_0 (layout in ck_rowgroups.c).
    public static func q5_0RowGroups(_ w: WeightMatrix) -> WeightMatrix {
        precondition(w.type == .q5_0 && w.layout == .ggml && w.rows % 16 == 0 && (w.columns / 32) % 2 == 0,
                     "not a repackable Q5_0 matrix")
        regroup(w) { pair, rows, chunk in
            let low = SIMD16<UInt8>(repeating: 0x0F)
            for r in 0..<16 {
                let a = rows + r * w.rowBytes + 2 * pair * BlockQ5_0.byteCount
                let b = a + BlockQ5_0.byteCount
                for (half, block) in [a, b].enumerated() {
                    chunk.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: 32 * half + 2 * r, as: UInt16.self)
                    // Fifth bits: bit e of qh is element e's; row 2k's 32 then row 2k + 1's.
                    chunk.storeBytes(of: block.loadUnaligned(fromByteOffset: BlockQ5_0.highBitsOffset, as: UInt32.self),
                                     toByteOffset: 64 + 16 * (r >> 1) + 8 * half + 4 * (r & 1), as: UInt32.self)
                }
                let qa = a.loadUnaligned(fromByteOffset: BlockQ5_0.quantsOffset, as: SIMD16<UInt8>.self)
                let qb = b.loadUnaligned(fromByteOffset: BlockQ5_0.quantsOffset, as: SIMD16<UInt8>.self)
                let position = 192 + 64 * (r >> 1) + 32 * (r & 1)
                chunk.storeBytes(of: (qa & low) | ((qb & low) &<< 4), toByteOffset: position, as: SIMD16<UInt8>.self)
                chunk.storeBytes(of: (qa &>> 4) | (qb & ~low), toByteOffset: position + 16, as: SIMD16<UInt8>.self)
            }
        }
        return WeightMatrix(w, layout: .q5_0RowGroups)
    }

    /// Rewrites each 16-row group of `w` in place, one block pair (`2 × blockBytes × 16` bytes)
    /// at a time, `write(pair, originalRows, chunk)` reading from a copy of the group.
    private static func regroup(_ w: WeightMatrix,
                                _ write: (Int, UnsafeRawPointer, UnsafeMutableRawPointer) -> Void) {
        let groupBytes = 16 * w.rowBytes
        let chunkBytes = 32 * w.type.blockBytes
        let original = UnsafeMutableRawPointer.allocate(byteCount: groupBytes, alignment: 64)
        defer { original.deallocate() }
        let base = UnsafeMutableRawPointer(mutating: w.data)
        for group in 0..<w.rows / 16 {
            let target = base + group * groupBytes
            original.copyMemory(from: target, byteCount: groupBytes)
            for pair in 0..<w.columns / 64 {
                write(pair, UnsafeRawPointer(original), target + pair * chunkBytes)
            }
        }
    }

    /// Rewrites `w`'s Q4_1 rows in place into the 16-row groups of `ck_matmul_q4_1x16`
    /// (layout in ck_rowgroups.c) and returns the matrix describing them. The memory at `w.data`
    /// must be writable and owned by the caller (the engine's copy of the weights), and `w`
    /// itself must not be used afterwards.
    public static func q4_1RowGroups(_ w: WeightMatrix) -> WeightMatrix {
        precondition(w.type == .q4_1 && w.layout == .ggml && w.rows % 16 == 0 && (w.columns / 32) % 2 == 0,
                     "not a repackable Q4_1 matrix")
        regroup(w) { pair, rows, chunk in writePair(pair, from: rows, rowBytes: w.rowBytes, into: chunk) }
        return WeightMatrix(w, layout: .q4_1RowGroups)
    }

    /// One 640-byte chunk: blocks 2·pair and 2·pair + 1 of the 16 rows at `rows`.
    private static func writePair(_ pair: Int, from rows: UnsafeRawPointer, rowBytes: Int,
                                  into chunk: UnsafeMutableRawPointer) {
        let low = SIMD16<UInt8>(repeating: 0x0F)
        for r in 0..<16 {
            let a = rows + r * rowBytes + 2 * pair * BlockQ4_1.byteCount   // block 2·pair
            let b = a + BlockQ4_1.byteCount                                  // block 2·pair + 1
            for (half, block) in [a, b].enumerated() {
                chunk.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: 32 * half + 2 * r, as: UInt16.self)
                chunk.storeBytes(of: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self),
                                 toByteOffset: 64 + 32 * half + 2 * r, as: UInt16.self)
            }
            // Elements 0..15 are the low nibbles of qs, 16..31 the high ones; block A's element
            // goes to the low nibble of its position byte, block B's to the high nibble.
            let qa = a.loadUnaligned(fromByteOffset: BlockQ4_1.quantsOffset, as: SIMD16<UInt8>.self)
            let qb = b.loadUnaligned(fromByteOffset: BlockQ4_1.quantsOffset, as: SIMD16<UInt8>.self)
            let first = (qa & low) | ((qb & low) &<< 4)      // elements 0..15
            let second = (qa &>> 4) | (qb & ~low)            // elements 16..31
            let position = 128 + 64 * (r >> 1) + 32 * (r & 1)
            chunk.storeBytes(of: first, toByteOffset: position, as: SIMD16<UInt8>.self)
            chunk.storeBytes(of: second, toByteOffset: position + 16, as: SIMD16<UInt8>.self)
        }
    }
}
