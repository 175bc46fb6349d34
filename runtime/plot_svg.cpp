/// \file plot_svg.cpp
/// `plot net.history to "loss.svg"`: a line plot of every history series
/// against the epoch, written as a standalone SVG (text, so no image library
/// is needed, and it opens in any browser).
///
/// Layout: a title on top, the plot area with a light grid at the ticks, the
/// axes at its left and bottom, tick labels, axis labels, and the legend to
/// the right of the plot area. Series share one y axis (a loss and an
/// accuracy both fit when they are of similar scale; that is fine for a quick
/// look). Colours are matplotlib's "tab10", familiar to most readers.
///
/// Also defines the pieces every SVG plot shares (plot_svg.h): axes, frame,
/// text escaping and writing the file; plot_scatter.cpp uses them too.

#include "runtime/plot_svg.h"

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>

namespace mlp::rt::svg {

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default:
      // Control characters are not allowed in XML 1.0 at all.
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += ' ';
      else out += c;
    }
  }
  return out;
}

Axis nice_axis(double lo, double hi, int target, double min_step) {
  if (!(hi > lo)) { // one value (or none): give it some room
    double pad = lo != 0 ? std::fabs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / target;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double r = raw / magnitude;
  double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
  step = std::max(step, min_step);
  Axis a;
  a.step = step;
  // The small tolerance keeps 0.6000000001 from growing a whole extra step.
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  a.decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return a;
}

std::string tick_label(double v, const Axis &a) {
  if (std::fabs(v) < a.step * 1e-6) v = 0; // no "-0.0"
  if (std::max(std::fabs(a.lo), std::fabs(a.hi)) >= 1e6) return fmt::format("{:g}", v);
  return fmt::format("{:.{}f}", v, a.decimals);
}

double text_px(std::string_view text) { return 7.0 * static_cast<double>(text_width(text)); }

void begin(std::string &svg, double width, double height) {
  auto out = std::back_inserter(svg);
  fmt::format_to(out,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                 "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                 "font-size=\"12\">\n",
                 width, height);
  fmt::format_to(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
}

void title(std::string &svg, const Frame &f, std::string_view text) {
  fmt::format_to(std::back_inserter(svg),
                 "<text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
                 "font-weight=\"bold\">{}</text>\n",
                 (f.left + f.right) / 2, escaped(text));
}

void axes(std::string &svg, const Frame &f, std::string_view x_title, std::string_view y_title) {
  auto out = std::back_inserter(svg);
  const Axis &x = f.x, &y = f.y;
  const double left = f.left, right = f.right, top = f.top, bottom = f.bottom;
  auto px = [&](double v) { return f.px(v); };
  auto py = [&](double v) { return f.py(v); };

  // Grid and tick labels. Ticks are counted, not accumulated, so rounding
  // does not drift.
  svg += "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  int xticks = static_cast<int>(std::lround((x.hi - x.lo) / x.step));
  int yticks = static_cast<int>(std::lround((y.hi - y.lo) / y.step));
  for (int i = 0; i <= xticks; ++i)
    fmt::format_to(out, "<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\"/>\n",
                   px(x.lo + i * x.step), top, bottom);
  for (int i = 0; i <= yticks; ++i)
    fmt::format_to(out, "<line x1=\"{1}\" y1=\"{0:.2f}\" x2=\"{2}\" y2=\"{0:.2f}\"/>\n",
                   py(y.lo + i * y.step), left, right);
  svg += "</g>\n<g fill=\"#333333\">\n";
  for (int i = 0; i <= xticks; ++i) {
    double v = x.lo + i * x.step;
    fmt::format_to(out, "<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(v),
                   bottom + 18, tick_label(v, x));
  }
  for (int i = 0; i <= yticks; ++i) {
    double v = y.lo + i * y.step;
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
                   left - 10, py(v), tick_label(v, y));
  }
  svg += "</g>\n";

  // Axes (with tick marks) and their labels.
  fmt::format_to(out,
                 "<g stroke=\"#333333\" stroke-width=\"1\">\n"
                 "<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\"/>\n"
                 "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{2}\"/>\n",
                 left, right, bottom, top);
  for (int i = 0; i <= xticks; ++i)
    fmt::format_to(out, "<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\"/>\n",
                   px(x.lo + i * x.step), bottom, bottom + 5);
  for (int i = 0; i <= yticks; ++i)
    fmt::format_to(out, "<line x1=\"{1}\" y1=\"{0:.2f}\" x2=\"{2}\" y2=\"{0:.2f}\"/>\n",
                   py(y.lo + i * y.step), left - 5, left);
  svg += "</g>\n";
  fmt::format_to(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\">{}</text>\n",
                 (left + right) / 2, f.height - 16, escaped(x_title));
  fmt::format_to(out,
                 "<text transform=\"translate(20 {}) rotate(-90)\" text-anchor=\"middle\" "
                 "font-size=\"13\">{}</text>\n",
                 (top + bottom) / 2, escaped(y_title));
}

void check_path(const std::string &path) {
  auto ends_with = [&](std::string_view suffix) {
    if (path.size() < suffix.size()) return false;
    std::string tail = path.substr(path.size() - suffix.size());
    for (char &c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return tail == suffix;
  };
  if (ends_with(".png")) die("cannot plot to '" + path + "': png output is not supported yet, use .svg", 1);
  if (!ends_with(".svg")) die("cannot plot to '" + path + "': the file name must end in .svg", 1);
}

void write(const std::string &path, std::string_view svg) {
  OutputFile file(path);
  file.write(svg);
  file.commit();
}

} // namespace mlp::rt::svg

namespace mlp::rt {
namespace {

using namespace svg;

std::string svg_history(const MlpHistory &h) {
  using Series = MlpHistory::Series;
  // The data range over every recorded, finite value.
  double lo = INFINITY, hi = -INFINITY;
  size_t longest = 0;
  for (const Series &s : h.series) {
    longest = std::max<size_t>(longest, static_cast<size_t>(text_px(s.name)));
    for (int64_t e = 0; e < h.epochs; ++e)
      if (s.recorded[e] && std::isfinite(s.values[e])) {
        lo = std::min(lo, s.values[e]);
        hi = std::max(hi, s.values[e]);
      }
  }
  if (!(lo <= hi)) lo = 0, hi = 1; // nothing to draw: an empty 0..1 plot
  Axis x = nice_axis(1, static_cast<double>(h.epochs), 6, 1.0);
  Axis y = nice_axis(lo, hi, 6);

  const double width = 720, height = 440;
  const double left = 72, top = 48, bottom = height - 56;
  const double legend = std::max(110.0, 48.0 + static_cast<double>(longest));
  const double right = width - legend - 16;
  const Frame f{width, height, left, top, right, bottom, x, y};
  auto px = [&](double v) { return f.px(v); };
  auto py = [&](double v) { return f.py(v); };

  std::string svg;
  auto out = std::back_inserter(svg);
  begin(svg, width, height);
  title(svg, f, h.model);
  axes(svg, f, "epoch", "value");

  // A series' recorded points joined in epoch order (validation recorded
  // every k-th epoch still makes a line); a NaN or infinite value breaks the
  // line, as the model diverged there. Dots mark the points of a series with
  // few of them, and any point that would otherwise be invisible.
  for (size_t k = 0; k < h.series.size(); ++k) {
    const Series &s = h.series[k];
    const char *colour = kTab10[k % std::size(kTab10)];
    int64_t count = 0;
    for (int64_t e = 0; e < h.epochs; ++e) count += s.recorded[e] && std::isfinite(s.values[e]);
    fmt::format_to(out, "<g stroke=\"{0}\" fill=\"{0}\">\n", colour);
    std::vector<std::pair<double, double>> run;
    auto flush = [&] {
      if (run.size() > 1) {
        svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"";
        for (size_t i = 0; i < run.size(); ++i)
          fmt::format_to(out, "{}{:.2f},{:.2f}", i ? " " : "", run[i].first, run[i].second);
        svg += "\"/>\n";
      }
      for (const auto &[cx, cy] : run)
        if (count <= 30 || run.size() == 1)
          fmt::format_to(out, "<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"2.5\" stroke=\"none\"/>\n", cx, cy);
      run.clear();
    };
    for (int64_t e = 0; e < h.epochs; ++e) {
      if (!s.recorded[e]) continue;
      if (!std::isfinite(s.values[e])) flush();
      else run.emplace_back(px(static_cast<double>(e + 1)), py(s.values[e]));
    }
    flush();
    svg += "</g>\n";
  }

  // The legend, beside the plot area's top right corner.
  for (size_t k = 0; k < h.series.size(); ++k) {
    const char *colour = kTab10[k % std::size(kTab10)];
    double ly = top + 10 + 20.0 * static_cast<double>(k);
    fmt::format_to(out,
                   "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>\n"
                   "<text x=\"{4}\" y=\"{1}\" dominant-baseline=\"middle\">{5}</text>\n",
                   right + 16, ly, right + 40, colour, right + 48, escaped(h.series[k].name));
  }
  svg += "</svg>\n";
  return svg;
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

extern "C" void mlp_rt_plot_history(MlpHistory *h, const char *path_arg) {
  if (!h) internal_error("mlp_rt_plot_history: null history");
  std::string path(arg(path_arg));
  svg::check_path(path);
  svg::write(path, svg_history(*h));
}
