#ifndef CKERNELS_H
#define CKERNELS_H
/*
 * CKernels: the quantized dot-product inner loops of the engine, and nothing else.
 *
 * Weights are GGML blocks read straight from the mapped model file. Activations use a
 * split layout (ck_act_rows) that the Swift ActivationBuffer fills, arranged so that the
 * quants of two blocks are one 64-byte load in exactly the order the weight nibbles unpack
 * to, with the scales and group sums in side arrays. Every kernel computes a small matrix product
 *
 *     y[t * y_stride + r] = dot(weight row r, activation row t)   r < rows, t < tokens
 *
 * so that each decoded weight block is reused across tokens (prefill) and the activation
 * loads are shared across rows (decode). Each kernel exists as a portable C version
 * (_scalar), an AVX2 version (_avx2) and an AVX-512 VNNI version (_avx512); the unsuffixed
 * name dispatches to the best one this CPU supports, chosen once at load time.
 *
 * Q4_1 and Q8_0 (the types of the default model) add up their float terms in llama.cpp's x86
 * order (ggml_vec_dot_q4_1_q8_1 / ggml_vec_dot_q8_0_q8_0): per row eight lanes, lane k taking
 * fma(d_w * d_x, dot of elements 4k..4k+3, lane) block after block, the lanes then added as
 * ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), and for Q4_1 the min terms m_w * s_x,
 * summed by fma in block order, last. All three ISA levels give the same bits, and the same
 * bits as llama.cpp: tiny rounding differences would otherwise grow over 30 layers into
 * visibly different logits. Q4_0 keeps its own (faster) order.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* GGML block layouts (documentation and size checks; the kernels index raw bytes). */
typedef struct { uint16_t d; uint8_t qs[16]; } ck_block_q4_0;            /* 18 bytes / 32 */
typedef struct { uint16_t d; uint16_t m; uint8_t qs[16]; } ck_block_q4_1; /* 20 bytes / 32 */
typedef struct { uint16_t d; int8_t qs[32]; } ck_block_q8_0;             /* 34 bytes / 32 */
typedef struct { uint16_t d; uint16_t s; int8_t qs[32]; } ck_block_q8_1;  /* 36 bytes / 32 */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } ck_block_q5_0; /* 22 bytes / 32 */
typedef struct { uint16_t d; uint16_t m; uint8_t qh[4]; uint8_t qs[16]; } ck_block_q5_1; /* 24 bytes / 32 */
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qs[128]; } ck_block_q4_K; /* 144 / 256 */
typedef struct { uint8_t scales[16]; uint8_t qs[64]; uint16_t d; uint16_t dmin; } ck_block_q2_K; /* 84 / 256 */
typedef struct { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; } ck_block_q3_K; /* 110 / 256 */
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } ck_block_q5_K; /* 176 / 256 */
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } ck_block_q6_K; /* 210 / 256 */
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } ck_block_q8_K;  /* 292 bytes / 256 */

/*
 * Quantized activations of `tokens` rows, split layout, organised in PAIRS of blocks
 * (block A = 2p, block B = 2p + 1; elements 0..15 are a block's "low half", 16..31 its
 * "high half", matching the low/high nibbles of Q4 weights). Row t, pair p:
 *   qs [(t * stride + p) * 64 ..< +64]  int8 quants: A low, B low, A high, B high (16 each);
 *                                        q = round(x * 127 / amax) (halves to even), |q| <= 127
 *   sc [(t * stride + p) * 8  ..< +8 ]  floats: dA, dB, sA, sB, dA, dB, sA, sB (d is the
 *                                        fp16-rounded scale, s = fp16(d * sum q) as in Q8_1)
 *   g16[(t * stride + p) * 16 ..< +16]  int32: -(sum of 4 consecutive quants), for the groups
 *                                        A 0-3, B 0-3, A 4-7, B 4-7 (group g = elements 4g..4g+3)
 *   g8 [(t * stride + p) * 8  ..< +8 ]  int32: A g0+g4, g1+g5, g2+g6, g3+g7, then B the same
 *                                        (negated sums of the lanes that low and high halves share)
 *   qn [(t * stride + p) * 64 ..< +64]  the same int8 quants in element order: A 0..31, B 0..31
 *   gn [(t * stride + p) * 16 ..< +16]  int32: -(sum of 4 consecutive quants) in element order,
 *                                        A g0..g7, then B g0..g7
 * `stride` counts pairs between token rows. With an odd block count, block B of the last
 * pair is all zero (quants, scales, sums), so kernels never need a single-block path on the
 * activation side. The group sums undo the unsigned offset of a u8 x s8 instruction exactly:
 * dot(q4 - 8, x) = dot(q4, x) + 8 * sum(g), dot(q8, x) = dot(q8 ^ 0x80, x) + 128 * sum(g).
 */
typedef struct {
    const int8_t *qs;
    const float *sc;
    const int32_t *g16;
    const int32_t *g8;
    size_t stride;
    const int8_t *qn;     /* element order: what the Q4_1 and Q8_0 kernels read */
    const int32_t *gn;
} ck_act_rows;

/* Instruction-set levels, in increasing order. */
enum { CK_ISA_SCALAR = 0, CK_ISA_AVX2 = 1, CK_ISA_AVX512 = 2 };

/* The best level this CPU and OS support (AVX2 needs AVX2+FMA+F16C; AVX-512 needs
 * F+BW+VL+DQ+VNNI+VBMI and GFNI, i.e. Ice Lake / Zen 4 and later). Resolved once, at load time. */
int ck_isa(void);

/*
 * y[t * y_stride + r] = sum over blocks of the GGML dot product of weight row r and
 * activation row t. `w` points at row 0, rows are `w_row_bytes` apart, each `nblocks` blocks
 * long. Q4_0 and Q8_0 weights use the activation d; Q4_1 weights also use s (the min term).
 */
typedef void (*ck_matmul_fn)(const void *w, size_t w_row_bytes, int rows,
                             const ck_act_rows *x, int tokens, int nblocks,
                             float *y, size_t y_stride);

void ck_matmul_q4_0(const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                    int tokens, int nblocks, float *y, size_t y_stride);
void ck_matmul_q4_1(const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                    int tokens, int nblocks, float *y, size_t y_stride);
void ck_matmul_q8_0(const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                    int tokens, int nblocks, float *y, size_t y_stride);

/* Q5_0 weights x Q8_0 activations (the split layout above; reads qn and the d of sc), in
 * llama.cpp's x86 order (ggml_vec_dot_q5_0_q8_0: exactly the Q8_0 order with q - 16). */
void ck_matmul_q5_0(const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                    int tokens, int nblocks, float *y, size_t y_stride);
/* Q5_1 weights x Q8_1 activations (d and s of sc), in llama.cpp's x86 order
 * (ggml_vec_dot_q5_1_q8_1: the Q4_1 order with 5-bit quants). */
void ck_matmul_q5_1(const void *w, size_t w_row_bytes, int rows, const ck_act_rows *x,
                    int tokens, int nblocks, float *y, size_t y_stride);

/*
 * K-quants (256-element super-blocks) x Q8_K activations, which are plain GGML block_q8_K
 * rows (292 bytes per 256 values, token rows `x_row_bytes` apart): y[t * y_stride + r] =
 * dot(weight row r, activation row t) over `nsuper` super-blocks. Both follow llama.cpp's
 * x86 summation order bit for bit, at every ISA level:
 *  - Q6_K as ggml_vec_dot_q6_K_q8_K (AVX2 path, which AVX-512 builds also run): per
 *    super-block exact int32 lanes (lane k = the products of elements 4k..4k+3 of each
 *    32-element chunk times their sub-block scale, summed, minus 32 x the bsums term of
 *    sub-blocks 2k, 2k+1), one fma per super-block into eight float lanes with d = d_x * d_w,
 *    then hsum_float_8;
 *  - Q4_K as llama.cpp's REPACKED kernels (ggml_gemv/gemm_q4_K_8x8_q8_K), which it runs for
 *    every Q4_K matrix with a multiple of 8 rows on AVX2 machines (repacking at load is its
 *    default): per super-block the exact integers S (scaled quant dots) and M (mins x
 *    activation sums), two fma chains acc += S * (d_w * d_x), acc_min += M * (dmin_w * d_x),
 *    result acc - acc_min. (ggml_vec_dot_q4_K_q8_K's order, used by llama.cpp only for
 *    matrices it does not repack, is Reference.dotQ4_KQ8_KVecDot in Swift.)
 */
typedef void (*ck_matmul_k_fn)(const void *w, size_t w_row_bytes, int rows,
                               const void *x, size_t x_row_bytes, int tokens, int grouped,
                               int nsuper, float *y, size_t y_stride);

/* `grouped`: how many of the `tokens` (the first ones) llama.cpp would multiply in groups of
 * four (its repacked gemm: all but the last total % 4 tokens of a mat-mul). Q4_K sums those in
 * the gemm's order: the fma chains step per 64 elements (two sub-blocks) instead of per
 * super-block. Q6_K ignores it. */
void ck_matmul_q4_K(const void *w, size_t w_row_bytes, int rows, const void *x, size_t x_row_bytes,
                    int tokens, int grouped, int nsuper, float *y, size_t y_stride);
void ck_matmul_q6_K(const void *w, size_t w_row_bytes, int rows, const void *x, size_t x_row_bytes,
                    int tokens, int grouped, int nsuper, float *y, size_t y_stride);
/* Q2_K as ggml_vec_dot_q2_K_q8_K: eight float lanes, per super-block first the min fma
 * (-d_x * dmin times min_2k b_2k + min_2k+1 b_2k+1), then the scaled-quant fma; hsum_float_8.
 * (On AVX-512 machines llama.cpp repacks Q2_K to q2_K_8x8 and sums differently: not
 * mirrored.) Ignores `grouped`. */
void ck_matmul_q2_K(const void *w, size_t w_row_bytes, int rows, const void *x, size_t x_row_bytes,
                    int tokens, int grouped, int nsuper, float *y, size_t y_stride);
/* Q3_K as ggml_vec_dot_q3_K_q8_K (not repacked on x86): the Q6_K lane structure with
 * signed 3-bit quants and (6-bit - 32) scales, no bsums term. Ignores `grouped`. */
void ck_matmul_q3_K(const void *w, size_t w_row_bytes, int rows, const void *x, size_t x_row_bytes,
                    int tokens, int grouped, int nsuper, float *y, size_t y_stride);
/* Q5_K as ggml_vec_dot_q5_K_q8_K (not repacked on x86): the Q4_K vec_dot lanes with 5-bit
 * quants; its min terms one integer per super-block, fma'd with -d_x * dmin into a scalar
 * added after hsum_float_8. Ignores `grouped`. */
void ck_matmul_q5_K(const void *w, size_t w_row_bytes, int rows, const void *x, size_t x_row_bytes,
                    int tokens, int grouped, int nsuper, float *y, size_t y_stride);

/*
 * Q4_1 repacked in groups of 16 rows (layout in ck_rowgroups.c; Swift's Repack.q4_1RowGroups
 * makes it; needs an even block count): y[t * y_stride + 16 g + r] = dot(row 16 g + r, token t)
 * for groups g < `groups`, `group_bytes` (= 16 x row bytes) apart. The same bits as
 * ck_matmul_q4_1 on the original rows. An AVX-512 VNNI version and a portable one.
 */
void ck_matmul_q4_1x16(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                       int tokens, int nblocks, float *y, size_t y_stride);
void ck_matmul_q4_1x16_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_1x16_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
/* Q5_0 in 16-row groups (Repack.q5_0RowGroups), the same bits as ck_matmul_q5_0. */
void ck_matmul_q5_0x16(const void *w, size_t group_bytes, int groups, const ck_act_rows *x,
                       int tokens, int nblocks, float *y, size_t y_stride);
void ck_matmul_q5_0x16_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_0x16_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);

/* The per-ISA versions, for tests and benchmarks. Calling a version the CPU does not
 * support is undefined: check ck_isa() first. */
void ck_matmul_q4_0_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_1_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q8_0_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_0_avx2(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_1_avx2(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q8_0_avx2(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_0_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_1_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q8_0_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_0_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_0_avx2(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_0_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_1_scalar(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_1_avx2(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q5_1_avx512(const void *, size_t, int, const ck_act_rows *, int, int, float *, size_t);
void ck_matmul_q4_K_scalar(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q4_K_avx2(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q4_K_avx512(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q2_K_scalar(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q2_K_avx2(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q2_K_avx512(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q3_K_scalar(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q3_K_avx2(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q3_K_avx512(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q5_K_scalar(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q5_K_avx2(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q5_K_avx512(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q6_K_scalar(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q6_K_avx2(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);
void ck_matmul_q6_K_avx512(const void *, size_t, int, const void *, size_t, int, int, int, float *, size_t);

#ifdef __cplusplus
}
#endif
#endif
