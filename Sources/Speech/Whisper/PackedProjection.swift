import LLMKernels

/// An fp16 weight matrix W [rows × columns] (output × input, CTranslate2's layout) rearranged
/// for products with many tokens at once — the encoder's 1500 positions, the cross-attention
/// keys and values: panels of 16 output rows, each stored input-major,
///
///     panel j, input p, lane q  =  W[16·j + q][p]        (rows padded to a multiple of 16 with zeros)
///
/// so one step of the inner kernel reads 16 consecutive halves (one cache line per two steps)
/// for 16 outputs. The values stay fp16 (the file's); they are widened in registers.
///
/// `@unchecked Sendable`: the panels are written once in `init` and only read afterwards.
final class PackedProjection: @unchecked Sendable {
    /// Output dimension.
    let rows: Int
    /// Input dimension.
    let columns: Int
    /// Bias per output row, or nil.
    let bias: UnsafePointer<Float>?
    private let panels: UnsafeMutablePointer<Float16>   // [panelCount][columns][16]
    let panelCount: Int

    /// Repacks `rows` × `columns` row-major fp16 values at `weights`.
    init(weights: UnsafeRawPointer, rows: Int, columns: Int, bias: UnsafePointer<Float>?) {
        self.rows = rows
        self.columns = columns
        self.bias = bias
        panelCount = (rows + 15) / 16
        panels = .allocate(capacity: panelCount * columns * 16)
        for j in 0..<panelCount {
            let panel = panels + j * columns * 16
            for q in 0..<16 {
                let r = j * 16 + q
                for p in 0..<columns {
                    panel[p * 16 + q] = r < rows ? weights.loadUnaligned(fromByteOffset: (r * columns + p) * 2, as: Float16.self) : 0
                }
            }
        }
    }

    deinit { panels.deallocate() }

    /// What happens to each output after its bias is added.
    enum Epilogue {
        /// y = W·x + b
        case store
        /// y = GELU(W·x + b)
        case gelu
        /// y += W·x + b (a residual connection)
        case accumulate
    }

    /// y[t][r] = Σ_p x[t][p]·W[r][p] + bias[r] for `tokens` rows of x (stride `columns`),
    /// y rows `ldy` apart, finished by `epilogue`. Split over the pool by blocks of tokens ×
    /// groups of panels; every output is summed the same way whatever the split.
    func multiply(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
                  _ epilogue: Epilogue = .store, pool: ThreadPool) {
        let work = ProjectionWork(weights: self, x: x, tokens: tokens, y: y, ldy: ldy, epilogue: epilogue,
                                  tokenBlocks: (tokens + Self.tokenBlock - 1) / Self.tokenBlock,
                                  panelGroups: (panelCount + Self.panelGroup - 1) / Self.panelGroup)
        pool.parallelFor(work.tokenBlocks * work.panelGroups, work)
    }

    /// Tokens per piece of work: 96 rows of 384 inputs (147 KB) stay in L2 while every panel
    /// of the group streams past them from L1.
    static let tokenBlock = 96
    /// Panels per piece of work.
    static let panelGroup = 8

    /// Outputs of panel `j` for tokens `range`.
    @inline(__always)
    fileprivate func run(panel j: Int, tokens range: Range<Int>, x: UnsafePointer<Float>,
                         y: UnsafeMutablePointer<Float>, ldy: Int, epilogue: Epilogue) {
        let panel = UnsafePointer(panels + j * columns * 16)
        let width = min(16, rows - j * 16)
        // The panel's 16 biases (zero past the last row, or without a bias).
        var lanes = WhisperMath.V()
        if let bias { for q in 0..<width { lanes[q] = bias[j * 16 + q] } }
        let biases = lanes
        var t = range.lowerBound
        withUnsafeTemporaryAllocation(of: Float.self, capacity: PanelKernel.rows * 16) { tile in
            guard let out = tile.baseAddress else { return }
            while t < range.upperBound {
                let count = min(PanelKernel.rows, range.upperBound - t)
                PanelKernel.run(count: count, k: columns, a: x + t * columns, lda: columns, panel: panel, c: out)
                for i in 0..<count {
                    let row = out + i * 16
                    var v = WhisperMath.load(row) + biases
                    let target = y + (t + i) * ldy + j * 16
                    if epilogue == .gelu { v = WhisperMath.gelu(v) }
                    if width == 16 {
                        if epilogue == .accumulate { v += WhisperMath.load(target) }
                        WhisperMath.store(v, target)
                    } else {
                        for q in 0..<width { target[q] = epilogue == .accumulate ? target[q] + v[q] : v[q] }
                    }
                }
                t += count
            }
        }
    }
}

/// One piece: a block of tokens against a group of panels.
private struct ProjectionWork: ParallelWork {
    let weights: PackedProjection
    let x: UnsafePointer<Float>
    let tokens: Int
    let y: UnsafeMutablePointer<Float>
    let ldy: Int
    let epilogue: PackedProjection.Epilogue
    let tokenBlocks: Int
    let panelGroups: Int

    func run(_ index: Int) {
        let block = index % tokenBlocks, group = index / tokenBlocks
        let range = block * PackedProjection.tokenBlock..<min(tokens, (block + 1) * PackedProjection.tokenBlock)
        let first = group * PackedProjection.panelGroup
        for j in first..<min(weights.panelCount, first + PackedProjection.panelGroup) {
            weights.run(panel: j, tokens: range, x: x, y: y, ldy: ldy, epilogue: epilogue)
        }
    }
}

/// Up to 4 rows of A times one fp16 panel (k × 16): eight 8-lane accumulators, widening the
/// panel's halves in registers. (Six rows, as in ``WhisperGEMM``, leave the compiler too few
/// registers once the widened panel vectors are counted, and it spills accumulators.)
enum PanelKernel {
    typealias V8 = SIMD8<Float>
    static let rows = 4

    @inline(__always)
    static func widen(_ p: UnsafePointer<Float16>) -> V8 {
        let h = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float16>.self)
        var r = V8()
        for i in 0..<8 { r[i] = Float(h[i]) }   // one vcvtph2ps
        return r
    }

    /// c[i][0..<16] (stride 16) for i < count ≤ 4.
    @inline(__always)
    static func run(count: Int, k: Int, a: UnsafePointer<Float>, lda: Int, panel: UnsafePointer<Float16>,
                    c: UnsafeMutablePointer<Float>) {
        var c00 = V8(), c01 = V8(), c10 = V8(), c11 = V8(), c20 = V8(), c21 = V8(), c30 = V8(), c31 = V8()
        // Rows past `count` read row 0 again; their sums are never stored.
        let a0 = a, a1 = count > 1 ? a + lda : a, a2 = count > 2 ? a + 2 &* lda : a, a3 = count > 3 ? a + 3 &* lda : a
        var b = panel
        for p in 0..<k {
            let b0 = widen(b), b1 = widen(b + 8)
            let s0 = V8(repeating: a0[p]), s1 = V8(repeating: a1[p])
            let s2 = V8(repeating: a2[p]), s3 = V8(repeating: a3[p])
            c00 = c00.addingProduct(s0, b0); c01 = c01.addingProduct(s0, b1)
            c10 = c10.addingProduct(s1, b0); c11 = c11.addingProduct(s1, b1)
            c20 = c20.addingProduct(s2, b0); c21 = c21.addingProduct(s2, b1)
            c30 = c30.addingProduct(s3, b0); c31 = c31.addingProduct(s3, b1)
            b += 16
        }
        let out = UnsafeMutableRawPointer(c)
        out.storeBytes(of: c00, toByteOffset: 0, as: V8.self); out.storeBytes(of: c01, toByteOffset: 32, as: V8.self)
        out.storeBytes(of: c10, toByteOffset: 64, as: V8.self); out.storeBytes(of: c11, toByteOffset: 96, as: V8.self)
        out.storeBytes(of: c20, toByteOffset: 128, as: V8.self); out.storeBytes(of: c21, toByteOffset: 160, as: V8.self)
        out.storeBytes(of: c30, toByteOffset: 192, as: V8.self); out.storeBytes(of: c31, toByteOffset: 224, as: V8.self)
    }
}
