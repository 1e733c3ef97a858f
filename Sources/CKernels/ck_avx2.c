/*
 * AVX2 versions of the quantized matrix kernels, for x86-64 CPUs without AVX-512 VNNI.
 *
 * Q4_0 works by pairs of blocks, as the activation layout (ckernels.h): one ymm holds the low
 * halves of blocks A and B, another their high halves. Products go through vpmaddubsw
 * (u8 x s8 -> s16 pairs) and vpmaddwd by ones (-> s32 per group of 4), the classic pre-VNNI
 * sequence; the int32 lanes end up as [A 4 lanes | B 4 lanes]. vpmaddubsw saturates, so the
 * offset trick is only used for nibbles (15 * 127 * 4 fits in int16).
 * Q4_1 and Q8_0 follow llama.cpp's own AVX2 kernels block by block (its summation order, bit
 * for bit; see ck_avx512.c); Q8_0 weights use the sign trick, |w| x (x * sign(w)).
 * Tiles: 2 rows x 1 or 2 tokens, within 16 ymm registers.
 */
#include <math.h>
#include "ck_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c")))
#define TGT_INLINE static inline __attribute__((always_inline)) TGT

/* Σ of 8 lanes as llama.cpp's hsum_float_8 adds them: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
TGT_INLINE float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* The int32 dot products of Q4_0 blocks a and b with one activation pair: [a 4 lanes | b 4 lanes],
 * each lane the sum over 8 elements (4 from the low half, 4 from the high half). */
TGT_INLINE __m256i pair_dot(const uint8_t *a, const uint8_t *b, const int8_t *xq, const int32_t *g8) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i xlo = _mm256_loadu_si256((const __m256i *)xq);
    const __m256i xhi = _mm256_loadu_si256((const __m256i *)(xq + 32));
    const __m256i v = _mm256_loadu2_m128i((const __m128i *)(b + CK_Q4_0_QS), (const __m128i *)(a + CK_Q4_0_QS));
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i lo = _mm256_and_si256(v, low);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    const __m256i p16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo), _mm256_maddubs_epi16(hi, xhi));
    /* q4 - 8: add 8 x the (negated) activation group sums back. */
    return _mm256_add_epi32(_mm256_madd_epi16(p16, ones), _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)g8), 3));
}

/* [d_a, d_b, junk, junk] as floats. */
TGT_INLINE __m128 pair_scales(const uint8_t *a, const uint8_t *b) {
    const __m128i h = _mm_insert_epi16(_mm_cvtsi32_si128(ck_load_u16(a)), ck_load_u16(b), 1);
    return _mm_cvtph_ps(h);
}

/* Q4_0 rows r0 and r1 (r1 may repeat r0; then y1 is null) against tokens t0 ..< t0 + T. Only
 * two rows at a time, with a linear prefetch: more short interleaved row streams defeat the
 * hardware prefetchers (see ck_avx512.c). */
TGT_INLINE void tile(const int T, const uint8_t *r0, const uint8_t *r1,
                     const ck_act_rows *x, size_t t0, int nb, float *y0, float *y1, size_t ys) {
    const int bb = CK_Q4_0_BYTES;
    const __m256i spread = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    __m256 acc[2][2];
    const uint8_t *rows[2] = { r0, r1 };
    const size_t stride = x->stride;
    for (int t = 0; t < T; t++)
        for (int r = 0; r < 2; r++) acc[r][t] = _mm256_setzero_ps();
    const char *ahead = (const char *)r0 + CK_PREFETCH;
    for (int b = 0; b < nb; b += 2) {
        const size_t p = (size_t)(b >> 1);
        /* With an odd block count the last pair reads block b twice; the activation side of
         * the phantom block is zero padding, so it adds exactly nothing. */
        const size_t oa = (size_t)b * bb;
        const size_t ob = b + 1 < nb ? oa + bb : oa;
        _mm_prefetch(ahead + 2 * oa, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * oa + 64, _MM_HINT_T0);
        for (int t = 0; t < T; t++) {
            const size_t tp = (t0 + t) * stride + p;
            const __m128 xs = _mm_loadu_ps(x->sc + tp * 8);
            for (int r = 0; r < 2; r++) {
                const __m256i dot = pair_dot(rows[r] + oa, rows[r] + ob, x->qs + tp * 64, x->g8 + tp * 8);
                const __m128 prod = _mm_mul_ps(pair_scales(rows[r] + oa, rows[r] + ob), xs);
                const __m256 sc = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(prod), spread);
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), sc, acc[r][t]);
            }
        }
    }
    float *out[2] = { y0, y1 };
    for (int t = 0; t < T; t++)
        for (int r = 0; r < 2; r++)
            if (out[r]) out[r][(t0 + t) * ys] = hsum8(acc[r][t]);
}

/* Q4_1 and Q8_0 in llama.cpp's x86 summation order (its AVX2 kernels, see ck_avx512.c): per
 * row, eight float lanes, one FMA per block of (d_w * d_x) times the int32 dots of the eight
 * groups of 4 consecutive elements; hsum_float_8; for Q4_1 plus the min terms (FMA chain). */
TGT_INLINE __m256i ll_block_dot(int kind, const uint8_t *blk, const int8_t *xq) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i y = _mm256_loadu_si256((const __m256i *)xq);
    if (kind == CK_KIND_Q8_0) {
        const __m256i w = _mm256_loadu_si256((const __m256i *)(blk + CK_Q8_0_QS));
        return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w)), ones);
    }
    const __m128i v = _mm_loadu_si128((const __m128i *)(blk + CK_Q4_1_QS));
    const __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0F));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, y), ones);
}

TGT_INLINE void tile_ll(const int kind, const int T, const uint8_t *r0, const uint8_t *r1,
                        const ck_act_rows *x, size_t t0, int nb, float *y0, float *y1, size_t ys) {
    const int bb = ck_block_bytes(kind);
    __m256 acc[2][2];
    float mins[2][2] = { { 0, 0 }, { 0, 0 } };
    const uint8_t *rows[2] = { r0, r1 };
    for (int t = 0; t < T; t++)
        for (int r = 0; r < 2; r++) acc[r][t] = _mm256_setzero_ps();
    const char *ahead = (const char *)r0 + CK_PREFETCH;
    for (int b = 0; b < nb; b++) {
        const size_t ob = (size_t)b * bb, p = (size_t)(b >> 1), h = (size_t)(b & 1);
        _mm_prefetch(ahead + 2 * ob, _MM_HINT_T0);
        _mm_prefetch(ahead + 2 * ob + 64, _MM_HINT_T0);
        for (int t = 0; t < T; t++) {
            const size_t tp = (t0 + t) * x->stride + p;
            const float dx = x->sc[tp * 8 + h];
            for (int r = 0; r < 2; r++) {
                const uint8_t *blk = rows[r] + ob;
                const float dd = _cvtsh_ss(ck_load_u16(blk)) * dx;
                const __m256i dot = ll_block_dot(kind, blk, x->qn + tp * 64 + h * 32);
                acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(dd), _mm256_cvtepi32_ps(dot), acc[r][t]);
                if (kind == CK_KIND_Q4_1)
                    mins[r][t] = fmaf(_cvtsh_ss(ck_load_u16(blk + 2)), x->sc[tp * 8 + 2 + h], mins[r][t]);
            }
        }
    }
    float *out[2] = { y0, y1 };
    for (int t = 0; t < T; t++)
        for (int r = 0; r < 2; r++) {
            if (!out[r]) continue;
            const float v = hsum8(acc[r][t]);
            out[r][(t0 + t) * ys] = kind == CK_KIND_Q4_1 ? v + mins[r][t] : v;
        }
}

/* Rows outer, tokens inner: a pair of weight rows stays in L1 while all tokens pass over it. */
TGT_INLINE void run(const int kind, const void *w, size_t wrb, int rows, const ck_act_rows *x,
                    int tokens, int nb, float *y, size_t ys) {
    const uint8_t *wb = (const uint8_t *)w;
    for (int r = 0; r < rows; r += 2) {
        /* An odd last row is paired with itself and its twin's result discarded. */
        const uint8_t *r0 = wb + (size_t)r * wrb;
        const int pair = r + 1 < rows;
        const uint8_t *r1 = pair ? r0 + wrb : r0;
        float *y1 = pair ? y + r + 1 : 0;
        int t = 0;
        if (kind == CK_KIND_Q4_0) {
            for (; t + 2 <= tokens; t += 2) tile(2, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
            if (t < tokens) tile(1, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
        } else {
            for (; t + 2 <= tokens; t += 2) tile_ll(kind, 2, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
            if (t < tokens) tile_ll(kind, 1, r0, r1, x, (size_t)t, nb, y + r, y1, ys);
        }
    }
}

TGT void ck_matmul_q4_0_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                             int nb, float *y, size_t ys) {
    run(CK_KIND_Q4_0, w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q4_1_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                             int nb, float *y, size_t ys) {
    run(CK_KIND_Q4_1, w, wrb, rows, x, tokens, nb, y, ys);
}
TGT void ck_matmul_q8_0_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                             int nb, float *y, size_t ys) {
    run(CK_KIND_Q8_0, w, wrb, rows, x, tokens, nb, y, ys);
}

#else /* not x86-64: the AVX2 entry points fall back to portable C (ck_isa never selects them). */

void ck_matmul_q4_0_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                         int nb, float *y, size_t ys) {
    ck_matmul_q4_0_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
void ck_matmul_q4_1_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                         int nb, float *y, size_t ys) {
    ck_matmul_q4_1_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
void ck_matmul_q8_0_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                         int nb, float *y, size_t ys) {
    ck_matmul_q8_0_scalar(w, wrb, rows, x, tokens, nb, y, ys);
}
#endif
