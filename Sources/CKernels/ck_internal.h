/* Private helpers shared by the CKernels translation units. */
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H
#include <stdint.h>
#include <string.h>
#include "ckernels.h"

/* Byte offsets inside the GGML blocks (see the layouts in ckernels.h). */
enum {
    CK_Q4_0_BYTES = 18, CK_Q4_0_QS = 2,
    CK_Q4_1_BYTES = 20, CK_Q4_1_QS = 4,
    CK_Q8_0_BYTES = 34, CK_Q8_0_QS = 2,
    CK_Q5_0_BLOCK = 22, CK_Q5_0_HIGH = 2, CK_Q5_0_LOW = 6,
};

/* K-quant super-blocks and their Q8_K activations (ck_kquants.c, ck_kquants_avx512.c). */
enum {
    CK_Q4_K_BYTES = 144, CK_Q4_K_SCALES = 4, CK_Q4_K_QS = 16,
    CK_Q6_K_BYTES = 210, CK_Q6_K_QH = 128, CK_Q6_K_SCALES = 192, CK_Q6_K_D = 208,
    CK_Q8_K_BYTES = 292, CK_Q8_K_QS = 4, CK_Q8_K_BSUMS = 260,
};

/* Weight kinds; kernels take the kind as a compile-time constant so one tile body serves all. */
enum { CK_KIND_Q4_0 = 0, CK_KIND_Q4_1 = 1, CK_KIND_Q8_0 = 2, CK_KIND_Q5_0 = 3 };

#define CK_INLINE static inline __attribute__((always_inline))

/* How far ahead (bytes) the kernels prefetch weights, linearly from the current row pair.
 * Tuned on the 2-vCPU Zen 5 VM: 2-8 KiB all work; less is too late for DRAM latency. */
#ifndef CK_PREFETCH
#define CK_PREFETCH 4096
#endif

/* Unaligned little-endian loads: blocks are 18/20/34 bytes, so fields are rarely aligned. */
CK_INLINE uint16_t ck_load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
CK_INLINE uint32_t ck_load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* IEEE binary16 -> binary32, exact for every input (subnormals, infinities, NaN). Portable;
 * the SIMD paths use F16C instead. */
CK_INLINE float ck_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t mant = h & 0x3FFu;
    uint32_t bits;
    if (exp == 0x1Fu) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        /* Subnormal half: value = mant * 2^-24, exactly representable as a float. */
        float f = (float)mant * (1.0f / 16777216.0f);
        memcpy(&bits, &f, 4);
        bits |= sign;
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

CK_INLINE int ck_block_bytes(int kind) {
    return kind == CK_KIND_Q4_0 ? CK_Q4_0_BYTES : kind == CK_KIND_Q4_1 ? CK_Q4_1_BYTES : CK_Q8_0_BYTES;
}
CK_INLINE int ck_qs_offset(int kind) { return kind == CK_KIND_Q4_1 ? CK_Q4_1_QS : 2; }

#endif
