import Foundation

/// The element-wise building blocks every architecture file composes (llama2.c's `run.c` idea):
/// plain loops over raw pointers that the compiler vectorises; the matrix products live in
/// `LLMKernels`.
///
/// The arithmetic is llama.cpp's CPU arithmetic on x86-64 (ggml-cpu, AVX-512 build) operation
/// for operation, including its vectorised `expf` and where its compiler fuses multiply-adds,
/// so that greedy decoding follows the llama.cpp goldens bit for bit rather than drifting by
/// rounding differences that 30 layers amplify.
enum TransformerOps {
    /// out = x / rms(x) * weight, for one row of `count` values. The mean of squares is summed
    /// in Double, as llama.cpp does, so long rows do not lose precision.
    @inline(__always)
    static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int,
                        epsilon: Float, into out: UnsafeMutablePointer<Float>) {
        var sum: Double = 0
        for i in 0..<count { sum += Double(x[i] * x[i]) }
        let scale = 1 / (Float(sum / Double(count)) + epsilon).squareRoot()
        for i in 0..<count { out[i] = (x[i] * scale) * weight[i] }
    }

    /// x += y
    @inline(__always)
    static func add(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// gate = silu(gate) * up — the SwiGLU activation, written over the gate buffer.
    ///
    /// As llama.cpp's `ggml_vec_swiglu_f32`: 16 lanes at a time silu(x) = x / (1 + e^-x) with
    /// its vectorised exp (``exp(_:)``), times up; a tail of fewer than 16 with libm `expf`.
    /// (llama.cpp runs this per row; rows here are laid end to end, which is the same thing
    /// whenever the row length is a multiple of 16, as in every model we run.)
    @inline(__always)
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let g = UnsafeMutableRawPointer(gate + i)
            let x = g.loadUnaligned(as: SIMD16<Float>.self)
            let silu = x / (1 + exp(SIMD16<Float>() - x))
            g.storeBytes(of: silu * UnsafeRawPointer(up + i).loadUnaligned(as: SIMD16<Float>.self),
                         as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            let x = gate[i]
            gate[i] = x / (1 + Foundation.exp(-x)) * up[i]
            i += 1
        }
    }

    /// gate = gelu(gate) * up, GELU in its tanh form, the way llama.cpp's CPU build computes it:
    /// through a Float16 table (the input rounded to Float16, GELU in Float, the result rounded
    /// to Float16), with the identity above 10 and zero below -10. Matching that rounding keeps
    /// greedy decoding on llama.cpp's path.
    static func geGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let table = geluTable
        for i in 0..<count {
            let x = gate[i]
            if x <= -10 {
                gate[i] = 0
            } else if x >= 10 {
                gate[i] = x * up[i]
            } else {
                gate[i] = Float(table[Int(Float16(x).bitPattern)]) * up[i]
            }
        }
    }

    /// GELU of every Float16, rounded to Float16, indexed by bit pattern (128 KiB, built once on
    /// first use): the same table llama.cpp builds, and a tanh per element saved.
    nonisolated(unsafe) static let geluTable: UnsafeMutablePointer<Float16> = {
        let table = UnsafeMutablePointer<Float16>.allocate(capacity: 1 << 16)
        for bits in 0..<(1 << 16) {
            table[bits] = Float16(gelu(Float(Float16(bitPattern: UInt16(bits)))))
        }
        return table
    }()

    /// 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x²))), in Float, operation for operation.
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        let sqrtTwoOverPi: Float = 0.79788456080286535587989211986876
        let coefficient: Float = 0.044715
        return 0.5 * x * (1 + Foundation.tanh(sqrtTwoOverPi * x * (1 + coefficient * x * x)))
    }

    /// In-place softmax over `count` scores; the row sums to one afterwards.
    ///
    /// As llama.cpp's `ggml_compute_forward_soft_max_f32` on a masked row of the KV cache:
    /// e^(x - max) with ``exp(_:)`` 16 scores at a time, each group of 16 summed as
    /// `_mm512_reduce_add_ps` does (``sum16(_:)``) and the group sums added in Double; the
    /// masked tail of the last group counts as e^-∞ = 0. Then everything times Float(1 / sum).
    /// Scores are grouped from index 0, which is cache cell 0 in llama.cpp.
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count where x[i] > maximum { maximum = x[i] }
        let top = SIMD16<Float>(repeating: maximum)
        var sum: Double = 0
        var i = 0
        while i < count {
            let raw = UnsafeMutableRawPointer(x + i)
            var v = SIMD16<Float>(repeating: -.infinity)
            if i + 16 <= count {
                v = raw.loadUnaligned(as: SIMD16<Float>.self)
            } else {
                for k in 0..<count - i { v[k] = x[i + k] }
            }
            let e = exp(v - top)
            if i + 16 <= count {
                raw.storeBytes(of: e, as: SIMD16<Float>.self)
            } else {
                for k in 0..<count - i { x[i + k] = e[k] }
            }
            sum += Double(sum16(e))
            i += 16
        }
        let inverse = Float(1 / sum)
        for i in 0..<count { x[i] *= inverse }
    }

    /// Σ of 16 lanes in `_mm512_reduce_add_ps`'s order (GCC's, as llama.cpp is built):
    /// halves, then quarters, then ((v0 + v2) + (v1 + v3)) of what is left.
    @inline(__always)
    static func sum16(_ v: SIMD16<Float>) -> Float {
        let s8 = v.lowHalf + v.highHalf
        let s4 = s8.lowHalf + s8.highHalf
        return (s4[0] + s4[2]) + (s4[1] + s4[3])
    }

    /// e^x, 16 lanes, bit for bit llama.cpp's `ggml_v_expf` (ggml-cpu/vec.h, AVX-512 variant;
    /// after ARM's optimized-routines expf): x = n·ln2 + b with n = round(x·log2 e), a degree-5
    /// polynomial for 2^b, then scaling by 2^n with a single rounding (`vscalefps`). Below
    /// about -104 it gives 0, above about 88.4 infinity. Maximum error 1.5 ulp — not libm's
    /// expf, which is what matters here: the goldens were made with this one.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        typealias V = SIMD16<Float>
        let shifter = V(repeating: 0x1.8p23)
        let z = shifter.addingProduct(x, V(repeating: 0x1.715476p+0))
        let n = z - shifter
        let b = x.addingProduct(-n, V(repeating: 0x1.62e4p-1)).addingProduct(-n, V(repeating: 0x1.7f7d1cp-20))
        let u = b * b
        let p54 = V(repeating: 0x1.573e2ep-5).addingProduct(V(repeating: 0x1.0e4020p-7), b)
        let p32 = V(repeating: 0x1.fffdb6p-2).addingProduct(V(repeating: 0x1.555e66p-3), b)
        let p10 = V(repeating: 1).addingProduct(V(repeating: 0x1.ffffecp-1), b)
        let j = p10.addingProduct(p32.addingProduct(p54, u), u)
        // vscalefps(j, n) = j·2^n rounded once. With n clamped to ±192 (beyond, the special
        // case below decides) and split as n = s1 + s2, |s1|, |s2| ≤ 96: j·2^s1 is exact, so
        // (j·2^s1)·2^s2 rounds only in the second product. 2^s is built from s's bits after
        // adding 1.5·2^23 (which leaves the integer s in the low mantissa bits). Comparisons
        // stay in Float: Int32 lane compares are generic, scalarised code in Swift.
        let clamped = n.replacing(with: 192, where: n .> 192).replacing(with: -192, where: n .< -192)
        let s1 = (clamped * 0.5).rounded(.down), s2 = clamped - s1
        @inline(__always) func power(_ s: V) -> V {
            unsafeBitCast((unsafeBitCast(s + shifter, to: SIMD16<Int32>.self) &- (0x4B40_0000 - 127)) &<< 23, to: V.self)
        }
        let scaled = (j * power(s1)) * power(s2)
        // |n| > 192: 0 or infinity (vexpf's own special case; also what x = -∞ becomes).
        let out = (n .> 192) .| (n .< -192)
        return scaled.replacing(with: 0, where: out .& (n .<= 0)).replacing(with: .infinity, where: out .& (n .> 0))
    }
}

/// Rotary position embedding: one cosine/sine pair per rotated pair, computed per position on
/// demand (cheap next to the matrix products, and no table to size up front).
///
/// As llama.cpp (`ggml_rope_cache_init`, `rotate_pairs`): the angle of pair i is θ·s^i with
/// s = powf(base, -2/dimensions) and the product built up in Float, θ *= s pair after pair;
/// cos and sin are libm's cosf/sinf; and the rotation fuses the x0 products:
/// x0' = fma(x0, cos, -(x1·sin)), x1' = fma(x0, sin, x1·cos), which is what GCC makes of
/// `x0*cos - x1*sin` and `x0*sin + x1*cos` in llama.cpp's x86 build.
struct RotaryEmbedding {
    let dimensions: Int
    let layout: RopeLayout
    /// base^(-2/dimensions), in Float as powf gives it.
    private let thetaScale: Float

    /// Per-pair divisors of the angle (Llama 3's `rope_freqs`), or nil.
    private let frequencyFactors: [Float]?

    init(dimensions: Int, base: Float, layout: RopeLayout, frequencyFactors: [Float]? = nil) {
        self.dimensions = dimensions
        self.layout = layout
        self.frequencyFactors = frequencyFactors
        thetaScale = Foundation.pow(base, -2 / Float(dimensions))
    }

    /// Fills `cosines` and `sines` (dimensions/2 each) for `position`. With frequency factors
    /// the angle of pair i is divided by factor i, as llama.cpp's rope cache does.
    func angles(position: Int, cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>) {
        var theta = Float(position)
        for pair in 0..<dimensions / 2 {
            let angle = frequencyFactors.map { theta / $0[pair] } ?? theta
            cosines[pair] = Foundation.cos(angle)
            sines[pair] = Foundation.sin(angle)
            theta *= thetaScale
        }
    }

    /// Rotates each of `heads` heads (stride `headDimension`) of one token in place.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int,
               cosines: UnsafePointer<Float>, sines: UnsafePointer<Float>) {
        let half = dimensions / 2
        for head in 0..<heads {
            let v = x + head * headDimension
            for pair in 0..<half {
                let (i, j) = layout == .adjacentPairs ? (2 * pair, 2 * pair + 1) : (pair, pair + half)
                let a = v[i], b = v[j], c = cosines[pair], s = sines[pair]
                v[i] = (-(b * s)).addingProduct(a, c)
                v[j] = (b * c).addingProduct(a, s)
            }
        }
    }
}
