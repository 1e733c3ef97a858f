/*
 * Q4_1 and Q5_0 weights repacked in groups of 16 rows (LLMKernels' Repack does the repacking
 * at load), against Q8_1 / Q8_0 activations, in llama.cpp's x86 summation order — the same
 * bits as ck_matmul_q4_1 / ck_matmul_q5_0 on the original rows.
 *
 * Why: with the GGML layout, a 4-bit mat-vec on one Zen 4 core is bound by instructions
 * (nibble gathers, per-row-pair scale spreads, min terms), not by memory: ~20 GB/s even from
 * cache, below the machine's read bandwidth. Regrouping the same bytes lets one instruction do
 * what took several: the sixteen fp16 scales (and mins) of a block are one 32-byte load and
 * one conversion for 16 rows, the min terms of 16 rows are one FMA, the quants of two blocks
 * of a row pair unpack with an AND and a shift, and the 16 row sums are reduced together.
 *
 * Layout of one group (16 rows, `nblocks` even), in block pairs p = 0 ..< nblocks / 2, 640
 * bytes each (exactly the bytes of 16 rows x 2 blocks):
 *   [  0,  32) fp16 d of block 2p, rows 0..15      [ 32,  64) fp16 d of block 2p + 1
 *   [ 64,  96) fp16 m of block 2p, rows 0..15      [ 96, 128) fp16 m of block 2p + 1
 *   [128 + 64k, 192 + 64k), k = 0..7: row pair (2k, 2k + 1); byte i holds in its low nibble
 *       the quant at position i of block 2p and in its high nibble that of block 2p + 1, where
 *       position i < 32 is element i of row 2k and position 32 + j element j of row 2k + 1.
 * A group is 16 x row_bytes long; groups follow each other.
 *
 * Q5_0 (no mins; 704 bytes per block pair): d as above in [0, 64); then the fifth bits, per
 * row pair k 16 bytes at 64 + 16k: a 64-bit mask for block 2p (bit i = the fifth bit of
 * position i, positions as above) and one for block 2p + 1; then the low four bits as the Q4_1
 * quants, row pair k at 192 + 64k. The value is q - 16, as in GGML.
 */
#include <math.h>
#include "ck_internal.h"

enum { CK_X16_PAIR = 640, CK_X16_QS = 128, CK_X16_Q5_PAIR = 704, CK_X16_Q5_QH = 64, CK_X16_Q5_QS = 192 };

/* The quant of row r (0..15), element e (0..31) of block 2p + half, from a block-pair chunk. */
CK_INLINE int x16_quant(const uint8_t *chunk, int r, int e, int half) {
    const uint8_t byte = chunk[CK_X16_QS + 64 * (r >> 1) + 32 * (r & 1) + e];
    return half ? byte >> 4 : byte & 0x0F;
}

void ck_matmul_q4_1x16_scalar(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                              int tokens, int nblocks, float *y, size_t ys) {
    for (int g = 0; g < groups; g++) {
        const uint8_t *group = (const uint8_t *)w + (size_t)g * group_bytes;
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < 16; r++) {
                float lanes[8] = { 0 }, mins = 0.0f;
                for (int b = 0; b < nblocks; b++) {
                    const int p = b >> 1, half = b & 1;
                    const uint8_t *chunk = group + (size_t)p * CK_X16_PAIR;
                    const size_t tp = (size_t)t * x->stride + (size_t)p;
                    const int8_t *q8 = x->qn + tp * 64 + 32 * half;
                    const float dw = ck_half_to_float(ck_load_u16(chunk + 32 * half + 2 * r));
                    const float mw = ck_half_to_float(ck_load_u16(chunk + 64 + 32 * half + 2 * r));
                    const float scale = dw * x->sc[tp * 8 + half];
                    for (int k = 0; k < 8; k++) {
                        int32_t dot = 0;
                        for (int j = 0; j < 4; j++) dot += x16_quant(chunk, r, 4 * k + j, half) * q8[4 * k + j];
                        lanes[k] = fmaf(scale, (float)dot, lanes[k]);
                    }
                    mins = fmaf(mw, x->sc[tp * 8 + 2 + half], mins);
                }
                const float sum = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) +
                                  ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
                y[(size_t)t * ys + (size_t)g * 16 + r] = sum + mins;
            }
        }
    }
}

void ck_matmul_q5_0x16_scalar(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                              int tokens, int nblocks, float *y, size_t ys) {
    for (int g = 0; g < groups; g++) {
        const uint8_t *group = (const uint8_t *)w + (size_t)g * group_bytes;
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < 16; r++) {
                float lanes[8] = { 0 };
                for (int b = 0; b < nblocks; b++) {
                    const int p = b >> 1, half = b & 1;
                    const uint8_t *chunk = group + (size_t)p * CK_X16_Q5_PAIR;
                    const size_t tp = (size_t)t * x->stride + (size_t)p;
                    const int8_t *q8 = x->qn + tp * 64 + 32 * half;
                    const uint32_t fifth = ck_load_u32(chunk + CK_X16_Q5_QH + 16 * (r >> 1) + 8 * half + 4 * (r & 1));
                    const float scale = ck_half_to_float(ck_load_u16(chunk + 32 * half + 2 * r)) * x->sc[tp * 8 + half];
                    for (int k = 0; k < 8; k++) {
                        int32_t dot = 0;
                        for (int j = 0; j < 4; j++) {
                            const int e = 4 * k + j;
                            const uint8_t byte = chunk[CK_X16_Q5_QS + 64 * (r >> 1) + 32 * (r & 1) + e];
                            const int q = (half ? byte >> 4 : byte & 0x0F) | (int)((fifth >> e) & 1) << 4;
                            dot += (q - 16) * q8[e];
                        }
                        lanes[k] = fmaf(scale, (float)dot, lanes[k]);
                    }
                }
                y[(size_t)t * ys + (size_t)g * 16 + r] = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) +
                                                        ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
            }
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))

/* Sixteen rows' eight-lane accumulators (row pair k in acc[k]: lanes 0-7 row 2k, 8-15 row
 * 2k + 1) reduced to one sum per row in hsum_float_8's order, ((l0 + l4) + (l2 + l6)) +
 * ((l1 + l5) + (l3 + l7)), all rows at once. Additions pair the same operands as the scalar
 * tree; only which register lane holds which row differs, undone by `transpose` at the end. */
TGT static inline __attribute__((always_inline)) __m512 x16_row_sums(const __m512 *acc, const __m512 *mins) {
    __m512 s[4], u[2];
    for (int j = 0; j < 4; j++) {   /* m_i = l_i + l_(i+4): 128-bit halves of each row */
        const __m512 a = acc[2 * j], b = acc[2 * j + 1];
        s[j] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    for (int i = 0; i < 2; i++)     /* m0 + m2 and m1 + m3 */
        u[i] = _mm512_add_ps(_mm512_shuffle_ps(s[2 * i], s[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(s[2 * i], s[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    /* (m0 + m2) + (m1 + m3); lane 4c + j now holds row 4j + c. */
    const __m512 sums = _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                      _mm512_shuffle_ps(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512i transpose = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    if (!mins) return _mm512_permutexvar_ps(transpose, sums);   /* Q5_0: nothing added (not even +0) */
    return _mm512_permutexvar_ps(transpose, _mm512_add_ps(sums, _mm512_permutexvar_ps(transpose, *mins)));
}

enum { X16_Q4_1 = 0, X16_Q5_0 = 1 };

/* One group x T tokens (T = 1 or 2, t0 ..< t0 + T) of either kind. The weight bytes of a row
 * pair are unpacked once per block pair and used for every token of the tile; per token and
 * block the row pair costs one vpdpbusd, one conversion, one scale product and one FMA.
 * Q4_1: d and m per row, min terms of all 16 rows in one FMA chain per token. Q5_0: the fifth
 * bits by masked byte adds, the offset of 16 removed exactly by starting each integer dot at
 * 16 x the negated group sums. */
TGT static inline __attribute__((always_inline)) void x16_tile(const int kind, const int T, const uint8_t *group,
                                                               const ck_act_rows *x, size_t t0, int pairs,
                                                               float *y, size_t ys, int prefetch) {
    const int q5 = kind == X16_Q5_0;
    const size_t pair_bytes = q5 ? CK_X16_Q5_PAIR : CK_X16_PAIR;
    const int qs_at = q5 ? CK_X16_Q5_QS : CK_X16_QS;
    const __m512i low = _mm512_set1_epi8(0x0F), fifth = _mm512_set1_epi8(0x10);
    __m512 acc[2][8], mins[2];
    for (int t = 0; t < T; t++) {
        mins[t] = _mm512_setzero_ps();
        for (int k = 0; k < 8; k++) acc[t][k] = _mm512_setzero_ps();
    }
    for (int p = 0; p < pairs; p++) {
        const uint8_t *chunk = group + (size_t)p * pair_bytes;
        if (prefetch) _mm_prefetch((const char *)chunk + CK_PREFETCH, _MM_HINT_T0);
        const __m512 da = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)chunk));
        const __m512 db = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(chunk + 32)));
        __m512 dda[2], ddb[2];
        __m512i xa[2], xb[2], ia[2], ib[2];
        for (int t = 0; t < T; t++) {
            const size_t tp = (t0 + t) * x->stride + (size_t)p;
            const float *sc = x->sc + tp * 8;   /* dA dB sA sB */
            dda[t] = _mm512_mul_ps(da, _mm512_set1_ps(sc[0]));
            ddb[t] = _mm512_mul_ps(db, _mm512_set1_ps(sc[1]));
            xa[t] = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->qn + tp * 64)));
            xb[t] = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->qn + tp * 64 + 32)));
            if (q5) {
                ia[t] = _mm512_slli_epi32(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->gn + tp * 16))), 4);
                ib[t] = _mm512_slli_epi32(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->gn + tp * 16 + 8))), 4);
            } else {
                /* min terms of all 16 rows, block 2p then 2p + 1, as each row's fma chain */
                ia[t] = ib[t] = _mm512_setzero_si512();
                mins[t] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(chunk + 64))),
                                          _mm512_set1_ps(sc[2]), mins[t]);
                mins[t] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(chunk + 96))),
                                          _mm512_set1_ps(sc[3]), mins[t]);
            }
        }
        for (int k = 0; k < 8; k++) {
            const __m512i v = _mm512_loadu_si512((const void *)(chunk + qs_at + 64 * k));
            __m512i wa = _mm512_and_si512(v, low);
            __m512i wb = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
            if (q5) {
                uint64_t ka, kb;
                memcpy(&ka, chunk + CK_X16_Q5_QH + 16 * k, 8);
                memcpy(&kb, chunk + CK_X16_Q5_QH + 16 * k + 8, 8);
                wa = _mm512_mask_add_epi8(wa, (__mmask64)ka, wa, fifth);
                wb = _mm512_mask_add_epi8(wb, (__mmask64)kb, wb, fifth);
            }
            /* spread: row 2k's value in lanes 0-7, row 2k + 1's in lanes 8-15 */
            const __m512i spread = _mm512_set_epi32(2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1,
                                                    2 * k + 1, 2 * k + 1, 2 * k, 2 * k, 2 * k, 2 * k, 2 * k, 2 * k,
                                                    2 * k, 2 * k);
            for (int t = 0; t < T; t++) {
                acc[t][k] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread, dda[t]),
                                            _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(ia[t], wa, xa[t])), acc[t][k]);
                acc[t][k] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread, ddb[t]),
                                            _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(ib[t], wb, xb[t])), acc[t][k]);
            }
        }
    }
    for (int t = 0; t < T; t++)
        _mm512_storeu_ps(y + (t0 + t) * ys, x16_row_sums(acc[t], q5 ? 0 : &mins[t]));
}

/* Groups outer, token pairs inner: a group (16 rows, <= 16 KiB for 1536 columns) stays in L1
 * while every token passes over it; only the first pass prefetches the next group. */
TGT static inline __attribute__((always_inline)) void x16_run(const int kind, const void *w, size_t group_bytes,
                                                              int groups, const ck_act_rows *x, int tokens,
                                                              int nblocks, float *y, size_t ys) {
    for (int g = 0; g < groups; g++) {
        const uint8_t *group = (const uint8_t *)w + (size_t)g * group_bytes;
        float *yg = y + (size_t)g * 16;
        int t = 0;
        for (; t + 2 <= tokens; t += 2) x16_tile(kind, 2, group, x, (size_t)t, nblocks / 2, yg, ys, t == 0);
        if (t < tokens) x16_tile(kind, 1, group, x, (size_t)t, nblocks / 2, yg, ys, t == 0);
    }
}

TGT void ck_matmul_q4_1x16_avx512(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                                  int tokens, int nblocks, float *y, size_t ys) {
    x16_run(X16_Q4_1, w, group_bytes, groups, x, tokens, nblocks, y, ys);
}

TGT void ck_matmul_q5_0x16_avx512(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                                  int tokens, int nblocks, float *y, size_t ys) {
    x16_run(X16_Q5_0, w, group_bytes, groups, x, tokens, nblocks, y, ys);
}

void ck_matmul_q5_0x16(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                       int tokens, int nblocks, float *y, size_t ys) {
    if (ck_isa() >= CK_ISA_AVX512) ck_matmul_q5_0x16_avx512(w, group_bytes, groups, x, tokens, nblocks, y, ys);
    else ck_matmul_q5_0x16_scalar(w, group_bytes, groups, x, tokens, nblocks, y, ys);
}

void ck_matmul_q4_1x16(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                       int tokens, int nblocks, float *y, size_t ys) {
    if (ck_isa() >= CK_ISA_AVX512) ck_matmul_q4_1x16_avx512(w, group_bytes, groups, x, tokens, nblocks, y, ys);
    else ck_matmul_q4_1x16_scalar(w, group_bytes, groups, x, tokens, nblocks, y, ys);
}

#else /* not x86-64: portable C only (ck_isa never reports AVX-512 there). */

void ck_matmul_q5_0x16_avx512(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                              int tokens, int nblocks, float *y, size_t ys) {
    ck_matmul_q5_0x16_scalar(w, group_bytes, groups, x, tokens, nblocks, y, ys);
}
void ck_matmul_q5_0x16(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                       int tokens, int nblocks, float *y, size_t ys) {
    ck_matmul_q5_0x16_scalar(w, group_bytes, groups, x, tokens, nblocks, y, ys);
}

void ck_matmul_q4_1x16_avx512(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                              int tokens, int nblocks, float *y, size_t ys) {
    ck_matmul_q4_1x16_scalar(w, group_bytes, groups, x, tokens, nblocks, y, ys);
}
void ck_matmul_q4_1x16(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                       int tokens, int nblocks, float *y, size_t ys) {
    ck_matmul_q4_1x16_scalar(w, group_bytes, groups, x, tokens, nblocks, y, ys);
}
#endif
