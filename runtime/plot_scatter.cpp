/// \file plot_scatter.cpp
/// `plot scatter(table, x: col, y: col, color: ...) to "file.svg"`: one
/// column of a table against another, written as a standalone SVG (or a PNG
/// of it) with the frame, axes and file writing of the history plot
/// (plot_svg.h).
///
/// Points are small, partly transparent circles (smaller and more transparent
/// as their number grows), so dense areas read darker; coordinates have one
/// decimal, which keeps a file of thousands of points small. The colour of a
/// point comes from nothing (one colour), from classes (a str column, an i64
/// column of few values, or cluster numbers: tab10 colours and a legend) or
/// from a number (the viridis scale and a colour bar). Rows whose colour
/// value is missing are drawn grey, under the others.

#include "runtime/plot_svg.h"

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace mlp::rt {
namespace {

using namespace svg;

/// An i64 column of at most this many distinct values colours by class.
constexpr size_t kMaxClasses = 10;
const char *const kMissing = "#a0a0a0";

/// The viridis colour of `t` in [0, 1].
const std::string &viridis(double t) { return scale_colour(kViridis, t); }

/// How the points are coloured.
struct Colouring {
  enum Kind { One, Classes, Scale } kind = One;
  std::string title; ///< above the legend or colour bar ("" for none)
  /// Classes: each table row's class (-1: missing), each class's legend text
  /// and tab10 colour (by its place among all the column's values, so plots
  /// of tables derived from one another agree).
  std::vector<int32_t> rowClass;
  std::vector<std::string> classNames;
  std::vector<size_t> classColour;
  /// Scale: each table row's value (NaN: missing).
  std::vector<double> value;
};

/// The sorted distinct values of `count` values `stride` apart; when
/// `limit` is given, stops early once there are more than `limit` of them.
std::vector<int64_t> distinct(const int64_t *values, int64_t count, int64_t stride, size_t limit = 0) {
  std::vector<int64_t> out;
  if (limit == 0) {
    out.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) out.push_back(values[i * stride]);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  for (int64_t i = 0; i < count && out.size() <= limit; ++i) {
    int64_t v = values[i * stride];
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Classes from i64 values, one per row (`stride` apart); `prefix` names
/// them ("km = 0"); `all` the sorted distinct values.
Colouring classes_of(const int64_t *values, int64_t rows, int64_t stride, const std::vector<int64_t> &all,
                     const std::string &prefix) {
  Colouring c;
  c.kind = Colouring::Classes;
  for (size_t k = 0; k < all.size(); ++k) {
    c.classNames.push_back(prefix + std::to_string(all[k]));
    c.classColour.push_back(k);
  }
  c.rowClass.resize(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i)
    c.rowClass[i] = static_cast<int32_t>(std::lower_bound(all.begin(), all.end(), values[i * stride]) - all.begin());
  return c;
}

/// The colouring by column `name` of `t` ("" for one colour).
Colouring colour_by_column(const MlpTable &t, std::string_view name, const char *function) {
  if (name.empty()) return {};
  const Column &col = t.column(name);
  if (col.tensor())
    internal_error(std::string(function) + ": the colour column '" + col.name + "' is " + col.type_text() +
                   ", not single values");
  // An i64 column's distinct values (up to one more than kMaxClasses).
  std::vector<int64_t> few;
  if (col.type == ColumnType::I64) few = distinct(col.i64.data(), t.rows, 1, kMaxClasses);
  Colouring c;
  if (col.type == ColumnType::Str) {
    c.kind = Colouring::Classes;
    c.rowClass = col.codes;
    c.classNames = col.labels;
    for (size_t k = 0; k < col.labels.size(); ++k) c.classColour.push_back(k);
  } else if (col.type == ColumnType::I64 && few.size() <= kMaxClasses) {
    c = classes_of(col.i64.data(), t.rows, 1, few, "");
  } else {
    // Infinite values have no colour either.
    c.kind = Colouring::Scale;
    c.value.resize(static_cast<size_t>(t.rows));
    for (int64_t i = 0; i < t.rows; ++i) {
      double v = col.number(i);
      c.value[i] = std::isfinite(v) ? v : NAN;
    }
  }
  c.title = col.name;
  return c;
}

/// Column `name` of `t`, which must hold numbers, one per row.
const Column &axis_column(const MlpTable &t, const char *name, const char *function) {
  const Column &col = t.column(arg(name));
  if (!col.numeric() || col.tensor())
    internal_error(std::string(function) + ": column '" + col.name + "' is " + col.type_text() +
                   ", not numbers to plot");
  return col;
}

/// An axis over `lo..hi` with a little room on either side, so no point sits
/// on the frame.
Axis data_axis(double lo, double hi) {
  if (!(lo <= hi)) lo = 0, hi = 1; // no points: an empty 0..1 axis
  double pad = (hi - lo) * 0.03;
  return nice_axis(lo - pad, hi + pad, 6);
}

std::string svg_scatter(const MlpTable &t, const Column &xc, const Column &yc, const Colouring &c) {
  // The plotted rows: those with both coordinates.
  std::vector<int64_t> rows;
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (int64_t i = 0; i < t.rows; ++i) {
    double x = xc.number(i), y = yc.number(i);
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    rows.push_back(i);
    xlo = std::min(xlo, x), xhi = std::max(xhi, x);
    ylo = std::min(ylo, y), yhi = std::max(yhi, y);
  }
  Axis x = data_axis(xlo, xhi);
  Axis y = data_axis(ylo, yhi);

  // What the legend (or colour bar) shows.
  bool missing = false; // some plotted row has no colour value
  std::vector<int64_t> perClass(c.classNames.size());
  double vlo = INFINITY, vhi = -INFINITY;
  for (int64_t r : rows) {
    if (c.kind == Colouring::Classes) {
      if (c.rowClass[r] < 0) missing = true;
      else ++perClass[c.rowClass[r]];
    } else if (c.kind == Colouring::Scale) {
      double v = c.value[r];
      if (std::isnan(v)) missing = true;
      else vlo = std::min(vlo, v), vhi = std::max(vhi, v);
    }
  }
  std::vector<size_t> shown; // classes in the legend: those plotted, in order
  for (size_t k = 0; k < perClass.size(); ++k)
    if (perClass[k] > 0) shown.push_back(k);
  std::vector<std::string> legendTexts{c.title};
  if (c.kind == Colouring::Classes)
    for (size_t k : shown) legendTexts.push_back(c.classNames[k]);
  if (c.kind == Colouring::Scale && vlo <= vhi) {
    legendTexts.push_back(short_number(vlo));
    legendTexts.push_back(short_number(vhi));
  }
  if (missing) legendTexts.push_back("missing");
  double longest = 0;
  for (const std::string &text : legendTexts) longest = std::max(longest, text_px(text));

  const double width = 720, height = 480;
  const double top = 48, bottom = height - 56;
  // Room on the left for the widest y tick label and the y axis title.
  double widest = 0;
  int yticks = static_cast<int>(std::lround((y.hi - y.lo) / y.step));
  for (int i = 0; i <= yticks; ++i) widest = std::max(widest, text_px(tick_label(y.lo + i * y.step, y)));
  const double left = std::max(72.0, 44 + widest);
  const double legend = c.kind == Colouring::One ? 16 : std::max(110.0, 48 + longest);
  const Frame f{width, height, left, top, width - legend - 16, bottom, x, y};
  const double right = f.right;

  std::string svg;
  auto out = std::back_inserter(svg);
  svg.reserve(2048 + rows.size() * 40);
  begin(svg, width, height);
  title(svg, f, yc.name + " vs " + xc.name);
  axes(svg, f, xc.name, yc.name);

  // The points. Many points get smaller, fainter dots, so that where they
  // pile up still shows.
  size_t n = rows.size();
  const char *radius = n <= 1000 ? "3.5" : n <= 5000 ? "2.5" : "2";
  const char *opacity = n <= 1000 ? "0.75" : n <= 5000 ? "0.6" : "0.4";
  // `fill` "" takes the group's colour.
  auto point = [&](int64_t r, std::string_view fill) {
    if (fill.empty())
      fmt::format_to(out, "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\"/>\n", f.px(xc.number(r)),
                     f.py(yc.number(r)), radius);
    else
      fmt::format_to(out, "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"/>\n", f.px(xc.number(r)),
                     f.py(yc.number(r)), radius, fill);
  };
  auto group = [&](std::string_view fill) {
    fmt::format_to(out, "<g{}{}{} fill-opacity=\"{}\" stroke=\"none\">\n", fill.empty() ? "" : " fill=\"", fill,
                   fill.empty() ? "" : "\"", opacity);
  };
  if (c.kind == Colouring::One) {
    group(kTab10[0]);
    for (int64_t r : rows) point(r, "");
    svg += "</g>\n";
  } else {
    // Rows with no colour value first, grey, under the others. Then the rest
    // in row order, each with its colour, so that where classes overlap no
    // class hides another just for coming later.
    auto has_value = [&](int64_t r) {
      return c.kind == Colouring::Classes ? c.rowClass[r] >= 0 : !std::isnan(c.value[r]);
    };
    if (missing) {
      group(kMissing);
      for (int64_t r : rows)
        if (!has_value(r)) point(r, "");
      svg += "</g>\n";
    }
    group("");
    for (int64_t r : rows) {
      if (!has_value(r)) continue;
      if (c.kind == Colouring::Classes) {
        point(r, kTab10[c.classColour[c.rowClass[r]] % std::size(kTab10)]);
      } else {
        double v = c.value[r];
        point(r, viridis(vhi > vlo ? (v - vlo) / (vhi - vlo) : 0.5));
      }
    }
    svg += "</g>\n";
  }

  // Beside the plot area's top right corner: the colouring's title, then the
  // legend or the colour bar.
  const double lx = right + 16;
  double ly = top + 10;
  if (!c.title.empty() && c.kind != Colouring::One) {
    fmt::format_to(out, "<text x=\"{}\" y=\"{}\" dy=\"0.35em\" font-weight=\"bold\">{}</text>\n",
                   lx, ly, escaped(c.title));
    ly += 22;
  }
  auto entry = [&](const char *colour, std::string_view text) {
    fmt::format_to(out,
                   "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" rx=\"5\" fill=\"{}\"/>\n"
                   "<text x=\"{}\" y=\"{}\" dy=\"0.35em\">{}</text>\n",
                   lx, ly - 5, colour, lx + 16, ly, escaped(text));
    ly += 20;
  };
  if (c.kind == Colouring::Classes) {
    // As many entries as fit above the bottom of the plot area; the last
    // line then says how many more there are.
    size_t fit = static_cast<size_t>(std::max(2.0, std::floor((bottom - ly) / 20) + 1 - (missing ? 1 : 0)));
    size_t listed = shown.size() <= fit ? shown.size() : fit - 1;
    for (size_t i = 0; i < listed; ++i)
      entry(kTab10[c.classColour[shown[i]] % std::size(kTab10)], c.classNames[shown[i]]);
    if (listed < shown.size()) {
      fmt::format_to(out, "<text x=\"{}\" y=\"{}\" dy=\"0.35em\" fill=\"#555555\">({} more)</text>\n",
                     lx + 16, ly, shown.size() - listed);
      ly += 20;
    }
  } else if (c.kind == Colouring::Scale && vlo <= vhi) {
    // A vertical bar, low values at the bottom, with the range at its ends
    // and round values between them.
    const double barTop = ly, barHeight = std::min(220.0, bottom - barTop - (missing ? 40 : 0));
    const double barBottom = barTop + barHeight;
    colour_bar(svg, kViridis, lx, barTop, barHeight, vlo, vhi);
    ly = barBottom + 24;
  }
  if (missing && c.kind != Colouring::One) entry(kMissing, "missing");
  svg += "</svg>\n";
  return svg;
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

extern "C" void mlp_rt_plot_scatter(MlpTable *t_arg, const char *x, const char *y, const char *color,
                                    const char *path_arg) {
  const char *function = "mlp_rt_plot_scatter";
  MlpTable &t = checked(t_arg, function);
  const Column &xc = axis_column(t, x, function);
  const Column &yc = axis_column(t, y, function);
  Colouring c = colour_by_column(t, arg(color), function);
  std::string path(arg(path_arg));
  svg::check_path(path);
  svg::write(path, svg_scatter(t, xc, yc, c));
}

extern "C" void mlp_rt_plot_scatter_labels(MlpTable *t_arg, const char *x, const char *y, int64_t rank,
                                           void *labels, const char *label_name, const char *path_arg) {
  const char *function = "mlp_rt_plot_scatter_labels";
  MlpTable &t = checked(t_arg, function);
  const Column &xc = axis_column(t, x, function);
  const Column &yc = axis_column(t, y, function);
  StridedView v = expect_shape(rank, labels, {t.rows}, "mlp_rt_plot_scatter_labels: the labels");
  const int64_t *values = static_cast<const int64_t *>(v.aligned) + v.offset;
  int64_t stride = t.rows > 0 ? v.strides[0] : 1;
  std::vector<int64_t> all = distinct(values, t.rows, stride);
  std::string name(arg(label_name));
  Colouring c = classes_of(values, t.rows, stride, all, name.empty() ? "" : name + " = ");
  std::string path(arg(path_arg));
  svg::check_path(path);
  svg::write(path, svg_scatter(t, xc, yc, c));
}
