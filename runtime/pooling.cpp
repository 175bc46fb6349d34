// Max pooling and its gradient for the generated code. As a linalg loop nest
// they stayed scalar (an innermost loop over the 2-wide window, every other
// element); here the loops run along output rows, which the compiler
// vectorizes, and a batch's planes are split over the threads.
#include "runtime/kernels.h"
#include "runtime/mlp_runtime.h"

#include <algorithm>
#include <limits>
#include <vector>

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

/// One input row's gradient from its windows' max and gradient, spread.
template <class T>
void gradRow(const T *__restrict in, const T *__restrict max, const T *__restrict g, int64_t covered,
             int64_t w, T *__restrict out) {
  // Every g[i] is read, so that the choice is a select and the loop vectorizes.
  for (int64_t i = 0; i < covered; ++i) {
    T v = g[i];
    out[i] = in[i] == max[i] ? v : T(0);
  }
  for (int64_t i = covered; i < w; ++i) out[i] = T(0);
}

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
    for (int64_t oy = 0; oy < oh; ++oy, in += k * x.w, out += ow)
      if (k == 2) poolRow<T, 2>(in, x.w, k, ow, k, out);
      else poolRow<T, 0>(in, x.w, k, ow, k, out);
  });
}

template <class T>
void maxPoolGrad(int64_t k, int64_t xr, void *xd, int64_t yr, void *yd, int64_t gr, void *gd,
                 int64_t dxr, void *dxd) {
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
      if (k == 2) {
        spreadRow<T, 2>(y.data + row, k, y.w, max.data());
        spreadRow<T, 2>(g.data + row, k, y.w, grad.data());
      } else {
        spreadRow<T, 0>(y.data + row, k, y.w, max.data());
        spreadRow<T, 0>(g.data + row, k, y.w, grad.data());
      }
      for (int64_t ky = 0; ky < k; ++ky, in += x.w, out += x.w)
        gradRow(in, max.data(), grad.data(), covered, x.w, out);
    }
    std::fill(out, dx + (plane + 1) * x.h * x.w, T(0)); // rows below the last window
  });
}

} // namespace

extern "C" {

void mlp_rt_maxpool2d_f32(int64_t k, int64_t xr, void *x, int64_t yr, void *y) {
  maxPool<float>(k, xr, x, yr, y);
}
void mlp_rt_maxpool2d_f64(int64_t k, int64_t xr, void *x, int64_t yr, void *y) {
  maxPool<double>(k, xr, x, yr, y);
}
void mlp_rt_maxpool2d_grad_f32(int64_t k, int64_t xr, void *x, int64_t yr, void *y, int64_t gr,
                               void *g, int64_t dxr, void *dx) {
  maxPoolGrad<float>(k, xr, x, yr, y, gr, g, dxr, dx);
}
void mlp_rt_maxpool2d_grad_f64(int64_t k, int64_t xr, void *x, int64_t yr, void *y, int64_t gr,
                               void *g, int64_t dxr, void *dx) {
  maxPoolGrad<double>(k, xr, x, yr, y, gr, g, dxr, dx);
}

} // extern "C"
