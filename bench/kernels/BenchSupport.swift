// Weight sets and timing loops for the kernel benchmark.
import CKernels
import GGUF
import LLMKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Whether weights go to transparent-huge-page memory (`--huge`), as opposed to ordinary
/// 4 KiB pages like a file mapping gets.
nonisolated(unsafe) var useHugePages = false

/// Random but well-formed weights (finite fp16 scales and values), 64-byte aligned.
func makeWeights(_ type: GGMLType, rows: Int, columns: Int, rng: inout BenchRandom) -> WeightMatrix {
    let bytes = type.byteCount(elements: rows * columns)!
    let raw: UnsafeMutableRawPointer
    if useHugePages {
        let huge = 2 << 20
        let rounded = (bytes + 64 + huge - 1) / huge * huge
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, huge, rounded) == 0, let p else { fatalError("out of memory") }
        #if os(Linux)
        _ = madvise(p, rounded, 14)   // MADV_HUGEPAGE
        #endif
        raw = p
    } else {
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes + 64, alignment: 64)
    }
    var i = 0
    while i + 8 <= bytes { raw.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self); i += 8 }
    switch type {
    case .f16:
        for e in 0..<rows * columns { raw.storeBytes(of: Float16(rng.float()), toByteOffset: e * 2, as: Float16.self) }
    case .f32:
        for e in 0..<rows * columns { raw.storeBytes(of: rng.float(), toByteOffset: e * 4, as: Float.self) }
    case .bf16:
        for e in 0..<rows * columns { raw.storeBytes(of: UInt16(rng.float().bitPattern >> 16), toByteOffset: e * 2, as: UInt16.self) }
    default:
        for b in 0..<rows * columns / 32 {
            raw.storeBytes(of: Float16(0.01 * rng.float()), toByteOffset: b * type.blockBytes, as: Float16.self)
            if type == .q4_1 { raw.storeBytes(of: Float16(-0.1 * abs(rng.float())), toByteOffset: b * 20 + 2, as: Float16.self) }
        }
    }
    return try! WeightMatrix(type: type, rows: rows, columns: columns, data: UnsafeRawPointer(raw))
}

/// `copies` identical-shape matrices; cycling through them defeats the caches.
struct MatrixSet {
    let matrices: [WeightMatrix]
    let x: UnsafeMutablePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let scratch: ActivationBuffer
    var matrixBytes: Int { matrices[0].byteCount }

    init(_ type: GGMLType, rows: Int, columns: Int, copies: Int, rng: inout BenchRandom) {
        matrices = (0..<copies).map { _ in makeWeights(type, rows: rows, columns: columns, rng: &rng) }
        x = .allocate(capacity: 512 * columns)
        for i in 0..<512 * columns { x[i] = rng.float() }
        y = .allocate(capacity: 512 * rows)
        scratch = ActivationBuffer(maxTokens: 512, maxColumns: columns)
    }

    /// Seconds per decode call (quantizing the input included), best of `rounds`.
    func bestDecodeSeconds(cold: Bool, pool: ThreadPool, rounds: Int) -> Double {
        let calls = max(cold ? matrices.count : 64, (256 << 20) / matrixBytes)
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = now()
            for c in 0..<calls {
                let w = matrices[cold ? c % matrices.count : 0]
                MatMul.multiply(w, x, tokens: 1, into: y, scratch: scratch, pool: pool)
            }
            best = min(best, (now() - start) / Double(calls))
        }
        return best
    }

    /// Seconds per call of a raw C kernel on matrix 0 (activation quantized once), 1 thread.
    func bestRawKernelSeconds(_ kernel: ck_matmul_fn, rounds: Int) -> Double {
        let w = matrices[0]
        scratch.quantize(x, tokens: 1, columns: w.columns, for: w.type)
        let calls = max(64, (256 << 20) / matrixBytes)
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = now()
            for _ in 0..<calls {
                scratch.withKernelRows { view in
                    kernel(w.data, w.rowBytes, Int32(w.rows), view, 1, Int32(w.columns / 32), y, w.rows)
                }
            }
            best = min(best, (now() - start) / Double(calls))
        }
        return best
    }

    /// Seconds per prefill call of `tokens` tokens through matrix 0 (quantization included).
    func bestPrefillSeconds(tokens: Int, pool: ThreadPool, rounds: Int) -> Double {
        let w = matrices[0]
        let calls = max(2, 4096 / tokens)
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = now()
            for _ in 0..<calls { MatMul.multiply(w, x, tokens: tokens, into: y, scratch: scratch, pool: pool) }
            best = min(best, (now() - start) / Double(calls))
        }
        return best
    }
}

/// The mat-vec weights of one SmolLM2-135M decode step, in the engine's call pattern.
struct ModelWeights {
    struct Layer { let q, k, v, o, gate, up, down: WeightMatrix }
    let layers: [Layer]
    let head: WeightMatrix
    let x: UnsafeMutablePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let y2: UnsafeMutablePointer<Float>
    let input = ActivationBuffer(maxTokens: 1, maxColumns: 1536)

    init(rng: inout BenchRandom) {
        layers = (0..<30).map { _ in
            Layer(q: makeWeights(.q4_1, rows: 576, columns: 576, rng: &rng),
                  k: makeWeights(.q4_1, rows: 192, columns: 576, rng: &rng),
                  v: makeWeights(.q4_1, rows: 192, columns: 576, rng: &rng),
                  o: makeWeights(.q4_1, rows: 576, columns: 576, rng: &rng),
                  gate: makeWeights(.q4_1, rows: 1536, columns: 576, rng: &rng),
                  up: makeWeights(.q4_1, rows: 1536, columns: 576, rng: &rng),
                  down: makeWeights(.q4_1, rows: 576, columns: 1536, rng: &rng))
        }
        head = makeWeights(.q8_0, rows: 49152, columns: 576, rng: &rng)
        x = .allocate(capacity: 1536)
        for i in 0..<1536 { x[i] = rng.float() }
        y = .allocate(capacity: 49152)
        y2 = .allocate(capacity: 1536)
    }

    var totalBytes: Int {
        layers.reduce(head.byteCount) { $0 + [$1.q, $1.k, $1.v, $1.o, $1.gate, $1.up, $1.down].reduce(0) { $0 + $1.byteCount } }
    }

    func token(_ pool: ThreadPool) {
        for l in layers {
            input.quantize(x, tokens: 1, columns: 576, for: .q4_1)
            MatMul.multiply(l.q, input, tokens: 1, into: y, pool: pool)
            MatMul.multiply(l.k, input, tokens: 1, into: y, pool: pool)
            MatMul.multiply(l.v, input, tokens: 1, into: y, pool: pool)
            MatMul.multiply(l.o, x, tokens: 1, into: y, scratch: input, pool: pool)
            input.quantize(x, tokens: 1, columns: 576, for: .q4_1)
            MatMul.multiply(l.gate, input, tokens: 1, into: y, pool: pool)
            MatMul.multiply(l.up, input, tokens: 1, into: y2, pool: pool)
            MatMul.multiply(l.down, x, tokens: 1, into: y, scratch: input, pool: pool)
        }
        MatMul.multiply(head, x, tokens: 1, into: y, scratch: input, pool: pool)
    }

    func bestTokenSeconds(pool: ThreadPool, rounds: Int) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = now()
            for _ in 0..<10 { token(pool) }
            best = min(best, (now() - start) / 10)
        }
        return best
    }
}
