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

#ifdef __cplusplus
}
#endif
#endif
