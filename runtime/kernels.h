// What the dense kernels share between their files (runtime-internal):
// operands and results as the generated code passes them, libxsmm's
// small-GEMM kernels, the AVX transposed copy, and a convolution's geometry.
#pragma once

#include "runtime/internal.h"

#include <libxsmm.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace mlp::rt {

/// A freshly allocated, contiguous result (the generated code allocates it):
/// its data, and in `view` its sizes.
template <class T>
T *output(int64_t rank, void *descriptor, int64_t expectedRank, const char *what, StridedView &view) {
  view = view_from_descriptor(rank, descriptor);
  if (view.rank != expectedRank) die(std::string("internal error: ") + what + " output rank", 1);
  return const_cast<T *>(static_cast<const T *>(view.aligned)) + view.offset;
}

/// An NCHW tensor (or OIHW weights) as a contiguous array: the view itself
/// when it is contiguous, else a packed copy in `packed`.
template <class T>
struct Tensor4 {
  const T *data;
  int64_t n, c, h, w;
};

template <class T>
Tensor4<T> tensor4(int64_t rank, const void *descriptor, std::vector<T> &packed) {
  StridedView v = view_from_descriptor(rank, descriptor);
  if (v.rank != 4) die("internal error: NCHW kernel operand of rank " + std::to_string(v.rank), 1);
  const T *base = static_cast<const T *>(v.aligned) + v.offset;
  Tensor4<T> t{base, v.sizes[0], v.sizes[1], v.sizes[2], v.sizes[3]};
  int64_t expected = 1;
  bool contiguous = true;
  for (int64_t a = 3; a >= 0; --a) {
    if (v.sizes[a] > 1 && v.strides[a] != expected) contiguous = false;
    expected *= v.sizes[a];
  }
  if (contiguous) return t;
  packed.resize(static_cast<size_t>(expected));
  size_t k = 0;
  for (int64_t i = 0; i < t.n; ++i)
    for (int64_t j = 0; j < t.c; ++j)
      for (int64_t y = 0; y < t.h; ++y)
        for (int64_t x = 0; x < t.w; ++x)
          packed[k++] = base[i * v.strides[0] + j * v.strides[1] + y * v.strides[2] + x * v.strides[3]];
  t.data = packed.data();
  return t;
}

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

/// A row-major f32 matrix operand: element (i, j) at data[i * ld + j], or
/// at data[j * ld + i] when it is stored transposed.
struct MatrixRef {
  const float *data;
  int64_t ld;
  bool transposed;
};

/// C (m x n, row-major, leading dimension ldc) = A (m x k) B (k x n) in
/// cache blocks over all threads (gemm_blocked.cpp): for products whose B
/// is past the small-GEMM size. False, with C untouched, on a CPU for which
/// libxsmm generates no kernels.
bool blockedSgemm(const MatrixRef &a, const MatrixRef &b, float *c, int64_t ldc, int64_t m, int64_t n,
                  int64_t k);

/// The geometry of one convolution: input [C, H, W] per sample, weights
/// [F, C, KH, KW], output [F, OH, OW] per sample.
struct ConvShape {
  int64_t c, h, w, f, kh, kw, oh, ow, stride, padding, dilation;
  int64_t patch() const { return c * kh * kw; } // rows of the column matrix
  int64_t pixels() const { return oh * ow; }    // its columns
};

/// The generated code's arith.maximumf: NaN if either is.
template <class T>
T maxOrNaN(T a, T b) {
  return (b > a || b != b) ? b : a;
}

/// What a convolution or matmul applies to its output while it is in cache:
/// a bias per output channel (when set; a convolution's dimension 1, a
/// product's column), then relu as the generated code's maximumf(x, 0).
template <class T>
struct Epilogue {
  const T *bias = nullptr;
  bool relu = false;

  T activate(T v) const { return relu ? maxOrNaN(T(0), v) : v; }

  /// Output channel f's n values: y = act(conv + bias[f]), in place.
  void apply(T *y, int64_t f, int64_t n) const {
    if (!bias) return;
    const T b = bias[f];
    for (int64_t i = 0; i < n; ++i) y[i] = activate(y[i] + b);
  }

  /// Rows [begin, end) of a contiguous m x n product c, or those columns
  /// when not `byRows`: c[i, j] = act(c[i, j] + bias[j]).
  void applyBand(T *c, int64_t m, int64_t n, bool byRows, int64_t begin, int64_t end) const {
    if (!bias) return;
    const int64_t rows = byRows ? end - begin : m, first = byRows ? 0 : begin,
                  cols = byRows ? n : end - begin;
    T *block = c + (byRows ? begin * n : begin);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) block[i * n + j] = activate(block[i * n + j] + bias[first + j]);
  }
};

/// Max pooling over k x k windows that a convolution applies to each output
/// plane while the plane is in cache (conv2d_bias_pool; pooling.cpp), so
/// that its whole output is never written: plane f of sample b pools into
/// pooled [B, F, OH, OW], and mask [B, F, H, W] gets 1 where the plane's
/// element is its window's max (with `positive`, and > 0), else 0: where
/// pool2d_grad of kind max (max_positive) sends each window's gradient.
template <class T>
struct PoolSink {
  int64_t k;
  bool positive;
  T *pooled;
  int8_t *mask;
  int64_t channels, h, w, oh, ow;

  void plane(int64_t b, int64_t f, const T *x) const;
};

/// Max pooling's gradient from PoolSink's mask, a plane at a time
/// (pooling.cpp): mask [B, C, h, w], the pooled gradient grad [B, C, gh, gw].
template <class T>
struct MaskedPoolGradient {
  int64_t k;
  const int8_t *mask;
  const T *grad;
  int64_t h, w, gh, gw;

  /// Plane `index` (b * C + c) of the gradient into out (h x w): grad's
  /// window value where the mask is set, else 0. Returns the plane's sum.
  T plane(int64_t index, T *out) const;
};

/// A kernel's [C] output of channel sums (a convolution's bias gradient),
/// made from each plane's sum: the kernel writes the sum of plane (b, c) to
/// planes()[b * C + c] while the plane is in cache, then add() sums the
/// planes of each channel in order of b, a fixed order whatever the
/// thread count.
template <class T>
class ChannelSums {
public:
  ChannelSums(int64_t rank, void *descriptor, int64_t n, int64_t c, const char *what) : n_(n), c_(c) {
    StridedView view;
    out_ = output<T>(rank, descriptor, 1, what, view);
    if (view.sizes[0] != c)
      die(std::string("internal error: ") + what + " of " + std::to_string(view.sizes[0]) + " channels for " +
              std::to_string(c),
          1);
    buffer().resize(static_cast<size_t>(n * c));
  }
  /// The plane sums' slots: the calling thread's buffer, kept from call to
  /// call, which the kernel's parts reach through this pointer.
  T *planes() const { return buffer().data(); }
  void add() const {
    const T *p = planes();
    for (int64_t j = 0; j < c_; ++j) {
      T sum = 0;
      for (int64_t b = 0; b < n_; ++b) sum += p[b * c_ + j];
      out_[j] = sum;
    }
  }

private:
  static std::vector<T> &buffer() {
    thread_local std::vector<T> planes;
    return planes;
  }
  int64_t n_, c_;
  T *out_;
};

/// A convolution's output gradient, sample by sample: g [B, F, OH, OW]
/// itself, or made from max pooling's mask (conv2d_grad_filter_pooled, which
/// never writes it whole), each plane's sum then in planeSums[b * F + f].
template <class T>
struct OutputGradient {
  const T *g = nullptr;
  const MaskedPoolGradient<T> *pooled = nullptr;
  T *planeSums = nullptr;

  /// Sample b's F planes of s.pixels(): in g, or written to `scratch`.
  const T *sample(const ConvShape &s, int64_t b, T *scratch) const {
    if (!pooled) return g + b * s.f * s.pixels();
    for (int64_t f = 0; f < s.f; ++f)
      planeSums[b * s.f + f] = pooled->plane(b * s.f + f, scratch + f * s.pixels());
    return scratch;
  }
};

/// Direct f32 convolutions of stride 1 (conv_shifted.cpp), for `n` samples
/// of contiguous NCHW data. Each returns false, having done nothing, where
/// im2col serves better (few input channels, a stride) or libxsmm has no
/// kernel. With `pool`, shiftedConv2d writes no y: each sample's output
/// planes go to the pooling.
bool shiftedConv2d(const ConvShape &s, int64_t n, const float *x, const float *w, float *y,
                   const Epilogue<float> &epilogue, const PoolSink<float> *pool = nullptr);
/// The forward convolution of stride 1 with few input channels (at most 32
/// taps C*KH*KW; conv_direct.cpp), with AVX-512; false, having done
/// nothing, elsewhere. With `pool`, as shiftedConv2d.
bool directConv2d(const ConvShape &s, int64_t n, const float *x, const float *w, float *y,
                  const Epilogue<float> &epilogue, const PoolSink<float> *pool = nullptr);
bool shiftedConv2dGradInput(const ConvShape &s, int64_t n, const float *g, const float *w,
                            float *dx);
bool shiftedConv2dGradFilter(const ConvShape &s, int64_t n, const float *x, const OutputGradient<float> &g,
                             float *dw);

} // namespace mlp::rt
