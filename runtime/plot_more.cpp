/// \file plot_more.cpp
/// More plots, drawn as SVG (or a PNG of it) with the frame, axes, colour
/// scales and file writing of the history plot (plot_svg.h):
///  - a histogram of a numeric column, optionally one per class, overlaid;
///  - the confusion matrix of an evaluation as a heatmap;
///  - a regression's predicted values against the actual ones.

#include "runtime/plot_svg.h"

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace mlp::rt {
namespace {

using namespace svg;

const char *const kMissing = "#a0a0a0";

/// Room on the left of a plot area for the widest tick label of `a` and the
/// axis title beside it.
double left_margin(const Axis &a) {
  double widest = 0;
  int ticks = static_cast<int>(std::lround((a.hi - a.lo) / a.step));
  for (int i = 0; i <= ticks; ++i) widest = std::max(widest, text_px(tick_label(a.lo + i * a.step, a)));
  return std::max(72.0, 44 + widest);
}

/// Rough width of bold 16px text (titles).
double title_px(std::string_view text) { return text_px(text) * 16.0 / 12.0 * 1.08; }

/// `text` cut to `max` characters (the last one an ellipsis) for a label.
std::string clipped(const std::string &text, size_t max) {
  if (text_width(text) <= max) return text;
  // Cut at a character boundary: skip UTF-8 continuation bytes.
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size() && chars < max - 1; ++chars) {
    size_t j = i + 1;
    while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xc0) == 0x80) ++j;
    out.append(text, i, j - i);
    i = j;
  }
  return out + "\u2026";
}

/* ------------------------------------------------------------ histogram */

/// numpy's percentile (linear interpolation) of sorted values.
double percentile(const std::vector<double> &sorted, double q) {
  double pos = q / 100 * static_cast<double>(sorted.size() - 1);
  size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (sorted[i + 1] - sorted[i]) * (pos - static_cast<double>(i));
}

/// Most bins the "auto" rule gives: Freedman-Diaconis can ask for millions
/// when a few values lie far out; past this, bars are thinner than a pixel.
constexpr int64_t kMaxAutoBins = 200;

/// numpy.histogram_bin_edges(values, bins or "auto"): `bins` + 1 equal-width
/// edges over the values' range (±0.5 around a single value; 0..1 for none).
/// "auto" is the larger bin count of Sturges (log2(n) + 1 bins) and
/// Freedman-Diaconis (width 2 IQR / cbrt(n)); Sturges alone when the IQR is
/// 0; at most kMaxAutoBins.
std::vector<double> bin_edges(const std::vector<double> &values, int64_t bins) {
  double lo = 0, hi = 1;
  if (!values.empty()) {
    auto [mn, mx] = std::minmax_element(values.begin(), values.end());
    lo = *mn, hi = *mx;
  }
  const bool spread = !values.empty() && lo < hi;
  if (lo == hi) lo -= 0.5, hi += 0.5;
  if (bins == 0) {
    bins = 1;
    if (spread) {
      double n = static_cast<double>(values.size());
      double range = hi - lo;
      double width = range / (std::log2(n) + 1.0); // Sturges
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      double iqr = percentile(sorted, 75) - percentile(sorted, 25);
      double fd = 2.0 * iqr * std::pow(n, -1.0 / 3.0);
      if (fd > 0) width = std::min(width, fd);
      bins = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(range / width)), 1, kMaxAutoBins);
    }
  }
  // numpy.linspace: start + i * step, the last edge exactly `hi`.
  std::vector<double> edges(static_cast<size_t>(bins) + 1);
  double step = (hi - lo) / static_cast<double>(bins);
  for (int64_t i = 0; i <= bins; ++i) edges[i] = lo + static_cast<double>(i) * step;
  edges.back() = hi;
  return edges;
}

/// The bin of `v` among `edges` (numpy's: [edge, next edge), the last bin
/// closed on the right); -1 outside.
int64_t bin_of(const std::vector<double> &edges, double v) {
  const int64_t bins = static_cast<int64_t>(edges.size()) - 1;
  if (v < edges.front() || v > edges.back()) return -1;
  auto k = static_cast<int64_t>((v - edges.front()) / (edges.back() - edges.front()) * static_cast<double>(bins));
  k = std::clamp<int64_t>(k, 0, bins - 1);
  if (v < edges[k]) --k;
  else if (k + 1 < bins && v >= edges[k + 1]) ++k;
  return k;
}

std::string svg_histogram(const MlpTable &t, const Column &xc, int64_t bins, const Column *cc) {
  // The values, and each one's class (-1: missing, when coloured).
  std::vector<double> values;
  std::vector<int32_t> classOf;
  for (int64_t i = 0; i < t.rows; ++i) {
    double v = xc.number(i);
    if (!std::isfinite(v)) continue;
    values.push_back(v);
    if (cc) classOf.push_back(cc->codes[i]);
  }
  const std::vector<double> edges = bin_edges(values, bins);
  const size_t nbins = edges.size() - 1;
  // One histogram per class (the last one for a missing class), or just one.
  const size_t classes = cc ? cc->labels.size() + 1 : 1;
  std::vector<std::vector<int64_t>> counts(classes, std::vector<int64_t>(nbins, 0));
  std::vector<int64_t> perClass(classes, 0);
  for (size_t i = 0; i < values.size(); ++i) {
    size_t k = !cc ? 0 : classOf[i] < 0 ? classes - 1 : static_cast<size_t>(classOf[i]);
    ++counts[k][static_cast<size_t>(bin_of(edges, values[i]))];
    ++perClass[k];
  }
  int64_t most = 0;
  for (const auto &c : counts) most = std::max(most, *std::max_element(c.begin(), c.end()));

  // The legend: each class with values, in label order, then "missing".
  std::vector<size_t> shown;
  for (size_t k = 0; cc && k < classes; ++k)
    if (perClass[k] > 0) shown.push_back(k);
  auto name_of = [&](size_t k) { return k + 1 == classes ? std::string("missing") : cc->labels[k]; };
  auto colour_of = [&](size_t k) { return k + 1 == classes ? kMissing : kTab10[k % std::size(kTab10)]; };
  double longest = cc ? text_px(cc->name) : 0;
  for (size_t k : shown) longest = std::max(longest, text_px(clipped(name_of(k), 30)));

  Axis x = nice_axis(edges.front(), edges.back(), 6);
  Axis y = nice_axis(0, std::max(1.0, static_cast<double>(most) * 1.05), 6, 1.0);
  const double width = 720, height = 440;
  const double top = 48, bottom = height - 56;
  const double left = left_margin(y);
  const double legend = cc ? std::max(110.0, 48 + longest) : 16;
  const Frame f{width, height, left, top, width - legend - 16, bottom, x, y};

  std::string svg;
  auto out = std::back_inserter(svg);
  begin(svg, width, height);
  title(svg, f, "histogram of " + xc.name + (cc ? " by " + cc->name : ""));
  axes(svg, f, xc.name, "count");

  // Bars, one group per histogram: alone, nearly opaque with white edges;
  // overlaid, half transparent so that each shows through the others (the
  // missing class first, under the rest).
  std::vector<size_t> drawn;
  if (!cc) drawn = {0};
  else if (!shown.empty() && shown.back() + 1 == classes) drawn.push_back(classes - 1);
  for (size_t k : shown)
    if (k + 1 < classes) drawn.push_back(k);
  for (size_t k : drawn) {
    if (cc)
      fmt::format_to(out, "<g fill=\"{0}\" fill-opacity=\"0.45\" stroke=\"{0}\" stroke-width=\"1\">\n", colour_of(k));
    else
      fmt::format_to(out, "<g fill=\"{}\" fill-opacity=\"0.85\" stroke=\"white\" stroke-width=\"0.75\">\n",
                     kTab10[0]);
    for (size_t b = 0; b < nbins; ++b) {
      if (counts[k][b] == 0) continue;
      double x0 = f.px(edges[b]), x1 = f.px(edges[b + 1]), y0 = f.py(static_cast<double>(counts[k][b]));
      fmt::format_to(out, "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"/>\n", x0, y0,
                     x1 - x0, bottom - y0);
    }
    svg += "</g>\n";
  }

  if (cc) {
    // Beside the plot area's top right corner: the colour column, then a
    // swatch per class, as many as fit.
    const double lx = f.right + 16;
    double ly = top + 10;
    fmt::format_to(out, "<text x=\"{}\" y=\"{}\" dy=\"0.35em\" font-weight=\"bold\">{}</text>\n", lx, ly,
                   escaped(cc->name));
    ly += 22;
    size_t fit = static_cast<size_t>(std::max(2.0, std::floor((bottom - ly) / 20) + 1));
    size_t listed = shown.size() <= fit ? shown.size() : fit - 1;
    for (size_t i = 0; i < listed; ++i) {
      size_t k = shown[i];
      fmt::format_to(out,
                     "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\" fill-opacity=\"0.45\" "
                     "stroke=\"{}\"/>\n"
                     "<text x=\"{}\" y=\"{}\" dy=\"0.35em\">{}</text>\n",
                     lx, ly - 6, colour_of(k), colour_of(k), lx + 18, ly, escaped(clipped(name_of(k), 30)));
      ly += 20;
    }
    if (listed < shown.size())
      fmt::format_to(out, "<text x=\"{}\" y=\"{}\" dy=\"0.35em\" fill=\"#555555\">({} more)</text>\n", lx + 18, ly,
                     shown.size() - listed);
  }
  svg += "</svg>\n";
  return svg;
}

/* ------------------------------------------------------------- confusion */

std::string svg_confusion(const MlpBatcher &b, const std::vector<std::vector<int64_t>> &m) {
  const size_t c = m.size();
  int64_t most = 0;
  for (const auto &row : m)
    for (int64_t v : row) most = std::max(most, v);

  // Square cells, smaller as the classes grow in number; counts in the cells
  // while they fit, labels on both axes (every k-th when cells are thin).
  // Whole pixels, so that neighbouring cells leave no seam.
  const double cell = std::floor(std::clamp(400.0 / std::max<double>(1, static_cast<double>(c)), 6.0, 96.0));
  const double area = cell * static_cast<double>(c);
  const double countFont = cell >= 56 ? 14 : cell >= 30 ? 12 : 10;
  size_t digits = std::to_string(most).size();
  const bool counts = cell >= 16 && digits * countFont * 0.62 + 4 <= cell;
  const size_t every = cell >= 14 ? 1 : static_cast<size_t>(std::ceil(14 / cell));
  std::vector<std::string> labels;
  double longest = 0;
  for (const std::string &l : b.classNames) {
    labels.push_back(clipped(l, 24));
    longest = std::max(longest, text_px(labels.back()));
  }
  // Predicted labels lie flat under their column if they fit, else turned
  // by 45 degrees.
  const bool turned = longest + 6 > cell * static_cast<double>(every);
  const double below = turned ? 14 + longest * 0.71 + 8 : 26;

  // Room on the left for the axis title and the true labels (which also
  // leaves room for the turned predicted labels, the same texts, reaching
  // left from their columns).
  const double top = 48;
  const double left = std::max(72.0, 16 + 24 + longest + 10);
  const double right = left + area;
  const double bottom = top + area;
  std::string caption = "confusion matrix: " + b.targetName;
  const double barX = right + 20;
  double barLabels = text_px(std::to_string(most)) + 30;
  // Whole pixels, so that a PNG is exactly twice the size.
  const double width = std::ceil(std::max(barX + 14 + barLabels + 16, title_px(caption) + 40));
  const double height = std::ceil(bottom + below + 30);
  const Axis unit{0, 1, 1, 0};
  // The title centred over the whole figure when it is wider than the area.
  const bool wide = title_px(caption) > area;
  const Frame f{width, height, wide ? 0 : left, top, wide ? width : right, bottom, unit, unit};

  std::string svg;
  auto out = std::back_inserter(svg);
  begin(svg, width, height);
  title(svg, f, caption);

  // Cells, their counts (white on dark cells), and a frame around them.
  svg += "<g stroke=\"none\">\n";
  for (size_t i = 0; i < c; ++i)
    for (size_t j = 0; j < c; ++j)
      fmt::format_to(out, "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"/>\n",
                     left + j * cell, top + i * cell, cell, cell,
                     scale_colour(kBlues, most > 0 ? static_cast<double>(m[i][j]) / most : 0));
  svg += "</g>\n";
  if (counts) {
    fmt::format_to(out, "<g text-anchor=\"middle\" font-size=\"{}\">\n", countFont);
    for (size_t i = 0; i < c; ++i)
      for (size_t j = 0; j < c; ++j) {
        bool dark = most > 0 && static_cast<double>(m[i][j]) / most > 0.5;
        fmt::format_to(out, "<text x=\"{:.2f}\" y=\"{:.2f}\" dy=\"0.35em\" fill=\"{}\">{}</text>\n",
                       left + (j + 0.5) * cell, top + (i + 0.5) * cell, dark ? "white" : "#1a1a1a", m[i][j]);
      }
    svg += "</g>\n";
  }
  fmt::format_to(out,
                 "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333333\" "
                 "stroke-width=\"1\"/>\n",
                 left, top, area, area);

  // Class labels: true classes left of their rows, predicted ones under
  // their columns.
  svg += "<g fill=\"#333333\">\n";
  for (size_t i = 0; i < c; i += every)
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\" dy=\"0.35em\">{}</text>\n", left - 8,
                   top + (i + 0.5) * cell, escaped(labels[i]));
  for (size_t j = 0; j < c; j += every) {
    double cx = left + (j + 0.5) * cell;
    if (turned)
      fmt::format_to(out,
                     "<text transform=\"translate({:.2f} {}) rotate(-45)\" text-anchor=\"end\" dy=\"0.35em\">{}</text>\n",
                     cx, bottom + 10, escaped(labels[j]));
    else
      fmt::format_to(out, "<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", cx, bottom + 18,
                     escaped(labels[j]));
  }
  svg += "</g>\n";
  fmt::format_to(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\">predicted</text>\n",
                 (left + right) / 2, bottom + below + 12);
  fmt::format_to(out,
                 "<text transform=\"translate({} {}) rotate(-90)\" text-anchor=\"middle\" "
                 "font-size=\"13\">true</text>\n",
                 left - longest - 24, (top + bottom) / 2);

  // The colour bar: counts from 0 up.
  colour_bar(svg, kBlues, barX, top, area, 0, static_cast<double>(most), 1.0);
  svg += "</svg>\n";
  return svg;
}

/* ------------------------------------------------------------- predicted */

std::string svg_predicted(const MlpBatcher &b, const std::vector<std::pair<double, double>> &points, double r2) {
  double lo = INFINITY, hi = -INFINITY;
  size_t n = 0;
  for (const auto &[actual, predicted] : points) {
    if (!std::isfinite(actual) || !std::isfinite(predicted)) continue;
    ++n;
    lo = std::min({lo, actual, predicted});
    hi = std::max({hi, actual, predicted});
  }
  if (!(lo <= hi)) lo = 0, hi = 1; // no points: an empty 0..1 plot
  // One range for both axes, and a square plot area, so that the diagonal
  // (a perfect prediction) is at 45 degrees.
  double pad = n > 0 ? (hi - lo) * 0.03 : 0;
  Axis a = nice_axis(lo - pad, hi + pad, 6);

  std::string caption = "predicted vs actual: " + b.targetName;
  if (!points.empty()) caption += " (r2 = " + (std::isfinite(r2) ? fmt::format("{:.4f}", r2) : "nan") + ")";
  const double side = 420, top = 48;
  const double left = left_margin(a);
  const double width = std::ceil(std::max(left + side + 40, title_px(caption) + 40)), height = top + side + 56;
  const bool wide = title_px(caption) > side + 40;
  const Frame f{width, height, left, top, left + side, top + side, a, a};

  std::string svg;
  auto out = std::back_inserter(svg);
  svg.reserve(2048 + n * 40);
  begin(svg, width, height);
  title(svg, wide ? Frame{width, height, 0, top, width, top + side, a, a} : f, caption);
  axes(svg, f, "actual " + b.targetName, "predicted " + b.targetName);

  const char *radius = n <= 1000 ? "3.5" : n <= 5000 ? "2.5" : "2";
  const char *opacity = n <= 1000 ? "0.7" : n <= 5000 ? "0.55" : "0.4";
  fmt::format_to(out, "<g fill=\"{}\" fill-opacity=\"{}\" stroke=\"none\">\n", kTab10[0], opacity);
  for (const auto &[actual, predicted] : points)
    if (std::isfinite(actual) && std::isfinite(predicted))
      fmt::format_to(out, "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\"/>\n", f.px(actual), f.py(predicted), radius);
  svg += "</g>\n";
  // The diagonal y = x across the whole area, over the points.
  fmt::format_to(out,
                 "<line x1=\"{:.2f}\" y1=\"{:.2f}\" x2=\"{:.2f}\" y2=\"{:.2f}\" stroke=\"#444444\" "
                 "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                 f.px(a.lo), f.py(a.lo), f.px(a.hi), f.py(a.hi));
  svg += "</svg>\n";
  return svg;
}

/// The evaluation behind `e`, which must have a target.
const MlpBatcher &target_of(MlpEval *e, const char *function) {
  if (!e) internal_error(std::string(function) + ": null evaluation");
  const MlpBatcher &b = eval_batcher(*e);
  if (b.kind == MlpBatcher::NoTarget) internal_error(std::string(function) + ": the evaluation has no target");
  return b;
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

extern "C" void mlp_rt_plot_histogram(MlpTable *t_arg, const char *x, int64_t bins, const char *color,
                                      const char *path_arg) {
  const char *function = "mlp_rt_plot_histogram";
  MlpTable &t = checked(t_arg, function);
  const Column &xc = t.column(arg(x));
  if (!xc.numeric() || xc.tensor())
    internal_error(std::string(function) + ": column '" + xc.name + "' is " + xc.type_text() +
                   ", not numbers to plot");
  const Column *cc = nullptr;
  if (!arg(color).empty()) {
    cc = &t.column(arg(color));
    if (cc->type != ColumnType::Str)
      internal_error(std::string(function) + ": the colour column '" + cc->name + "' is " + cc->type_text() +
                     ", not str");
  }
  if (bins < 0) die("a histogram needs a positive number of bins (or 0 for automatic), got " + std::to_string(bins), 1);
  std::string path(arg(path_arg));
  svg::check_path(path);
  svg::write(path, svg_histogram(t, xc, bins, cc));
}

extern "C" void mlp_rt_plot_confusion(MlpEval *e, const char *path_arg) {
  const MlpBatcher &b = target_of(e, "mlp_rt_plot_confusion");
  if (b.kind != MlpBatcher::Classification)
    die("plot confusion needs a class target, but '" + b.targetName + "' is a regression target", 1);
  std::string path(arg(path_arg));
  svg::check_path(path);
  svg::write(path, svg_confusion(b, eval_confusion(*e)));
}

extern "C" void mlp_rt_plot_predicted(MlpEval *e, const char *path_arg) {
  const MlpBatcher &b = target_of(e, "mlp_rt_plot_predicted");
  if (b.kind != MlpBatcher::Regression)
    die("plot predicted needs a regression target, but '" + b.targetName + "' is a class", 1);
  std::string path(arg(path_arg));
  svg::check_path(path);
  std::vector<std::pair<double, double>> points = eval_actual_predicted(*e);
  double r2 = points.empty() ? NAN : mlp_rt_eval_metric(e, "r2");
  svg::write(path, svg_predicted(b, points, r2));
}
