// LLMKernels: quant block layouts, the scalar reference kernels (the test oracle), the
// activation quantizer, the mat-mul drivers and the thread pool. The quantized inner loops
// are in the CKernels C target; everything else is Swift.
//
// Activation types follow llama.cpp so results stay close to its goldens: Q4_0 and Q8_0
// weights (and Q5_0) are multiplied with Q8_0 activations, Q4_1 and Q5_1 weights with Q8_1 activations,
// the K-quants (Q2_K…Q6_K) with Q8_K activations (256-element blocks), and
// F32/F16/BF16 weights with the float activations themselves.
import GGUF

/// Scalar reference kernels: clear code, GGML's definitions term by term. They are the
/// oracle the fast kernels are tested against, never used on the hot path.
public enum Reference {
    /// Dequantizes `count` elements of a `type` row (`count` a multiple of the block size).
    /// Supports every GGMLType (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K…Q6_K, Q8_K).
    public static func dequantize(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int,
                                  into output: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32: UnsafeMutableRawPointer(output).copyMemory(from: source, byteCount: count * 4)
        case .f16: dequantizeF16(source, count: count, into: output)
        case .bf16: dequantizeBF16(source, count: count, into: output)
        case .q4_0: dequantizeQ4_0(source, count: count, into: output)
        case .q4_1: dequantizeQ4_1(source, count: count, into: output)
        case .q8_0: dequantizeQ8_0(source, count: count, into: output)
        case .q8_1: dequantizeQ8_1(source, count: count, into: output)
        case .q5_0: dequantizeQ5_0(source, count: count, into: output)
        case .q5_1: dequantizeQ5_1(source, count: count, into: output)
        case .q2_K: dequantizeQ2_K(source, count: count, into: output)
        case .q3_K: dequantizeQ3_K(source, count: count, into: output)
        case .q4_K: dequantizeQ4_K(source, count: count, into: output)
        case .q5_K: dequantizeQ5_K(source, count: count, into: output)
        case .q6_K: dequantizeQ6_K(source, count: count, into: output)
        case .q8_K: dequantizeQ8_K(source, count: count, into: output)
        }
    }

    /// The activation type llama.cpp pairs with `weights`: Q8_0 for Q4_0, Q5_0 and Q8_0, Q8_1
    /// for Q4_1 and Q5_1, Q8_K for Q2_K…Q6_K, F32 for the float types; nil for types this module
    /// does not multiply.
    public static func activationType(for weights: GGMLType) -> GGMLType? {
        switch weights {
        case .q4_0, .q5_0, .q8_0: return .q8_0
        case .q4_1, .q5_1: return .q8_1
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: return .q8_K
        case .f32, .f16, .bf16: return .f32
        default: return nil
        }
    }
}
