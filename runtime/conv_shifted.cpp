// Direct convolutions of stride 1 on libxsmm, without im2col's column matrix.
//
// With stride 1, output pixel (oy, ox) reads input pixel (oy + kh*d,
// ox + kw*d) for kernel tap (kh, kw). Lay a sample's input out as C rows of
// its (padded) Hp x Wp pixels, and compute each output row at the input's
// width Wp: output position p = oy*Wp + ox then reads input position
// p + kh*d*Wp + kw*d. So for one tap the whole sample's output is one
// product, F x C weights times the C x span input window shifted by the tap,
// where span = (OH-1)*Wp + OW runs from the first output pixel to the last;
// a convolution is the sum of KH*KW such products. The Wp - OW positions
// between output rows are computed and dropped (forward), or held at zero
// (gradients, so that they add nothing). The shifted windows end exactly at
// the input's last pixel, so nothing reads past a sample.
//
// For conv2 of fashion_cnn (32 -> 64 channels, 3x3 on 13x13) this does 17%
// more multiply-adds than im2col but copies no 9x-sized column matrix, twice
// per sample (forward and filter gradient), and needs no col2im.
#include "runtime/internal.h"
#include "runtime/kernels.h"

#include <algorithm>
#include <vector>

namespace mlp::rt {
namespace {

/// im2col does better with few input channels: the taps' products would
/// each sum over only C values.
constexpr int64_t kMinChannels = 8;

struct Shifted {
  ConvShape s;
  int64_t hp, wp, plane, span, taps;

  explicit Shifted(const ConvShape &shape)
      : s(shape), hp(s.h + 2 * s.padding), wp(s.w + 2 * s.padding), plane(hp * wp),
        span((s.oh - 1) * wp + s.ow), taps(s.kh * s.kw) {}

  bool applies() const {
    return s.stride == 1 && s.c >= kMinChannels && s.oh > 0 && s.ow > 0;
  }
  /// Where tap t's window starts in a padded input plane.
  int64_t offset(int64_t t) const {
    return (t / s.kw) * s.dilation * wp + (t % s.kw) * s.dilation;
  }
  /// Weights [F, C, KH, KW] regrouped by tap: [KH*KW][F][C].
  std::vector<float> weightsByTap(const float *w) const {
    std::vector<float> out(static_cast<size_t>(taps * s.f * s.c));
    for (int64_t f = 0; f < s.f; ++f)
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t t = 0; t < taps; ++t) out[(t * s.f + f) * s.c + c] = w[(f * s.c + c) * taps + t];
    return out;
  }
  /// Sample `x` (C x H x W) with its zero padding: `x` itself without
  /// padding, else a copy in `buffer` (whose border stays zero).
  const float *padded(const float *x, std::vector<float> &buffer) const {
    if (s.padding == 0) return x;
    buffer.resize(static_cast<size_t>(s.c * plane));
    for (int64_t c = 0; c < s.c; ++c)
      for (int64_t y = 0; y < s.h; ++y)
        std::copy_n(x + (c * s.h + y) * s.w, s.w,
                    buffer.data() + c * plane + (y + s.padding) * wp + s.padding);
    return buffer.data();
  }
};

} // namespace

bool shiftedConv2d(const ConvShape &s, int64_t n, const float *x, const float *w, float *y,
                   const Epilogue<float> &epilogue, const PoolSink<float> *pool) {
  Shifted d(s);
  if (!d.applies()) return false;
  // y_ext (F x span) = sum over taps of W_t (F x C) X_t (C x span, rows a plane apart).
  auto first = smallGemm(s.f, d.span, s.c, s.c, d.plane, d.span, false, 0);
  auto rest = smallGemm(s.f, d.span, s.c, s.c, d.plane, d.span, false, 1);
  if (!first || !rest) return false;
  std::vector<float> wt = d.weightsByTap(w);
  forEachRange(n, rangeParts(n), [&](int, int64_t begin, int64_t end) {
    std::vector<float> pad(static_cast<size_t>(s.c * d.plane), 0.0f);
    std::vector<float> ext(static_cast<size_t>(s.f * d.span));
    std::vector<float> sample(pool ? static_cast<size_t>(s.f * s.pixels()) : 0); // pooled, not kept
    for (int64_t b = begin; b < end; ++b) {
      const float *xb = d.padded(x + b * s.c * s.h * s.w, pad);
      for (int64_t t = 0; t < d.taps; ++t)
        (t == 0 ? first : rest)(xb + d.offset(t), wt.data() + t * s.f * s.c, ext.data());
      float *yb = pool ? sample.data() : y + b * s.f * s.pixels();
      for (int64_t f = 0; f < s.f; ++f) {
        for (int64_t oy = 0; oy < s.oh; ++oy)
          std::copy_n(ext.data() + f * d.span + oy * d.wp, s.ow, yb + (f * s.oh + oy) * s.ow);
        epilogue.apply(yb + f * s.pixels(), f, s.pixels());
        if (pool) pool->plane(b, f, yb + f * s.pixels());
      }
    }
  });
  return true;
}

bool shiftedConv2dGradInput(const ConvShape &s, int64_t n, const float *g, const float *w,
                            float *dx) {
  Shifted d(s);
  if (!d.applies()) return false;
  // dX_t (C x span, rows a plane apart) += W_t^T (C x F) G_ext (F x span), tap by tap.
  auto kernel = smallGemm(s.c, d.span, s.f, s.c, d.span, d.plane, true, 1);
  if (!kernel) return false;
  std::vector<float> wt = d.weightsByTap(w);
  int64_t image = s.c * s.h * s.w;
  forEachRange(n, rangeParts(n), [&](int, int64_t begin, int64_t end) {
    // The positions between output rows stay zero.
    std::vector<float> ext(static_cast<size_t>(s.f * d.span), 0.0f);
    std::vector<float> pad(static_cast<size_t>(s.padding ? s.c * d.plane : 0));
    for (int64_t b = begin; b < end; ++b) {
      const float *gb = g + b * s.f * s.pixels();
      for (int64_t f = 0; f < s.f; ++f)
        for (int64_t oy = 0; oy < s.oh; ++oy)
          std::copy_n(gb + (f * s.oh + oy) * s.ow, s.ow, ext.data() + f * d.span + oy * d.wp);
      float *out = s.padding ? pad.data() : dx + b * image;
      std::fill_n(out, s.c * d.plane, 0.0f);
      for (int64_t t = 0; t < d.taps; ++t)
        kernel(ext.data(), wt.data() + t * s.f * s.c, out + d.offset(t));
      if (s.padding)
        for (int64_t c = 0; c < s.c; ++c)
          for (int64_t y = 0; y < s.h; ++y)
            std::copy_n(out + c * d.plane + (y + s.padding) * d.wp + s.padding, s.w,
                        dx + b * image + (c * s.h + y) * s.w);
    }
  });
  return true;
}

bool shiftedConv2dGradFilter(const ConvShape &s, int64_t n, const float *x, const OutputGradient<float> &g,
                             float *dw) {
  Shifted d(s);
  if (!d.applies()) return false;
  // dW_t^T (C x F) += X_t (C x span, rows a plane apart) G_ext^T (span x F):
  // libxsmm has no kernel for a transposed right operand, so each sample's
  // G_ext is transposed once and serves all taps.
  auto kernel = smallGemm(s.c, s.f, d.span, d.plane, s.f, s.f, false, 1);
  if (!kernel) return false;
  // Each part sums its samples into its own partial, [taps][C][F]; the
  // partials are added in part order, so a thread count gives fixed results.
  int64_t size = d.taps * s.c * s.f;
  int parts = std::max(1, rangeParts(n));
  std::vector<float> partials(static_cast<size_t>(parts * size), 0.0f);
  forEachRange(n, parts, [&](int p, int64_t begin, int64_t end) {
    std::vector<float> pad(static_cast<size_t>(s.c * d.plane), 0.0f);
    std::vector<float> extT(static_cast<size_t>(d.span * s.f), 0.0f); // rows between output rows stay zero
    std::vector<float> made(g.pooled ? static_cast<size_t>(s.f * s.pixels()) : 0);
    float *partial = partials.data() + p * size;
    for (int64_t b = begin; b < end; ++b) {
      const float *xb = d.padded(x + b * s.c * s.h * s.w, pad);
      const float *gb = g.sample(s, b, made.data());
      for (int64_t oy = 0; oy < s.oh; ++oy)
        transposeInto(gb + oy * s.ow, s.pixels(), extT.data() + oy * d.wp * s.f, s.f, s.f, s.ow);
      for (int64_t t = 0; t < d.taps; ++t)
        kernel(extT.data(), xb + d.offset(t), partial + t * s.c * s.f);
    }
  });
  for (int64_t f = 0; f < s.f; ++f)
    for (int64_t c = 0; c < s.c; ++c)
      for (int64_t t = 0; t < d.taps; ++t) {
        float sum = 0;
        for (int p = 0; p < parts; ++p) sum += partials[p * size + (t * s.c + c) * s.f + f];
        dw[(f * s.c + c) * d.taps + t] = sum;
      }
  return true;
}

} // namespace mlp::rt
