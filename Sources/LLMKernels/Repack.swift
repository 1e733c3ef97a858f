import CKernels
import GGUF

/// Load-time rearrangement of weight blocks for faster kernels; the values and the results
/// stay exactly the same (the kernels for the new layouts sum in the same order).
public enum Repack {
    /// Whether `w` qualifies for ``q4_1RowGroups(_:)`` and this CPU has the kernel that pays
    /// for it: Q4_1, rows a multiple of 16, an even number of blocks per row, AVX-512 VNNI.
    public static func wantsQ4_1RowGroups(_ w: WeightMatrix) -> Bool {
        w.type == .q4_1 && w.layout == .ggml && w.rows % 16 == 0 && (w.columns / 32) % 2 == 0
            && ck_isa() >= Int32(CK_ISA_AVX512)
    }

    /// Rewrites `w`'s Q4_1 rows in place into the 16-row groups of `ck_matmul_q4_1x16`
    /// (layout in ck_q4_1x16.c) and returns the matrix describing them. The memory at `w.data`
    /// must be writable and owned by the caller (the engine's copy of the weights), and `w`
    /// itself must not be used afterwards.
    public static func q4_1RowGroups(_ w: WeightMatrix) -> WeightMatrix {
        precondition(w.type == .q4_1 && w.layout == .ggml && w.rows % 16 == 0 && (w.columns / 32) % 2 == 0,
                     "not a repackable Q4_1 matrix")
        let groupBytes = 16 * w.rowBytes
        let original = UnsafeMutableRawPointer.allocate(byteCount: groupBytes, alignment: 64)
        defer { original.deallocate() }
        let base = UnsafeMutableRawPointer(mutating: w.data)
        for group in 0..<w.rows / 16 {
            let target = base + group * groupBytes
            original.copyMemory(from: target, byteCount: groupBytes)
            for pair in 0..<w.columns / 64 {
                writePair(pair, from: original, rowBytes: w.rowBytes, into: target + pair * 640)
            }
        }
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
