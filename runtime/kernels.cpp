// The dense kernels generated code calls for its heavy ops: matmul, and
// conv2d with its two gradients as im2col + GEMM (f32 convolutions of stride
// 1 go direct instead: over several channels conv_shifted.cpp, and the
// forward one over few channels conv_direct.cpp). Both run on
// Eigen's GEMM, which packs and blocks for the cache and uses the widest
// vectors the compiler allows (this file is built with the host's instruction set, see
// runtime/CMakeLists.txt), except f32 products small enough for libxsmm's
// kernels (a training batch's layers): those are generated for this CPU at
// run time and need no packing, 1.1-2.3x Eigen's speed on such shapes; and
// larger f32 products, which run libxsmm's kernels on packed cache blocks
// (gemm_blocked.cpp); and one row times a dense layer's weights (inference
// on one sample), a dot product per weight row (dotRows). Everything else
// stays in generated loops.
#include "runtime/internal.h"
#include "runtime/kernels.h"
#include "runtime/mlp_runtime.h"
#include "runtime/row_split.h"

#include <Eigen/Core>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <type_traits>
#include <vector>

using namespace mlp::rt;

namespace mlp::rt {

/// out (cols x rows, leading dimension ldo) = in (rows x cols, leading
/// dimension ldi) transposed: 8 x 8 blocks through AVX registers (Eigen's
/// transposed copy goes element by element, 3x slower), column blocks
/// outermost so that the writes run along rows of `out`.
void transposeInto(const float *in, int64_t ldi, float *out, int64_t ldo, int64_t rows,
                   int64_t cols) {
  int64_t rows8 = 0, cols8 = 0;
#ifdef __AVX__
  rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
  for (int64_t j = 0; j < cols8; j += 8)
    for (int64_t i = 0; i < rows8; i += 8) {
      const float *a = in + i * ldi + j;
      float *b = out + j * ldo + i;
      __m256 r[8], t[8];
      for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(a + q * ldi);
      for (int q = 0; q < 8; q += 2) {
        t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
        t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
      }
      for (int q = 0; q < 8; q += 4) {
        r[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
        r[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
        r[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
        r[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
      }
      for (int q = 0; q < 4; ++q) {
        _mm256_storeu_ps(b + q * ldo, _mm256_permute2f128_ps(r[q], r[q + 4], 0x20));
        _mm256_storeu_ps(b + (q + 4) * ldo, _mm256_permute2f128_ps(r[q], r[q + 4], 0x31));
      }
    }
#endif
  // The edges the blocks leave: the last rows, and the last columns of the others.
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = i < rows8 ? cols8 : 0; j < cols; ++j) out[j * ldo + i] = in[i * ldi + j];
}

/// libxsmm's kernel for C (rows x n) = A (rows x k) B (k x n), all
/// row-major with leading dimensions lda, ldb, ldc; with `ta`, A is stored
/// transposed (k x rows). libxsmm is column-major, where C^T = B^T A^T and
/// a row-major matrix is its own transpose: so B comes first, A's
/// transposition is libxsmm's TRANS_B, and a transposed B (TRANS_A) has no
/// kernel. Null when libxsmm generates none (a CPU without its JIT); kernels
/// are generated once per shape and kept.
libxsmm_smmfunction smallGemm(int64_t rows, int64_t n, int64_t k, int64_t lda, int64_t ldb,
                              int64_t ldc, bool ta, float beta) {
  const float alpha = 1;
  const int flags = ta ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
  const int prefetch = LIBXSMM_PREFETCH_NONE;
  const libxsmm_blasint m = n, cols = rows, inner = k, la = ldb, lb = lda, lc = ldc;
  return libxsmm_smmdispatch(m, cols, inner, &la, &lb, &lc, &alpha, &beta, &flags, &prefetch);
}

#if defined(__AVX512F__)
#define MLP_HAS_DOT_ROWS 1
/// Whether dotRows asks for each weight row's lines ahead of its loads. The
/// measurements disagree by machine state: with L2 slow (a loaded host,
/// 128 x 784 in 5.9 us) it saved 18%; with L2 at full speed (3.1 us) the
/// eight extra load-port uops an iteration cost 10-15%, the L1 prefetcher
/// keeping up alone. So each thread times both ways on its first large
/// calls, alternating, and keeps the faster. Only speed depends on the
/// choice: both ways do the same arithmetic in the same order.
class PrefetchTrial {
public:
  /// Runs body(ahead) for a call of `elements` weights, choosing `ahead`.
  template <class F>
  void run(int64_t elements, F body) {
    if (decided_ || elements < kLargeCall) return body(ahead_);
    const bool ahead = calls_++ % 2 == 1;
    const uint64_t start = __rdtsc();
    body(ahead);
    const double ticks = double(__rdtsc() - start) / double(elements);
    if (calls_ > kWarmupCalls) best_[ahead] = std::min(best_[ahead], ticks);
    if (calls_ == kWarmupCalls + kTrialCalls) decided_ = true, ahead_ = best_[1] < best_[0];
  }

private:
  // Calls of at least 64K weights (256 KB, over a microsecond) are timed;
  // the first few warm the caches, then 32 each way: the fewest ticks per
  // weight of each way is its speed, which an interrupt cannot inflate.
  static constexpr int64_t kLargeCall = int64_t(1) << 16;
  static constexpr int kWarmupCalls = 8, kTrialCalls = 64;
  int calls_ = 0;
  double best_[2] = {1e300, 1e300};
  bool decided_ = false, ahead_ = false;
};

/// c[j] = a . b[j, :] for the n rows of b (leading dimension ldb), each k
/// long: a row times a dense layer's [out, in] weights, where a GEMM would
/// walk the weights column by column. Reading the weights is the whole cost
/// (they come from L2), so eight rows share each load of `a` and keep eight
/// sums in registers; each sum runs over k in one fixed order. Only with
/// AVX-512 (elsewhere Eigen's product serves).
void dotRows(const float *a, const float *b, int64_t ldb, float *c, int64_t n, int64_t k) {
  const int64_t whole = k / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (k - whole)) - 1);
  // With `ahead`, each load asks for the line six ahead in its row.
  constexpr int64_t kAhead = 96;
  auto rows = [&](auto count, auto ahead, int64_t j) {
    constexpr int R = decltype(count)::value;
    __m512 sum[R];
    for (int r = 0; r < R; ++r) sum[r] = _mm512_setzero_ps();
    for (int64_t q = 0; q < whole; q += 16) {
      __m512 x = _mm512_loadu_ps(a + q);
      for (int r = 0; r < R; ++r) {
        if constexpr (decltype(ahead)::value)
          _mm_prefetch(reinterpret_cast<const char *>(b + (j + r) * ldb + q + kAhead), _MM_HINT_T0);
        sum[r] = _mm512_fmadd_ps(_mm512_loadu_ps(b + (j + r) * ldb + q), x, sum[r]);
      }
    }
    if (tail) {
      __m512 x = _mm512_maskz_loadu_ps(tail, a + whole);
      for (int r = 0; r < R; ++r)
        sum[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, b + (j + r) * ldb + whole), x, sum[r]);
    }
    for (int r = 0; r < R; ++r) c[j + r] = _mm512_reduce_add_ps(sum[r]);
  };
  auto all = [&](auto ahead) {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) rows(std::integral_constant<int, 8>(), ahead, j);
    for (; j < n; ++j) rows(std::integral_constant<int, 1>(), ahead, j);
  };
  // `a` was usually just written on another core: ask for all its lines at
  // once, rather than one by one as the first rows reach them.
  for (int64_t q = 0; q < k; q += 16) _mm_prefetch(reinterpret_cast<const char *>(a + q), _MM_HINT_T0);
  thread_local PrefetchTrial trial;
  trial.run(n * k, [&](bool ahead) {
    if (ahead) all(std::true_type());
    else all(std::false_type());
  });
}
#endif

} // namespace mlp::rt

namespace {

template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A row-major matrix in memory whose rows are `stride` elements apart.
template <class T>
using MatrixMap = Eigen::Map<RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

/// A rank-2 operand as a row-major map plus whether the map holds its
/// transpose: a transposed view (column stride 1) is read in place, and any
/// other layout is packed into `packed` first.
template <class T>
struct Operand {
  ConstMatrixMap<T> map;
  bool transposed;

  /// Whether the product reads `map` transposed, given whether the call's
  /// flag asks for the operand's transpose: a transposed view flips it again.
  bool readTransposed(int64_t flags, int64_t bit) const { return ((flags & bit) != 0) != transposed; }
};

template <class T>
Operand<T> operand(int64_t rank, const void *descriptor, std::vector<T> &packed) {
  StridedView v = view_from_descriptor(rank, descriptor);
  if (v.rank != 2) die("internal error: matmul operand of rank " + std::to_string(v.rank), 1);
  const T *base = static_cast<const T *>(v.aligned) + v.offset;
  int64_t rows = v.sizes[0], cols = v.sizes[1];
  // Rows `outer` elements apart, each `inner`-strided: usable in place when
  // inner is 1 and rows do not overlap (a dimension of size 1 has any stride).
  auto inPlace = [](int64_t n, int64_t outer, int64_t m, int64_t inner) {
    return (m <= 1 || inner == 1) && (n <= 1 || outer >= m);
  };
  if (inPlace(rows, v.strides[0], cols, v.strides[1]))
    return {ConstMatrixMap<T>(base, rows, cols, Eigen::OuterStride<>(rows <= 1 ? cols : v.strides[0])), false};
  if (inPlace(cols, v.strides[1], rows, v.strides[0]))
    return {ConstMatrixMap<T>(base, cols, rows, Eigen::OuterStride<>(cols <= 1 ? rows : v.strides[1])), true};
  packed.resize(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      packed[i * cols + j] = base[i * v.strides[0] + j * v.strides[1]];
  return {ConstMatrixMap<T>(packed.data(), rows, cols, Eigen::OuterStride<>(cols)), false};
}


/// A per-sample convolution product's libxsmm kernel (f32; see smallGemm),
/// and its call: C = op(A) B (plus C, with beta 1), false where there is no
/// kernel (f64, or a CPU without libxsmm's JIT) and the caller uses Eigen.
template <class T>
libxsmm_smmfunction sampleGemm(int64_t rows, int64_t n, int64_t k, int64_t lda, int64_t ldb,
                               bool ta, float beta = 0) {
  if constexpr (std::is_same_v<T, float>)
    return smallGemm(rows, n, k, lda, ldb, n, ta, beta);
  else
    return nullptr;
}

template <class T>
bool runSampleGemm(libxsmm_smmfunction kernel, const T *a, const T *b, T *c) {
  if constexpr (std::is_same_v<T, float>) {
    if (!kernel) return false;
    kernel(b, a, c); // libxsmm's order: B, then A
    return true;
  } else {
    return false;
  }
}

/// The f32 product on libxsmm, when it fits: each part reads all of B
/// for its band of C, so B must stay in cache (1 MiB). A transposed B is
/// copied to its transpose first (worth it only for a batch of rows): by
/// each part for its columns, or once when the parts split the rows.
/// Returns false where Eigen should do it.
template <class T>
bool smallMatmul(const Operand<T> &A, const Operand<T> &B, bool ta, bool tb, MatrixMap<T> &C,
                 int64_t m, int64_t n, int64_t k, int parts, bool byRows, const Epilogue<T> &epilogue) {
  if constexpr (!std::is_same_v<T, float>) {
    return false;
  } else {
    if (k * n * int64_t(sizeof(float)) > (int64_t(1) << 20) || (tb && m < 32))
      return false;
    int64_t extent = byRows ? m : n;
    auto band = [&](int p) { return std::pair(extent * p / parts, extent * (p + 1) / parts); };
    auto transpose = [&](int64_t begin, int64_t end, std::vector<float> &out) {
      out.resize(static_cast<size_t>(k * (end - begin)));
      transposeInto(B.map.data() + begin * B.map.outerStride(), B.map.outerStride(), out.data(),
                    end - begin, end - begin, k);
    };
    thread_local std::vector<float> wholeBBuffer; // kept, as kernelBuffer below
    if (tb && byRows) transpose(0, n, wholeBBuffer);
    const float *wholeB = wholeBBuffer.data();
    bool bandTransposed = tb && !byRows;
    // The kernels for each band's size, generated here rather than by two
    // threads at once (at most two sizes: the bands differ by one at most).
    // Kept from call to call, so that a training step allocates nothing
    // here; the parts reach the caller's through `kernels`.
    thread_local std::vector<libxsmm_smmfunction> kernelBuffer;
    kernelBuffer.resize(size_t(parts));
    libxsmm_smmfunction *kernels = kernelBuffer.data();
    for (int p = 0; p < parts; ++p) {
      auto [begin, end] = band(p);
      int64_t rows = byRows ? end - begin : m, width = byRows ? n : end - begin;
      int64_t ldb = bandTransposed ? width : tb ? n : B.map.outerStride();
      kernels[p] = smallGemm(rows, width, k, A.map.outerStride(), ldb, n, ta);
      if (!kernels[p]) return false;
    }
    parallel_parts(parts, [&](int p) {
      auto [begin, end] = band(p);
      const float *a = A.map.data(), *b = tb ? wholeB : B.map.data();
      float *c = C.data();
      // Kept from call to call: a training step's shapes repeat.
      thread_local std::vector<float> bandB;
      if (byRows) {
        a += ta ? begin : begin * A.map.outerStride();
        c += begin * n;
      } else if (bandTransposed) {
        transpose(begin, end, bandB);
        b = bandB.data();
        c += begin;
      } else {
        b += begin;
        c += begin;
      }
      kernels[p](b, a, c);
      epilogue.applyBand(C.data(), m, n, byRows, begin, end);
    });
    return true;
  }
}

/// C = op(A) op(B), then the epilogue (matmul_bias's bias and relu) on
/// each band of C as it is computed.
template <class T>
void matmul(int64_t flags, int64_t ar, void *a, int64_t br, void *b, int64_t cr, void *c,
            const Epilogue<T> &epilogue = {}) {
  std::vector<T> packedA, packedB;
  Operand<T> A = operand<T>(ar, a, packedA), B = operand<T>(br, b, packedB);
  // Bit 0 asks for A's transpose, bit 1 for B's.
  bool ta = A.readTransposed(flags, 1), tb = B.readTransposed(flags, 2);
  int64_t m = ta ? A.map.cols() : A.map.rows(), n = tb ? B.map.rows() : B.map.cols();
  StridedView cv;
  MatrixMap<T> C(output<T>(cr, c, 2, "matmul", cv), m, n, Eigen::OuterStride<>(n));
  int64_t k = ta ? A.map.rows() : A.map.cols();
  // Each thread computes a band of C's rows (or columns, when C is wide
  // and short): no two write the same element, and each element's sum runs
  // in one thread, so a fixed thread count gives fixed results.
  int parts = m * n * k >= (int64_t(1) << 16) ? thread_count() : 1;
  bool byRows = m >= n;
  int64_t extent = byRows ? m : n;
  parts = static_cast<int>(std::min<int64_t>(parts, std::max<int64_t>(1, extent / 16)));
  if (m > 0 && n > 0 && k > 0 && smallMatmul(A, B, ta, tb, C, m, n, k, parts, byRows, epilogue))
    return;
#ifdef MLP_HAS_DOT_ROWS
  // One row times transposed B (a dense layer on one sample): a dot product per row of B.
  if constexpr (std::is_same_v<T, float>)
    if (m == 1 && tb && (!ta || A.map.outerStride() == 1 || k == 1) && k > 0) {
      const int64_t ldb = B.map.outerStride();
      forEachRange(n, parts, [&](int, int64_t begin, int64_t end) {
        dotRows(A.map.data(), B.map.data() + begin * ldb, ldb, C.data() + begin, end - begin, k);
        epilogue.applyBand(C.data(), m, n, false, begin, end);
      });
      return;
    }
#endif
  // Packing B pays off over enough rows of A, and A's blocks over enough columns.
  if constexpr (std::is_same_v<T, float>)
    if (m >= 64 && n >= 64 && k >= 64 &&
        blockedSgemm({A.map.data(), A.map.outerStride(), ta}, {B.map.data(), B.map.outerStride(), tb},
                     C.data(), n, m, n, k)) {
      // C is past the caches by now: one more pass, over bands of rows.
      if (epilogue.bias)
        forEachRange(m, rangeParts(m), [&](int, int64_t begin, int64_t end) {
          epilogue.applyBand(C.data(), m, n, true, begin, end);
        });
      return;
    }
  auto gemm = [&](const auto &a, const auto &b) {
    parallel_parts(parts, [&](int p) {
      int64_t begin = extent * p / parts, size = extent * (p + 1) / parts - begin;
      if (byRows) C.middleRows(begin, size).noalias() = a.middleRows(begin, size) * b;
      else C.middleCols(begin, size).noalias() = a * b.middleCols(begin, size);
      epilogue.applyBand(C.data(), m, n, byRows, begin, begin + size);
    });
  };
  if (!ta && !tb) gemm(A.map, B.map);
  else if (ta && !tb) gemm(A.map.transpose(), B.map);
  else if (!ta && tb) gemm(A.map, B.map.transpose());
  else gemm(A.map.transpose(), B.map.transpose());
}



struct Columns {
  int64_t x0, lo, hi;
};

/// Output column ow reads input column x0 + ow * stride for kernel column
/// kw; those in [lo, hi) fall inside the image, the rest on padding.
Columns columnsInside(const ConvShape &s, int64_t kw) {
  int64_t x0 = kw * s.dilation - s.padding;
  int64_t lo = x0 >= 0 ? 0 : std::min(s.ow, (-x0 + s.stride - 1) / s.stride);
  int64_t hi = x0 >= s.w ? 0 : std::min(s.ow, (s.w - 1 - x0) / s.stride + 1);
  return {x0, lo, std::max(hi, lo)};
}

/// col[(c, kh, kw), (oh, ow)] = x[c, oh*s - p + kh*d, ow*s - p + kw*d], 0 off the image.
template <class T>
void im2col(const ConvShape &s, const T *x, T *col) {
  for (int64_t c = 0; c < s.c; ++c)
    for (int64_t kh = 0; kh < s.kh; ++kh)
      for (int64_t kw = 0; kw < s.kw; ++kw) {
        T *row = col + ((c * s.kh + kh) * s.kw + kw) * s.pixels();
        // The same columns fall inside the image on every output row.
        auto [x0, lo, hi] = columnsInside(s, kw);
        for (int64_t oh = 0; oh < s.oh; ++oh) {
          int64_t y = oh * s.stride - s.padding + kh * s.dilation;
          T *out = row + oh * s.ow;
          if (y < 0 || y >= s.h) {
            std::fill(out, out + s.ow, T(0));
            continue;
          }
          const T *in = x + (c * s.h + y) * s.w;
          // Rows are short (a few dozen pixels): plain loops, not memcpy calls.
          for (int64_t ow = 0; ow < lo; ++ow) out[ow] = T(0);
          if (s.stride == 1)
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[x0 + ow];
          else
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[x0 + ow * s.stride];
          for (int64_t ow = hi; ow < s.ow; ++ow) out[ow] = T(0);
        }
      }
}

/// The adjoint of im2col: adds each column entry back onto the pixel it came from.
template <class T>
void col2imAdd(const ConvShape &s, const T *col, T *x) {
  for (int64_t c = 0; c < s.c; ++c)
    for (int64_t kh = 0; kh < s.kh; ++kh)
      for (int64_t kw = 0; kw < s.kw; ++kw) {
        const T *row = col + ((c * s.kh + kh) * s.kw + kw) * s.pixels();
        auto [x0, lo, hi] = columnsInside(s, kw);
        for (int64_t oh = 0; oh < s.oh; ++oh) {
          int64_t y = oh * s.stride - s.padding + kh * s.dilation;
          if (y < 0 || y >= s.h) continue;
          T *out = x + (c * s.h + y) * s.w;
          const T *in = row + oh * s.ow;
          for (int64_t ow = lo; ow < hi; ++ow) out[x0 + ow * s.stride] += in[ow];
        }
      }
}

template <class T>
ConvShape convShape(const Tensor4<T> &x, const Tensor4<T> &w, int64_t oh, int64_t ow,
                    int64_t stride, int64_t padding, int64_t dilation) {
  return {x.c, x.h, x.w, w.n, w.h, w.w, oh, ow, stride, padding, dilation};
}

/// y[b] (F x OH*OW) = W (F x C*KH*KW) * im2col(x[b]), then the epilogue;
/// with `pool`, each sample's planes then go to the pooling, and y (null)
/// is not written: `oh` and `ow` give its size.
template <class T>
void conv2dInto(int64_t stride, int64_t padding, int64_t dilation, int64_t xr, void *xd,
                int64_t wr, void *wd, T *y, int64_t oh, int64_t ow, const Epilogue<T> &epilogue,
                const PoolSink<T> *pool = nullptr) {
  std::vector<T> px, pw;
  Tensor4<T> x = tensor4<T>(xr, xd, px), w = tensor4<T>(wr, wd, pw);
  ConvShape s = convShape(x, w, oh, ow, stride, padding, dilation);
  if constexpr (std::is_same_v<T, float>)
    if (shiftedConv2d(s, x.n, x.data, w.data, y, epilogue, pool) ||
        directConv2d(s, x.n, x.data, w.data, y, epilogue, pool))
      return;
  ConstMatrixMap<T> W(w.data, s.f, s.patch(), Eigen::OuterStride<>(s.patch()));
  auto kernel = sampleGemm<T>(s.f, s.pixels(), s.patch(), s.patch(), s.pixels(), false);
  forEachRange(x.n, rangeParts(x.n), [&](int, int64_t begin, int64_t end) {
    std::vector<T> col(static_cast<size_t>(s.patch() * s.pixels()));
    std::vector<T> sample(pool ? static_cast<size_t>(s.f * s.pixels()) : 0); // pooled, not kept
    ConstMatrixMap<T> Col(col.data(), s.patch(), s.pixels(), Eigen::OuterStride<>(s.pixels()));
    for (int64_t b = begin; b < end; ++b) {
      im2col(s, x.data + b * s.c * s.h * s.w, col.data());
      T *yb = pool ? sample.data() : y + b * s.f * s.pixels();
      if (!runSampleGemm(kernel, w.data, col.data(), yb))
        MatrixMap<T>(yb, s.f, s.pixels(), Eigen::OuterStride<>(s.pixels())).noalias() = W * Col;
      for (int64_t f = 0; f < s.f; ++f) {
        epilogue.apply(yb + f * s.pixels(), f, s.pixels());
        if (pool) pool->plane(b, f, yb + f * s.pixels());
      }
    }
  });
}

template <class T>
void conv2d(int64_t stride, int64_t padding, int64_t dilation, int64_t xr, void *xd,
            int64_t wr, void *wd, int64_t yr, void *yd, const Epilogue<T> &epilogue = {}) {
  StridedView yv;
  T *y = output<T>(yr, yd, 4, "conv2d", yv);
  conv2dInto<T>(stride, padding, dilation, xr, xd, wr, wd, y, yv.sizes[2], yv.sizes[3], epilogue);
}

/// dW (F x C*KH*KW) = sum over b of g[b] (F x OH*OW) * im2col(x[b])^T,
/// g[b] from `g` (of s.f channels, s.oh x s.ow).
template <class T>
void conv2dGradFilterOf(const ConvShape &s, const Tensor4<T> &x, const OutputGradient<T> &g, T *dw) {
  if constexpr (std::is_same_v<T, float>)
    if (shiftedConv2dGradFilter(s, x.n, x.data, g, dw)) return;
  // Each part sums its samples into its own partial dW (part 0 into dw
  // itself); the partials are then added in part order.
  int parts = std::max(1, rangeParts(x.n));
  int64_t size = s.f * s.patch();
  std::vector<T> partials(static_cast<size_t>((parts - 1) * size));
  // In f32, libxsmm adds each sample's G (F x pixels) times its columns
  // transposed (pixels x patch, one more copy) into dW: Eigen's product
  // runs at a third of its speed on so narrow a result (fashion_cnn's first
  // layer: 32 x 9, 676 deep).
  auto kernel = sampleGemm<T>(s.f, s.patch(), s.pixels(), s.pixels(), s.patch(), false, 1);
  forEachRange(x.n, parts, [&](int p, int64_t begin, int64_t end) {
    std::vector<T> col(static_cast<size_t>(s.patch() * s.pixels())), rows(kernel ? col.size() : 0);
    std::vector<T> made(g.pooled ? static_cast<size_t>(s.f * s.pixels()) : 0);
    ConstMatrixMap<T> Col(col.data(), s.patch(), s.pixels(), Eigen::OuterStride<>(s.pixels()));
    MatrixMap<T> DW(p == 0 ? dw : partials.data() + (p - 1) * size, s.f, s.patch(),
                    Eigen::OuterStride<>(s.patch()));
    DW.setZero();
    for (int64_t b = begin; b < end; ++b) {
      im2col(s, x.data + b * s.c * s.h * s.w, col.data());
      const T *gb = g.sample(s, b, made.data());
      if constexpr (std::is_same_v<T, float>)
        if (kernel) {
          transposeInto(col.data(), s.pixels(), rows.data(), s.patch(), s.patch(), s.pixels());
          runSampleGemm(kernel, gb, rows.data(), DW.data());
          continue;
        }
      DW.noalias() += ConstMatrixMap<T>(gb, s.f, s.pixels(), Eigen::OuterStride<>(s.pixels())) * Col.transpose();
    }
  });
  for (int p = 1; p < parts; ++p)
    for (int64_t i = 0; i < size; ++i) dw[i] += partials[(p - 1) * size + i];
}

template <class T>
void conv2dGradFilter(int64_t stride, int64_t padding, int64_t dilation, int64_t xr,
                      void *xd, int64_t gr, void *gd, int64_t dwr, void *dwd) {
  std::vector<T> px, pg;
  Tensor4<T> x = tensor4<T>(xr, xd, px), g = tensor4<T>(gr, gd, pg);
  StridedView dwv;
  T *dw = output<T>(dwr, dwd, 4, "conv2d filter gradient", dwv);
  ConvShape s{x.c, x.h, x.w, g.c, dwv.sizes[2], dwv.sizes[3], g.h, g.w, stride, padding, dilation};
  conv2dGradFilterOf<T>(s, x, OutputGradient<T>{g.data}, dw);
}

/// conv2d's filter gradient where the output gradient is max pooling's,
/// made sample by sample from conv2d_bias_pool's mask and the pooled
/// gradient g (never written whole); and its sums over all but the
/// channels (the bias gradient), as mlp_rt_maxpool2d_mask_grad_sums makes them.
template <class T>
void conv2dGradFilterPooled(int64_t stride, int64_t padding, int64_t dilation, int64_t k, int64_t xr, void *xd,
                            int64_t mr, void *md, int64_t gr, void *gd, int64_t dwr, void *dwd, int64_t sr,
                            void *sd) {
  std::vector<T> px, pg;
  std::vector<int8_t> pm;
  Tensor4<T> x = tensor4<T>(xr, xd, px), g = tensor4<T>(gr, gd, pg);
  Tensor4<int8_t> m = tensor4<int8_t>(mr, md, pm);
  StridedView dwv;
  T *dw = output<T>(dwr, dwd, 4, "conv2d filter gradient", dwv);
  ChannelSums<T> sums(sr, sd, m.n, m.c, "conv2d filter gradient sums");
  ConvShape s{x.c, x.h, x.w, m.c, dwv.sizes[2], dwv.sizes[3], m.h, m.w, stride, padding, dilation};
  MaskedPoolGradient<T> pooled{k, m.data, g.data, m.h, m.w, g.h, g.w};
  conv2dGradFilterOf<T>(s, x, OutputGradient<T>{nullptr, &pooled, sums.planes()}, dw);
  sums.add();
}

/// dx[b] = col2im(W^T (C*KH*KW x F) * g[b] (F x OH*OW)).
template <class T>
void conv2dGradInput(int64_t stride, int64_t padding, int64_t dilation, int64_t gr,
                     void *gd, int64_t wr, void *wd, int64_t dxr, void *dxd) {
  std::vector<T> pg, pw;
  Tensor4<T> g = tensor4<T>(gr, gd, pg), w = tensor4<T>(wr, wd, pw);
  StridedView dxv;
  T *dx = output<T>(dxr, dxd, 4, "conv2d input gradient", dxv);
  ConvShape s{dxv.sizes[1], dxv.sizes[2], dxv.sizes[3], w.n, w.h, w.w, g.h, g.w,
              stride, padding, dilation};
  if constexpr (std::is_same_v<T, float>)
    if (shiftedConv2dGradInput(s, g.n, g.data, w.data, dx)) return;
  ConstMatrixMap<T> W(w.data, s.f, s.patch(), Eigen::OuterStride<>(s.patch()));
  int64_t image = s.c * s.h * s.w;
  auto kernel = sampleGemm<T>(s.patch(), s.pixels(), s.f, s.patch(), s.pixels(), true);
  forEachRange(g.n, rangeParts(g.n), [&](int, int64_t begin, int64_t end) {
    std::vector<T> col(static_cast<size_t>(s.patch() * s.pixels()));
    MatrixMap<T> Col(col.data(), s.patch(), s.pixels(), Eigen::OuterStride<>(s.pixels()));
    for (int64_t b = begin; b < end; ++b) {
      const T *gb = g.data + b * s.f * s.pixels();
      if (!runSampleGemm(kernel, w.data, gb, col.data()))
        Col.noalias() = W.transpose() * ConstMatrixMap<T>(gb, s.f, s.pixels(), Eigen::OuterStride<>(s.pixels()));
      std::fill(dx + b * image, dx + (b + 1) * image, T(0));
      col2imAdd(s, col.data(), dx + b * image);
    }
  });
}

/// A bias vector's values: read in place when contiguous, else copied into `copy`.
template <class T>
const T *biasValues(int64_t rank, void *descriptor, std::vector<T> &copy, const char *what) {
  StridedView v = view_from_descriptor(rank, descriptor);
  if (v.rank != 1) die(std::string("internal error: ") + what + " bias of rank " + std::to_string(v.rank), 1);
  const T *base = static_cast<const T *>(v.aligned) + v.offset;
  if (v.strides[0] == 1 || v.sizes[0] <= 1) return base;
  copy.resize(static_cast<size_t>(v.sizes[0]));
  for (int64_t i = 0; i < v.sizes[0]; ++i) copy[i] = base[i * v.strides[0]];
  return copy.data();
}

/// conv2d with its bias and, when `relu` is set, relu: b [F].
template <class T>
void conv2dBias(int64_t stride, int64_t padding, int64_t dilation, int64_t relu, int64_t xr,
                void *xd, int64_t wr, void *wd, int64_t br, void *bd, int64_t yr, void *yd) {
  std::vector<T> copy;
  const T *bias = biasValues<T>(br, bd, copy, "conv2d");
  conv2d<T>(stride, padding, dilation, xr, xd, wr, wd, yr, yd, Epilogue<T>{bias, relu != 0});
}

/// conv2d_bias, then max pooling of each sample's planes while they are in
/// cache: pooled [B, F, OH/k, OW/k] and the gradient's mask [B, F, OH, OW]
/// (PoolSink), without writing the convolution's output.
template <class T>
void conv2dBiasPool(int64_t stride, int64_t padding, int64_t dilation, int64_t relu, int64_t k,
                    int64_t positive, int64_t xr, void *xd, int64_t wr, void *wd, int64_t br, void *bd,
                    int64_t pr, void *pd, int64_t mr, void *md) {
  std::vector<T> copy;
  const T *bias = biasValues<T>(br, bd, copy, "conv2d");
  StridedView pv, mv;
  T *pooled = output<T>(pr, pd, 4, "conv2d pooled", pv);
  int8_t *mask = output<int8_t>(mr, md, 4, "conv2d pooling mask", mv);
  PoolSink<T> pool{k, positive != 0, pooled, mask, mv.sizes[1], mv.sizes[2], mv.sizes[3], pv.sizes[2], pv.sizes[3]};
  conv2dInto<T>(stride, padding, dilation, xr, xd, wr, wd, nullptr, mv.sizes[2], mv.sizes[3],
                Epilogue<T>{bias, relu != 0}, &pool);
}

/// matmul with its bias [N] added to each row and, when `relu` is set, relu.
template <class T>
void matmulBias(int64_t flags, int64_t relu, int64_t ar, void *a, int64_t br, void *b,
                int64_t biasr, void *biasd, int64_t cr, void *c) {
  std::vector<T> copy;
  const T *bias = biasValues<T>(biasr, biasd, copy, "matmul");
  matmul<T>(flags, ar, a, br, b, cr, c, Epilogue<T>{bias, relu != 0});
}

/// A contiguous rank-2 buffer as the generated code would pass it.
template <class T>
struct MatrixDescriptor {
  T *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
  MatrixDescriptor(T *data, int64_t rows, int64_t cols)
      : allocated(data), aligned(data), offset(0), sizes{rows, cols}, strides{cols, 1} {}
};

#ifdef MLP_HAS_DOT_ROWS
/// What the parts of a one-row dense pair read (densePairOnRow). A caller
/// keeps one per shape and rewrites it only where a value changed (in a
/// loop of calls, never), so that a worker finds it in its own cache: the
/// ticket is the one line that must cross to the worker before x does.
struct PairJob {
  using Stamp = RowSplit::Stamp;
  struct alignas(64) Count { // the calls a part has run, on a line of its own
    uint64_t calls = 0;
  };
  struct alignas(64) Handoff { // the call that last handed rows over an edge
    std::atomic<uint64_t> call{0};
  };
  static constexpr uint64_t kSampleEvery = 8; // calls between timed ones

  const float *x, *w1, *w2;
  int64_t ld1, ld2, k, n1, n2;
  int parts;
  Epilogue<float> first;
  float *lent, *shares; // rows handed over, at their index in h; the parts' shares
  const int64_t *shifts;
  Stamp *stamps;
  Handoff *handoffs;
  Count *counts;
  bool handoff, timed;

  /// Whether the parts time themselves on `call` (each part's count).
  bool timedCall(uint64_t call) const { return timed && call % kSampleEvery == 0; }

  bool operator==(const PairJob &o) const {
    return x == o.x && w1 == o.w1 && w2 == o.w2 && ld1 == o.ld1 && ld2 == o.ld2 && k == o.k && n1 == o.n1 &&
           n2 == o.n2 && parts == o.parts && first.bias == o.first.bias && first.relu == o.first.relu &&
           lent == o.lent && shares == o.shares && shifts == o.shifts && stamps == o.stamps &&
           handoffs == o.handoffs && counts == o.counts && handoff == o.handoff && timed == o.timed;
  }

  /// Part p: rows of its neighbours' bands first (handed over as soon as
  /// they are done), then its own, then those of its band a neighbour
  /// computed, or, where that neighbour has not handed them over yet,
  /// computed here; then its band's share of the second layer.
  void operator()(int p) const {
    // Every part runs once a call, so each part's count names the call.
    const uint64_t call = ++counts[p].calls;
    const bool timing = timedCall(call);
    const uint64_t startTicks = timing ? __rdtsc() : 0;
    // Take the lines of this part's shares (and stamp) now: the caller read
    // them last call, and a store that first has to take its line back at
    // the part's very end delays the caller by a transfer.
    float *share = shares + p * n2;
    for (int64_t j = 0; j < n2; j += 16) __builtin_prefetch(share + j, 1);
    __builtin_prefetch(share + n2 - 1, 1);
    if (timing) __builtin_prefetch(stamps + p, 1);
    const int64_t lo = n1 * p / parts, hi = n1 * (p + 1) / parts;
    const int64_t from = lo + shifts[p], to = hi + shifts[p + 1];
    thread_local std::vector<float> band;
    band.resize(size_t(n1));
    float *h = band.data(); // this part's band, at its index in h
    auto rowsInto = [&](float *out, int64_t begin, int64_t end) {
      if (end > begin) dotRows(x, w1 + begin * ld1, ld1, out + begin, end - begin, k);
    };
    auto handOver = [&](int edge, int64_t begin, int64_t end) {
      if (end <= begin) return;
      rowsInto(lent, begin, end);
      if (handoff) handoffs[edge].call.store(call, std::memory_order_release);
    };
    auto takeOver = [&](int edge, int64_t begin, int64_t end) {
      if (end <= begin) return;
      if (handoffs[edge].call.load(std::memory_order_acquire) == call) std::copy(lent + begin, lent + end, h + begin);
      else rowsInto(h, begin, end);
    };
    handOver(p, from, lo);
    handOver(p + 1, hi, to);
    rowsInto(h, std::max(from, lo), std::min(to, hi));
    takeOver(p, lo, from);
    takeOver(p + 1, to, hi);
    first.applyBand(h, 1, n1, false, lo, hi);
    dotRows(h + lo, w2 + lo, ld2, share, n2, hi - lo);
    if (timing) stamps[p] = {startTicks, __rdtsc()};
  }
};

/// A caller's split, stamps, flags and job for one shape of dense pair.
struct PairState {
  int64_t k, n1, n2;
  RowSplit split;
  std::vector<PairJob::Stamp> stamps;
  std::vector<PairJob::Handoff> handoffs;
  std::vector<PairJob::Count> counts;
  PairJob job{};

  PairState(int64_t k, int64_t n1, int64_t n2, int parts)
      : k(k), n1(n1), n2(n2), split(n1, parts), stamps(size_t(parts)), handoffs(size_t(parts) + 1),
        counts(size_t(parts)) {}

  static PairState &of(int64_t k, int64_t n1, int64_t n2, int parts) {
    thread_local std::vector<std::unique_ptr<PairState>> states;
    for (auto &s : states)
      if (s->k == k && s->n1 == n1 && s->n2 == n2 && s->split.parts() == parts) return *s;
    states.push_back(std::make_unique<PairState>(k, n1, n2, parts));
    return *states.back();
  }
};

// Set by force_pair_split (tests).
std::vector<int64_t> g_forcedShifts;
bool g_forcedHandoff = true;

/// Both layers of a dense pair on one row x, with weights W1 [n1, k] and W2
/// [n2, n1] read as [out, in] (transposed B): each part owns a band of
/// h = act1(x W1^T + b1) and computes that band's share of every sum of the
/// second layer (h's band times W2's band of columns), so both layers'
/// weights are read by every core after one handoff; the caller adds the
/// shares in part order. Which rows of the first layer each part computes
/// follows the cores' speeds (RowSplit); a row's dot product is the same
/// whichever part computes it, so every split gives the same bits. Returns
/// false, having done nothing, off that case.
bool densePairOnRow(const Operand<float> &X, bool tx, const Operand<float> &W1, bool tw1,
                    const Operand<float> &W2, bool tw2, const Epilogue<float> &first,
                    const Epilogue<float> &second, float *y) {
  const int64_t m = tx ? X.map.cols() : X.map.rows(), k = tx ? X.map.rows() : X.map.cols();
  const int64_t n1 = W1.map.rows(), n2 = W2.map.rows();
  int parts = static_cast<int>(std::min<int64_t>(thread_count(), n1 / 16));
  if (m != 1 || !tw1 || !tw2 || (tx && X.map.outerStride() != 1 && k != 1) || parts < 2 ||
      n1 * k < (int64_t(1) << 16))
    return false;
  PairState &state = PairState::of(k, n1, n2, parts);
  for (int p = 1; p < parts && !g_forcedShifts.empty(); ++p)
    state.split.force(p, size_t(p) <= g_forcedShifts.size() ? g_forcedShifts[size_t(p - 1)] : 0);
  thread_local std::vector<float> lent, shares;
  lent.resize(size_t(n1));
  shares.resize(size_t(parts * n2));
  // Called from inside a part, the parts run in turn on this thread: the
  // split stays as it is.
  const PairJob job{X.map.data(), W1.map.data(), W2.map.data(), W1.map.outerStride(), W2.map.outerStride(),
                    k, n1, n2, parts, first, lent.data(), shares.data(), state.split.shifts(),
                    state.stamps.data(), state.handoffs.data(), state.counts.data(), g_forcedHandoff,
                    !inside_parallel_part() && g_forcedShifts.empty()};
  if (!(state.job == job)) state.job = job;
  parallel_parts(parts, state.job);
  // Part by part over whole rows of shares, so that the loads of a row (a
  // worker's, from its cache) all go out at once.
  const float *sd = shares.data();
  std::copy(sd, sd + n2, y);
  for (int p = 1; p < parts; ++p)
    for (int64_t j = 0; j < n2; ++j) y[j] += sd[p * n2 + j];
  second.applyBand(y, 1, n2, true, 0, 1);
  if (job.timedCall(state.counts[0].calls)) state.split.record(state.stamps.data());
  return true;
}
#endif

/// y = act2(act1(op(x) op(W1) + b1) op(W2) + b2): two dense layers, the
/// first's output read only by the second. Flags: bit 0 transposes x, bit 1
/// W1, bit 2 W2. One row goes through densePairOnRow; anything else is the
/// two products in turn.
template <class T>
void matmulBiasPair(int64_t flags, int64_t relu1, int64_t relu2, int64_t xr, void *xd, int64_t w1r,
                    void *w1d, int64_t b1r, void *b1d, int64_t w2r, void *w2d, int64_t b2r, void *b2d,
                    int64_t yr, void *yd) {
  std::vector<T> copy1, copy2;
  Epilogue<T> first{biasValues<T>(b1r, b1d, copy1, "matmul"), relu1 != 0},
      second{biasValues<T>(b2r, b2d, copy2, "matmul"), relu2 != 0};
  const int64_t n1 = view_from_descriptor(b1r, b1d).sizes[0];
  StridedView yv;
  [[maybe_unused]] T *y = output<T>(yr, yd, 2, "matmul", yv); // the split kernel's output
  const int64_t m = yv.sizes[0];
#ifdef MLP_HAS_DOT_ROWS
  // The operands are read (and a strided one packed) only where the split
  // kernel may serve; the two products read them themselves.
  if constexpr (std::is_same_v<T, float>)
    if (m == 1 && thread_count() > 1) {
      std::vector<float> packedX, packed1, packed2;
      Operand<float> X = operand<float>(xr, xd, packedX), W1 = operand<float>(w1r, w1d, packed1),
                     W2 = operand<float>(w2r, w2d, packed2);
      if (densePairOnRow(X, X.readTransposed(flags, 1), W1, W1.readTransposed(flags, 2), W2,
                         W2.readTransposed(flags, 4), first, second, y))
        return;
    }
#endif
  thread_local std::vector<T> h;
  h.resize(size_t(m * n1));
  MatrixDescriptor<T> hd(h.data(), m, n1);
  matmul<T>(flags & 3, xr, xd, w1r, w1d, 2, &hd, first);
  matmul<T>((flags & 4) >> 1, 2, &hd, w2r, w2d, yr, yd, second);
}

} // namespace

void mlp::rt::force_pair_split(std::vector<int64_t> shifts, bool handoff) {
  g_forcedShifts = std::move(shifts);
  g_forcedHandoff = handoff;
}

extern "C" {

void mlp_rt_matmul_bias_pair_f32(int64_t flags, int64_t relu1, int64_t relu2, int64_t xr, void *x,
                                 int64_t w1r, void *w1, int64_t b1r, void *b1, int64_t w2r, void *w2,
                                 int64_t b2r, void *b2, int64_t yr, void *y) {
  matmulBiasPair<float>(flags, relu1, relu2, xr, x, w1r, w1, b1r, b1, w2r, w2, b2r, b2, yr, y);
}
void mlp_rt_matmul_bias_pair_f64(int64_t flags, int64_t relu1, int64_t relu2, int64_t xr, void *x,
                                 int64_t w1r, void *w1, int64_t b1r, void *b1, int64_t w2r, void *w2,
                                 int64_t b2r, void *b2, int64_t yr, void *y) {
  matmulBiasPair<double>(flags, relu1, relu2, xr, x, w1r, w1, b1r, b1, w2r, w2, b2r, b2, yr, y);
}

void mlp_rt_matmul_f32(int64_t flags, int64_t ar, void *a, int64_t br, void *b, int64_t cr, void *c) {
  matmul<float>(flags, ar, a, br, b, cr, c);
}
void mlp_rt_matmul_f64(int64_t flags, int64_t ar, void *a, int64_t br, void *b, int64_t cr, void *c) {
  matmul<double>(flags, ar, a, br, b, cr, c);
}
void mlp_rt_matmul_bias_f32(int64_t flags, int64_t relu, int64_t ar, void *a, int64_t br, void *b,
                            int64_t biasr, void *bias, int64_t cr, void *c) {
  matmulBias<float>(flags, relu, ar, a, br, b, biasr, bias, cr, c);
}
void mlp_rt_matmul_bias_f64(int64_t flags, int64_t relu, int64_t ar, void *a, int64_t br, void *b,
                            int64_t biasr, void *bias, int64_t cr, void *c) {
  matmulBias<double>(flags, relu, ar, a, br, b, biasr, bias, cr, c);
}

// The three convolution kernels share one signature: settings, then two
// inputs and the output as (rank, descriptor) pairs.
#define MLP_CONV_KERNEL(name, impl)                                                            \
  void name##_f32(int64_t s, int64_t p, int64_t d, int64_t ar, void *a, int64_t br, void *b,   \
                  int64_t cr, void *c) {                                                       \
    impl<float>(s, p, d, ar, a, br, b, cr, c);                                                 \
  }                                                                                            \
  void name##_f64(int64_t s, int64_t p, int64_t d, int64_t ar, void *a, int64_t br, void *b,   \
                  int64_t cr, void *c) {                                                       \
    impl<double>(s, p, d, ar, a, br, b, cr, c);                                                \
  }
MLP_CONV_KERNEL(mlp_rt_conv2d, conv2d)
MLP_CONV_KERNEL(mlp_rt_conv2d_grad_filter, conv2dGradFilter)
MLP_CONV_KERNEL(mlp_rt_conv2d_grad_input, conv2dGradInput)
#undef MLP_CONV_KERNEL

void mlp_rt_conv2d_bias_f32(int64_t stride, int64_t padding, int64_t dilation, int64_t relu,
                            int64_t xr, void *x, int64_t wr, void *w, int64_t br, void *b,
                            int64_t yr, void *y) {
  conv2dBias<float>(stride, padding, dilation, relu, xr, x, wr, w, br, b, yr, y);
}
void mlp_rt_conv2d_bias_f64(int64_t stride, int64_t padding, int64_t dilation, int64_t relu,
                            int64_t xr, void *x, int64_t wr, void *w, int64_t br, void *b,
                            int64_t yr, void *y) {
  conv2dBias<double>(stride, padding, dilation, relu, xr, x, wr, w, br, b, yr, y);
}

void mlp_rt_conv2d_grad_filter_pooled_f32(int64_t stride, int64_t padding, int64_t dilation, int64_t k, int64_t xr,
                                          void *x, int64_t mr, void *mask, int64_t gr, void *g, int64_t dwr,
                                          void *dw, int64_t sr, void *sums) {
  conv2dGradFilterPooled<float>(stride, padding, dilation, k, xr, x, mr, mask, gr, g, dwr, dw, sr, sums);
}
void mlp_rt_conv2d_grad_filter_pooled_f64(int64_t stride, int64_t padding, int64_t dilation, int64_t k, int64_t xr,
                                          void *x, int64_t mr, void *mask, int64_t gr, void *g, int64_t dwr,
                                          void *dw, int64_t sr, void *sums) {
  conv2dGradFilterPooled<double>(stride, padding, dilation, k, xr, x, mr, mask, gr, g, dwr, dw, sr, sums);
}
void mlp_rt_conv2d_bias_pool_f32(int64_t stride, int64_t padding, int64_t dilation, int64_t relu, int64_t k,
                                 int64_t positive, int64_t xr, void *x, int64_t wr, void *w, int64_t br,
                                 void *b, int64_t pr, void *pooled, int64_t mr, void *mask) {
  conv2dBiasPool<float>(stride, padding, dilation, relu, k, positive, xr, x, wr, w, br, b, pr, pooled, mr, mask);
}
void mlp_rt_conv2d_bias_pool_f64(int64_t stride, int64_t padding, int64_t dilation, int64_t relu, int64_t k,
                                 int64_t positive, int64_t xr, void *x, int64_t wr, void *w, int64_t br,
                                 void *b, int64_t pr, void *pooled, int64_t mr, void *mask) {
  conv2dBiasPool<double>(stride, padding, dilation, relu, k, positive, xr, x, wr, w, br, b, pr, pooled, mr, mask);
}

} // extern "C"
