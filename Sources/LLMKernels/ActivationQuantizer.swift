// The per-token activation quantizer: llama.cpp's x86 Q8_0/Q8_1 quantizer, in SIMD.
// It runs a few thousand elements per layer per token, so it matters a little (about 1 % of
// a token); it must also never trap on NaN or infinity (garbage in, garbage out).
//
// Which llama.cpp path, and why: on x86 with AVX/AVX2 llama.cpp does not use its reference
// quantize_row_q8_0_ref / q8_1_ref for activations but the SIMD quantize_row_q8_0 / q8_1 of
// ggml-cpu/arch/x86/quants.c, which scales by id = 127 / amax (not 1 / d) and rounds with
// _mm256_round_ps(_MM_ROUND_NEAREST), i.e. halves to even (not away from zero). Both differ
// from the reference in the last bit often enough to flip a quant now and then, and a flipped
// quant early in the network grows into visible logit differences; mirroring the x86 path
// keeps our activations bit-identical to the goldens' (made with llama.cpp on x86).

extension ActivationBuffer {
    /// Quantizes one token row of `blocks` × 32 floats into the pair layout (ckernels.h).
    /// When `blocks` is odd, block B of the last pair is zeroed: the kernels rely on it.
    ///
    /// Blocks go eight at a time so that the eight scale divisions are one `vdivps` and the
    /// eight max-reductions overlap; per block, the dependent chain max → divide → divide →
    /// round is otherwise most of the cost.
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, blocks: Int, quants: UnsafeMutablePointer<Int8>,
                            scales: UnsafeMutablePointer<Float>, groupSums: UnsafeMutablePointer<Int32>,
                            laneSums: UnsafeMutablePointer<Int32>, naturalQuants: UnsafeMutablePointer<Int8>,
                            naturalGroupSums: UnsafeMutablePointer<Int32>) {
        let source = UnsafeRawPointer(x)
        // 16 floats of stack: maxima in, then 127/amax and d out. Inserting into a SIMD value with a
        // variable index compiles to a store and a whole-vector reload (a store-forwarding
        // stall per block), so the per-block values go through memory explicitly.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { buffer in
            let scratch = buffer.baseAddress!
            var first = 0
            while first < blocks {
                let count = min(8, blocks &- first)
                for k in 0..<8 {
                    let b = first &+ min(k, count &- 1)
                    scratch[k] = maxMagnitude(source.loadUnaligned(fromByteOffset: b &* 128, as: SIMD16<Float>.self),
                                              source.loadUnaligned(fromByteOffset: b &* 128 &+ 64, as: SIMD16<Float>.self))
                }
                let amax = UnsafeRawPointer(scratch).loadUnaligned(as: SIMD8<Float>.self)
                let d = amax / 127
                let id = (SIMD8<Float>(repeating: 127) / amax).replacing(with: 0, where: amax .== 0)
                UnsafeMutableRawPointer(scratch).storeBytes(of: id, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(scratch).storeBytes(of: d, toByteOffset: 32, as: SIMD8<Float>.self)
                for k in 0..<count {
                    let b = first &+ k
                    let inverse = scratch[k], scale = scratch[8 &+ k]
                    let q0 = roundedToInt32(source.loadUnaligned(fromByteOffset: b &* 128, as: SIMD16<Float>.self) * inverse)
                    let q1 = roundedToInt32(source.loadUnaligned(fromByteOffset: b &* 128 &+ 64, as: SIMD16<Float>.self) * inverse)
                    store(q0, q1, block: b, quants: quants, groupSums: groupSums, laneSums: laneSums,
                          naturalQuants: naturalQuants, naturalGroupSums: naturalGroupSums)
                    // fp16 rounding as llama.cpp: d itself, and s = d·Σq with d before rounding.
                    let dh = Float(Float16(scale))
                    let s = Float(Float16(Float(sum(q0 &+ q1)) * scale))
                    let sc = scales + ((b &>> 1) &* 8 &+ (b & 1))
                    sc[0] = dh; sc[2] = s; sc[4] = dh; sc[6] = s
                }
                first &+= 8
            }
        }
        if blocks & 1 == 1 {
            let pair = blocks &>> 1
            let q = UnsafeMutableRawPointer(quants), g16 = UnsafeMutableRawPointer(groupSums)
            q.storeBytes(of: SIMD16<Int8>(), toByteOffset: pair &* 64 &+ 16, as: SIMD16<Int8>.self)
            q.storeBytes(of: SIMD16<Int8>(), toByteOffset: pair &* 64 &+ 48, as: SIMD16<Int8>.self)
            g16.storeBytes(of: SIMD4<Int32>(), toByteOffset: (pair &* 16 &+ 4) &* 4, as: SIMD4<Int32>.self)
            g16.storeBytes(of: SIMD4<Int32>(), toByteOffset: (pair &* 16 &+ 12) &* 4, as: SIMD4<Int32>.self)
            UnsafeMutableRawPointer(laneSums).storeBytes(of: SIMD4<Int32>(), toByteOffset: (pair &* 8 &+ 4) &* 4,
                                                         as: SIMD4<Int32>.self)
            UnsafeMutableRawPointer(naturalQuants).storeBytes(of: SIMD32<Int8>(), toByteOffset: pair &* 64 &+ 32,
                                                              as: SIMD32<Int8>.self)
            UnsafeMutableRawPointer(naturalGroupSums).storeBytes(of: SIMD8<Int32>(), toByteOffset: (pair &* 16 &+ 8) &* 4,
                                                                 as: SIMD8<Int32>.self)
            let sc = scales + (pair &* 8 &+ 1)
            sc[0] = 0; sc[2] = 0; sc[4] = 0; sc[6] = 0
        }
    }

    /// Writes block `b`'s quants (low half q0, high half q1) and group sums to their places
    /// in the pair layout and in the element-order layout.
    @inline(__always)
    private static func store(_ q0: SIMD16<Int32>, _ q1: SIMD16<Int32>, block b: Int, quants: UnsafeMutablePointer<Int8>,
                              groupSums: UnsafeMutablePointer<Int32>, laneSums: UnsafeMutablePointer<Int32>,
                              naturalQuants: UnsafeMutablePointer<Int8>, naturalGroupSums: UnsafeMutablePointer<Int32>) {
        let pair = b &>> 1, half = b & 1
        let q = UnsafeMutableRawPointer(quants)
        q.storeBytes(of: narrow(q0), toByteOffset: pair &* 64 &+ half &* 16, as: SIMD16<Int8>.self)
        q.storeBytes(of: narrow(q1), toByteOffset: pair &* 64 &+ 32 &+ half &* 16, as: SIMD16<Int8>.self)
        let low = negatedGroupSums(q0), high = negatedGroupSums(q1)
        let g16 = UnsafeMutableRawPointer(groupSums)
        g16.storeBytes(of: low, toByteOffset: (pair &* 16 &+ half &* 4) &* 4, as: SIMD4<Int32>.self)
        g16.storeBytes(of: high, toByteOffset: (pair &* 16 &+ 8 &+ half &* 4) &* 4, as: SIMD4<Int32>.self)
        UnsafeMutableRawPointer(laneSums).storeBytes(of: low &+ high, toByteOffset: (pair &* 8 &+ half &* 4) &* 4,
                                                     as: SIMD4<Int32>.self)
        let n = UnsafeMutableRawPointer(naturalQuants), gn = UnsafeMutableRawPointer(naturalGroupSums)
        n.storeBytes(of: narrow(q0), toByteOffset: b &* 32, as: SIMD16<Int8>.self)
        n.storeBytes(of: narrow(q1), toByteOffset: b &* 32 &+ 16, as: SIMD16<Int8>.self)
        gn.storeBytes(of: low, toByteOffset: b &* 32, as: SIMD4<Int32>.self)
        gn.storeBytes(of: high, toByteOffset: b &* 32 &+ 16, as: SIMD4<Int32>.self)
    }
}

/// max |v0[i]|, |v1[i]| over all 32 lanes. With the sign bits cleared, IEEE bit patterns
/// order like the values, so this is an unsigned integer max (`vpmaxud`); the stdlib's
/// `pointwiseMax`/`max()` are generic lane loops with NaN handling that spill to the stack.
/// A NaN input yields NaN (the reference would skip it; either way the block is garbage).
@inline(__always) private func maxMagnitude(_ v0: SIMD16<Float>, _ v1: SIMD16<Float>) -> Float {
    let a = unsafeBitCast(v0, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF
    let b = unsafeBitCast(v1, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF
    let m16 = laneMax(a, b)
    let m8 = laneMax(m16.lowHalf, m16.highHalf)
    let m4 = laneMax(m8.lowHalf, m8.highHalf)
    let m2 = laneMax(m4.lowHalf, m4.highHalf)
    return Float(bitPattern: max(m2[0], m2[1]))
}

@inline(__always) private func laneMax<V: SIMD>(_ a: V, _ b: V) -> V where V.Scalar == UInt32 {
    var r = a
    for i in 0..<V.scalarCount where b[i] > a[i] { r[i] = b[i] }
    return r
}

/// Σ lanes, as a tree (the stdlib's `wrappedSum` is scalarized here).
@inline(__always) private func sum(_ v: SIMD16<Int32>) -> Int32 {
    let s8 = v.lowHalf &+ v.highHalf
    let s4 = s8.lowHalf &+ s8.highHalf
    let s2 = s4.lowHalf &+ s4.highHalf
    return s2[0] &+ s2[1]
}

/// round(v) with halves to even (as llama.cpp's x86 `_mm256_round_ps(_MM_ROUND_NEAREST)`),
/// as Int32, without trapping. The rounded value is integral and |v| ≤ 127 for finite input;
/// adding 1.5 × 2²³ then puts it in the low mantissa bits exactly (valid for |v| < 2²²).
/// NaN gives an unspecified value.
@inline(__always) private func roundedToInt32(_ v: SIMD16<Float>) -> SIMD16<Int32> {
    var r = v
    for i in 0..<16 { r[i] = v[i].rounded(.toNearestOrEven) }
    let shifted = r + SIMD16<Float>(repeating: 12_582_912)
    return unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
}

@inline(__always) private func narrow(_ v: SIMD16<Int32>) -> SIMD16<Int8> {
    var r = SIMD16<Int8>()
    for i in 0..<16 { r[i] = Int8(truncatingIfNeeded: v[i]) }
    return r
}

/// −(q[4k] + q[4k+1] + q[4k+2] + q[4k+3]) for the 4 groups of a half block (see ckernels.h),
/// as two rounds of pairwise sums (`vphaddd`-like shuffles).
@inline(__always) private func negatedGroupSums(_ q: SIMD16<Int32>) -> SIMD4<Int32> {
    let pairs = q.evenHalf &+ q.oddHalf
    return SIMD4<Int32>() &- (pairs.evenHalf &+ pairs.oddHalf)
}
