/*
 * AVX-512 VNNI versions of the quantized matrix kernels.
 *
 * Q4_0 / Q4_1: two weight rows at a time. One 64-byte load per row covers a pair of blocks;
 * one vpermt2b gathers the four 16-byte nibble arrays (row 0 A, B, row 1 A, B) into a zmm,
 * and one vpermt2w gathers their eight fp16 scales (and mins). Low and high nibbles then go
 * through two vpdpbusd into the SAME int32 lanes (the activation pair layout puts the low
 * halves of A and B, then the high halves, side by side), so 128 products cost 2 vpdpbusd,
 * one int->float conversion and one FMA. Q4_0's offset of 8 is removed exactly by starting
 * the accumulator at 8 x the activation group sums.
 *
 * Q8_0: one row at a time, a pair of blocks per zmm; s8 weights become u8 by flipping the
 * sign bit (q + 128) and the 128 x sum is removed the same way.
 *
 * Tiles are two rows x 1-4 tokens: decoded weights are reused for every token of the tile
 * and activation loads for both rows. Only two rows at a time, and a linear software
 * prefetch, because more short interleaved row streams defeat the hardware prefetchers.
 * Float accumulators stay vectors until the end of a row, with two sets (even and odd block
 * pairs) for independent FMA chains.
 */
#include "ck_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,avx2,fma,f16c")))
#define TGT_INLINE static inline __attribute__((always_inline)) TGT

TGT_INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* ---- Q4_0 / Q4_1: row pairs ---------------------------------------------------------------- */

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

/* Per-token accumulators of one row pair: the products, and the min terms (Q4_1). */
typedef struct { __m512 acc[4]; __m256 accm[4]; } q4_acc;

/* One block pair of rows r0, r1 against T tokens. `left` is the number of bytes from `off` to
 * the end of the row: near the end only those are loaded (a 64-byte load would run past the
 * row, and past the matrix for its last row). For a lone last block, B then reads as zero:
 * nibbles, scale and min 0. */
TGT_INLINE void q4_step(const int kind, const int T, const uint8_t *r0, const uint8_t *r1, size_t off,
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
    const __m512i q = _mm512_permutex2var_epi8(v0, nibble_index(kind), v1);
    const __m512i lo = _mm512_and_si512(q, low);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low);
    const __m256 ws = _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutex2var_epi16(v0, scale_index(kind), v1)));
    for (int t = 0; t < T; t++) {
        const size_t tp = (t0 + t) * x->stride + p;
        const __m256i *xq = (const __m256i *)(x->qs + tp * 64);
        __m512i dot = _mm512_setzero_si512();
        if (kind == CK_KIND_Q4_0)
            dot = _mm512_slli_epi32(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->g8 + tp * 8))), 3);
        dot = _mm512_dpbusd_epi32(dot, lo, _mm512_broadcast_i64x4(_mm256_loadu_si256(xq)));
        dot = _mm512_dpbusd_epi32(dot, hi, _mm512_broadcast_i64x4(_mm256_loadu_si256(xq + 1)));
        const __m256 prod = _mm256_mul_ps(ws, _mm256_loadu_ps(x->sc + tp * 8));
        if (kind == CK_KIND_Q4_1) a->accm[t] = _mm256_add_ps(a->accm[t], prod);
        const __m512 sc = _mm512_permutexvar_ps(spread, _mm512_castps256_ps512(prod));
        a->acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), sc, a->acc[t]);
    }
}

/* Rows r0 and r1 (r1 may repeat r0; then y1 is null) against tokens t0 ..< t0 + T.
 * Two accumulator sets (even and odd block pairs) keep two FMA chains per output. */
TGT_INLINE void tile_q4(const int kind, const int T, const uint8_t *r0, const uint8_t *r1,
                        const ck_act_rows *x, size_t t0, int nb, float *y0, float *y1, size_t ys) {
    const int bb = ck_block_bytes(kind);
    const int pairs = (nb + 1) / 2;
    const size_t row_bytes = (size_t)nb * bb;
    q4_acc a[2];
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < T; t++) {
            a[k].acc[t] = _mm512_setzero_ps();
            a[k].accm[t] = _mm256_setzero_ps();
        }
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
        q4_step(kind, T, r0, r1, off, row_bytes - off, x, t0, (size_t)p, &a[0]);
        q4_step(kind, T, r0, r1, off + 2 * bb, row_bytes - off - 2 * bb, x, t0, (size_t)p + 1, &a[1]);
    }
    /* One or two pairs left. */
    if (p + 2 == pairs) {
        const size_t off = (size_t)p * 2 * bb;
        q4_step(kind, T, r0, r1, off, row_bytes - off, x, t0, (size_t)p, &a[0]);
        q4_step(kind, T, r0, r1, off + 2 * bb, row_bytes - off - 2 * bb, x, t0, (size_t)p + 1, &a[1]);
    } else {
        const size_t off = (size_t)p * 2 * bb;
        q4_step(kind, T, r0, r1, off, row_bytes - off, x, t0, (size_t)p, &a[0]);
    }
    for (int t = 0; t < T; t++) {
        /* Lanes 0-7 of acc belong to r0, 8-15 to r1; the min terms sit in lanes 2,3 and 6,7. */
        const __m512 acc = _mm512_add_ps(a[0].acc[t], a[1].acc[t]);
        float v0 = hsum256(_mm512_castps512_ps256(acc));
        float v1 = hsum256(_mm512_extractf32x8_ps(acc, 1));
        if (kind == CK_KIND_Q4_1) {
            const __m256 m = _mm256_add_ps(a[0].accm[t], a[1].accm[t]);
            const __m128 ml = _mm256_castps256_ps128(m), mh = _mm256_extractf128_ps(m, 1);
            v0 += _mm_cvtss_f32(_mm_add_ss(_mm_movehl_ps(ml, ml), _mm_shuffle_ps(ml, ml, 3)));
            v1 += _mm_cvtss_f32(_mm_add_ss(_mm_movehl_ps(mh, mh), _mm_shuffle_ps(mh, mh, 3)));
        }
        y0[(t0 + t) * ys] = v0;
        if (y1) y1[(t0 + t) * ys] = v1;
    }
}

/* ---- Q8_0: row pairs, one row per zmm ----------------------------------------------------- */

/* Block pair at `off` of one row as u8 (q + 128) in the activation order (A low, B low,
 * A high, B high), and its scales [d_a, d_b, 0, 0]. With an odd block count the last pair
 * reads block A twice; the activation side of the phantom block B is zero. */
TGT_INLINE __m512i q8_weights(const uint8_t *row, size_t oa, size_t ob, __m128 *ws) {
    const __m512i order = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
    const __m512i wa = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(row + oa + CK_Q8_0_QS)));
    const __m512i wb = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(row + ob + CK_Q8_0_QS)));
    *ws = _mm_cvtph_ps(_mm_insert_epi16(_mm_cvtsi32_si128(ck_load_u16(row + oa)), ck_load_u16(row + ob), 1));
    return _mm512_xor_si512(_mm512_permutex2var_epi64(wa, order, wb), _mm512_set1_epi8((char)0x80));
}

TGT_INLINE void q8_step(const int T, const uint8_t *r0, const uint8_t *r1, size_t oa, size_t ob,
                        const ck_act_rows *x, size_t t0, size_t p, __m512 *acc0, __m512 *acc1) {
    const __m512i spread = _mm512_set_epi32(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0);
    __m128 ws0, ws1;
    const __m512i w0 = q8_weights(r0, oa, ob, &ws0);
    const __m512i w1 = q8_weights(r1, oa, ob, &ws1);
    for (int t = 0; t < T; t++) {
        const size_t tp = (t0 + t) * x->stride + p;
        const __m512i xv = _mm512_loadu_si512((const void *)(x->qs + tp * 64));
        const __m512i init = _mm512_slli_epi32(_mm512_loadu_si512((const void *)(x->g16 + tp * 16)), 7);
        const __m128 xs = _mm_loadu_ps(x->sc + tp * 8);
        const __m512 s0 = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_mul_ps(ws0, xs)));
        const __m512 s1 = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_mul_ps(ws1, xs)));
        acc0[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(init, w0, xv)), s0, acc0[t]);
        acc1[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(init, w1, xv)), s1, acc1[t]);
    }
}

/* Rows r0 and r1 (r1 may repeat r0; then y1 is null) against tokens t0 ..< t0 + T, with a
 * linear prefetch for the same reason as tile_q4. */
TGT_INLINE void tile_q8(const int T, const uint8_t *r0, const uint8_t *r1, const ck_act_rows *x,
                        size_t t0, int nb, float *y0, float *y1, size_t ys) {
    const int bb = CK_Q8_0_BYTES;
    __m512 acc0[4], acc1[4];
    for (int t = 0; t < T; t++) acc0[t] = acc1[t] = _mm512_setzero_ps();
    const char *ahead = (const char *)r0 + CK_PREFETCH;
    for (int b = 0; b < nb; b += 2) {
        const size_t oa = (size_t)b * bb;
        const size_t ob = b + 1 < nb ? oa + bb : oa;
        _mm_prefetch(ahead + 2 * oa, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * oa + 64, _MM_HINT_T0);
        q8_step(T, r0, r1, oa, ob, x, t0, (size_t)(b >> 1), acc0, acc1);
    }
    for (int t = 0; t < T; t++) {
        y0[(t0 + t) * ys] = _mm512_reduce_add_ps(acc0[t]);
        if (y1) y1[(t0 + t) * ys] = _mm512_reduce_add_ps(acc1[t]);
    }
}

/* ---- drivers ------------------------------------------------------------------------------- */

/* Rows outer, tokens inner: a pair of weight rows stays in L1 while all tokens pass over it. */
TGT_INLINE void run_q4(const int kind, const void *w, size_t wrb, int rows, const ck_act_rows *x,
                       int tokens, int nb, float *y, size_t ys) {
    const uint8_t *wb = (const uint8_t *)w;
    for (int r = 0; r < rows; r += 2) {
        /* An odd last row is paired with itself and its twin's result discarded. */
        const uint8_t *r0 = wb + (size_t)r * wrb;
        const int pair = r + 1 < rows;
        const uint8_t *r1 = pair ? r0 + wrb : r0;
        float *y1 = pair ? y + r + 1 : 0;
        int t = 0;
        for (; t + 4 <= tokens; t += 4) tile_q4(kind, 4, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
        switch (tokens - t) {
        case 3: tile_q4(kind, 3, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        case 2: tile_q4(kind, 2, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        case 1: tile_q4(kind, 1, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        default: break;
        }
    }
}

TGT_INLINE void run_q8(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens, int nb,
                       float *y, size_t ys) {
    const uint8_t *wb = (const uint8_t *)w;
    for (int r = 0; r < rows; r += 2) {
        const uint8_t *r0 = wb + (size_t)r * wrb;
        const int pair = r + 1 < rows;
        const uint8_t *r1 = pair ? r0 + wrb : r0;
        float *y1 = pair ? y + r + 1 : 0;
        int t = 0;
        for (; t + 4 <= tokens; t += 4) tile_q8(4, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
        switch (tokens - t) {
        case 3: tile_q8(3, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        case 2: tile_q8(2, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        case 1: tile_q8(1, r0, r1, x, (size_t)t, nb, y + r, y1, ys); break;
        default: break;
        }
    }
}

TGT void ck_matmul_q4_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_q4(CK_KIND_Q4_0, w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q4_1_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_q4(CK_KIND_Q4_1, w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q8_0_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nb, float *y, size_t ys) {
    run_q8(w, wrb, rows, x, tokens, nb, y, ys);
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
#endif
