// Q4_K / Q6_K kernels by instruction set (`--only kquant`): the raw C entry points on one
// thread, hot weights, called like MatMul does (token pieces of at most 48, else 32; `grouped`
// = all but the last tokens % 4), AVX2 and AVX-512 rounds interleaved (the VM is noisy).
import CKernels
import GGUF

/// Random K-quant rows (well-formed: finite, moderate fp16 scales) and Q8_K activation rows.
struct KQuantSet {
    let type: GGMLType
    let rows: Int
    let superBlocks: Int
    let weights: UnsafeMutableRawPointer
    let copies: Int
    let activations: UnsafeMutableRawPointer
    let y: UnsafeMutablePointer<Float>
    var rowBytes: Int { superBlocks * type.blockBytes }
    static let activationBlockBytes = 292

    /// `copies` > 1: that many copies of the matrix one after the other, cycled through by
    /// `run(_:tokens:copy:)` so that the weights come from DRAM (cold), as in decode.
    init(_ type: GGMLType, rows: Int, columns: Int, maxTokens: Int, copies: Int = 1, rng: inout BenchRandom) {
        self.type = type
        self.rows = rows
        self.copies = copies
        superBlocks = columns / 256
        let blockBytes = type.blockBytes
        let bytes = rows * superBlocks * blockBytes
        weights = .allocate(byteCount: copies * bytes + 64, alignment: 64)
        var i = 0
        while i + 8 <= bytes { weights.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self); i += 8 }
        for b in 0..<rows * superBlocks {
            let block = weights + b * blockBytes
            if type == .q6_K {
                block.storeBytes(of: Float16(0.0001 * rng.float()), toByteOffset: 208, as: Float16.self)
            } else {
                block.storeBytes(of: Float16(0.001 * rng.float()), as: Float16.self)
                block.storeBytes(of: Float16(0.002 * abs(rng.float())), toByteOffset: 2, as: Float16.self)
            }
        }
        for c in 1..<max(1, copies) { (weights + c * bytes).copyMemory(from: weights, byteCount: bytes) }
        let xBytes = Self.activationBlockBytes
        activations = .allocate(byteCount: maxTokens * superBlocks * xBytes, alignment: 64)
        for b in 0..<maxTokens * superBlocks {
            let block = activations + b * xBytes
            block.storeBytes(of: 0.01 + abs(rng.float()), as: Float.self)
            for g in 0..<16 {
                var sum: Int16 = 0
                for i in 0..<16 {
                    let q = Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127)
                    block.storeBytes(of: q, toByteOffset: 4 + 16 * g + i, as: Int8.self)
                    sum += Int16(q)
                }
                block.storeBytes(of: sum, toByteOffset: 260 + 2 * g, as: Int16.self)
            }
        }
        y = .allocate(capacity: maxTokens * rows)
    }

    /// One mat-mul of `tokens` tokens through `kernel`, in MatMul's token pieces.
    func run(_ kernel: ck_matmul_k_fn, tokens: Int, copy: Int = 0) {
        let weights = self.weights + (copy % copies) * rows * rowBytes
        let piece = tokens <= 48 ? tokens : 32
        let groupedEnd = tokens - tokens % 4
        var t0 = 0
        while t0 < tokens {
            let n = min(piece, tokens - t0)
            let grouped = max(0, min(n, groupedEnd - t0))
            kernel(weights, rowBytes, Int32(rows), activations + t0 * superBlocks * Self.activationBlockBytes,
                   superBlocks * Self.activationBlockBytes, Int32(n), Int32(grouped), Int32(superBlocks),
                   y + t0 * rows, rows)
            t0 += n
        }
    }
}

func kQuantBench(rounds: Int, rng: inout BenchRandom) {
    let avx512 = ck_isa() >= CK_ISA_AVX512
    print("\nQ4_K / Q6_K kernels, 1 thread, hot weights: µs per mat-mul (GOP/s), AVX2 vs AVX-512"
          + (avx512 ? "" : " (no AVX-512 on this CPU)"))
    for type in [GGMLType.q4_K, .q6_K] {
        let kernels: [ck_matmul_k_fn] = type == .q4_K ? [ck_matmul_q4_K_avx2, ck_matmul_q4_K_avx512]
                                                      : [ck_matmul_q6_K_avx2, ck_matmul_q6_K_avx512]
        for (rows, columns) in [(640, 1024), (640, 2048)] {
            let set = KQuantSet(type, rows: rows, columns: columns, maxTokens: 128, rng: &rng)
            for tokens in [1, 16, 128] {
                let calls = max(2, 40_000_000 / (rows * columns * tokens))
                var best = [Double](repeating: .infinity, count: 2)
                for _ in 0..<rounds {
                    for (k, kernel) in kernels.enumerated() where k == 0 || avx512 {
                        let start = now()
                        for _ in 0..<calls { set.run(kernel, tokens: tokens) }
                        best[k] = min(best[k], (now() - start) / Double(calls))
                    }
                }
                let ops = 2 * Double(rows * columns * tokens)
                var line = "  \(type) \(rows)x\(columns) \(tokens) tok:".padding(toLength: 28, withPad: " ", startingAt: 0)
                for (k, name) in ["avx2", "avx512"].enumerated() where k == 0 || avx512 {
                    line += " \(name) \(String(format: "%8.1f", best[k] * 1e6)) µs (\(String(format: "%5.1f", ops / best[k] / 1e9)))"
                }
                if avx512 { line += "  x\(String(format: "%.2f", best[0] / best[1]))" }
                print(line)
            }
            // Decode from DRAM: cycle through > 32 MiB (the L3) of copies.
            let cold = KQuantSet(type, rows: rows, columns: columns, maxTokens: 1,
                                 copies: (48 << 20) / (rows * columns / 256 * type.blockBytes) + 1, rng: &rng)
            var best = [Double](repeating: .infinity, count: 2)
            for _ in 0..<rounds {
                for (k, kernel) in kernels.enumerated() where k == 0 || avx512 {
                    let start = now()
                    for c in 0..<2 * cold.copies { cold.run(kernel, tokens: 1, copy: c) }
                    best[k] = min(best[k], (now() - start) / Double(2 * cold.copies))
                }
            }
            let bytes = Double(rows * cold.rowBytes)
            var line = "  \(type) \(rows)x\(columns) 1 tok cold:".padding(toLength: 28, withPad: " ", startingAt: 0)
            for (k, name) in ["avx2", "avx512"].enumerated() where k == 0 || avx512 {
                line += " \(name) \(String(format: "%8.1f", best[k] * 1e6)) µs (\(String(format: "%4.1f", bytes / best[k] / 1e9)) GB/s)"
            }
            if avx512 { line += "  x\(String(format: "%.2f", best[0] / best[1]))" }
            print(line)
        }
    }
}
