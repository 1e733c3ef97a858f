// Kernel micro-benchmark: GB/s of weight bytes for the SmolLM2-135M shapes, 1 and 2 threads,
// hot (matrix in cache) and cold (streaming from DRAM), plus a whole decode token's worth of
// mat-vecs (~96 MB of weights) and prefill throughput.
//
//   swift run -c release KernelBench [--quick] [--huge] [--rounds N] [--only hot|bandwidth|isa|kquant|pool|quant|token|prefill]
//
// --huge puts the weights in transparent-huge-page memory: on this VM a streaming read gets
// ~30 GB/s with 2 MiB pages and ~18-20 GB/s with the 4 KiB pages a file mapping has.
//
// Numbers are the best of N interleaved rounds: this is a shared 2-vCPU VM (docs/kernels.md §9).
import CKernels
import Foundation
import GGUF
import LLMKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var rounds = 7
    var quick = false
    var only: String?

    init(_ args: [String]) {
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--quick": quick = true; rounds = 3
            case "--rounds": i += 1; rounds = max(1, Int(args[i]) ?? rounds)
            case "--only": i += 1; only = args[i]
            case "--huge": useHugePages = true
            default: print("unknown option \(args[i])"); exit(2)
            }
            i += 1
        }
    }

    func wants(_ section: String) -> Bool { only == nil || only == section }
}

let options = Options(CommandLine.arguments)
let shapes: [(rows: Int, columns: Int)] = [(576, 576), (192, 576), (1536, 576), (576, 1536), (49152, 576)]
let pools = [ThreadPool(threadCount: 1), ThreadPool(threadCount: 2)]
var rng = BenchRandom(seed: 42)

print("CKernels level: \(ck_isa()) (0 scalar, 1 AVX2, 2 AVX-512 VNNI); spin window \(ThreadPool.spinNanoseconds / 1000) µs; "
      + (useHugePages ? "weights in huge pages" : "weights in 4 KiB pages"))

if options.wants("hot") || options.wants("cold") {
    for type in [GGMLType.q4_1, .q8_0, .q4_0, .f16] {
        print("\n\(type) decode mat-vec, GB/s of weights (µs per call)")
        print("shape        1T hot          2T hot          1T cold         2T cold")
        for shape in shapes {
            if options.quick && shape.rows == 49152 && type != .q8_0 { continue }
            let bytes = type.byteCount(elements: shape.rows * shape.columns)!
            // Cold: cycle through enough copies that nothing is left in the 32 MiB L3.
            let copies = max(2, (160 << 20) / bytes)
            let set = MatrixSet(type, rows: shape.rows, columns: shape.columns, copies: copies, rng: &rng)
            var line = "\(shape.rows)x\(shape.columns)".padding(toLength: 12, withPad: " ", startingAt: 0)
            for cold in [false, true] {
                for pool in pools {
                    let seconds = set.bestDecodeSeconds(cold: cold, pool: pool, rounds: options.rounds)
                    line += " " + formatRate(bytes: bytes, seconds: seconds)
                }
            }
            print(line)
        }
    }
}

if options.wants("bandwidth") {
    // Machine-readable lines for bench/compare-llamacpp: "read_bandwidth_gbps THREADS VALUE".
    for pool in pools {
        print("read_bandwidth_gbps \(pool.threadCount) \(String(format: "%.1f", readBandwidth(pool: pool, rounds: options.rounds)))")
    }
}

if options.wants("isa") {
    print("\nQ4_1 single-thread kernel by instruction set, 1536x576 hot, GB/s")
    let set = MatrixSet(.q4_1, rows: 1536, columns: 576, copies: 1, rng: &rng)
    for (name, isa, kernel) in [("scalar", 0, ck_matmul_q4_1_scalar as ck_matmul_fn),
                                ("avx2", 1, ck_matmul_q4_1_avx2), ("avx512", 2, ck_matmul_q4_1_avx512)]
    where isa <= Int(ck_isa()) {
        let seconds = set.bestRawKernelSeconds(kernel, rounds: options.rounds)
        print("  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(formatRate(bytes: set.matrixBytes, seconds: seconds))")
    }
}

if options.wants("kquant") {
    kQuantBench(rounds: options.rounds, rng: &rng)
}

if options.wants("pool") {
    print("\nThreadPool.parallelFor round trip, 2 threads, 2 trivial indices, ns per call")
    struct Bump: ParallelWork {
        let sink: UnsafeMutablePointer<Int>
        func run(_ index: Int) { sink[index] &+= 1 }
    }
    let pool = pools[1]
    let sink = UnsafeMutablePointer<Int>.allocate(capacity: 2)
    sink.initialize(repeating: 0, count: 2)
    for (name, useClosure) in [("closure (1 small malloc per call)", true), ("ParallelWork struct (no allocation)", false)] {
        var best = Double.infinity
        for _ in 0..<options.rounds {
            let start = now()
            for _ in 0..<100_000 {
                if useClosure { pool.parallelFor(2) { sink[$0] &+= 1 } } else { pool.parallelFor(2, Bump(sink: sink)) }
            }
            best = min(best, (now() - start) / 100_000)
        }
        print("  \(name): \(String(format: "%.0f", best * 1e9)) ns")
    }
}

if options.wants("quant") {
    print("\nActivation quantization (ActivationBuffer.quantize for Q4_1), ns per token row")
    for columns in [576, 1536] {
        let buffer = ActivationBuffer(maxTokens: 1, maxColumns: columns)
        let x = UnsafeMutablePointer<Float>.allocate(capacity: columns)
        for i in 0..<columns { x[i] = rng.float() }
        var best = Double.infinity
        for _ in 0..<options.rounds {
            let start = now()
            for _ in 0..<10_000 { buffer.quantize(x, tokens: 1, columns: columns, for: .q4_1) }
            best = min(best, (now() - start) / 10_000)
        }
        print("  \(columns) columns: \(String(format: "%.0f", best * 1e9)) ns")
    }
}

if options.wants("token") {
    print("\nOne decode token of SmolLM2-135M mat-vecs (30 layers × q,k,v,o,gate,up,down Q4_1 + Q8_0 head), cold")
    let model = ModelWeights(rng: &rng)
    for pool in pools {
        let seconds = model.bestTokenSeconds(pool: pool, rounds: options.rounds)
        let gbs = Double(model.totalBytes) / seconds / 1e9
        print("  \(pool.threadCount)T: \(String(format: "%.3f", seconds * 1e3)) ms/token = \(String(format: "%.0f", 1 / seconds)) tok/s (mat-vecs only), "
              + "\(String(format: "%.1f", gbs)) GB/s over \(model.totalBytes / 1_000_000) MB")
    }
}

if options.wants("prefill") {
    print("\nPrefill (Q4_1 1536x576 and 576x1536, hot weights): tokens per second through one matrix")
    for shape in [(1536, 576), (576, 1536)] {
        let set = MatrixSet(.q4_1, rows: shape.0, columns: shape.1, copies: 1, rng: &rng)
        for tokens in [16, 128, 512] {
            var line = "  \(shape.0)x\(shape.1) \(tokens) tokens:"
            for pool in pools {
                let seconds = set.bestPrefillSeconds(tokens: tokens, pool: pool, rounds: options.rounds)
                let gops = 2 * Double(shape.0 * shape.1 * tokens) / seconds / 1e9
                line += "  \(pool.threadCount)T \(String(format: "%.0f", Double(tokens) / seconds)) tok/s (\(String(format: "%.0f", gops)) GOP/s)"
            }
            print(line)
        }
    }
}

func formatRate(bytes: Int, seconds: Double) -> String {
    let gbs = Double(bytes) / seconds / 1e9
    return "\(String(format: "%5.1f", gbs)) (\(String(format: "%6.1f", seconds * 1e6)))".padding(toLength: 15, withPad: " ", startingAt: 0)
}
