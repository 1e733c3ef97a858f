/*
 * Portable C versions of the quantized matrix kernels: the fallback for CPUs without AVX2
 * (and for non-x86 builds). Plain integer dot products per block, one float scale per block,
 * written to follow ggml's scalar definitions term by term.
 */
#include "ck_internal.h"

/* Integer dot product of one weight block with the activation block whose low half (elements
 * 0..15) is at `lo` and high half (16..31) at `hi` (see the pair layout in ckernels.h). */
CK_INLINE int32_t block_dot(int kind, const uint8_t *blk, const int8_t *lo, const int8_t *hi) {
    int32_t acc = 0;
    if (kind == CK_KIND_Q8_0) {
        const int8_t *w = (const int8_t *)(blk + CK_Q8_0_QS);
        for (int j = 0; j < 16; j++) acc += (int32_t)w[j] * lo[j] + (int32_t)w[j + 16] * hi[j];
        return acc;
    }
    /* Low nibbles are elements 0..15, high nibbles 16..31; Q4_0 is offset by 8. */
    const uint8_t *n = blk + ck_qs_offset(kind);
    const int32_t off = kind == CK_KIND_Q4_0 ? 8 : 0;
    for (int j = 0; j < 16; j++) {
        acc += ((int32_t)(n[j] & 0x0F) - off) * lo[j];
        acc += ((int32_t)(n[j] >> 4) - off) * hi[j];
    }
    return acc;
}

CK_INLINE float row_dot(int kind, const uint8_t *w, const int8_t *qs, const float *sc, int nblocks) {
    const int bb = ck_block_bytes(kind);
    float sum = 0.0f;
    for (int b = 0; b < nblocks; b++) {
        const int p = b >> 1, h = b & 1;
        const uint8_t *blk = w + (size_t)b * bb;
        const int8_t *lo = qs + (size_t)p * 64 + 16 * h;
        const float d = ck_half_to_float(ck_load_u16(blk));
        const int32_t dot = block_dot(kind, blk, lo, lo + 32);
        sum += (d * sc[8 * p + h]) * (float)dot;
        if (kind == CK_KIND_Q4_1) sum += ck_half_to_float(ck_load_u16(blk + 2)) * sc[8 * p + 2 + h];
    }
    return sum;
}

CK_INLINE void matmul(int kind, const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                      int tokens, int nblocks, float *y, size_t y_stride) {
    for (int t = 0; t < tokens; t++) {
        const int8_t *qs = x->qs + (size_t)t * x->stride * 64;
        const float *sc = x->sc + (size_t)t * x->stride * 8;
        for (int r = 0; r < rows; r++) {
            const uint8_t *row = (const uint8_t *)w + (size_t)r * w_row_bytes;
            y[(size_t)t * y_stride + r] = row_dot(kind, row, qs, sc, nblocks);
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
