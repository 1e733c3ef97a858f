/*
 * AVX-512 VNNI versions of the quantized matrix kernels.
 *
 * Q4_0: two weight rows at a time. One 64-byte load per row covers a pair of blocks; one
 * vpermt2b gathers the four 16-byte nibble arrays (row 0 A, B, row 1 A, B) into a zmm, and one
 * vpermt2w gathers their eight fp16 scales. Low and high nibbles then go through two vpdpbusd
 * into the SAME int32 lanes (the activation pair layout puts the low halves of A and B, then
 * the high halves, side by side), so 128 products cost 2 vpdpbusd, one int->float conversion
 * and one FMA. The offset of 8 is removed exactly by starting the accumulator at 8 x the
 * activation group sums. Two accumulator sets (even and odd block pairs) for two FMA chains.
 *
 * Q4_1 and Q8_0: llama.cpp's summation order, bit for bit (see the section below), with the
 * element-order activations (qn, gn). s8 weights become u8 by flipping the sign bit (q + 128)
 * and the 128 x sum is removed by starting from 128 x the group sums.
 *
 * Tiles are two rows x 1-4 tokens (Q4_1/Q8_0 with one token: four rows): decoded weights are
 * reused for every token of the tile and activation loads for all rows. Only a few rows at a
 * time, and a linear software prefetch, because more short interleaved row streams defeat the
 * hardware prefetchers. Float accumulators stay vectors until the end of a row.
 */
#include "ck_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,gfni,avx2,fma,f16c")))
#define TGT_INLINE static inline __attribute__((always_inline)) TGT

/* Σ of 8 lanes as llama.cpp's hsum_float_8 adds them: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
TGT_INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* ---- Q4_0: row pairs ------------------------------------------------------------------------ */

/* Byte gather: row 0 A, row 0 B, row 1 A, row 1 B nibble arrays (b = second source, +64). */
TGT_INLINE __m512i nibble_index(int kind) {
    const int qo = ck_qs_offset(kind), bb = ck_block_bytes(kind);
    uint8_t idx[64];
    for (int j = 0; j < 16; j++) {
        idx[j] = (uint8_t)(qo + j);
        idx[16 + j] = (uint8_t)(bb + qo + j);
        idx[32 + j] = (uint8_t)(64 + qo + j);
        idx[48 + j] = (uint8_t)(64 + bb + qo + j);
    }
    return _mm512_loadu_si512((const void *)idx);
}

/* Word gather: d r0A, d r0B, m r0A, m r0B, d r1A, d r1B, m r1A, m r1B (m junk for Q4_0). */
TGT_INLINE __m512i scale_index(int kind) {
    const short h = (short)(ck_block_bytes(kind) / 2);
    return _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0, 0, 0, 0, 0, 0,
                            (short)(32 + h + 1), 33, (short)(32 + h), 32, (short)(h + 1), 1, h, 0);
}

/* Per-token accumulators of one row pair. */
typedef struct { __m512 acc[4]; } q4_acc;

/* One block pair of rows r0, r1 against T tokens. `left` is the number of bytes from `off` to
 * the end of the row: near the end only those are loaded (a 64-byte load would run past the
 * row, and past the matrix for its last row). For a lone last block, B then reads as zero:
 * nibbles and scale 0. */
TGT_INLINE void q4_step(const int T, const uint8_t *r0, const uint8_t *r1, size_t off,
                        size_t left, const ck_act_rows *x, size_t t0, size_t p, q4_acc *a) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i spread = _mm512_set_epi32(5, 5, 5, 5, 4, 4, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0);
    __m512i v0, v1;
    if (left >= 64) {
        v0 = _mm512_loadu_si512((const void *)(r0 + off));
        v1 = _mm512_loadu_si512((const void *)(r1 + off));
    } else {
        const __mmask64 m = ((__mmask64)1 << left) - 1;
        v0 = _mm512_maskz_loadu_epi8(m, (const void *)(r0 + off));
        v1 = _mm512_maskz_loadu_epi8(m, (const void *)(r1 + off));
    }
    const __m512i q = _mm512_permutex2var_epi8(v0, nibble_index(CK_KIND_Q4_0), v1);
    const __m512i lo = _mm512_and_si512(q, low);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
    const __m256 ws = _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutex2var_epi16(v0, scale_index(CK_KIND_Q4_0), v1)));
    for (int t = 0; t < T; t++) {
        const size_t tp = (t0 + t) * x->stride + p;
        const __m256i *xq = (const __m256i *)(x->qs + tp * 64);
        __m512i dot = _mm512_slli_epi32(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->g8 + tp * 8))), 3);
        dot = _mm512_dpbusd_epi32(dot, lo, _mm512_broadcast_i64x4(_mm256_loadu_si256(xq)));
        dot = _mm512_dpbusd_epi32(dot, hi, _mm512_broadcast_i64x4(_mm256_loadu_si256(xq + 1)));
        const __m256 prod = _mm256_mul_ps(ws, _mm256_loadu_ps(x->sc + tp * 8));
        const __m512 sc = _mm512_permutexvar_ps(spread, _mm512_castps256_ps512(prod));
        a->acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), sc, a->acc[t]);
    }
}

/* Rows r0 and r1 (r1 may repeat r0; then y1 is null) against tokens t0 ..< t0 + T.
 * Two accumulator sets (even and odd block pairs) keep two FMA chains per output. */
TGT_INLINE void tile_q4(const int T, const uint8_t *r0, const uint8_t *r1,
                        const ck_act_rows *x, size_t t0, int nb, float *y0, float *y1, size_t ys) {
    const int bb = CK_Q4_0_BYTES;
    const int pairs = (nb + 1) / 2;
    const size_t row_bytes = (size_t)nb * bb;
    q4_acc a[2];
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < T; t++) a[k].acc[t] = _mm512_setzero_ps();
    /* The hardware prefetchers lose track of two short interleaved row streams (measured:
     * 8 GB/s instead of 22 with 960-byte rows), so fetch ahead linearly through the pair of
     * rows and beyond; GGUF rows are contiguous, so this runs into the next row pairs. */
    const char *ahead = (const char *)r0 + CK_PREFETCH;
    int p = 0;
    for (; p + 2 < pairs; p += 2) {
        const size_t off = (size_t)p * 2 * bb;
        _mm_prefetch(ahead + 2 * off, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * off + 64, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * off + 128, _MM_HINT_T0);
        q4_step(T, r0, r1, off, row_bytes - off, x, t0, (size_t)p, &a[0]);
        q4_step(T, r0, r1, off + 2 * bb, row_bytes - off - 2 * bb, x, t0, (size_t)p + 1, &a[1]);
    }
    /* One or two pairs left. */
    if (p + 2 == pairs) {
        const size_t off = (size_t)p * 2 * bb;
        q4_step(T, r0, r1, off, row_bytes - off, x, t0, (size_t)p, &a[0]);
        q4_step(T, r0, r1, off + 2 * bb, row_bytes - off - 2 * bb, x, t0, (size_t)p + 1, &a[1]);
    } else {
        const size_t off = (size_t)p * 2 * bb;
        q4_step(T, r0, r1, off, row_bytes - off, x, t0, (size_t)p, &a[0]);
    }
    for (int t = 0; t < T; t++) {
        /* Lanes 0-7 of acc belong to r0, 8-15 to r1. */
        const __m512 acc = _mm512_add_ps(a[0].acc[t], a[1].acc[t]);
        y0[(t0 + t) * ys] = hsum256(_mm512_castps512_ps256(acc));
        if (y1) y1[(t0 + t) * ys] = hsum256(_mm512_extractf32x8_ps(acc, 1));
    }
}

/* ---- Q4_1 and Q8_0: llama.cpp's summation order -------------------------------------------- */

/* llama.cpp's x86 kernels (ggml_vec_dot_q4_1_q8_1 / ggml_vec_dot_q8_0_q8_0) keep eight float
 * lanes per row: lane k receives fma(d_w * d_x, (float)(integer dot of elements 4k..4k+3), lane)
 * for every block, in block order; the lanes are then added as hsum_float_8 does, and for Q4_1
 * the min terms m_w * s_x, summed by fma in block order, come last. Matching that order makes
 * our mat-vecs bit-identical to llama.cpp's (the goldens). Here a zmm holds the eight lanes of
 * two rows, and each block is one vpdpbusd, one conversion and one FMA per row pair and token:
 * twice the float work of summing a pair of blocks per lane, as Q4_0 does (measured: Q4_1
 * mat-vecs ~10-15% slower, prefill tiles ~20%; the Q8_0 head got faster). With one token, two
 * row pairs go side by side so that two FMA chains hide each other's latency (each chain is
 * one FMA per block). */

/* Byte gather for one block of a row pair: [ra qs | ra qs | rb qs | rb qs] of block A
 * (second = 0) or B (second = 1), 16 bytes each; b = second source, +64. */
TGT_INLINE __m512i q41_dup_index(int second) {
    const int o = CK_Q4_1_QS + second * CK_Q4_1_BYTES;
    uint8_t idx[64];
    for (int j = 0; j < 16; j++) {
        idx[j] = idx[16 + j] = (uint8_t)(o + j);
        idx[32 + j] = idx[48 + j] = (uint8_t)(64 + o + j);
    }
    return _mm512_loadu_si512((const void *)idx);
}

/* Row pair (ra, rb), block pair at `off`: the nibbles of block A as
 * [ra lo | ra hi | rb lo | rb hi] (element order, lo = elements 0..15) and the same for block
 * B; the scales as [d raA, d raB, m raA, m raB, d rbA, d rbB, m rbA, m rbB]. One vgf2p8affineqb
 * per block takes the low nibbles of the first and third copy and the high nibbles of the
 * second and fourth (its bit matrices, per qword: x & 0x0F and x >> 4). A lone last block reads
 * B as zero. */
TGT_INLINE void q41_weights(const uint8_t *ra, const uint8_t *rb, size_t off, size_t left,
                            __m512i *wa, __m512i *wb, __m512 *ws) {
    const __m512i nibbles = _mm512_set_epi64(0x1020408000000000LL, 0x1020408000000000LL,
                                             0x0102040800000000LL, 0x0102040800000000LL,
                                             0x1020408000000000LL, 0x1020408000000000LL,
                                             0x0102040800000000LL, 0x0102040800000000LL);
    __m512i v0, v1;
    if (left >= 64) {
        v0 = _mm512_loadu_si512((const void *)(ra + off));
        v1 = _mm512_loadu_si512((const void *)(rb + off));
    } else {
        const __mmask64 m = ((__mmask64)1 << left) - 1;
        v0 = _mm512_maskz_loadu_epi8(m, (const void *)(ra + off));
        v1 = _mm512_maskz_loadu_epi8(m, (const void *)(rb + off));
    }
    *wa = _mm512_gf2p8affine_epi64_epi8(_mm512_permutex2var_epi8(v0, q41_dup_index(0), v1), nibbles, 0);
    *wb = _mm512_gf2p8affine_epi64_epi8(_mm512_permutex2var_epi8(v0, q41_dup_index(1), v1), nibbles, 0);
    /* Lanes 8-15 are junk, never read (a zmm so that the spreads below need no insert). */
    *ws = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutex2var_epi16(v0, scale_index(CK_KIND_Q4_1), v1)));
}

/* Per-token state of one row pair: the lanes of both rows, and the min sums (lanes 2 and 6). */
typedef struct { __m512 acc[4]; __m256 mins[4]; } ll_acc;

/* Constant permutation indices hidden from the compiler: with a visible constant, clang lowers
 * these vpermps spreads into two shuffles each. */
TGT_INLINE __m512i opaque(__m512i v) {
    __asm__("" : "+v"(v));
    return v;
}

/* One block pair (at `off`, `left` bytes before the end of the rows) of R row pairs against T
 * tokens. Per block and row pair and token: d_w * d_x spread over the row halves, vpdpbusd, a
 * conversion and the FMA, plus the FMA of the min terms. With one token the products d_w * d_x
 * of both blocks are one multiply, spread twice; with more, the weight scales are spread once
 * and multiplied per token. */
TGT_INLINE void q41_pair(const int R, const int T, const uint8_t *const *r, size_t off, size_t left,
                         int has_b, const ck_act_rows *x, size_t t0, size_t p,
                         __m512i spread_a, __m512i spread_b, ll_acc *a) {
    __m512i wa[2], wb[2];
    __m512 ws[2], da[2], db[2];
    __m256 wsb[2];
    for (int k = 0; k < R; k++) {
        q41_weights(r[2 * k], r[2 * k + 1], off, left, &wa[k], &wb[k], &ws[k]);
        /* m of block B into lanes 2, 6 */
        wsb[k] = _mm256_permute_ps(_mm512_castps512_ps256(ws[k]), _MM_SHUFFLE(3, 3, 3, 3));
        if (T > 1) {
            da[k] = _mm512_permutexvar_ps(spread_a, ws[k]);
            db[k] = _mm512_permutexvar_ps(spread_b, ws[k]);
        }
    }
    for (int t = 0; t < T; t++) {
        const size_t tp = (t0 + t) * x->stride + p;
        const float *sc = x->sc + tp * 8;   /* dA dB sA sB dA dB sA sB */
        const __m512i xa = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->qn + tp * 64)));
        const __m512i xb = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->qn + tp * 64 + 32)));
        for (int k = 0; k < R; k++) {
            __m512 dda, ddb;
            if (T == 1) {
                const __m512 prod = _mm512_mul_ps(ws[k], _mm512_maskz_loadu_ps(0x00FF, sc));
                dda = _mm512_permutexvar_ps(spread_a, prod);
                ddb = _mm512_permutexvar_ps(spread_b, prod);
            } else {
                dda = _mm512_mul_ps(da[k], _mm512_set1_ps(sc[0]));
                ddb = _mm512_mul_ps(db[k], _mm512_set1_ps(sc[1]));
            }
            const __m512i pa = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wa[k], xa);
            a[k].acc[t] = _mm512_fmadd_ps(dda, _mm512_cvtepi32_ps(pa), a[k].acc[t]);
            a[k].mins[t] = _mm256_fmadd_ps(_mm512_castps512_ps256(ws[k]), _mm256_set1_ps(sc[2]), a[k].mins[t]);
            if (has_b) {
                const __m512i pb = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wb[k], xb);
                a[k].acc[t] = _mm512_fmadd_ps(ddb, _mm512_cvtepi32_ps(pb), a[k].acc[t]);
                a[k].mins[t] = _mm256_fmadd_ps(wsb[k], _mm256_set1_ps(sc[3]), a[k].mins[t]);
            }
        }
    }
}

/* R row pairs (rows r[0..2R)) against tokens t0 ..< t0 + T. */
TGT_INLINE void tile_q41(const int R, const int T, const uint8_t *const *r, const ck_act_rows *x,
                         size_t t0, int nb, float *const *y, size_t ys) {
    const int bb = CK_Q4_1_BYTES;
    const int pairs = (nb + 1) / 2;
    const size_t row_bytes = (size_t)nb * bb;
    const __m512i spread_a = opaque(_mm512_set_epi32(4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0));
    const __m512i spread_b = opaque(_mm512_set_epi32(5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1));
    ll_acc a[2];
    for (int k = 0; k < R; k++)
        for (int t = 0; t < T; t++) {
            a[k].acc[t] = _mm512_setzero_ps();
            a[k].mins[t] = _mm256_setzero_ps();
        }
    const char *ahead = (const char *)r[0] + CK_PREFETCH;
    /* Full 64-byte loads while they stay inside the rows (a pair is 40 bytes), then masked ones
     * for the last one or two pairs. */
    int p = 0;
    for (; p < pairs && (size_t)p * 2 * bb + 64 <= row_bytes; p++) {
        const size_t off = (size_t)p * 2 * bb;
        _mm_prefetch(ahead + 2 * R * off, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * R * off + 64, _MM_HINT_T0);
        if (R == 2) _mm_prefetch(ahead + 2 * R * off + 128, _MM_HINT_T0);
        q41_pair(R, T, r, off, 64, 1, x, t0, (size_t)p, spread_a, spread_b, a);
    }
    for (; p < pairs; p++) {
        const size_t off = (size_t)p * 2 * bb;
        q41_pair(R, T, r, off, row_bytes - off, 2 * p + 1 < nb, x, t0, (size_t)p, spread_a, spread_b, a);
    }
    for (int k = 0; k < R; k++)
        for (int t = 0; t < T; t++) {
            const __m256 m = a[k].mins[t];
            const float m0 = _mm_cvtss_f32(_mm_movehl_ps(_mm256_castps256_ps128(m), _mm256_castps256_ps128(m)));
            const float m1 = _mm_cvtss_f32(_mm_movehl_ps(_mm256_extractf128_ps(m, 1), _mm256_extractf128_ps(m, 1)));
            const float v0 = hsum256(_mm512_castps512_ps256(a[k].acc[t])) + m0;
            const float v1 = hsum256(_mm512_extractf32x8_ps(a[k].acc[t], 1)) + m1;
            y[2 * k][(t0 + t) * ys] = v0;
            if (y[2 * k + 1]) y[2 * k + 1][(t0 + t) * ys] = v1;
        }
}

/* Q8_0: block b of rows ra and rb as u8 (q + 128): [ra b | rb b], and d_w of both as floats. */
TGT_INLINE __m512i q8_pair_rows(const uint8_t *ra, const uint8_t *rb, size_t ob, __m128 *dw) {
    const __m256i a = _mm256_loadu_si256((const __m256i *)(ra + ob + CK_Q8_0_QS));
    const __m256i b = _mm256_loadu_si256((const __m256i *)(rb + ob + CK_Q8_0_QS));
    *dw = _mm_cvtph_ps(_mm_insert_epi16(_mm_cvtsi32_si128(ck_load_u16(ra + ob)), ck_load_u16(rb + ob), 1));
    return _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1), _mm512_set1_epi8((char)0x80));
}

/* Q5_0: the 32 quants of one block as u8 0..31 (the value is q - 16): low nibbles are
 * elements 0..15, high nibbles 16..31, and bit j of qh is the fifth bit of element j. */
TGT_INLINE __m256i q5_0_row(const uint8_t *blk) {
    const __m128i v = _mm_loadu_si128((const __m128i *)(blk + CK_Q5_0_LOW));
    const __m256i low = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0F));
    return _mm256_or_si256(low, _mm256_maskz_set1_epi8((__mmask32)ck_load_u32(blk + CK_Q5_0_HIGH), 0x10));
}

TGT_INLINE __m512i q5_pair_rows(const uint8_t *ra, const uint8_t *rb, size_t ob, __m128 *dw) {
    *dw = _mm_cvtph_ps(_mm_insert_epi16(_mm_cvtsi32_si128(ck_load_u16(ra + ob)), ck_load_u16(rb + ob), 1));
    return _mm512_inserti64x4(_mm512_castsi256_si512(q5_0_row(ra + ob)), q5_0_row(rb + ob), 1);
}

/* Q8_0 and Q5_0 (kind): both sum like ggml_vec_dot_q8_0_q8_0, one FMA per block into eight
 * lanes of four elements. The unsigned weight bytes (q8 + 128, or the 5-bit q) are corrected
 * exactly by starting the integer dot at 128 (or 16) x the negated group sums. */
TGT_INLINE void tile_q8(const int kind, const int R, const int T, const uint8_t *const *r, const ck_act_rows *x,
                          size_t t0, int nb, float *const *y, size_t ys) {
    const int bb = kind == CK_KIND_Q5_0 ? CK_Q5_0_BLOCK : CK_Q8_0_BYTES;
    const int shift = kind == CK_KIND_Q5_0 ? 4 : 7;
    const __m512i spread = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    __m512 acc[2][4];
    for (int k = 0; k < R; k++)
        for (int t = 0; t < T; t++) acc[k][t] = _mm512_setzero_ps();
    const char *ahead = (const char *)r[0] + CK_PREFETCH;
    for (int b = 0; b < nb; b++) {
        const size_t ob = (size_t)b * bb;
        _mm_prefetch(ahead + 2 * R * ob, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * R * ob + 64, _MM_HINT_T0);
        if (R == 2) _mm_prefetch(ahead + 2 * R * ob + 128, _MM_HINT_T0);
        __m512i w[2];
        __m128 dw[2];
        __m512 dws[2];
        for (int k = 0; k < R; k++) {
            w[k] = kind == CK_KIND_Q5_0 ? q5_pair_rows(r[2 * k], r[2 * k + 1], ob, &dw[k])
                                        : q8_pair_rows(r[2 * k], r[2 * k + 1], ob, &dw[k]);
            if (T > 1) dws[k] = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(dw[k]));
        }
        const size_t p = (size_t)(b >> 1), h = (size_t)(b & 1);
        for (int t = 0; t < T; t++) {
            const size_t tp = (t0 + t) * x->stride + p;
            const __m512i xv = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->qn + tp * 64 + h * 32)));
            const __m512i init = _mm512_slli_epi32(
                _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->gn + tp * 16 + h * 8))), shift);
            const float dx = x->sc[tp * 8 + h];
            for (int k = 0; k < R; k++) {
                /* d_w x d_x per row, spread over that row's eight lanes (the same product
                 * whether spread before or after the multiply). */
                const __m512 dd = T == 1
                    ? _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_mul_ps(dw[k], _mm_set1_ps(dx))))
                    : _mm512_mul_ps(dws[k], _mm512_set1_ps(dx));
                acc[k][t] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(init, w[k], xv)), acc[k][t]);
            }
        }
    }
    for (int k = 0; k < R; k++)
        for (int t = 0; t < T; t++) {
            y[2 * k][(t0 + t) * ys] = hsum256(_mm512_castps512_ps256(acc[k][t]));
            if (y[2 * k + 1]) y[2 * k + 1][(t0 + t) * ys] = hsum256(_mm512_extractf32x8_ps(acc[k][t], 1));
        }
}

/* Rows outer, tokens inner. One token: four rows per tile (two FMA chains); more tokens: two
 * rows x up to four tokens. An odd last row is paired with itself and its twin's result
 * discarded. */
TGT_INLINE void run_ll(const int kind, const void *w, size_t wrb, int rows, const ck_act_rows *x,
                       int tokens, int nb, float *y, size_t ys) {
    const uint8_t *wbase = (const uint8_t *)w;
    int r = 0;
    if (tokens == 1 || kind != CK_KIND_Q4_1) {
        for (; r + 4 <= rows; r += 4) {
            const uint8_t *rr[4] = { wbase + (size_t)r * wrb, wbase + (size_t)(r + 1) * wrb,
                                     wbase + (size_t)(r + 2) * wrb, wbase + (size_t)(r + 3) * wrb };
            float *yy[4] = { y + r, y + r + 1, y + r + 2, y + r + 3 };
            if (kind == CK_KIND_Q4_1) { tile_q41(2, 1, rr, x, 0, nb, yy, ys); continue; }
            int t = 0;
            for (; t + 4 <= tokens; t += 4) tile_q8(kind, 2, 4, rr, x, (size_t)t, nb, yy, ys);
            switch (tokens - t) {
            case 3: tile_q8(kind, 2, 3, rr, x, (size_t)t, nb, yy, ys); break;
            case 2: tile_q8(kind, 2, 2, rr, x, (size_t)t, nb, yy, ys); break;
            case 1: tile_q8(kind, 2, 1, rr, x, (size_t)t, nb, yy, ys); break;
            default: break;
            }
        }
    }
    for (; r < rows; r += 2) {
        const int pair = r + 1 < rows;
        const uint8_t *rr[2] = { wbase + (size_t)r * wrb, wbase + (size_t)(r + pair) * wrb };
        float *yy[2] = { y + r, pair ? y + r + 1 : 0 };
        int t = 0;
#define LL_TILE(T_) do { if (kind == CK_KIND_Q4_1) tile_q41(1, T_, rr, x, (size_t)t, nb, yy, ys); \
                         else tile_q8(kind, 1, T_, rr, x, (size_t)t, nb, yy, ys); } while (0)
        for (; t + 4 <= tokens; t += 4) LL_TILE(4);
        switch (tokens - t) {
        case 3: LL_TILE(3); break;
        case 2: LL_TILE(2); break;
        case 1: LL_TILE(1); break;
        default: break;
        }
#undef LL_TILE
    }
}

/* ---- drivers ------------------------------------------------------------------------------- */

/* Rows outer, tokens inner: a pair of weight rows stays in L1 while all tokens pass over it. */
TGT_INLINE void run_q4(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                       int tokens, int nb, float *y, size_t ys) {
    const uint8_t *wb = (const uint8_t *)w;
    for (int r = 0; r < rows; r += 2) {
        /* An odd last row is paired with itself and its twin's result discarded. */
        const uint8_t *r0 = wb + (size_t)r * wrb;
        const int pair = r + 1 < rows;
        const uint8_t *r1 = pair ? r0 + wrb : r0;
        float *y1 = pair ? y + r + 1 : 0;
        int t = 0;
        for (; t + 4 <= tokens; t += 4) tile_q4(4, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
        switch (tokens - t) {
        case 3: tile_q4(3, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        case 2: tile_q4(2, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        case 1: tile_q4(1, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        default: break;
        }
    }
}

TGT void ck_matmul_q4_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_q4(w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q4_1_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_ll(CK_KIND_Q4_1, w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q8_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_ll(CK_KIND_Q8_0, w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q5_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_ll(CK_KIND_Q5_0, w, wrb, rows, x, tokens, nb, y, ys);
}

#else /* not x86-64: the AVX-512 entry points fall back to portable C (ck_isa never selects them). */

void ck_matmul_q4_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                           int tokens, int nb, float *y, size_t ys) {
    ck_matmul_q4_0_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
void ck_matmul_q4_1_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                           int tokens, int nb, float *y, size_t ys) {
    ck_matmul_q4_1_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
void ck_matmul_q8_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                           int tokens, int nb, float *y, size_t ys) {
    ck_matmul_q8_0_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
void ck_matmul_q5_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                           int tokens, int nb, float *y, size_t ys) {
    ck_matmul_q5_0_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
#endif
