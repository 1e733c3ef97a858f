// LLMKernels: quant block layouts, the scalar reference kernels (the test oracle), the
// activation quantizer, the mat-mul drivers and the thread pool. The quantized inner loops
// are in the CKernels C target; everything else is Swift.
//
// Activation types follow llama.cpp so results stay close to its goldens: Q4_0 and Q8_0
// weights are multiplied with Q8_0 activations, Q4_1 weights with Q8_1 activations, and
// F32/F16/BF16 weights with the float activations themselves.
import GGUF

/// Scalar reference kernels: clear code, GGML's definitions term by term. They are the
/// oracle the fast kernels are tested against, never used on the hot path.
public enum Reference {
    /// Dequantizes `count` elements of a `type` row (`count` a multiple of the block size).
    /// Supports F32, F16, BF16, Q4_0, Q4_1, Q8_0 and Q8_1; other types are a precondition failure.
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
        default: preconditionFailure("no reference dequantizer for \(type)")
        }
    }

    /// The activation type llama.cpp pairs with `weights`: Q8_0 for Q4_0 and Q8_0, Q8_1 for
    /// Q4_1, F32 for the float types; nil for types this module does not multiply.
    public static func activationType(for weights: GGMLType) -> GGMLType? {
        switch weights {
        case .q4_0, .q8_0: return .q8_0
        case .q4_1: return .q8_1
        case .f32, .f16, .bf16: return .f32
        default: return nil
        }
    }
}
