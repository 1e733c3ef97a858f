/*
 * AVX-512 VNNI versions of the Q4_K and Q6_K kernels (the other K-quants run their AVX2 code
 * at this level too: ck_kquants.c).
 *
 * Same bits as the portable C, AVX2 and Swift versions (ckernels.h): only the exact integer
 * parts (S, M and the Q6_K lanes) are computed in another order; every float operation (the
 * products d_w * d_x, the int -> float conversions, the FMAs, the final subtraction or
 * hsum_float_8) happens in the same order with the same operands, just several (row, token)
 * outputs at once in the lanes of a vector.
 *
 * Q4_K: sixteen rows per tile, one row per int32 lane. The AVX2 code needs a horizontal sum
 * per 64 elements and (row, token) because a vector holds consecutive elements of one row. Here
 * each 64-byte block of 16 rows is transposed in registers (4-byte groups, one row per lane), so
 * that a vpdpbusd against ONE broadcast activation dword adds four products into every row's
 * lane: the 32-element sub-block dots come out per row without any horizontal sum, the scales
 * are one vpmulld per sub-block, and the two FMA chains (per 64 elements or per super-block)
 * run on 16 rows at once. With several tokens, the transpose and nibble split happen once per
 * super-block of the tile, into a 4 KB buffer in L1 that every token of the piece then reads;
 * with one (decode) they feed the dot products directly. The transposes are most of the decode
 * cost, and 16 interleaved rows defeat the hardware prefetchers: the next tile is prefetched
 * into L2 by hand.
 *
 * Q6_K: one row x up to eight tokens. Its eight float lanes per (row, token) are already the
 * natural vector shape, so a zmm covers 64 elements (two 32-element chunks whose int32 lanes
 * fold onto the same eight lanes): vpmaddubsw + vpdpwssd with the int16 sub-block scales, the
 * bsums correction as the accumulator's starting value. Each super-block is decoded once per
 * row and eight tokens instead of once per (row, token).
 */
#include "ck_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,gfni,avx2,fma,f16c")))
#define TGT_INLINE static inline __attribute__((always_inline)) TGT
/* Loops over register arrays must be unrolled completely, or the arrays go to the stack. */
#define CK_UNROLL _Pragma("GCC unroll 16")

CK_INLINE float q8k_d(const uint8_t *x) { float d; memcpy(&d, x, 4); return d; }

/* llama.cpp's hsum_float_8: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
TGT_INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* ---- Q4_K: 16 rows x tokens ------------------------------------------------------------------ */

enum { Q4K_ROWS = 16, Q4K_TOKENS = 64 };

/*
 * One super-block of a 16-row tile, transposed. Lane order: lane 4L + m holds row 4m + L (what
 * the in-register transpose below produces; undone once when the results are stored).
 *   scale[s]   the 6-bit scale of sub-block s, int32
 *   mins[j]    the mins of sub-blocks 2j and 2j+1 as an int16 pair (for vpmaddwd)
 *   d, dmin    the super-block scales as floats
 *   w[8s + k]  (q4k_tile) the quants 4k..4k+3 of sub-block s (elements 32s + 4k ..), bytes 0..15
 */
typedef struct {
    __m512i scale[8];
    __m512i mins[4];
    __m512 d, dmin;
} q4k_head;

typedef struct {
    q4k_head h;
    __m512i w[64];
} q4k_tile;

/* 4x4 transpose of the 128-bit blocks of r0..r3: out[l] = block l of r0, r1, r2, r3. */
TGT_INLINE void blocks4x4(__m512i r0, __m512i r1, __m512i r2, __m512i r3, __m512i out[4]) {
    const __m512i t0 = _mm512_shuffle_i32x4(r0, r1, 0x44), t1 = _mm512_shuffle_i32x4(r0, r1, 0xEE);
    const __m512i t2 = _mm512_shuffle_i32x4(r2, r3, 0x44), t3 = _mm512_shuffle_i32x4(r2, r3, 0xEE);
    out[0] = _mm512_shuffle_i32x4(t0, t2, 0x88);
    out[1] = _mm512_shuffle_i32x4(t0, t2, 0xDD);
    out[2] = _mm512_shuffle_i32x4(t1, t3, 0x88);
    out[3] = _mm512_shuffle_i32x4(t1, t3, 0xDD);
}

/* 4x4 dword transpose inside each 128-bit block: block L of out[c] = dword c of block L of
 * z0, z1, z2, z3. */
TGT_INLINE void dwords4x4(__m512i z0, __m512i z1, __m512i z2, __m512i z3, __m512i out[4]) {
    const __m512i u0 = _mm512_unpacklo_epi32(z0, z1), u1 = _mm512_unpackhi_epi32(z0, z1);
    const __m512i u2 = _mm512_unpacklo_epi32(z2, z3), u3 = _mm512_unpackhi_epi32(z2, z3);
    out[0] = _mm512_unpacklo_epi64(u0, u2);
    out[1] = _mm512_unpackhi_epi64(u0, u2);
    out[2] = _mm512_unpacklo_epi64(u1, u3);
    out[3] = _mm512_unpackhi_epi64(u1, u3);
}

/* The 64 bytes at row[r] + off of 16 rows, transposed: out[i] = dword i of every row, row 4m + L
 * in lane 4L + m. (Blocks first: block L of z holds row 4a + L; then dwords4x4 puts rows
 * L, 4 + L, 8 + L, 12 + L side by side in block L.) */
TGT_INLINE void transpose16(const uint8_t *const *row, size_t off, __m512i out[16]) {
    __m512i b[4][4];
    CK_UNROLL
    for (int a = 0; a < 4; a++)
        blocks4x4(_mm512_loadu_si512((const void *)(row[4 * a] + off)),
                  _mm512_loadu_si512((const void *)(row[4 * a + 1] + off)),
                  _mm512_loadu_si512((const void *)(row[4 * a + 2] + off)),
                  _mm512_loadu_si512((const void *)(row[4 * a + 3] + off)), b[a]);
    CK_UNROLL
    for (int l = 0; l < 4; l++) dwords4x4(b[0][l], b[1][l], b[2][l], b[3][l], out + 4 * l);
}

/* The 16 bytes at row[r] + off of 16 rows, transposed the same way: out[i] = dword i (0..3). */
TGT_INLINE void transpose16x4(const uint8_t *const *row, size_t off, __m512i out[4]) {
    __m512i z[4];
    CK_UNROLL
    for (int a = 0; a < 4; a++) {
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(row[4 * a] + off)));
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(row[4 * a + 1] + off)), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(row[4 * a + 2] + off)), 2);
        z[a] = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(row[4 * a + 3] + off)), 3);
    }
    dwords4x4(z[0], z[1], z[2], z[3], out);
}

/* vpshufb index taking byte b0 of every dword to byte 0, and b1 (if >= 0) to byte 2; the rest 0. */
TGT_INLINE __m512i dword_bytes(int b0, int b1) {
    const uint32_t pattern = 0x80008000u | (uint32_t)b0 | (b1 < 0 ? 0x800000u : ((uint32_t)b1 << 16));
    /* + 4 x (dword index in the 128-bit block) on every byte; 0x80 + 12 keeps the top bit. */
    const __m512i step = _mm512_set_epi32(0x0C0C0C0C, 0x08080808, 0x04040404, 0, 0x0C0C0C0C, 0x08080808, 0x04040404, 0,
                                          0x0C0C0C0C, 0x08080808, 0x04040404, 0, 0x0C0C0C0C, 0x08080808, 0x04040404, 0);
    return _mm512_add_epi32(_mm512_set1_epi32((int)pattern), step);
}

/* The per-row fields of super-block `off` of the 16 rows: d, dmin, then the 12 packed scale
 * bytes as three dwords u0, u1, u2, unpacked with ggml's kmask shuffle (as unpack_scales_k4),
 * one row per lane. */
TGT_INLINE void q4k_header(const uint8_t *const *row, size_t off, q4k_head *hd) {
    __m512i h[4];
    transpose16x4(row, off, h);
    hd->d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(h[0]));
    hd->dmin = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(h[0], 16)));
    const __m512i m6 = _mm512_set1_epi8(0x3F), m4 = _mm512_set1_epi8(0x0F), top2 = _mm512_set1_epi8(0x30);
    const __m512i u0 = h[1], u1 = h[2], u2 = h[3];
    const __m512i sc_lo = _mm512_and_si512(u0, m6);                                   /* scales 0..3 */
    const __m512i sc_hi = _mm512_or_si512(_mm512_and_si512(u2, m4),                    /* scales 4..7 */
                                          _mm512_and_si512(_mm512_srli_epi32(u0, 2), top2));
    const __m512i mn_lo = _mm512_and_si512(u1, m6);                                   /* mins 0..3 */
    const __m512i mn_hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(u2, 4), m4), /* mins 4..7 */
                                          _mm512_and_si512(_mm512_srli_epi32(u1, 2), top2));
    CK_UNROLL
    for (int s = 0; s < 4; s++) {
        hd->scale[s] = _mm512_shuffle_epi8(sc_lo, dword_bytes(s, -1));
        hd->scale[4 + s] = _mm512_shuffle_epi8(sc_hi, dword_bytes(s, -1));
    }
    hd->mins[0] = _mm512_shuffle_epi8(mn_lo, dword_bytes(0, 1));
    hd->mins[1] = _mm512_shuffle_epi8(mn_lo, dword_bytes(2, 3));
    hd->mins[2] = _mm512_shuffle_epi8(mn_hi, dword_bytes(0, 1));
    hd->mins[3] = _mm512_shuffle_epi8(mn_hi, dword_bytes(2, 3));
}

/* The quants, qs dword i = 8j + k (bytes 32j + 4k..) of every row: its low nibbles are the
 * elements 64j + 4k.. (sub-block 2j), its high nibbles 64j + 32 + 4k.. (sub-block 2j + 1).
 * The high nibbles by one vgf2p8affineqb (bit matrix x >> 4 in every qword). `use(i, lo, hi)`
 * receives them. */
#define Q4K_QUANTS(row, off, use) do {                                                        \
        const __m512i m4_ = _mm512_set1_epi8(0x0F);                                           \
        const __m512i shr4_ = _mm512_set1_epi64(0x1020408000000000LL);                        \
        CK_UNROLL                                                                              \
        for (int half_ = 0; half_ < 2; half_++) {                                              \
            __m512i p_[16];                                                                    \
            transpose16((row), (off) + CK_Q4_K_QS + 64 * (size_t)half_, p_);                   \
            CK_UNROLL                                                                          \
            for (int i_ = 0; i_ < 16; i_++)                                                    \
                use(16 * half_ + i_, _mm512_and_si512(p_[i_], m4_),                            \
                    _mm512_gf2p8affine_epi64_epi8(p_[i_], shr4_, 0));                          \
        }                                                                                      \
    } while (0)

/* Transposes super-block `off` of the 16 rows into *tl. */
TGT_INLINE void q4k_repack(const uint8_t *const *row, size_t off, q4k_tile *tl) {
    q4k_header(row, off, &tl->h);
#define Q4K_STORE(i, lo, hi) do { tl->w[16 * ((i) >> 3) + ((i) & 7)] = (lo);                   \
                                  tl->w[16 * ((i) >> 3) + 8 + ((i) & 7)] = (hi); } while (0)
    Q4K_QUANTS(row, off, Q4K_STORE);
#undef Q4K_STORE
}

/* One token's float steps (ckernels.h), on 16 rows at once. The chains: acc += S x fl(d_w d_x),
 * accm += M x fl(dmin_w d_x), per 64 elements if `per64` (llama.cpp's gemm), else per
 * super-block (its gemv; S summed in ssum meanwhile). */
typedef struct { __m512 dd, dm; __m512i ssum; int per64; } q4k_steps;

TGT_INLINE q4k_steps q4k_begin(const q4k_head *hd, const uint8_t *xb, int per64) {
    const __m512 dx = _mm512_set1_ps(q8k_d(xb));
    /* fl(d_w * d_x), the same product as the scalar code's. */
    return (q4k_steps){ _mm512_mul_ps(hd->d, dx), _mm512_mul_ps(hd->dmin, dx), _mm512_setzero_si512(), per64 };
}

/* The 64 elements j: S_j from the dots of sub-blocks 2j (lo) and 2j + 1 (hi). */
TGT_INLINE void q4k_step(const q4k_head *hd, int j, __m512i lo, __m512i hi, q4k_steps *st, __m512 *acc) {
    const __m512i s = _mm512_add_epi32(_mm512_mullo_epi32(lo, hd->scale[2 * j]),
                                       _mm512_mullo_epi32(hi, hd->scale[2 * j + 1]));
    if (st->per64) *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), st->dd, *acc);
    else st->ssum = _mm512_add_epi32(st->ssum, s);
}

/* The min terms M (and for a gemv token the one S step) of the super-block. bsums 2s, 2s+1
 * added are the activation sum of sub-block s; as int16 pairs (2j, 2j + 1) in dword j they
 * give M of the 64 elements j in one vpmaddwd with the mins. */
TGT_INLINE void q4k_end(const q4k_head *hd, const uint8_t *xb, const q4k_steps *st, __m512 *acc, __m512 *accm) {
    const __m128i b = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(xb + CK_Q8_K_BSUMS)),
                                     _mm_loadu_si128((const __m128i *)(xb + CK_Q8_K_BSUMS + 16)));
    __m512i m[4];
    m[0] = _mm512_madd_epi16(hd->mins[0], _mm512_broadcastd_epi32(b));
    m[1] = _mm512_madd_epi16(hd->mins[1], _mm512_broadcastd_epi32(_mm_shuffle_epi32(b, 0x55)));
    m[2] = _mm512_madd_epi16(hd->mins[2], _mm512_broadcastd_epi32(_mm_shuffle_epi32(b, 0xAA)));
    m[3] = _mm512_madd_epi16(hd->mins[3], _mm512_broadcastd_epi32(_mm_shuffle_epi32(b, 0xFF)));
    if (st->per64) {
        CK_UNROLL
        for (int j = 0; j < 4; j++) *accm = _mm512_fmadd_ps(_mm512_cvtepi32_ps(m[j]), st->dm, *accm);
    } else {
        const __m512i msum = _mm512_add_epi32(_mm512_add_epi32(m[0], m[1]), _mm512_add_epi32(m[2], m[3]));
        *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(st->ssum), st->dd, *acc);
        *accm = _mm512_fmadd_ps(_mm512_cvtepi32_ps(msum), st->dm, *accm);
    }
}

/* The activation dword at element e of a Q8_K block, in every lane. */
TGT_INLINE __m512i q8k_dword(const uint8_t *xb, int e) {
    return _mm512_set1_epi32((int)ck_load_u32(xb + CK_Q8_K_QS + e));
}

/* G tokens (rows of x at x0 + g * xrb, super-block at xoff) against one transposed super-block.
 * Token g sums per 64 elements if bit g of per64 is set. */
TGT_INLINE void q4k_tokens(const int G, const q4k_tile *tl, const uint8_t *x0, size_t xrb, size_t xoff,
                           int per64, __m512 *acc, __m512 *accm) {
    const uint8_t *xb[4];
    q4k_steps st[4];
    CK_UNROLL
    for (int g = 0; g < G; g++) {
        xb[g] = x0 + (size_t)g * xrb + xoff;
        st[g] = q4k_begin(&tl->h, xb[g], per64 >> g & 1);
    }
    CK_UNROLL
    for (int j = 0; j < 4; j++) {
        /* Sub-block dots of 2j (lo) and 2j + 1 (hi): eight vpdpbusd each, two chains per token. */
        __m512i lo[4], hi[4];
        CK_UNROLL
        for (int g = 0; g < G; g++) lo[g] = hi[g] = _mm512_setzero_si512();
        CK_UNROLL
        for (int k = 0; k < 8; k++) {
            const __m512i wl = tl->w[16 * j + k], wh = tl->w[16 * j + 8 + k];
            CK_UNROLL
            for (int g = 0; g < G; g++) {
                lo[g] = _mm512_dpbusd_epi32(lo[g], wl, q8k_dword(xb[g], 64 * j + 4 * k));
                hi[g] = _mm512_dpbusd_epi32(hi[g], wh, q8k_dword(xb[g], 64 * j + 32 + 4 * k));
            }
        }
        CK_UNROLL
        for (int g = 0; g < G; g++) q4k_step(&tl->h, j, lo[g], hi[g], &st[g], &acc[g]);
    }
    CK_UNROLL
    for (int g = 0; g < G; g++) q4k_end(&tl->h, xb[g], &st[g], &acc[g], &accm[g]);
}

/* One token (decode): the transposed quants go straight into the dot products instead of
 * through the tile buffer (its 4 KB of stores and reloads would cost more than they save). */
TGT_INLINE void q4k_one_token(const uint8_t *const *row, size_t off, const uint8_t *xb, int per64,
                              __m512 *acc, __m512 *accm) {
    q4k_head hd;
    q4k_header(row, off, &hd);
    q4k_steps st = q4k_begin(&hd, xb, per64);
    __m512i lo[4], hi[4];
    CK_UNROLL
    for (int j = 0; j < 4; j++) lo[j] = hi[j] = _mm512_setzero_si512();
#define Q4K_DOT(i, l, h) do { const int j_ = (i) >> 3, k_ = (i) & 7;                                     \
                              lo[j_] = _mm512_dpbusd_epi32(lo[j_], (l), q8k_dword(xb, 64 * j_ + 4 * k_));       \
                              hi[j_] = _mm512_dpbusd_epi32(hi[j_], (h), q8k_dword(xb, 64 * j_ + 32 + 4 * k_)); \
                         } while (0)
    Q4K_QUANTS(row, off, Q4K_DOT);
#undef Q4K_DOT
    CK_UNROLL
    for (int j = 0; j < 4; j++) q4k_step(&hd, j, lo[j], hi[j], &st, acc);
    q4k_end(&hd, xb, &st, acc, accm);
}

/* Bit g set for the tokens g = 0..3 of a group that sum per 64 elements, when the first
 * `grouped` tokens from the group's start do (the boundary can fall inside a group). */
CK_INLINE int per64_bits(int grouped) { return grouped >= 4 ? 15 : grouped <= 0 ? 0 : (1 << grouped) - 1; }

/* Rows row0 ..< row0 + nr (nr <= 16) against all tokens. Missing rows of a short tile repeat
 * the last one (valid memory; their results are not stored). */
TGT_INLINE void q4k_tile_rows(const uint8_t *row0, size_t wrb, int nr, int more_rows, const uint8_t *x,
                              size_t xrb, int tokens, int grouped, int nsuper, float *y, size_t ys) {
    const uint8_t *row[Q4K_ROWS];
    for (int r = 0; r < Q4K_ROWS; r++) row[r] = row0 + (size_t)(r < nr ? r : nr - 1) * wrb;
    /* The hardware prefetchers do not follow 16 interleaved row streams (decode from DRAM ran
     * at half the AVX2 kernel's speed without this), so fetch the next tile linearly (GGUF
     * rows are contiguous), one slice per super-block step: the whole next tile by the time
     * this one is done. Into L2 (T1): with T0 the 36+ lines per step crowd out the demand
     * loads and it is barely better than nothing (measured on Zen 4). */
    const char *next = (const char *)row0 + Q4K_ROWS * wrb;
    const size_t slice = ((size_t)Q4K_ROWS * wrb + (size_t)nsuper - 1) / (size_t)nsuper;
    const __m512i unpermute = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    q4k_tile tl;
    __m512 acc[Q4K_TOKENS], accm[Q4K_TOKENS];
    for (int t0 = 0; t0 < tokens; t0 += Q4K_TOKENS) {
        const int nt = tokens - t0 < Q4K_TOKENS ? tokens - t0 : Q4K_TOKENS;
        for (int t = 0; t < nt; t++) acc[t] = accm[t] = _mm512_setzero_ps();
        for (int i = 0; i < nsuper; i++) {
            const size_t off = (size_t)i * CK_Q4_K_BYTES, xoff = (size_t)i * CK_Q8_K_BYTES;
            if (more_rows && t0 == 0)
                for (size_t b = 0; b < slice; b += 64) _mm_prefetch(next + (size_t)i * slice + b, _MM_HINT_T1);
            if (nt == 1) {
                q4k_one_token(row, off, x + (size_t)t0 * xrb + xoff, grouped > t0, acc, accm);
                continue;
            }
            q4k_repack(row, off, &tl);
            int t = 0;
            for (; t + 4 <= nt; t += 4)
                q4k_tokens(4, &tl, x + (size_t)(t0 + t) * xrb, xrb, xoff, per64_bits(grouped - t0 - t),
                           acc + t, accm + t);
            const uint8_t *xt = x + (size_t)(t0 + t) * xrb;
            const int per64 = per64_bits(grouped - t0 - t);
            switch (nt - t) {
            case 3: q4k_tokens(3, &tl, xt, xrb, xoff, per64, acc + t, accm + t); break;
            case 2: q4k_tokens(2, &tl, xt, xrb, xoff, per64, acc + t, accm + t); break;
            case 1: q4k_tokens(1, &tl, xt, xrb, xoff, per64, acc + t, accm + t); break;
            default: break;
            }
        }
        const __mmask16 keep = (__mmask16)((1u << nr) - 1);
        for (int t = 0; t < nt; t++) {
            const __m512 v = _mm512_permutexvar_ps(unpermute, _mm512_sub_ps(acc[t], accm[t]));
            _mm512_mask_storeu_ps(y + (size_t)(t0 + t) * ys, keep, v);
        }
    }
}

TGT void ck_matmul_q4_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                               int grouped, int nsuper, float *y, size_t ys) {
    const uint8_t *wb = (const uint8_t *)w;
    for (int r = 0; r < rows; r += Q4K_ROWS) {
        const int nr = rows - r < Q4K_ROWS ? rows - r : Q4K_ROWS;
        q4k_tile_rows(wb + (size_t)r * wrb, wrb, nr, r + Q4K_ROWS < rows, (const uint8_t *)x, xrb,
                      tokens, grouped, nsuper, y + r, ys);
    }
}

/* ---- Q6_K: one row x up to 8 tokens --------------------------------------------------------- */

enum { Q6K_TOKENS = 8 };

/* One decoded super-block: q[z] = the 6-bit quants of elements 64z..64z+63 (bytes), sc[z] their
 * sub-block scales as int16 (word w covers elements 64z + 2w, 2w+1: sub-block 4z + w / 8),
 * neg_off = -32 x the scales (for the bsums correction), d = d_w. */
typedef struct {
    __m512i q[4], sc[4];
    __m256i neg_off;
    float d;
} q6k_block;

TGT_INLINE void q6k_decode(const uint8_t *blk, q6k_block *o) {
    /* Half h (elements 128h..): ql bytes 64h.. (low nibbles: chunks 0, 1; high: chunks 2, 3),
     * qh bytes 32h.. (bits 2c, 2c+1: the top bits of chunk c). With qh in the low 32 bytes and
     * qh >> 2 in the high 32, bits 0-1 serve chunks 0 | 1 and bits 4-5 chunks 2 | 3. */
    const __m512i sel_hi = _mm512_set1_epi8((char)0xF0), m33 = _mm512_set1_epi8(0x33);
    CK_UNROLL
    for (int h = 0; h < 2; h++) {
        const __m512i l = _mm512_loadu_si512((const void *)(blk + 64 * h));
        __m512i hb = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + CK_Q6_K_QH + 32 * h)));
        hb = _mm512_and_si512(_mm512_mask_srli_epi16(hb, (__mmask32)0xFFFF0000u, hb, 2), m33);
        /* Bitwise select (0xCA: a ? b : c): top nibble from the qh bits, low nibble from ql. */
        o->q[2 * h] = _mm512_ternarylogic_epi32(sel_hi, _mm512_slli_epi16(hb, 4), l, 0xCA);
        o->q[2 * h + 1] = _mm512_ternarylogic_epi32(sel_hi, hb, _mm512_srli_epi16(l, 4), 0xCA);
    }
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + CK_Q6_K_SCALES)));
    const __m512i sc = _mm512_castsi256_si512(sc16);
    CK_UNROLL
    for (int z = 0; z < 4; z++) {
        const __m512i idx = _mm512_add_epi16(_mm512_set1_epi16((short)(4 * z)),
                                             _mm512_set_epi64(0x0003000300030003LL, 0x0003000300030003LL,
                                                              0x0002000200020002LL, 0x0002000200020002LL,
                                                              0x0001000100010001LL, 0x0001000100010001LL, 0, 0));
        o->sc[z] = _mm512_permutexvar_epi16(idx, sc);
    }
    o->neg_off = _mm256_mullo_epi16(sc16, _mm256_set1_epi16(-32));
    o->d = _cvtsh_ss(ck_load_u16(blk + CK_Q6_K_D));
}

/* One token: lane k (and k + 8, folded onto k) = the scaled products of elements 4k..4k+3 of
 * every 32-element chunk, starting from -32 (b_2k sc_2k + b_2k+1 sc_2k+1); then the one FMA of
 * the super-block, exactly as ggml_vec_dot_q6_K_q8_K. */
TGT_INLINE void q6k_token(const q6k_block *o, const uint8_t *xb, __m256 *acc) {
    const __m256i off = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(xb + CK_Q8_K_BSUMS)), o->neg_off);
    __m512i s = _mm512_zextsi256_si512(off);
    CK_UNROLL
    for (int z = 0; z < 4; z++) {
        const __m512i y = _mm512_loadu_si512((const void *)(xb + CK_Q8_K_QS + 64 * z));
        s = _mm512_dpwssd_epi32(s, _mm512_maddubs_epi16(o->q[z], y), o->sc[z]);
    }
    const __m256i lanes = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
    const float d = q8k_d(xb) * o->d;
    *acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(lanes), *acc);
}

TGT_INLINE void q6k_tile(const int T, const uint8_t *wr, const uint8_t *x, size_t xrb, int nsuper,
                         float *y, size_t ys) {
    __m256 acc[Q6K_TOKENS];
    CK_UNROLL
    for (int t = 0; t < T; t++) acc[t] = _mm256_setzero_ps();
    for (int i = 0; i < nsuper; i++) {
        const uint8_t *blk = wr + (size_t)i * CK_Q6_K_BYTES;
        /* Rows are contiguous: a linear prefetch ahead of the current super-block. */
        for (int b = 0; b < 4; b++) _mm_prefetch((const char *)blk + CK_PREFETCH + 64 * b, _MM_HINT_T0);
        q6k_block o;
        q6k_decode(blk, &o);
        CK_UNROLL
        for (int t = 0; t < T; t++) q6k_token(&o, x + (size_t)t * xrb + (size_t)i * CK_Q8_K_BYTES, &acc[t]);
    }
    CK_UNROLL
    for (int t = 0; t < T; t++) y[(size_t)t * ys] = hsum256(acc[t]);
}

TGT void ck_matmul_q6_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                               int grouped, int nsuper, float *y, size_t ys) {
    (void)grouped;
    const uint8_t *xq = (const uint8_t *)x;
    for (int r = 0; r < rows; r++) {
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrb;
        for (int t = 0; t < tokens; t += Q6K_TOKENS) {
            const uint8_t *xt = xq + (size_t)t * xrb;
            float *yt = y + (size_t)t * ys + r;
            switch (tokens - t < Q6K_TOKENS ? tokens - t : Q6K_TOKENS) {
            case 8: q6k_tile(8, wr, xt, xrb, nsuper, yt, ys); break;
            case 7: q6k_tile(7, wr, xt, xrb, nsuper, yt, ys); break;
            case 6: q6k_tile(6, wr, xt, xrb, nsuper, yt, ys); break;
            case 5: q6k_tile(5, wr, xt, xrb, nsuper, yt, ys); break;
            case 4: q6k_tile(4, wr, xt, xrb, nsuper, yt, ys); break;
            case 3: q6k_tile(3, wr, xt, xrb, nsuper, yt, ys); break;
            case 2: q6k_tile(2, wr, xt, xrb, nsuper, yt, ys); break;
            default: q6k_tile(1, wr, xt, xrb, nsuper, yt, ys); break;
            }
        }
    }
}

#else /* not x86-64: the AVX-512 entry points fall back to portable C (ck_isa never selects them). */

void ck_matmul_q4_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q4_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q6_K_avx512(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                           int grouped, int nsuper, float *y, size_t ys) {
    ck_matmul_q6_K_scalar(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
#endif
