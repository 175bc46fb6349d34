/// \file plot_svg.h
/// Internal: what the plots share: plot_svg.cpp (the line plot of a training
/// history, which defines these), plot_scatter.cpp (scatter plots) and
/// plot_more.cpp (histogram, confusion matrix, predicted against actual).
/// Generated code never sees this header.
///
/// A figure is a standalone SVG document: a white background, a title above
/// the plot area, a light grid at the ticks, the axes at the plot area's left
/// and bottom with their tick labels and titles, and whatever the plot draws
/// inside and to the right (legend, colour bar).
///
/// Every plot is drawn once, as SVG text; a `.png` path gets that text
/// rendered by librsvg (write()), so both formats show the same picture.
/// Text that must be centred vertically on a point uses `dy="0.35em"`, not
/// `dominant-baseline`, which librsvg ignores.
#ifndef MLP_RUNTIME_PLOT_SVG_H
#define MLP_RUNTIME_PLOT_SVG_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlp::rt::svg {

/// matplotlib's "tab10" colours, familiar to most readers.
inline constexpr const char *kTab10[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/// Text for XML character data and attribute values.
std::string escaped(std::string_view text);

/// An axis range widened to multiples of a "nice" step (1, 2 or 5 times a
/// power of ten) giving about `target` intervals.
struct Axis {
  double lo, hi, step;
  int decimals; ///< for tick labels: enough to tell the ticks apart
};
Axis nice_axis(double lo, double hi, int target, double min_step = 0);

/// The label of tick value `v` of axis `a`: `a.decimals` decimals; on an
/// axis reaching a million or more, in millions, billions or trillions with
/// a suffix (`1.5M`, `2G`, `0.5T`), and `{:g}` from 1e15.
std::string tick_label(double v, const Axis &a);

/// Rough width of text in the 12px sans-serif font, to size legends.
double text_px(std::string_view text);

/// A figure's size, its plot area (in pixels, y down) and the axes drawn
/// along the area's left and bottom.
struct Frame {
  double width, height;            ///< the whole figure
  double left, top, right, bottom; ///< the plot area
  Axis x, y;
  /// Data to pixel coordinates.
  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * (right - left); }
  double py(double v) const { return bottom - (v - y.lo) / (y.hi - y.lo) * (bottom - top); }
};

/// Starts `svg`: the XML declaration, the `<svg>` element (12px sans-serif)
/// and a white background.
void begin(std::string &svg, double width, double height);

/// The bold title, centred above the plot area.
void title(std::string &svg, const Frame &f, std::string_view text);

/// The grid at the ticks, the tick labels, the axes with tick marks, and the
/// axis titles `x_title` (below) and `y_title` (left, rotated).
void axes(std::string &svg, const Frame &f, std::string_view x_title, std::string_view y_title);

/// `{:.4g}`, with no "-0": colour bar ends, short numbers in titles.
std::string short_number(double v);

/// A sequential colour scale: `count` evenly spaced colours (0xrrggbb), low
/// to high, linear between them. `name` names its SVG gradient
/// ("mlp-<name>").
struct Scale {
  const uint32_t *stops;
  size_t count;
  const char *name;
};
/// matplotlib's "viridis" (dark purple, blue, green, yellow): perceptually
/// uniform and readable without colour vision.
extern const Scale kViridis;
/// matplotlib's "Blues" (ColorBrewer): near white to dark blue.
extern const Scale kBlues;

/// The `#rrggbb` colour of `t` in [0, 1] (clamped) on `s`, at 256 levels.
const std::string &scale_colour(const Scale &s, double t);

/// A vertical colour bar of `s` for values lo..hi (low at the bottom) at
/// x, top..top + height, 14px wide: the values' range labelled at its ends
/// and round values (multiples of at least `min_step`) between them.
void colour_bar(std::string &svg, const Scale &s, double x, double top, double height, double lo, double hi,
                double min_step = 0);

/// A user error unless `path` ends in `.svg` or `.png` (any case), the
/// formats written.
void check_path(const std::string &path);

/// Writes `svg` to `path` all or nothing (OutputFile): the text itself for
/// a `.svg` path; for `.png`, the same drawing rendered by librsvg onto a
/// cairo image at twice its size (crisp on high-DPI screens) on white.
/// librsvg and cairo are loaded (dlopen) by the first PNG written, so a
/// program that writes none does not need them; when they are missing it is
/// a user error naming Debian's librsvg2-2. A path that cannot be written is
/// a user error naming it.
void write(const std::string &path, std::string_view svg);

/// The PNG of `svg`, as write() makes it for `path` (named in errors).
std::string render_png(const std::string &path, std::string_view svg);

} // namespace mlp::rt::svg

#endif // MLP_RUNTIME_PLOT_SVG_H
