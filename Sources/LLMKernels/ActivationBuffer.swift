import CKernels
import GGUF

/// Reusable scratch holding the input of one or more mat-muls: quantize once, multiply many
/// times (q/k/v share one input, gate/up share one). All memory is allocated in `init`.
///
/// For quantized weights the buffer holds Q8 activations in the split layout the C kernels
/// read (`ck_act_rows` in ckernels.h), organised by pairs of blocks: the int8 quants of a pair
/// as low halves then high halves (the order Q4 nibbles unpack to), the scales d and s as
/// Float side arrays, and the negated sums of groups of four quants; plus the same quants and
/// group sums in element order, which the Q4_1 and Q8_0 kernels read (they sum in llama.cpp's
/// order, block by block). One quantization serves Q4_0, Q8_0 (Q8_0 activations) and Q4_1
/// (Q8_1 activations) alike: llama.cpp's Q8_0 and Q8_1 share d and the quants, Q8_1 only adds s.
/// For F32/F16/BF16 weights it holds a copy of the floats.
///
/// Not thread-safe: one owner fills it, then any number of mat-muls read it.
public final class ActivationBuffer {
    /// What the buffer currently holds.
    public enum Contents: Sendable, Equatable {
        case empty
        /// Q8 activations, for Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 weights.
        case quantized
        /// Q8_K activations (standard 292-byte GGML blocks of 256), for Q2_K…Q6_K weights.
        case quantizedK
        /// The floats themselves, for F32, F16 and BF16 weights.
        case float
    }

    /// Capacity in token rows.
    public let maxTokens: Int
    /// Capacity in elements per token row.
    public let maxColumns: Int
    /// Token rows of the current contents.
    public private(set) var tokens = 0
    /// Elements per token row of the current contents.
    public private(set) var columns = 0
    /// Kind of the current contents.
    public private(set) var contents = Contents.empty

    /// Block pairs between token rows of the current quantized contents (see ckernels.h).
    private(set) var stride = 0
    private let maxStride: Int
    let quants: UnsafeMutablePointer<Int8>       // [maxTokens][maxStride][64]: A lo, B lo, A hi, B hi
    let scales: UnsafeMutablePointer<Float>      // [maxTokens][maxStride][8]: dA dB sA sB dA dB sA sB
    let groupSums: UnsafeMutablePointer<Int32>   // [maxTokens][maxStride][16]: A g0-3, B g0-3, A g4-7, B g4-7
    let laneSums: UnsafeMutablePointer<Int32>    // [maxTokens][maxStride][8]: A g0+g4 … g3+g7, B the same
    let naturalQuants: UnsafeMutablePointer<Int8>      // [maxTokens][maxStride][64]: A 0…31, B 0…31
    let naturalGroupSums: UnsafeMutablePointer<Int32>  // [maxTokens][maxStride][16]: A g0…g7, B g0…g7
    let floats: UnsafeMutablePointer<Float>      // [maxTokens][maxColumns]
    let superBlocks: UnsafeMutableRawPointer     // [maxTokens][maxColumns / 256] Q8_K blocks (292 bytes)
    private let maxSuperBlocks: Int

    /// Allocates room for `maxTokens` rows of up to `maxColumns` elements.
    public init(maxTokens: Int, maxColumns: Int) {
        precondition(maxTokens > 0 && maxColumns > 0, "ActivationBuffer needs a positive size")
        self.maxTokens = maxTokens
        self.maxColumns = maxColumns
        maxStride = (maxColumns + 63) / 64
        quants = Self.allocate(Int8.self, maxTokens * maxStride * 64)
        scales = Self.allocate(Float.self, maxTokens * maxStride * 8)
        groupSums = Self.allocate(Int32.self, maxTokens * maxStride * 16)
        laneSums = Self.allocate(Int32.self, maxTokens * maxStride * 8)
        naturalQuants = Self.allocate(Int8.self, maxTokens * maxStride * 64)
        naturalGroupSums = Self.allocate(Int32.self, maxTokens * maxStride * 16)
        floats = Self.allocate(Float.self, maxTokens * maxColumns)
        maxSuperBlocks = maxColumns / 256
        superBlocks = UnsafeMutableRawPointer(Self.allocate(UInt8.self, max(1, maxTokens * maxSuperBlocks * BlockQ8_K.byteCount)))
    }

    deinit {
        quants.deallocate()
        scales.deallocate()
        groupSums.deallocate()
        laneSums.deallocate()
        naturalQuants.deallocate()
        naturalGroupSums.deallocate()
        floats.deallocate()
        superBlocks.deallocate()
    }

    /// 64-byte aligned (one cache line, one zmm), zero-filled.
    private static func allocate<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<T>.stride)
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Prepares `tokens` rows of `columns` floats (row t at `x + t × columns`) for
    /// multiplication with weights of `type`: quantizes them for Q4_0/Q4_1/Q8_0, copies them
    /// for F32/F16/BF16, quantizes them to Q8_K for Q2_K…Q6_K (`columns` a multiple of 256).
    /// Quantization is llama.cpp's x86 quantizer, bit for bit (`Reference.quantizeQ8_0` and
    /// `Reference.quantizeQ8_K` explain which and why). Matrices of different types may share
    /// one quantization only when their activation types agree (``Reference/activationType(for:)``).
    public func quantize(_ x: UnsafePointer<Float>, tokens: Int, columns: Int, for type: GGMLType) {
        precondition(tokens > 0 && tokens <= maxTokens, "tokens \(tokens) outside 1...\(maxTokens)")
        precondition(columns > 0 && columns <= maxColumns, "columns \(columns) outside 1...\(maxColumns)")
        self.tokens = tokens
        self.columns = columns
        switch type {
        case .f32, .f16, .bf16:
            floats.update(from: x, count: tokens * columns)
            contents = .float
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
            precondition(columns % 256 == 0, "K-quant rows are whole 256-element blocks")
            // For Q4_K (repacked by llama.cpp), tokens it multiplies in groups of four use its
            // 4-row quantizer's rule (Reference.quantizeQ8_K); Q3_K/Q5_K/Q6_K are not repacked on x86.
            let groupedEnd = type == .q4_K ? tokens - tokens % 4 : 0
            for t in 0..<tokens {
                Reference.quantizeQ8_K(x + t * columns, count: columns, into: superBlocks + t * superBlockRowBytes,
                                       grouped: t < groupedEnd)
            }
            contents = .quantizedK
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
            precondition(columns % 32 == 0, "quantized rows are whole 32-element blocks")
            let blocks = columns / 32
            stride = (blocks + 1) / 2
            for t in 0..<tokens {
                Self.quantizeRow(x + t * columns, blocks: blocks,
                                 quants: quants + t * stride * 64,
                                 scales: scales + t * stride * 8,
                                 groupSums: groupSums + t * stride * 16,
                                 laneSums: laneSums + t * stride * 8,
                                 naturalQuants: naturalQuants + t * stride * 64,
                                 naturalGroupSums: naturalGroupSums + t * stride * 16)
            }
            contents = .quantized
        default:
            preconditionFailure("no activation format for \(type) weights")
        }
    }

    /// Bytes between token rows of the Q8_K contents.
    var superBlockRowBytes: Int { maxSuperBlocks * BlockQ8_K.byteCount }

    /// Token row `t` of the Q8_K contents (`columns / 256` standard blocks).
    func superBlockRow(_ t: Int) -> UnsafeRawPointer {
        precondition(contents == .quantizedK && t >= 0 && t < tokens, "no Q8_K token row \(t)")
        return UnsafeRawPointer(superBlocks + t * superBlockRowBytes)
    }

    /// The C kernels' view of token rows `first...`.
    func activationRows(from first: Int) -> ck_act_rows {
        ck_act_rows(qs: UnsafePointer(quants + first * stride * 64),
                    sc: UnsafePointer(scales + first * stride * 8),
                    g16: UnsafePointer(groupSums + first * stride * 16),
                    g8: UnsafePointer(laneSums + first * stride * 8),
                    stride: stride,
                    qn: UnsafePointer(naturalQuants + first * stride * 64),
                    gn: UnsafePointer(naturalGroupSums + first * stride * 16))
    }

    /// Calls `body` with the C kernels' view of the quantized contents from token row `first`
    /// on, for driving a `ck_matmul_*` kernel directly (benchmarks, tests).
    public func withKernelRows<R>(from first: Int = 0, _ body: (UnsafePointer<ck_act_rows>) -> R) -> R {
        precondition(contents == .quantized && first >= 0 && first < tokens, "no quantized token row \(first)")
        var view = activationRows(from: first)
        return body(&view)
    }

    /// Token row `t` of the quantized contents as standard GGML blocks of `type` (Q8_0 or
    /// Q8_1), `columns / 32` blocks at `output`. For tests and debugging.
    func copyBlocks(token t: Int, as type: GGMLType, into output: UnsafeMutableRawPointer) {
        precondition(contents == .quantized && (type == .q8_0 || type == .q8_1))
        let bytes = type.blockBytes
        let quantsOffset = type == .q8_0 ? BlockQ8_0.quantsOffset : BlockQ8_1.quantsOffset
        for b in 0..<columns / 32 {
            let pair = t * stride + b / 2, half = b % 2
            let block = output + b * bytes
            block.storeBytes(of: Float16(scales[pair * 8 + half]), as: Float16.self)
            if type == .q8_1 {
                block.storeBytes(of: Float16(scales[pair * 8 + 2 + half]), toByteOffset: 2, as: Float16.self)
            }
            let low = quants + pair * 64 + half * 16
            (block + quantsOffset).copyMemory(from: low, byteCount: 16)
            (block + quantsOffset + 16).copyMemory(from: low + 32, byteCount: 16)
        }
    }
}
