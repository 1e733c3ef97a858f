/*
 * Runtime dispatch: the best kernel set for this CPU is chosen once, when the library is
 * loaded, and the public entry points are a single indirect call.
 */
#include "ck_internal.h"

typedef struct {
    int isa;
    ck_matmul_fn q4_0, q4_1, q8_0, q5_0, q5_1;
    ck_matmul_k_fn q4_K, q6_K, q5_K, q3_K, q2_K;
} ck_table;

static ck_table table = {
    CK_ISA_SCALAR, ck_matmul_q4_0_scalar, ck_matmul_q4_1_scalar, ck_matmul_q8_0_scalar,
    ck_matmul_q5_0_scalar, ck_matmul_q5_1_scalar, ck_matmul_q4_K_scalar, ck_matmul_q6_K_scalar, ck_matmul_q5_K_scalar,
    ck_matmul_q3_K_scalar, ck_matmul_q2_K_scalar,
};

static int detect_isa(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    /* __builtin_cpu_supports also checks that the OS saves the ymm/zmm state (XCR0). */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi") &&
        __builtin_cpu_supports("gfni") &&
        __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return CK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return CK_ISA_AVX2;
#endif
    return CK_ISA_SCALAR;
}

/* Runs before main (and before any Swift code can call in), so the table is immutable by
 * the time threads use it. */
__attribute__((constructor)) static void ck_resolve(void) {
    const int isa = detect_isa();
    if (isa == CK_ISA_AVX512) {
        table = (ck_table){ isa, ck_matmul_q4_0_avx512, ck_matmul_q4_1_avx512, ck_matmul_q8_0_avx512,
                            ck_matmul_q5_0_avx512, ck_matmul_q5_1_avx512, ck_matmul_q4_K_avx512, ck_matmul_q6_K_avx512,
                            ck_matmul_q5_K_avx512, ck_matmul_q3_K_avx512,
                            ck_matmul_q2_K_avx512 };
    } else if (isa == CK_ISA_AVX2) {
        table = (ck_table){ isa, ck_matmul_q4_0_avx2, ck_matmul_q4_1_avx2, ck_matmul_q8_0_avx2,
                            ck_matmul_q5_0_avx2, ck_matmul_q5_1_avx2, ck_matmul_q4_K_avx2, ck_matmul_q6_K_avx2,
                            ck_matmul_q5_K_avx2, ck_matmul_q3_K_avx2,
                            ck_matmul_q2_K_avx2 };
    }
}

int ck_isa(void) { return table.isa; }

void ck_matmul_q4_0(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                    int nblocks, float *y, size_t ys) {
    table.q4_0(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q4_1(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                    int nblocks, float *y, size_t ys) {
    table.q4_1(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q8_0(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                    int nblocks, float *y, size_t ys) {
    table.q8_0(w, wrb, rows, x, tokens, nblocks, y, ys);
}

void ck_matmul_q5_0(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                    int nblocks, float *y, size_t ys) {
    table.q5_0(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q5_1(const void *w, size_t wrb, int rows, const ck_act_rows *x, int tokens,
                    int nblocks, float *y, size_t ys) {
    table.q5_1(w, wrb, rows, x, tokens, nblocks, y, ys);
}
void ck_matmul_q4_K(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                    int grouped, int nsuper, float *y, size_t ys) {
    table.q4_K(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q2_K(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                    int grouped, int nsuper, float *y, size_t ys) {
    table.q2_K(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q3_K(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                    int grouped, int nsuper, float *y, size_t ys) {
    table.q3_K(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q5_K(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                    int grouped, int nsuper, float *y, size_t ys) {
    table.q5_K(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}
void ck_matmul_q6_K(const void *w, size_t wrb, int rows, const void *x, size_t xrb, int tokens,
                    int grouped, int nsuper, float *y, size_t ys) {
    table.q6_K(w, wrb, rows, x, xrb, tokens, grouped, nsuper, y, ys);
}

_Static_assert(sizeof(ck_block_q4_0) == CK_Q4_0_BYTES, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ck_block_q4_1) == CK_Q4_1_BYTES, "Q4_1 block is 20 bytes");
_Static_assert(sizeof(ck_block_q8_0) == CK_Q8_0_BYTES, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(ck_block_q8_1) == 36, "Q8_1 block is 36 bytes");
_Static_assert(sizeof(ck_block_q5_0) == 22, "Q5_0 block is 22 bytes");
_Static_assert(sizeof(ck_block_q4_K) == 144, "Q4_K block is 144 bytes");
_Static_assert(sizeof(ck_block_q6_K) == 210, "Q6_K block is 210 bytes");
_Static_assert(sizeof(ck_block_q8_K) == 292, "Q8_K block is 292 bytes");
_Static_assert(sizeof(ck_block_q5_1) == 24, "Q5_1 block is 24 bytes");
_Static_assert(sizeof(ck_block_q5_K) == 176, "Q5_K block is 176 bytes");
_Static_assert(sizeof(ck_block_q3_K) == 110, "Q3_K block is 110 bytes");
_Static_assert(sizeof(ck_block_q2_K) == 84, "Q2_K block is 84 bytes");
