// What the dense kernels share between their files (runtime-internal):
// libxsmm's small-GEMM kernels, the AVX transposed copy, and a
// convolution's geometry.
#pragma once

#include <libxsmm.h>

#include <cstdint>

namespace mlp::rt {

/// libxsmm's kernel for C (rows x n) = A (rows x k) B (k x n) + beta C, all
/// row-major with leading dimensions lda, ldb, ldc; with `ta`, A is stored
/// transposed (k x rows). Call it as kernel(b, a, c). Null when libxsmm
/// generates none (a CPU without its JIT).
libxsmm_smmfunction smallGemm(int64_t rows, int64_t n, int64_t k, int64_t lda, int64_t ldb,
                              int64_t ldc, bool ta, float beta = 0);

/// out (cols x rows, leading dimension ldo) = in (rows x cols, leading
/// dimension ldi) transposed.
void transposeInto(const float *in, int64_t ldi, float *out, int64_t ldo, int64_t rows,
                   int64_t cols);

/// The geometry of one convolution: input [C, H, W] per sample, weights
/// [F, C, KH, KW], output [F, OH, OW] per sample.
struct ConvShape {
  int64_t c, h, w, f, kh, kw, oh, ow, stride, padding, dilation;
  int64_t patch() const { return c * kh * kw; } // rows of the column matrix
  int64_t pixels() const { return oh * ow; }    // its columns
};

/// Direct f32 convolutions of stride 1 (conv_shifted.cpp), for `n` samples
/// of contiguous NCHW data. Each returns false, having done nothing, where
/// im2col serves better (few input channels, a stride) or libxsmm has no
/// kernel.
bool shiftedConv2d(const ConvShape &s, int64_t n, const float *x, const float *w, float *y);
bool shiftedConv2dGradInput(const ConvShape &s, int64_t n, const float *g, const float *w,
                            float *dx);
bool shiftedConv2dGradFilter(const ConvShape &s, int64_t n, const float *x, const float *g,
                             float *dw);

} // namespace mlp::rt
