/*
 * Portable C versions of the quantized matrix kernels: the fallback for CPUs without AVX2
 * (and for non-x86 builds). Plain integer dot products per block, one float scale per block,
 * written to follow ggml's definitions term by term; Q4_1 and Q8_0 also in llama.cpp's x86
 * summation order, so every ISA level gives the same bits.
 */
#include <math.h>
#include "ck_internal.h"

/* ---- Q4_0 -------------------------------------------------------------------------------- */

/* Integer dot product of one Q4_0 block with the activation block whose low half (elements
 * 0..15) is at `lo` and high half (16..31) at `hi` (see the pair layout in ckernels.h). Low
 * nibbles are elements 0..15, high nibbles 16..31, both offset by 8. */
CK_INLINE int32_t block_dot_q4_0(const uint8_t *blk, const int8_t *lo, const int8_t *hi) {
    int32_t acc = 0;
    const uint8_t *n = blk + CK_Q4_0_QS;
    for (int j = 0; j < 16; j++) {
        acc += ((int32_t)(n[j] & 0x0F) - 8) * lo[j];
        acc += ((int32_t)(n[j] >> 4) - 8) * hi[j];
    }
    return acc;
}

CK_INLINE float row_dot_q4_0(const uint8_t *w, const int8_t *qs, const float *sc, int nblocks) {
    float sum = 0.0f;
    for (int b = 0; b < nblocks; b++) {
        const int p = b >> 1, h = b & 1;
        const uint8_t *blk = w + (size_t)b * CK_Q4_0_BYTES;
        const int8_t *lo = qs + (size_t)p * 64 + 16 * h;
        const float d = ck_half_to_float(ck_load_u16(blk));
        sum += (d * sc[8 * p + h]) * (float)block_dot_q4_0(blk, lo, lo + 32);
    }
    return sum;
}

/* ---- Q4_1 and Q8_0: llama.cpp's summation order --------------------------------------------- */

/* As ggml_vec_dot_q4_1_q8_1 / ggml_vec_dot_q8_0_q8_0 on x86: eight float lanes, lane k +=
 * (d_w * d_x) * dot(elements 4k..4k+3) by one fmaf per block in block order; the lanes added as
 * hsum_float_8 does; for Q4_1 the min terms, summed by fmaf in block order, last. Activations
 * in element order (qn). */
CK_INLINE float row_dot_ll(int kind, const uint8_t *w, const int8_t *qn, const float *sc, int nblocks) {
    const int bb = ck_block_bytes(kind);
    float lane[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    float mins = 0.0f;
    for (int b = 0; b < nblocks; b++) {
        const int p = b >> 1, h = b & 1;
        const uint8_t *blk = w + (size_t)b * bb;
        const int8_t *xq = qn + (size_t)b * 32;
        const float dd = ck_half_to_float(ck_load_u16(blk)) * sc[8 * p + h];
        for (int k = 0; k < 8; k++) {
            int32_t dot = 0;
            for (int j = 4 * k; j < 4 * k + 4; j++) {
                int32_t q;
                if (kind == CK_KIND_Q8_0) q = ((const int8_t *)(blk + CK_Q8_0_QS))[j];
                else q = j < 16 ? (blk[CK_Q4_1_QS + j] & 0x0F) : (blk[CK_Q4_1_QS + j - 16] >> 4);
                dot += q * xq[j];
            }
            lane[k] = fmaf(dd, (float)dot, lane[k]);
        }
        if (kind == CK_KIND_Q4_1) mins = fmaf(ck_half_to_float(ck_load_u16(blk + 2)), sc[8 * p + 2 + h], mins);
    }
    const float s04 = lane[0] + lane[4], s15 = lane[1] + lane[5];
    const float s26 = lane[2] + lane[6], s37 = lane[3] + lane[7];
    const float sum = (s04 + s26) + (s15 + s37);
    return kind == CK_KIND_Q4_1 ? sum + mins : sum;
}

CK_INLINE void matmul(int kind, const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                      int tokens, int nblocks, float *y, size_t y_stride) {
    for (int t = 0; t < tokens; t++) {
        const size_t row = (size_t)t * x->stride;
        const float *sc = x->sc + row * 8;
        for (int r = 0; r < rows; r++) {
            const uint8_t *wr = (const uint8_t *)w + (size_t)r * w_row_bytes;
            y[(size_t)t * y_stride + r] = kind == CK_KIND_Q4_0
                ? row_dot_q4_0(wr, x->qs + row * 64, sc, nblocks)
                : row_dot_ll(kind, wr, x->qn + row * 64, sc, nblocks);
        }
    }
}

void ck_matmul_q4_0_scalar(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    matmul(CK_KIND_Q4_0, w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q4_1_scalar(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    matmul(CK_KIND_Q4_1, w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q8_0_scalar(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    matmul(CK_KIND_Q8_0, w, wrb, rows, x, tokens, nblocks, y, ys);
}
