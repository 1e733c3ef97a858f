/*
 * Q5_0 (x Q8_0 activations), Q5_1 (x Q8_1) and the K-quants Q2_K…Q6_K
 * (x Q8_K):
 * portable C and AVX2 versions, all in llama.cpp's x86 summation order (ckernels.h; for Q4_K
 * the order of its repacked q4_K_8x8 kernels), so every ISA level gives the same bits as
 * llama.cpp and as the Swift reference (Reference.dot*). The AVX-512 entry points of Q4_K and
 * Q6_K are in ck_kquants_avx512.c; the others run the AVX2 code for now (llama.cpp's AVX-512
 * builds run these same AVX2 vec_dot paths).
 *
 * Structure: rows outer, tokens inner (one weight row stays in L1 while every token of the
 * piece passes over it), one row at a time. Simple and correct first; not yet tuned.
 */
#include <math.h>
#include "ck_internal.h"

enum {
    CK_Q5_0_BYTES = 22, CK_Q5_0_QH = 2, CK_Q5_0_QS = 6,
    CK_Q5_1_BYTES = 24, CK_Q5_1_QH = 4, CK_Q5_1_QS = 8,
    CK_Q2_K_BYTES = 84, CK_Q2_K_QS = 16, CK_Q2_K_D = 80,
    CK_Q3_K_BYTES = 110, CK_Q3_K_QS = 32, CK_Q3_K_SCALES = 96, CK_Q3_K_D = 108,
    CK_Q5_K_BYTES = 176, CK_Q5_K_SCALES = 4, CK_Q5_K_QH = 16, CK_Q5_K_QS = 48,
};

/* ggml's get_scale_min_k4: 6-bit scale and min of sub-block j (0..7) from 12 packed bytes. */
CK_INLINE void scale_min_k4(int j, const uint8_t *q, int32_t *sc, int32_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* All eight scales (out[0..7]) and mins (out[8..15]) of a Q4_K/Q5_K block at once (the kmask
 * shuffle; the same values as scale_min_k4). */
CK_INLINE void unpack_scales_k4(const uint8_t *s12, uint8_t out[16]) {
    uint32_t u[4];
    memcpy(u, s12, 12);
    u[3] = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
    const uint32_t a = u[1] & 0x3f3f3f3fu;
    u[1] = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
    u[2] = a;
    u[0] &= 0x3f3f3f3fu;
    memcpy(out, u, 16);
}

CK_INLINE float q8k_d(const uint8_t *x) { float d; memcpy(&d, x, 4); return d; }
CK_INLINE int32_t q8k_bsum(const uint8_t *x, int g) {
    int16_t v; memcpy(&v, x + CK_Q8_K_BSUMS + 2 * g, 2); return v;
}

/* The eight lanes added as llama.cpp's hsum_float_8. */
CK_INLINE float hsum_lanes(const float *l) {
    const float s04 = l[0] + l[4], s15 = l[1] + l[5], s26 = l[2] + l[6], s37 = l[3] + l[7];
    return (s04 + s26) + (s15 + s37);
}

/* Q4_K: Σ over sub-blocks s in [first, end) of min_s × (sum of the 32 activation quants of s). */
CK_INLINE int32_t q4k_min_sum(const uint8_t *blk, const uint8_t *xb, int first, int end) {
    int32_t total = 0;
    for (int s = first; s < end; s++) {
        int32_t sc, m;
        scale_min_k4(s, blk + CK_Q4_K_SCALES, &sc, &m);
        total += m * (q8k_bsum(xb, 2 * s) + q8k_bsum(xb, 2 * s + 1));
    }
    return total;
}

/* Q6_K: the bsums term of lane k, 32 (b_2k sc_2k + b_2k+1 sc_2k+1). */
CK_INLINE int32_t q6k_offset(const uint8_t *blk, const uint8_t *xb, int k) {
    const int8_t *sc = (const int8_t *)(blk + CK_Q6_K_SCALES);
    return 32 * (q8k_bsum(xb, 2 * k) * sc[2 * k] + q8k_bsum(xb, 2 * k + 1) * sc[2 * k + 1]);
}

/* ---- portable C ------------------------------------------------------------------------------ */

/* The 5-bit quant (0..31) of element j of a Q5_0 (qh at 2) or Q5_1 (qh at 4) block. */
CK_INLINE int32_t q5_quant(const uint8_t *blk, int qh_off, int j) {
    const uint32_t qh = ck_load_u32(blk + qh_off);
    const uint8_t byte = blk[qh_off + 4 + (j & 15)];
    const int32_t low = j < 16 ? (byte & 0x0F) : (byte >> 4);
    return low | (int32_t)(((qh >> j) & 1u) << 4);
}

/* Q5_0 (q - 16, x d) and Q5_1 (q, x d, + m s) in llama.cpp's order: eight lanes, one fmaf per
 * block in block order, hsum_float_8; Q5_1's min terms by fmaf in block order, added last. */
static float row_dot_q5(int q51, const uint8_t *w, const int8_t *qn, const float *sc, int nblocks) {
    const int bb = q51 ? CK_Q5_1_BYTES : CK_Q5_0_BYTES, qh_off = q51 ? CK_Q5_1_QH : CK_Q5_0_QH;
    float lane[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    float mins = 0.0f;
    for (int b = 0; b < nblocks; b++) {
        const uint8_t *blk = w + (size_t)b * bb;
        const int8_t *xq = qn + (size_t)b * 32;
        const int p = b >> 1, h = b & 1;
        const float dd = ck_half_to_float(ck_load_u16(blk)) * sc[8 * p + h];
        for (int k = 0; k < 8; k++) {
            int32_t dot = 0;
            for (int j = 4 * k; j < 4 * k + 4; j++) dot += (q5_quant(blk, qh_off, j) - (q51 ? 0 : 16)) * xq[j];
            lane[k] = fmaf(dd, (float)dot, lane[k]);
        }
        if (q51) mins = fmaf(ck_half_to_float(ck_load_u16(blk + 2)), sc[8 * p + 2 + h], mins);
    }
    return q51 ? hsum_lanes(lane) + mins : hsum_lanes(lane);
}

CK_INLINE void matmul_q5(int q51, const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                         int nblocks, float *y, size_t ys) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        for (int t = 0; t < tokens; t++) {
            const size_t row = (size_t)t * x->stride;
            y[(size_t)t * ys + r] = row_dot_q5(q51, wr, x->qn + row * 64, x->sc + row * 8, nblocks);
        }
    }
}

void ck_matmul_q5_0_scalar(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    matmul_q5(0, w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q5_1_scalar(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    matmul_q5(1, w, wrb, rows, x, tokens, nblocks, y, ys);
}

/* Q4_K in the order of llama.cpp's repacked kernels: exact integer sums per step (a whole
 * super-block for the gemv, 64 elements for the gemm: `per64`), one fma per step into each of
 * two chains, acc - acc_min at the end. */
static float row_dot_q4_K(const uint8_t *w, const uint8_t *x, int nsuper, int per64) {
    float acc = 0.0f, acc_m = 0.0f;
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q4_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float dx = q8k_d(xb);
        int32_t sum64[4] = { 0, 0, 0, 0 };
        for (int s = 0; s < 8; s++) {
            int32_t scale, m;
            scale_min_k4(s, blk + CK_Q4_K_SCALES, &scale, &m);
            const uint8_t *q4 = blk + CK_Q4_K_QS + (s >> 1) * 32;
            int32_t dot = 0;
            for (int e = 0; e < 32; e++) {
                const int32_t q = (s & 1) ? (q4[e] >> 4) : (q4[e] & 0x0F);
                dot += q * q8[s * 32 + e];
            }
            sum64[s >> 1] += scale * dot;
        }
        const float dd = ck_half_to_float(ck_load_u16(blk)) * dx;
        const float dm = ck_half_to_float(ck_load_u16(blk + 2)) * dx;
        if (per64) {
            for (int j = 0; j < 4; j++) {
                acc = fmaf((float)sum64[j], dd, acc);
                acc_m = fmaf((float)q4k_min_sum(blk, xb, 2 * j, 2 * j + 2), dm, acc_m);
            }
        } else {
            const int32_t total = sum64[0] + sum64[1] + sum64[2] + sum64[3];
            acc = fmaf((float)total, dd, acc);
            acc_m = fmaf((float)q4k_min_sum(blk, xb, 0, 8), dm, acc_m);
        }
    }
    return acc - acc_m;
}

CK_INLINE int32_t q6_K_quant(const uint8_t *blk, int e) {
    const int h = e >> 7, c = (e & 127) >> 5, l = e & 31;
    const uint8_t low = blk[64 * h + l + 32 * (c & 1)];
    const uint8_t high = blk[CK_Q6_K_QH + 32 * h + l];
    const int32_t nib = c < 2 ? (low & 0x0F) : (low >> 4);
    return nib | (((high >> (2 * c)) & 3) << 4);
}

static float row_dot_q6_K(const uint8_t *w, const uint8_t *x, int nsuper) {
    float acc[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q6_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const int8_t *sc = (const int8_t *)(blk + CK_Q6_K_SCALES);
        const float d = q8k_d(xb) * ck_half_to_float(ck_load_u16(blk + CK_Q6_K_D));
        int32_t sum[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (int e = 0; e < 256; e++) sum[(e & 31) >> 2] += sc[e >> 4] * q6_K_quant(blk, e) * q8[e];
        for (int k = 0; k < 8; k++) acc[k] = fmaf(d, (float)(sum[k] - q6k_offset(blk, xb, k)), acc[k]);
    }
    return hsum_lanes(acc);
}

/* Q2_K as ggml_vec_dot_q2_K_q8_K (see ckernels.h). */
static float row_dot_q2_K(const uint8_t *w, const uint8_t *x, int nsuper) {
    float lane[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q2_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float dx = q8k_d(xb);
        const float d = dx * ck_half_to_float(ck_load_u16(blk + CK_Q2_K_D));
        const float dmin = -dx * ck_half_to_float(ck_load_u16(blk + CK_Q2_K_D + 2));
        for (int k = 0; k < 8; k++) {
            const int32_t prod = (blk[2 * k] >> 4) * q8k_bsum(xb, 2 * k) + (blk[2 * k + 1] >> 4) * q8k_bsum(xb, 2 * k + 1);
            lane[k] = fmaf(dmin, (float)prod, lane[k]);
        }
        int32_t sum[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (int e = 0; e < 256; e++) {
            const int h = e >> 7, c = (e & 127) >> 5, l = e & 31;
            const int32_t q = (blk[CK_Q2_K_QS + 32 * h + l] >> (2 * c)) & 3;
            sum[l >> 2] += (blk[e >> 4] & 0x0F) * q * q8[e];
        }
        for (int k = 0; k < 8; k++) lane[k] = fmaf(d, (float)sum[k], lane[k]);
    }
    return hsum_lanes(lane);
}

void ck_matmul_q2_K_scalar(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q2_K((const uint8_t *)w + (size_t)r * wrb,
                                                 (const uint8_t *)x + (size_t)t * xrb, nsuper);
}

/* Q3_K: scale of sub-block i (-32..31), as ggml's dequantize_row_q3_K unpacks them. */
CK_INLINE int32_t q3k_scale(const uint8_t *blk, int i) {
    const uint8_t *s = blk + CK_Q3_K_SCALES;
    const int32_t low = i < 8 ? (s[i] & 0x0F) : (s[i - 8] >> 4);
    const int32_t high = (s[8 + (i & 3)] >> (2 * (i >> 2))) & 3;
    return (low | (high << 4)) - 32;
}

/* Q3_K as ggml_vec_dot_q3_K_q8_K: eight exact int32 lanes per super-block, one fmaf per lane
 * with d = d_x * d_w, hsum_float_8. */
static float row_dot_q3_K(const uint8_t *w, const uint8_t *x, int nsuper) {
    float lane[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q3_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float d = q8k_d(xb) * ck_half_to_float(ck_load_u16(blk + CK_Q3_K_D));
        int32_t sum[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
        for (int e = 0; e < 256; e++) {
            const int h = e >> 7, c = (e & 127) >> 5, l = e & 31;
            const int32_t low = (blk[CK_Q3_K_QS + 32 * h + l] >> (2 * c)) & 3;
            const int32_t high = (blk[l] >> (4 * h + c)) & 1;
            sum[l >> 2] += q3k_scale(blk, e >> 4) * (low + 4 * high - 4) * q8[e];
        }
        for (int k = 0; k < 8; k++) lane[k] = fmaf(d, (float)sum[k], lane[k]);
    }
    return hsum_lanes(lane);
}

void ck_matmul_q3_K_scalar(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q3_K((const uint8_t *)w + (size_t)r * wrb,
                                                 (const uint8_t *)x + (size_t)t * xrb, nsuper);
}

/* Q5_K as ggml_vec_dot_q5_K_q8_K: eight int32 lanes per super-block (lane k: elements
 * 4k..4k+3 of every sub-block times its scale), one fmaf per lane with d = d_x * d_w; the mins
 * one exact integer per super-block, summs = fmaf(-d_x * dmin, it, summs); hsum + summs. */
static float row_dot_q5_K(const uint8_t *w, const uint8_t *x, int nsuper) {
    float lane[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }, summs = 0.0f;
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q5_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float dx = q8k_d(xb);
        const float d = dx * ck_half_to_float(ck_load_u16(blk));
        const float dmin = -dx * ck_half_to_float(ck_load_u16(blk + 2));
        int32_t sum[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }, min_sum = 0;
        for (int s = 0; s < 8; s++) {
            int32_t scale, m;
            scale_min_k4(s, blk + CK_Q5_K_SCALES, &scale, &m);
            min_sum += m * (q8k_bsum(xb, 2 * s) + q8k_bsum(xb, 2 * s + 1));
            const uint8_t *q = blk + CK_Q5_K_QS + (s >> 1) * 32;
            for (int k = 0; k < 8; k++) {
                int32_t dot = 0;
                for (int e = 4 * k; e < 4 * k + 4; e++) {
                    const int32_t low = (s & 1) ? (q[e] >> 4) : (q[e] & 0x0F);
                    const int32_t high = (blk[CK_Q5_K_QH + e] >> s) & 1;
                    dot += (low | (high << 4)) * q8[s * 32 + e];
                }
                sum[k] += scale * dot;
            }
        }
        summs = fmaf(dmin, (float)min_sum, summs);
        for (int k = 0; k < 8; k++) lane[k] = fmaf(d, (float)sum[k], lane[k]);
    }
    return hsum_lanes(lane) + summs;
}

void ck_matmul_q5_K_scalar(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q5_K((const uint8_t *)w + (size_t)r * wrb,
                                                 (const uint8_t *)x + (size_t)t * xrb, nsuper);
}

void ck_matmul_q4_K_scalar(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q4_K((const uint8_t *)w + (size_t)r * wrb,
                                                 (const uint8_t *)x + (size_t)t * xrb, nsuper, t < grouped);
}

void ck_matmul_q6_K_scalar(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q6_K((const uint8_t *)w + (size_t)r * wrb,
                                                 (const uint8_t *)x + (size_t)t * xrb, nsuper);
}

/* ---- AVX2 ------------------------------------------------------------------------------------ */

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c")))
#define TGT_INLINE static inline __attribute__((always_inline)) TGT

TGT_INLINE float hsum8v(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* int32 lane k = Σ of w·y over bytes 4k..4k+3 (w unsigned 0..127, y signed). */
TGT_INLINE __m256i dot_u8s8(__m256i w, __m256i y) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, y), _mm256_set1_epi16(1));
}

/* The 32 5-bit quants of a Q5_0 / Q5_1 block as bytes: q - 16 (int8) for Q5_0, q for Q5_1. */
TGT_INLINE __m256i q5_bytes(int q51, const uint8_t *blk) {
    const int qh_off = q51 ? CK_Q5_1_QH : CK_Q5_0_QH;
    const __m128i v = _mm_loadu_si128((const __m128i *)(blk + qh_off + 4));
    const __m256i low = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0F));
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i hb = _mm256_shuffle_epi8(_mm256_set1_epi32((int)ck_load_u32(blk + qh_off)), spread);
    hb = _mm256_cmpeq_epi8(_mm256_and_si256(hb, bit), bit);          /* 0xFF where the 5th bit is set */
    if (q51) return _mm256_or_si256(low, _mm256_and_si256(hb, _mm256_set1_epi8(0x10)));
    return _mm256_or_si256(low, _mm256_andnot_si256(hb, _mm256_set1_epi8((char)0xF0)));
}

TGT_INLINE float row_dot_q5_avx2(int q51, const uint8_t *w, const int8_t *qn, const float *sc, int nblocks) {
    const int bb = q51 ? CK_Q5_1_BYTES : CK_Q5_0_BYTES;
    __m256 acc = _mm256_setzero_ps();
    float mins = 0.0f;
    for (int b = 0; b < nblocks; b++) {
        const uint8_t *blk = w + (size_t)b * bb;
        const int p = b >> 1, h = b & 1;
        const __m256i q = q5_bytes(q51, blk);
        const __m256i y = _mm256_loadu_si256((const __m256i *)(qn + (size_t)b * 32));
        const __m256i dot = q51 ? dot_u8s8(q, y) : dot_u8s8(_mm256_sign_epi8(q, q), _mm256_sign_epi8(y, q));
        const float dd = _cvtsh_ss(ck_load_u16(blk)) * sc[8 * p + h];
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dd), _mm256_cvtepi32_ps(dot), acc);
        if (q51) mins = fmaf(_cvtsh_ss(ck_load_u16(blk + 2)), sc[8 * p + 2 + h], mins);
    }
    return q51 ? hsum8v(acc) + mins : hsum8v(acc);
}

TGT_INLINE void matmul_q5_avx2(int q51, const void *w, size_t wrb, int rows, const ck_act_rows *x,
                               int tokens, int nblocks, float *y, size_t ys) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        _mm_prefetch((const char *)wr + CK_PREFETCH, _MM_HINT_T0);
        for (int t = 0; t < tokens; t++) {
            const size_t row = (size_t)t * x->stride;
            y[(size_t)t * ys + r] = row_dot_q5_avx2(q51, wr, x->qn + row * 64, x->sc + row * 8, nblocks);
        }
    }
}

TGT void ck_matmul_q5_0_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                             int nblocks, float *y, size_t ys) {
    matmul_q5_avx2(0, w, wrb, rows, x, tokens, nblocks, y, ys);
}
TGT void ck_matmul_q5_1_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                             int nblocks, float *y, size_t ys) {
    matmul_q5_avx2(1, w, wrb, rows, x, tokens, nblocks, y, ys);
}

TGT_INLINE int32_t hsum_i32(__m256i v) {
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
    return _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 1)));
}

TGT_INLINE float row_dot_q4_K_avx2(const uint8_t *w, const uint8_t *x, int nsuper, int per64) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    float acc = 0.0f, acc_m = 0.0f;
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q4_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float dx = q8k_d(xb);
        const float dd = _cvtsh_ss(ck_load_u16(blk)) * dx;
        const float dm = _cvtsh_ss(ck_load_u16(blk + 2)) * dx;
        uint8_t sm[16];
        unpack_scales_k4(blk + CK_Q4_K_SCALES, sm);
        /* min_2j (b_4j + b_4j+1) + min_2j+1 (b_4j+2 + b_4j+3) in int32 lane j: one lane per 64. */
        const __m128i bs_lo = _mm_loadu_si128((const __m128i *)(xb + CK_Q8_K_BSUMS));
        const __m128i bs_hi = _mm_loadu_si128((const __m128i *)(xb + CK_Q8_K_BSUMS + 16));
        const __m128i mins = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(sm + 8)));
        const __m128i mprod = _mm_madd_epi16(mins, _mm_hadd_epi16(bs_lo, bs_hi));
        int32_t mlane[4];
        _mm_storeu_si128((__m128i *)mlane, mprod);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)(blk + CK_Q4_K_QS + 32 * j));
            const __m256i lo = _mm256_and_si256(bits, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            const __m256i y0 = _mm256_loadu_si256((const __m256i *)(q8 + 64 * j));
            const __m256i y1 = _mm256_loadu_si256((const __m256i *)(q8 + 64 * j + 32));
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), _mm256_set1_epi16(sm[2 * j]));
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), _mm256_set1_epi16(sm[2 * j + 1]));
            if (per64) {
                acc = fmaf((float)hsum_i32(_mm256_add_epi32(p0, p1)), dd, acc);
                acc_m = fmaf((float)mlane[j], dm, acc_m);
            } else {
                sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
            }
        }
        if (!per64) {
            acc = fmaf((float)hsum_i32(sumi), dd, acc);
            acc_m = fmaf((float)((mlane[0] + mlane[1]) + (mlane[2] + mlane[3])), dm, acc_m);
        }
    }
    return acc - acc_m;
}

TGT_INLINE float row_dot_q6_K_avx2(const uint8_t *w, const uint8_t *x, int nsuper) {
    const __m256i m15 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q6_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const int8_t *sc = (const int8_t *)(blk + CK_Q6_K_SCALES);
        const float d = q8k_d(xb) * _cvtsh_ss(ck_load_u16(blk + CK_Q6_K_D));
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)(xb + CK_Q8_K_BSUMS));
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(bsums, sc16), 5);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h));
            const __m256i l2 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32));
            const __m256i hb = _mm256_loadu_si256((const __m256i *)(blk + CK_Q6_K_QH + 32 * h));
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l1, m15),
                                   _mm256_slli_epi16(_mm256_and_si256(hb, _mm256_set1_epi8(3)), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(l2, m15),
                                   _mm256_slli_epi16(_mm256_and_si256(hb, _mm256_set1_epi8(12)), 2));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m15),
                                   _mm256_and_si256(hb, _mm256_set1_epi8(48)));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l2, 4), m15),
                                   _mm256_srli_epi16(_mm256_and_si256(hb, _mm256_set1_epi8((char)0xC0)), 2));
            for (int c = 0; c < 4; c++) {
                const int s = 8 * h + 2 * c;
                const __m256i y = _mm256_loadu_si256((const __m256i *)(q8 + 128 * h + 32 * c));
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(sc[s + 1]), _mm_set1_epi16(sc[s]));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[c], y), scale));
            }
        }
        sumi = _mm256_sub_epi32(sumi, offset);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8v(acc);
}

TGT_INLINE float row_dot_q2_K_avx2(const uint8_t *w, const uint8_t *x, int nsuper) {
    const __m256i m3 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q2_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float dx = q8k_d(xb);
        const float d = dx * _cvtsh_ss(ck_load_u16(blk + CK_Q2_K_D));
        const float dmin = -dx * _cvtsh_ss(ck_load_u16(blk + CK_Q2_K_D + 2));
        const __m128i sm = _mm_loadu_si128((const __m128i *)blk);
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), _mm_set1_epi8(0x0F)));
        const __m256i prod = _mm256_madd_epi16(mins, _mm256_loadu_si256((const __m256i *)(xb + CK_Q8_K_BSUMS)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(prod), acc);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)(blk + CK_Q2_K_QS + 32 * h));
            for (int c = 0; c < 4; c++) {
                const int s = 8 * h + 2 * c;
                const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * c), m3);
                const __m256i y = _mm256_loadu_si256((const __m256i *)(q8 + 128 * h + 32 * c));
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi16((short)(blk[s + 1] & 0x0F)),
                                                       _mm_set1_epi16((short)(blk[s] & 0x0F)));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), scale));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8v(acc);
}

TGT void ck_matmul_q2_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                             int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        _mm_prefetch((const char *)wr + CK_PREFETCH, _MM_HINT_T0);
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q2_K_avx2(wr, (const uint8_t *)x + (size_t)t * xrb, nsuper);
    }
}

TGT_INLINE float row_dot_q3_K_avx2(const uint8_t *w, const uint8_t *x, int nsuper) {
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q3_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float d = q8k_d(xb) * _cvtsh_ss(ck_load_u16(blk + CK_Q3_K_D));
        const __m256i hbits = _mm256_loadu_si256((const __m256i *)blk);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)(blk + CK_Q3_K_QS + 32 * h));
            for (int c = 0; c < 4; c++) {
                const int s = 8 * h + 2 * c;
                const __m256i low = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * c), m3);
                /* 4 where the high bit is clear: q = low - that. */
                const __m256i off = _mm256_slli_epi16(_mm256_andnot_si256(_mm256_srli_epi16(hbits, 4 * h + c), one), 2);
                const __m256i y = _mm256_loadu_si256((const __m256i *)(q8 + 128 * h + 32 * c));
                const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(low, y), _mm256_maddubs_epi16(off, y));
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi16((short)q3k_scale(blk, s + 1)),
                                                       _mm_set1_epi16((short)q3k_scale(blk, s)));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scale));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8v(acc);
}

TGT void ck_matmul_q3_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                             int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        _mm_prefetch((const char *)wr + CK_PREFETCH, _MM_HINT_T0);
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q3_K_avx2(wr, (const uint8_t *)x + (size_t)t * xrb, nsuper);
    }
}

TGT_INLINE float row_dot_q5_K_avx2(const uint8_t *w, const uint8_t *x, int nsuper) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float summs = 0.0f;
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = w + (size_t)i * CK_Q5_K_BYTES;
        const uint8_t *xb = x + (size_t)i * CK_Q8_K_BYTES;
        const int8_t *q8 = (const int8_t *)(xb + CK_Q8_K_QS);
        const float dx = q8k_d(xb);
        const float d = dx * _cvtsh_ss(ck_load_u16(blk));
        const float dmin = -dx * _cvtsh_ss(ck_load_u16(blk + 2));
        const __m256i hbits = _mm256_loadu_si256((const __m256i *)(blk + CK_Q5_K_QH));
        uint8_t sm[16];
        unpack_scales_k4(blk + CK_Q5_K_SCALES, sm);
        const __m128i bs_lo = _mm_loadu_si128((const __m128i *)(xb + CK_Q8_K_BSUMS));
        const __m128i bs_hi = _mm_loadu_si128((const __m128i *)(xb + CK_Q8_K_BSUMS + 16));
        const __m128i mins = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(sm + 8)));
        __m128i mprod = _mm_madd_epi16(mins, _mm_hadd_epi16(bs_lo, bs_hi));
        mprod = _mm_add_epi32(mprod, _mm_unpackhi_epi64(mprod, mprod));
        const int32_t min_sum = _mm_cvtsi128_si32(_mm_add_epi32(mprod, _mm_shuffle_epi32(mprod, 1)));
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            const int32_t s0 = sm[2 * j], s1 = sm[2 * j + 1];
            const __m256i bits = _mm256_loadu_si256((const __m256i *)(blk + CK_Q5_K_QS + 32 * j));
            const __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(hbits, 2 * j), _mm256_set1_epi8(1));
            const __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(hbits, 2 * j + 1), _mm256_set1_epi8(1));
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(bits, m4), _mm256_slli_epi16(h0, 4));
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), _mm256_slli_epi16(h1, 4));
            const __m256i y0 = _mm256_loadu_si256((const __m256i *)(q8 + 64 * j));
            const __m256i y1 = _mm256_loadu_si256((const __m256i *)(q8 + 64 * j + 32));
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), _mm256_set1_epi16((short)s0));
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), _mm256_set1_epi16((short)s1));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
        }
        summs = fmaf(dmin, (float)min_sum, summs);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8v(acc) + summs;
}

TGT void ck_matmul_q5_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                             int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        _mm_prefetch((const char *)wr + CK_PREFETCH, _MM_HINT_T0);
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q5_K_avx2(wr, (const uint8_t *)x + (size_t)t * xrb, nsuper);
    }
}

TGT void ck_matmul_q4_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                             int grouped, int nsuper, float *y, size_t ys) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        _mm_prefetch((const char *)wr + CK_PREFETCH, _MM_HINT_T0);
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q4_K_avx2(wr, (const uint8_t *)x + (size_t)t * xrb, nsuper, t < grouped);
    }
}

TGT void ck_matmul_q6_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                             int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        _mm_prefetch((const char *)wr + CK_PREFETCH, _MM_HINT_T0);
        for (int t = 0; t < tokens; t++)
            y[(size_t)t * ys + r] = row_dot_q6_K_avx2(wr, (const uint8_t *)x + (size_t)t * xrb, nsuper);
    }
}

/* AVX-512 level: the AVX2 code (same bits; dedicated zmm versions are future work) except for
 * Q4_K and Q6_K, which have their own (ck_kquants_avx512.c). */
void ck_matmul_q2_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q2_K_avx2(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q3_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q3_K_avx2(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q5_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q5_K_avx2(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q5_1_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    ck_matmul_q5_1_avx2(w, wrb, rows, x, tokens, nblocks, y, ys);
}

#else /* not x86-64: the SIMD entry points fall back to portable C (ck_isa never selects them). */

void ck_matmul_q2_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                         int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q2_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q2_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q2_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q3_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                         int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q3_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q3_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q3_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q5_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                         int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q5_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q5_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q5_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q5_1_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                         int nblocks, float *y, size_t ys) {
    ck_matmul_q5_1_scalar(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q5_1_avx512(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                           int nblocks, float *y, size_t ys) {
    ck_matmul_q5_1_scalar(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q5_0_avx2(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                         int nblocks, float *y, size_t ys) {
    ck_matmul_q5_0_scalar(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q4_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                         int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q4_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q6_K_avx2(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                         int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q6_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
#endif
