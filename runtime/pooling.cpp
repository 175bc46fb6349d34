// Max pooling and its gradient for the generated code. As a linalg loop nest
// they stayed scalar (an innermost loop over the 2-wide window, every other
// element); here the loops run along output rows, which the compiler
// vectorizes, and a batch's planes are split over the threads. Also the sum
// of each channel's planes (a convolution's bias gradient), which as loops
// LLVM unrolled along a row into scalar additions that each stored their
// running sum.
#include "runtime/kernels.h"
#include "runtime/mlp_runtime.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

using namespace mlp::rt;

namespace {

/// Runs body(plane) for planes [0, n), in one contiguous range per thread.
template <class F>
void byPlanes(int64_t n, F &&body) {
  forEachRange(n, rangeParts(n), [&](int, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) body(i);
  });
}

/// One output row of a window K wide (0: `k`, known only at run time).
template <class T, int K>
void poolRow(const T *__restrict in, int64_t w, int64_t k, int64_t ow, int64_t rows,
             T *__restrict out) {
  const int64_t kk = K ? K : k;
  for (int64_t ox = 0; ox < ow; ++ox) out[ox] = -std::numeric_limits<T>::infinity();
  for (int64_t ky = 0; ky < rows; ++ky)
    for (int64_t kx = 0; kx < kk; ++kx)
      for (int64_t ox = 0; ox < ow; ++ox) out[ox] = maxOrNaN(out[ox], in[ky * w + ox * kk + kx]);
}

/// Spreads a pooled row over its windows' columns: out[ox*K + kx] = in[ox].
template <class T, int K>
void spreadRow(const T *__restrict in, int64_t k, int64_t ow, T *__restrict out) {
  const int64_t kk = K ? K : k;
  for (int64_t ox = 0; ox < ow; ++ox)
    for (int64_t kx = 0; kx < kk; ++kx) out[ox * kk + kx] = in[ox];
}

/// One input row's gradient from its windows' max and gradient, spread
/// (and, when Positive, 0 where the input is not > 0).
template <class T, bool Positive>
void gradRow(const T *__restrict in, const T *__restrict max, const T *__restrict g, int64_t covered,
             int64_t w, T *__restrict out) {
  // Every g[i] is read, so that the choice is a select and the loop vectorizes.
  for (int64_t i = 0; i < covered; ++i) {
    T v = g[i];
    out[i] = in[i] == max[i] && (!Positive || in[i] > T(0)) ? v : T(0);
  }
  for (int64_t i = covered; i < w; ++i) out[i] = T(0);
}

/// One input row's mask from its windows' max: 1 where the input is its
/// window's max (and, when Positive, > 0), as gradRow sends g there.
template <class T, bool Positive>
void maskRow(const T *__restrict in, const T *__restrict max, int64_t covered, int64_t w,
             int8_t *__restrict out) {
  for (int64_t i = 0; i < covered; ++i) out[i] = in[i] == max[i] && (!Positive || in[i] > T(0));
  for (int64_t i = covered; i < w; ++i) out[i] = 0;
}

/// One input row's gradient from its mask and its windows' gradient
/// (spread): g where the mask is set, else 0.
template <class T>
void maskedGradRow(const int8_t *__restrict mask, const T *__restrict g, int64_t covered, int64_t w,
                   T *__restrict out) {
  for (int64_t i = 0; i < covered; ++i) out[i] = mask[i] ? g[i] : T(0);
  for (int64_t i = covered; i < w; ++i) out[i] = T(0);
}

#if defined(__AVX512F__)
// 2 x 2 windows over f32, the common case (a 26-wide conv output pools to
// 13): the loops above vectorize such short rows with gathers and a scalar
// tail. Here each step takes 16 outputs from two rows of 32 inputs, with
// masked loads and stores for the rest of a row, and separates each row's
// even and odd columns with one permute each.

/// maxOrNaN lane by lane, with the same choice: b where b > a or b is NaN.
inline __m512 maxOrNaN16(__m512 a, __m512 b) {
  __mmask16 takeB = _mm512_cmp_ps_mask(b, a, _CMP_GT_OQ) | _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q);
  return _mm512_mask_mov_ps(a, takeB, b);
}

/// The first n lanes (none for n <= 0, all 16 for n >= 16).
inline __mmask16 lanes(int64_t n) {
  return n <= 0 ? __mmask16(0) : n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
}

/// row[0..2n) as its first 16 and next 16 floats, 0 past 2n.
inline std::pair<__m512, __m512> load32(const float *row, int64_t n) {
  return {_mm512_maskz_loadu_ps(lanes(2 * n), row), _mm512_maskz_loadu_ps(lanes(2 * n - 16), row + 16)};
}

/// The first n bytes of 32 (none for n <= 0, all for n >= 32).
inline __mmask32 lanes32(int64_t n) { return __mmask32(lanes(n)) | __mmask32(lanes(n - 16)) << 16; }

/// Each of v's 16 values twice, in order: (v0, v0, v1, v1, ..., v7, v7) and
/// (v8, v8, ..., v15, v15), a 2 x 2 window's value over its row's 32 columns.
inline std::pair<__m512, __m512> spread2(__m512 v) {
  const __m512i low = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i high = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  return {_mm512_permutexvar_ps(low, v), _mm512_permutexvar_ps(high, v)};
}

/// The maxes of 16 2 x 2 windows over two rows of 32 inputs each (a0, b0:
/// row 0's first and next 16; a1, b1: row 1's), in the scalar loop's
/// order: row 0's pair, then row 1's.
inline __m512 windowMax2(__m512 a0, __m512 b0, __m512 a1, __m512 b1) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  __m512 m0 = maxOrNaN16(_mm512_permutex2var_ps(a0, even, b0), _mm512_permutex2var_ps(a0, odd, b0));
  __m512 m1 = maxOrNaN16(_mm512_permutex2var_ps(a1, even, b1), _mm512_permutex2var_ps(a1, odd, b1));
  return maxOrNaN16(m0, m1);
}

/// Which of a row's 32 inputs (a, then b) equal their 2 x 2 window's max
/// (maxLow, maxHigh: the maxes spread2'd) and, when Positive, are > 0: bit
/// i for input i, where max pooling's gradient goes.
template <bool Positive>
inline __mmask32 chosen2(__m512 a, __m512 b, __m512 maxLow, __m512 maxHigh) {
  __mmask16 ka = _mm512_cmp_ps_mask(a, maxLow, _CMP_EQ_OQ), kb = _mm512_cmp_ps_mask(b, maxHigh, _CMP_EQ_OQ);
  if (Positive) {
    ka &= _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_GT_OQ);
    kb &= _mm512_cmp_ps_mask(b, _mm512_setzero_ps(), _CMP_GT_OQ);
  }
  return _mm512_kunpackw(kb, ka);
}

/// out[i] = the max of the 2 x 2 window at column 2i of rows r0, r1, for i < ow.
void poolRow2(const float *r0, const float *r1, int64_t ow, float *out) {
  for (int64_t ox = 0; ox < ow; ox += 16) {
    int64_t n = std::min<int64_t>(16, ow - ox);
    auto [a0, b0] = load32(r0 + 2 * ox, n);
    auto [a1, b1] = load32(r1 + 2 * ox, n);
    _mm512_mask_storeu_ps(out + ox, lanes(n), windowMax2(a0, b0, a1, b1));
  }
}

/// The gradient of one output row's 2 x 2 windows: each of rows r0, r1 of
/// the input gets, at its first 2*ow columns, g where it equals its window's
/// max y (and, when Positive, is > 0) and 0 elsewhere.
template <bool Positive>
void gradRow2(const float *r0, const float *r1, const float *y, const float *g, int64_t ow, float *d0,
              float *d1) {
  for (int64_t ox = 0; ox < ow; ox += 16) {
    int64_t n = std::min<int64_t>(16, ow - ox);
    __m512 ys = _mm512_maskz_loadu_ps(lanes(n), y + ox), gs = _mm512_maskz_loadu_ps(lanes(n), g + ox);
    auto [yLow, yHigh] = spread2(ys);
    auto [gLow, gHigh] = spread2(gs);
    for (auto [in, out] : {std::pair(r0, d0), std::pair(r1, d1)}) {
      auto [a, b] = load32(in + 2 * ox, n);
      const __mmask32 chosen = chosen2<Positive>(a, b, yLow, yHigh);
      __m512 da = _mm512_maskz_mov_ps(__mmask16(chosen), gLow), db = _mm512_maskz_mov_ps(__mmask16(chosen >> 16), gHigh);
      _mm512_mask_storeu_ps(out + 2 * ox, lanes(2 * n), da);
      _mm512_mask_storeu_ps(out + 2 * ox + 16, lanes(2 * n - 16), db);
    }
  }
}

/// poolRow2 with gradRow2's choice as a mask: out gets each 2 x 2 window's
/// max, and rows r0, r1 get 1 at their first 2*ow columns where gradRow2
/// would send g (the window's max, and, when Positive, > 0), else 0. The
/// max is compared in registers: read back from `out`, a masked store's
/// load waits for the store to leave.
template <bool Positive>
void poolMaskRow2(const float *r0, const float *r1, int64_t ow, float *out, int8_t *m0, int8_t *m1) {
  for (int64_t ox = 0; ox < ow; ox += 16) {
    int64_t n = std::min<int64_t>(16, ow - ox);
    auto [a0, b0] = load32(r0 + 2 * ox, n);
    auto [a1, b1] = load32(r1 + 2 * ox, n);
    __m512 max = windowMax2(a0, b0, a1, b1);
    _mm512_mask_storeu_ps(out + ox, lanes(n), max);
    auto [maxLow, maxHigh] = spread2(max);
    const __mmask32 inside = lanes32(2 * n);
    for (auto [a, b, mask] : {std::tuple(a0, b0, m0), std::tuple(a1, b1, m1)})
      _mm256_mask_storeu_epi8(mask + 2 * ox, inside,
                              _mm256_maskz_set1_epi8(chosen2<Positive>(a, b, maxLow, maxHigh), 1));
  }
}

/// The gradient of one output row's 2 x 2 windows from the mask: rows d0,
/// d1 get g at their first 2*ow columns where masks m0, m1 are set, else 0.
void maskedGradRow2(const int8_t *m0, const int8_t *m1, const float *g, int64_t ow, float *d0, float *d1) {
  for (int64_t ox = 0; ox < ow; ox += 16) {
    int64_t n = std::min<int64_t>(16, ow - ox);
    __m512 gs = _mm512_maskz_loadu_ps(lanes(n), g + ox);
    auto [gLow, gHigh] = spread2(gs);
    const __mmask32 inside = lanes32(2 * n);
    for (auto [mask, out] : {std::pair(m0, d0), std::pair(m1, d1)}) {
      __m256i bytes = _mm256_maskz_loadu_epi8(inside, mask + 2 * ox);
      __mmask32 set = _mm256_test_epi8_mask(bytes, bytes);
      _mm512_mask_storeu_ps(out + 2 * ox, lanes(2 * n), _mm512_maskz_mov_ps(__mmask16(set), gLow));
      _mm512_mask_storeu_ps(out + 2 * ox + 16, lanes(2 * n - 16), _mm512_maskz_mov_ps(__mmask16(set >> 16), gHigh));
    }
  }
}
#endif

template <class T>
void maxPool(int64_t k, int64_t xr, void *xd, int64_t yr, void *yd) {
  std::vector<T> px;
  Tensor4<T> x = tensor4<T>(xr, xd, px);
  StridedView yv;
  T *y = output<T>(yr, yd, 4, "max pooling", yv);
  int64_t oh = yv.sizes[2], ow = yv.sizes[3];
  byPlanes(x.n * x.c, [&](int64_t plane) {
    const T *in = x.data + plane * x.h * x.w;
    T *out = y + plane * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy, in += k * x.w, out += ow) {
#if defined(__AVX512F__)
      if constexpr (std::is_same_v<T, float>)
        if (k == 2) {
          poolRow2(in, in + x.w, ow, out);
          continue;
        }
#endif
      if (k == 2) poolRow<T, 2>(in, x.w, k, ow, k, out);
      else poolRow<T, 0>(in, x.w, k, ow, k, out);
    }
  });
}

/// x[0] + ... + x[n - 1] in a fixed order. With AVX-512: in 64 lanes (four
/// vectors) a step, the last partial step masked into the same lanes, then
/// the four vectors added pairwise and their lanes by a tree. A plane of
/// 676 floats is about 60 cycles: summed lane by lane after the leftovers,
/// one dependent addition at a time, it took 450. Elsewhere: 64 lanes in an
/// array, summed in order after the leftovers.
template <class T>
T planeSum(const T *x, int64_t n) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    __m512 v[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64)
      for (int q = 0; q < 4; ++q) v[q] = _mm512_add_ps(v[q], _mm512_loadu_ps(x + i + 16 * q));
    for (int q = 0; i < n; i += 16, ++q) {
      const __mmask16 m = static_cast<__mmask16>(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
      v[q] = _mm512_add_ps(v[q], _mm512_maskz_loadu_ps(m, x + i));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(v[0], v[1]), _mm512_add_ps(v[2], v[3])));
  } else {
    __m512d v[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
      for (int q = 0; q < 4; ++q) v[q] = _mm512_add_pd(v[q], _mm512_loadu_pd(x + i + 8 * q));
    for (int q = 0; i < n; i += 8, ++q) {
      const __mmask8 m = static_cast<__mmask8>(n - i >= 8 ? 0xff : (1u << (n - i)) - 1);
      v[q] = _mm512_add_pd(v[q], _mm512_maskz_loadu_pd(m, x + i));
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(v[0], v[1]), _mm512_add_pd(v[2], v[3])));
  }
#else
  constexpr int kLanes = 256 / sizeof(T);
  T lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += x[i + l];
  T sum = 0;
  for (; i < n; ++i) sum += x[i];
  for (int l = 0; l < kLanes; ++l) sum += lane[l];
  return sum;
#endif
}

/// dx, the gradient of max pooling (with `Positive`, masked where x is not
/// > 0); with `planeSums`, also each plane's sum of dx (planeSum's, at
/// b * C + c), added while the plane is in cache.
template <class T, bool Positive>
void maxPoolGrad(int64_t k, int64_t xr, void *xd, int64_t yr, void *yd, int64_t gr, void *gd,
                 int64_t dxr, void *dxd, T *planeSums = nullptr) {
  std::vector<T> px, py, pg;
  Tensor4<T> x = tensor4<T>(xr, xd, px), y = tensor4<T>(yr, yd, py), g = tensor4<T>(gr, gd, pg);
  StridedView dxv;
  T *dx = output<T>(dxr, dxd, 4, "max pooling gradient", dxv);
  int64_t covered = y.w * k;
  byPlanes(x.n * x.c, [&](int64_t plane) {
    thread_local std::vector<T> max, grad;
    max.resize(covered), grad.resize(covered);
    const T *in = x.data + plane * x.h * x.w;
    T *out = dx + plane * x.h * x.w;
    for (int64_t oy = 0; oy < y.h; ++oy) {
      int64_t row = (plane * y.h + oy) * y.w;
#if defined(__AVX512F__)
      if constexpr (std::is_same_v<T, float>)
        if (k == 2) {
          gradRow2<Positive>(in, in + x.w, y.data + row, g.data + row, y.w, out, out + x.w);
          for (int64_t i = covered; i < x.w; ++i) out[i] = out[x.w + i] = T(0);
          in += 2 * x.w, out += 2 * x.w;
          continue;
        }
#endif
      if (k == 2) {
        spreadRow<T, 2>(y.data + row, k, y.w, max.data());
        spreadRow<T, 2>(g.data + row, k, y.w, grad.data());
      } else {
        spreadRow<T, 0>(y.data + row, k, y.w, max.data());
        spreadRow<T, 0>(g.data + row, k, y.w, grad.data());
      }
      for (int64_t ky = 0; ky < k; ++ky, in += x.w, out += x.w)
        gradRow<T, Positive>(in, max.data(), grad.data(), covered, x.w, out);
    }
    std::fill(out, dx + (plane + 1) * x.h * x.w, T(0)); // rows below the last window
    if (planeSums) planeSums[plane] = planeSum(dx + plane * x.h * x.w, x.h * x.w);
  });
}

/// maxPoolGrad's dx, and s[c] = the sum of dx[b, c, :, :] over every sample
/// b: each plane summed as channelSums sums it, the planes then added in
/// order of b (a fixed order whatever the thread count).
template <class T, bool Positive>
void maxPoolGradSums(int64_t k, int64_t xr, void *xd, int64_t yr, void *yd, int64_t gr, void *gd,
                     int64_t dxr, void *dxd, int64_t sr, void *sd) {
  StridedView xv = view_from_descriptor(xr, xd);
  ChannelSums<T> sums(sr, sd, xv.sizes[0], xv.sizes[1], "max pooling gradient sums");
  maxPoolGrad<T, Positive>(k, xr, xd, yr, yd, gr, gd, dxr, dxd, sums.planes());
  sums.add();
}

/// The gradient of max pooling from the mask the forward pass made
/// (PoolSink): dx[b, c, y, x] = g[b, c, y/k, x/k] where mask[b, c, y, x] is
/// set, else 0, the same dx maxPoolGrad makes from x and y without reading
/// x; and its sums as maxPoolGradSums makes them.
template <class T>
void maskedPoolGradSums(int64_t k, int64_t mr, void *md, int64_t gr, void *gd, int64_t dxr, void *dxd,
                        int64_t sr, void *sd) {
  std::vector<int8_t> pm;
  std::vector<T> pg;
  Tensor4<int8_t> m = tensor4<int8_t>(mr, md, pm);
  Tensor4<T> g = tensor4<T>(gr, gd, pg);
  StridedView dxv;
  T *dx = output<T>(dxr, dxd, 4, "max pooling gradient", dxv);
  ChannelSums<T> sums(sr, sd, m.n, m.c, "max pooling gradient sums");
  const MaskedPoolGradient<T> pooled{k, m.data, g.data, m.h, m.w, g.h, g.w};
  const int64_t size = m.h * m.w;
  T *planeSums = sums.planes();
  byPlanes(m.n * m.c, [&](int64_t plane) { planeSums[plane] = pooled.plane(plane, dx + plane * size); });
  sums.add();
}

/// s[c] = the sum of x[b, c, :, :] over every sample b. The samples are
/// split over the threads in contiguous ranges, each summed into its own
/// partial, and the partials added in part order: a thread count gives
/// fixed results.
template <class T>
void channelSums(int64_t xr, void *xd, int64_t sr, void *sd) {
  std::vector<T> px;
  Tensor4<T> x = tensor4<T>(xr, xd, px);
  StridedView sv;
  T *s = output<T>(sr, sd, 1, "channel sums", sv);
  const int64_t plane = x.h * x.w;
  const int parts = std::max(1, rangeParts(x.n));
  std::vector<T> partials(static_cast<size_t>(parts * x.c), T(0));
  forEachRange(x.n, parts, [&](int p, int64_t begin, int64_t end) {
    T *partial = partials.data() + p * x.c;
    for (int64_t b = begin; b < end; ++b)
      for (int64_t c = 0; c < x.c; ++c) partial[c] += planeSum(x.data + (b * x.c + c) * plane, plane);
  });
  for (int64_t c = 0; c < x.c; ++c) {
    T sum = 0;
    for (int p = 0; p < parts; ++p) sum += partials[p * x.c + c];
    s[c] = sum;
  }
}

} // namespace

namespace mlp::rt {

template <class T>
void PoolSink<T>::plane(int64_t b, int64_t f, const T *x) const {
  const int64_t index = b * channels + f, covered = ow * k;
  T *out = pooled + index * oh * ow;
  int8_t *m = mask + index * h * w;
  thread_local std::vector<T> max;
  max.resize(covered);
  for (int64_t oy = 0; oy < oh; ++oy, x += k * w, out += ow, m += k * w) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>)
      if (k == 2) {
        if (positive) poolMaskRow2<true>(x, x + w, ow, out, m, m + w);
        else poolMaskRow2<false>(x, x + w, ow, out, m, m + w);
        for (int64_t i = covered; i < w; ++i) m[i] = m[w + i] = 0;
        continue;
      }
#endif
    if (k == 2) poolRow<T, 2>(x, w, k, ow, k, out);
    else poolRow<T, 0>(x, w, k, ow, k, out);
    spreadRow<T, 0>(out, k, ow, max.data());
    for (int64_t ky = 0; ky < k; ++ky) {
      if (positive) maskRow<T, true>(x + ky * w, max.data(), covered, w, m + ky * w);
      else maskRow<T, false>(x + ky * w, max.data(), covered, w, m + ky * w);
    }
  }
  std::fill(m, mask + (index + 1) * h * w, int8_t(0)); // rows below the last window
}

template struct PoolSink<float>;
template struct PoolSink<double>;

template <class T>
T MaskedPoolGradient<T>::plane(int64_t index, T *out) const {
  thread_local std::vector<T> spread;
  const int64_t covered = gw * k, size = h * w;
  spread.resize(covered);
  const int8_t *m = mask + index * size;
  T *d = out;
  for (int64_t oy = 0; oy < gh; ++oy) {
    const T *row = grad + (index * gh + oy) * gw;
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>)
      if (k == 2) {
        maskedGradRow2(m, m + w, row, gw, d, d + w);
        for (int64_t i = covered; i < w; ++i) d[i] = d[w + i] = T(0);
        m += 2 * w, d += 2 * w;
        continue;
      }
#endif
    if (k == 2) spreadRow<T, 2>(row, k, gw, spread.data());
    else spreadRow<T, 0>(row, k, gw, spread.data());
    for (int64_t ky = 0; ky < k; ++ky, m += w, d += w) maskedGradRow<T>(m, spread.data(), covered, w, d);
  }
  std::fill(d, out + size, T(0)); // rows below the last window
  return planeSum(out, size);
}

template struct MaskedPoolGradient<float>;
template struct MaskedPoolGradient<double>;

} // namespace mlp::rt

extern "C" {

void mlp_rt_maxpool2d_mask_grad_sums_f32(int64_t k, int64_t mr, void *mask, int64_t gr, void *g, int64_t dxr,
                                         void *dx, int64_t sr, void *s) {
  maskedPoolGradSums<float>(k, mr, mask, gr, g, dxr, dx, sr, s);
}
void mlp_rt_maxpool2d_mask_grad_sums_f64(int64_t k, int64_t mr, void *mask, int64_t gr, void *g, int64_t dxr,
                                         void *dx, int64_t sr, void *s) {
  maskedPoolGradSums<double>(k, mr, mask, gr, g, dxr, dx, sr, s);
}

void mlp_rt_channel_sums_f32(int64_t xr, void *x, int64_t sr, void *s) { channelSums<float>(xr, x, sr, s); }
void mlp_rt_channel_sums_f64(int64_t xr, void *x, int64_t sr, void *s) { channelSums<double>(xr, x, sr, s); }

void mlp_rt_maxpool2d_f32(int64_t k, int64_t xr, void *x, int64_t yr, void *y) {
  maxPool<float>(k, xr, x, yr, y);
}
void mlp_rt_maxpool2d_f64(int64_t k, int64_t xr, void *x, int64_t yr, void *y) {
  maxPool<double>(k, xr, x, yr, y);
}
void mlp_rt_maxpool2d_grad_sums_f32(int64_t k, int64_t positive, int64_t xr, void *x, int64_t yr, void *y,
                                    int64_t gr, void *g, int64_t dxr, void *dx, int64_t sr, void *s) {
  if (positive) maxPoolGradSums<float, true>(k, xr, x, yr, y, gr, g, dxr, dx, sr, s);
  else maxPoolGradSums<float, false>(k, xr, x, yr, y, gr, g, dxr, dx, sr, s);
}
void mlp_rt_maxpool2d_grad_sums_f64(int64_t k, int64_t positive, int64_t xr, void *x, int64_t yr, void *y,
                                    int64_t gr, void *g, int64_t dxr, void *dx, int64_t sr, void *s) {
  if (positive) maxPoolGradSums<double, true>(k, xr, x, yr, y, gr, g, dxr, dx, sr, s);
  else maxPoolGradSums<double, false>(k, xr, x, yr, y, gr, g, dxr, dx, sr, s);
}
void mlp_rt_maxpool2d_grad_f32(int64_t k, int64_t positive, int64_t xr, void *x, int64_t yr, void *y,
                               int64_t gr, void *g, int64_t dxr, void *dx) {
  if (positive) maxPoolGrad<float, true>(k, xr, x, yr, y, gr, g, dxr, dx);
  else maxPoolGrad<float, false>(k, xr, x, yr, y, gr, g, dxr, dx);
}
void mlp_rt_maxpool2d_grad_f64(int64_t k, int64_t positive, int64_t xr, void *x, int64_t yr, void *y,
                               int64_t gr, void *g, int64_t dxr, void *dx) {
  if (positive) maxPoolGrad<double, true>(k, xr, x, yr, y, gr, g, dxr, dx);
  else maxPoolGrad<double, false>(k, xr, x, yr, y, gr, g, dxr, dx);
}

} // extern "C"
