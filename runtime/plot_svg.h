/// \file plot_svg.h
/// Internal: what the SVG plots share: plot_svg.cpp (the line plot of a
/// training history, which defines these) and plot_scatter.cpp (scatter
/// plots). Generated code never sees this header.
///
/// A figure is a standalone SVG document: a white background, a title above
/// the plot area, a light grid at the ticks, the axes at the plot area's left
/// and bottom with their tick labels and titles, and whatever the plot draws
/// inside and to the right (legend, colour bar).
#ifndef MLP_RUNTIME_PLOT_SVG_H
#define MLP_RUNTIME_PLOT_SVG_H

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

/// The label of tick value `v` of axis `a` (`{:g}` for values of 1e6 and up).
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

/// A user error unless `path` ends in `.svg` (any case): the only format
/// written. `.png` gets a hint that it is not supported yet.
void check_path(const std::string &path);

/// Writes `svg` to `path` all or nothing (OutputFile): a user error naming
/// `path` when it cannot be written.
void write(const std::string &path, std::string_view svg);

} // namespace mlp::rt::svg

#endif // MLP_RUNTIME_PLOT_SVG_H
