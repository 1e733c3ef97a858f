import Foundation

/// The element-wise building blocks every architecture file composes (llama2.c's `run.c` idea):
/// plain loops over raw pointers that the compiler vectorises; the matrix products live in
/// `LLMKernels`.
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
    @inline(__always)
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + Foundation.exp(-g)) * up[i]
        }
    }

    /// In-place softmax over `count` scores; returns nothing, the row sums to one afterwards.
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count where x[i] > maximum { maximum = x[i] }
        var sum: Double = 0
        for i in 0..<count {
            let e = Foundation.exp(x[i] - maximum)
            x[i] = e
            sum += Double(e)
        }
        let inverse = Float(1 / sum)
        for i in 0..<count { x[i] *= inverse }
    }
}

/// Rotary position embedding tables: one cosine/sine pair per rotated pair, computed per
/// position on demand (cheap next to the matrix products, and no table to size up front).
struct RotaryEmbedding {
    let dimensions: Int
    let layout: RopeLayout
    /// base^(-2i/dimensions) for each pair i.
    private let inverseFrequencies: [Double]

    init(dimensions: Int, base: Float, layout: RopeLayout) {
        self.dimensions = dimensions
        self.layout = layout
        inverseFrequencies = (0..<dimensions / 2).map { pair in
            Foundation.pow(Double(base), -2 * Double(pair) / Double(dimensions))
        }
    }

    /// Fills `cosines` and `sines` (dimensions/2 each) for `position`.
    func angles(position: Int, cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>) {
        for pair in 0..<dimensions / 2 {
            let theta = Double(position) * inverseFrequencies[pair]
            cosines[pair] = Float(Foundation.cos(theta))
            sines[pair] = Float(Foundation.sin(theta))
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
                let a = v[i], b = v[j]
                v[i] = a * cosines[pair] - b * sines[pair]
                v[j] = a * sines[pair] + b * cosines[pair]
            }
        }
    }
}
