import CKernels
import GGUF

/// Matrix products of a weight matrix with `tokens` activation rows:
///
///     y[t × rows + r] = Σ_c W[r, c] × x[t × columns + c]      r < rows, t < tokens
///
/// `tokens == 1` is decode (a mat-vec); prefill passes many tokens at once and every weight
/// block is then decoded once per tile of up to 4 tokens (and read from L1 for the next tile),
/// not once per token. Work is split over the pool by ranges of rows (multiples of 4) and, for
/// long prompts, blocks of 32 tokens. The result does not depend on the thread count, bit for
/// bit. Nothing is allocated.
public enum MatMul {
    /// Multiplies `w` with the first `tokens` rows already prepared in `x` (see
    /// ``ActivationBuffer/quantize(_:tokens:columns:for:)``). One quantization serves Q4_0,
    /// Q4_1, Q5_0, Q5_1 and Q8_0 weights alike, another Q2_K…Q6_K; F32/F16/BF16 weights need the buffer filled for a float
    /// type. `y` receives `tokens × w.rows` floats.
    public static func multiply(_ w: WeightMatrix, _ x: ActivationBuffer, tokens: Int,
                                into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        precondition(tokens > 0 && tokens <= x.tokens, "tokens \(tokens) not prepared (buffer holds \(x.tokens))")
        precondition(x.columns == w.columns, "activation length \(x.columns) != weight columns \(w.columns)")
        switch w.type {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
            precondition(x.contents == .quantized, "\(w.type) weights need quantized activations")
            multiplyQuantized(w, x, tokens: tokens, into: y, pool: pool)
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
            precondition(x.contents == .quantizedK, "\(w.type) weights need Q8_K activations")
            let kernel: ck_matmul_k_fn
            switch w.type {
            case .q2_K: kernel = ck_matmul_q2_K
            case .q3_K: kernel = ck_matmul_q3_K
            case .q4_K: kernel = ck_matmul_q4_K
            case .q5_K: kernel = ck_matmul_q5_K
            default: kernel = ck_matmul_q6_K
            }
            let plan = WorkPlan(w, tokens: tokens, threads: pool.threadCount)
            plan.run(SuperBlockPiece(plan: plan, kernel: kernel, w: w, x: x, y: y), pool)
        default:
            precondition(x.contents == .float, "\(w.type) weights need float activations")
            multiplyFloat(w, UnsafePointer(x.floats), tokens: tokens, into: y, pool: pool)
        }
    }

    /// Multiplies `w` with `tokens` float rows at `x` (row t at `x + t × w.columns`),
    /// quantizing them into `scratch` first when the weights are quantized.
    public static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int,
                                into y: UnsafeMutablePointer<Float>, scratch: ActivationBuffer,
                                pool: ThreadPool) {
        switch w.type {
        case .f32, .f16, .bf16:
            precondition(tokens > 0, "tokens must be positive")
            multiplyFloat(w, x, tokens: tokens, into: y, pool: pool)
        default:
            scratch.quantize(x, tokens: tokens, columns: w.columns, for: w.type)
            multiply(w, scratch, tokens: tokens, into: y, pool: pool)
        }
    }

    private static func multiplyQuantized(_ w: WeightMatrix, _ x: ActivationBuffer, tokens: Int,
                                          into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        if w.layout != .ggml {
            let plan = WorkPlan(w, tokens: tokens, threads: pool.threadCount)
            plan.run(RowGroupPiece(plan: plan, w: w, x: x, y: y), pool)
            return
        }
        let kernel: ck_matmul_fn
        switch w.type {
        case .q4_0: kernel = ck_matmul_q4_0
        case .q4_1: kernel = ck_matmul_q4_1
        case .q5_0: kernel = ck_matmul_q5_0
        case .q5_1: kernel = ck_matmul_q5_1
        default: kernel = ck_matmul_q8_0
        }
        let plan = WorkPlan(w, tokens: tokens, threads: pool.threadCount)
        plan.run(QuantizedPiece(plan: plan, kernel: kernel, w: w, x: x, y: y), pool)
    }

    private static func multiplyFloat(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int,
                                      into y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let plan = WorkPlan(w, tokens: tokens, threads: pool.threadCount)
        switch w.type {
        case .f32: plan.run(FloatPiece<F32Format>(plan: plan, w: w, x: x, y: y), pool)
        case .f16: plan.run(FloatPiece<F16Format>(plan: plan, w: w, x: x, y: y), pool)
        default: plan.run(FloatPiece<BF16Format>(plan: plan, w: w, x: x, y: y), pool)
        }
    }
}

/// One piece of a quantized mat-mul: the C kernel on a range of rows × tokens.
private struct QuantizedPiece: ParallelWork {
    let plan: WorkPlan
    let kernel: ck_matmul_fn
    let w: WeightMatrix
    let x: ActivationBuffer
    let y: UnsafeMutablePointer<Float>

    func run(_ piece: Int) {
        let (rows, tokens) = plan.ranges(of: piece)
        var view = x.activationRows(from: tokens.lowerBound)
        kernel(w.row(rows.lowerBound), w.rowBytes, Int32(rows.count), &view, Int32(tokens.count),
               Int32(w.columns / 32), y + (tokens.lowerBound &* w.rows &+ rows.lowerBound), w.rows)
    }
}

/// One piece of a mat-mul with Q4_1 or Q5_0 weights in 16-row groups: whole groups × a token range.
private struct RowGroupPiece: ParallelWork {
    let plan: WorkPlan
    let w: WeightMatrix
    let x: ActivationBuffer
    let y: UnsafeMutablePointer<Float>

    func run(_ piece: Int) {
        let (rows, tokens) = plan.ranges(of: piece)
        var view = x.activationRows(from: tokens.lowerBound)
        let kernel = w.layout == .q5_0RowGroups ? ck_matmul_q5_0x16 : ck_matmul_q4_1x16
        kernel(w.row(rows.lowerBound), 16 &* w.rowBytes, Int32(rows.count / 16), &view, Int32(tokens.count),
                          Int32(w.columns / 32), y + (tokens.lowerBound &* w.rows &+ rows.lowerBound), w.rows)
    }
}

/// One piece of a K-quant mat-mul: the C kernel on a range of rows × tokens, Q8_K activations.
private struct SuperBlockPiece: ParallelWork {
    let plan: WorkPlan
    let kernel: ck_matmul_k_fn
    let w: WeightMatrix
    let x: ActivationBuffer
    let y: UnsafeMutablePointer<Float>

    func run(_ piece: Int) {
        let (rows, tokens) = plan.ranges(of: piece)
        // llama.cpp multiplies all but the last (tokens % 4) tokens in groups of four (ckernels.h).
        let groupedEnd = plan.tokens &- plan.tokens % 4
        let grouped = max(0, min(tokens.count, groupedEnd &- tokens.lowerBound))
        kernel(w.row(rows.lowerBound), w.rowBytes, Int32(rows.count), x.superBlockRow(tokens.lowerBound),
               x.superBlockRowBytes, Int32(tokens.count), Int32(grouped), Int32(w.columns / 256),
               y + (tokens.lowerBound &* w.rows &+ rows.lowerBound), w.rows)
    }
}

/// One piece of a float mat-mul: the Swift SIMD kernel on a range of rows × tokens.
private struct FloatPiece<Format: FloatRowFormat>: ParallelWork {
    let plan: WorkPlan
    let w: WeightMatrix
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>

    func run(_ piece: Int) {
        let (rows, tokens) = plan.ranges(of: piece)
        FloatKernels.multiply(Format.self, w, x, rows: rows, tokens: tokens, into: y)
    }
}

/// How one mat-mul is cut into pieces for the pool: row ranges (multiples of 4) × token blocks.
struct WorkPlan {
    /// Token rows per piece: long prompts are cut so one piece's activations stay in L2.
    static let tokenBlock = 32
    /// Below this many weight bytes × tokens, waking another thread costs more than it saves.
    static let minimumParallelBytes = 16 * 1024

    let rows: Int
    let tokens: Int
    let rowChunk: Int
    let tokenChunk: Int
    let rowPieces: Int
    let tokenPieces: Int

    init(_ w: WeightMatrix, tokens: Int, threads: Int) {
        rows = w.rows
        self.tokens = tokens
        tokenChunk = tokens <= Self.tokenBlock + Self.tokenBlock / 2 ? tokens : Self.tokenBlock
        tokenPieces = (tokens + tokenChunk - 1) / tokenChunk
        if threads <= 1 || w.byteCount * tokens < Self.minimumParallelBytes {
            rowChunk = rows
        } else {
            // About four pieces per thread, so a thread slowed by a neighbour costs little.
            let wanted = max(1, threads * 4 / tokenPieces)
            let chunk = (rows + wanted - 1) / wanted
            // Kernels take rows in fours; repacked weights in whole 16-row groups.
            let step = w.layout == .ggml ? 4 : 16
            rowChunk = min(rows, max(16, (chunk + step - 1) / step * step))
        }
        rowPieces = (rows + rowChunk - 1) / rowChunk
    }

    /// Number of pieces.
    var count: Int { rowPieces * tokenPieces }

    /// Rows and tokens of piece `piece` (row-major over pieces, so consecutive pieces share
    /// weight rows when a long prompt is cut into token blocks).
    @inline(__always)
    func ranges(of piece: Int) -> (rows: Range<Int>, tokens: Range<Int>) {
        let r = piece / tokenPieces
        let t = piece - r * tokenPieces
        let r0 = r * rowChunk, t0 = t * tokenChunk
        return (r0..<min(rows, r0 + rowChunk), t0..<min(tokens, t0 + tokenChunk))
    }

    /// Runs every piece of `work`, on the pool when there is more than one.
    @inline(__always)
    func run<Work: ParallelWork>(_ work: Work, _ pool: ThreadPool) {
        if count == 1 {
            work.run(0)
        } else {
            pool.parallelFor(count, work)
        }
    }
}
