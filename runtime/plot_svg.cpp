/// \file plot_svg.cpp
/// `plot net.history to "loss.svg"`: a line plot of every history series
/// against the epoch, written as a standalone SVG (text, so no image library
/// is needed, and it opens in any browser), or to "loss.png" as a PNG of that
/// SVG, drawn by librsvg when the program runs (loaded then, see write()).
///
/// Layout: a title on top, the plot area with a light grid at the ticks, the
/// axes at its left and bottom, tick labels, axis labels, and the legend to
/// the right of the plot area. Series share one y axis (a loss and an
/// accuracy both fit when they are of similar scale; that is fine for a quick
/// look). Colours are matplotlib's "tab10", familiar to most readers.
///
/// A validation series (`val_loss`, `val_accuracy`) is drawn dashed in the
/// colour of its training series (`loss`, `accuracy`), and follows it in the
/// legend, so each pair reads as one.
///
/// Also defines the pieces every plot shares (plot_svg.h): axes, frame,
/// colour scales, text escaping and writing the file, as SVG or as PNG
/// rendered from that SVG by librsvg; plot_scatter.cpp and plot_more.cpp use
/// them too.

#include "runtime/plot_svg.h"

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <dlfcn.h>
#include <fmt/format.h>
#include <type_traits>

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
  // Millions and more in a unit every tick shares (0.5M, 1.0M, 1.5M), so the
  // labels stay short and alike; `{:g}` past the last unit.
  double big = std::max(std::fabs(a.lo), std::fabs(a.hi));
  if (big >= 1e15) return fmt::format("{:g}", v);
  if (big >= 1e6) {
    double unit = big >= 1e12 ? 1e12 : big >= 1e9 ? 1e9 : 1e6;
    const char *suffix = big >= 1e12 ? "T" : big >= 1e9 ? "G" : "M";
    int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(a.step / unit) + 1e-9)));
    return v == 0 ? "0" : fmt::format("{:.{}f}{}", v / unit, decimals, suffix);
  }
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
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\" dy=\"0.35em\">{}</text>\n",
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

std::string short_number(double v) { return fmt::format("{:.4g}", v == 0 ? 0.0 : v); }

namespace {
constexpr uint32_t kViridisStops[] = {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e,
                                      0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725};
constexpr uint32_t kBluesStops[] = {0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
                                    0x4292c6, 0x2171b5, 0x08519c, 0x08306b};
} // namespace

const Scale kViridis{kViridisStops, std::size(kViridisStops), "viridis"};
const Scale kBlues{kBluesStops, std::size(kBluesStops), "blues"};

const std::string &scale_colour(const Scale &s, double t) {
  // Each scale's 256 levels, as `#rrggbb`, made on first use.
  using Levels = std::array<std::string, 256>;
  auto make = [](const Scale &scale) {
    Levels out;
    const int last = static_cast<int>(scale.count) - 1;
    for (int i = 0; i < 256; ++i) {
      double pos = i / 255.0 * last;
      int k = std::min(last - 1, static_cast<int>(pos));
      double f = pos - k;
      auto channel = [&](int shift) {
        double a = (scale.stops[k] >> shift) & 0xff, b = (scale.stops[k + 1] >> shift) & 0xff;
        return static_cast<int>(std::lround(a + (b - a) * f));
      };
      out[i] = fmt::format("#{:02x}{:02x}{:02x}", channel(16), channel(8), channel(0));
    }
    return out;
  };
  static const Levels viridis = make(kViridis), blues = make(kBlues);
  const Levels &levels = &s == &kBlues ? blues : viridis;
  return levels[static_cast<size_t>(std::lround(std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0) * 255))];
}

void colour_bar(std::string &svg, const Scale &s, double x, double top, double height, double lo, double hi,
                double min_step) {
  auto out = std::back_inserter(svg);
  const double bottom = top + height;
  fmt::format_to(out, "<defs><linearGradient id=\"mlp-{}\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n", s.name);
  for (size_t i = 0; i < s.count; ++i)
    fmt::format_to(out, "<stop offset=\"{:.4g}\" stop-color=\"#{:06x}\"/>\n",
                   static_cast<double>(i) / static_cast<double>(s.count - 1), s.stops[i]);
  svg += "</linearGradient></defs>\n";
  fmt::format_to(out,
                 "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{}\" fill=\"url(#mlp-{})\" "
                 "stroke=\"#333333\" stroke-width=\"0.5\"/>\n",
                 x, top, height, s.name);
  auto label = [&](double at, std::string_view text) {
    fmt::format_to(out,
                   "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#333333\"/>\n"
                   "<text x=\"{3}\" y=\"{1:.1f}\" dy=\"0.35em\">{4}</text>\n",
                   x + 14, at, x + 18, x + 22, escaped(text));
  };
  label(bottom, short_number(lo));
  if (!(hi > lo)) return;
  label(top, short_number(hi));
  Axis scale = nice_axis(lo, hi, 4, min_step);
  for (double k = std::ceil(lo / scale.step - 1e-9); k * scale.step <= hi + scale.step * 1e-9; ++k) {
    double at = bottom - (k * scale.step - lo) / (hi - lo) * height;
    if (at < bottom - 16 && at > top + 16) label(at, tick_label(k * scale.step, scale));
  }
}

namespace {

bool has_extension(const std::string &path, std::string_view suffix) {
  if (path.size() < suffix.size()) return false;
  std::string tail = path.substr(path.size() - suffix.size());
  for (char &c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return tail == suffix;
}

/* ------------------------------------------------------------------ png */

// The few declarations of librsvg, cairo and GLib that PNG output needs,
// written out here so that no -dev package is needed to build, and looked up
// with dlsym when the first PNG is written, so that a program that writes
// none (and every built binary) does not link them.
struct GErrorC {
  uint32_t domain;
  int code;
  char *message;
};
struct RsvgRectangleC {
  double x, y, width, height;
};
struct RsvgDimensionDataC {
  int width, height;
  double em, ex;
};
using CairoWrite = int (*)(void *closure, const unsigned char *data, unsigned int length);
constexpr int kCairoFormatRgb24 = 1;
constexpr int kCairoStatusSuccess = 0;
constexpr int kCairoStatusWriteError = 11;

struct PngLibraries {
  std::string error; ///< why they cannot be used ("" when they can)
  // librsvg (and GLib, which it loads)
  void *(*handle_new_from_data)(const uint8_t *, size_t, GErrorC **) = nullptr;
  int (*render_document)(void *, void *, const RsvgRectangleC *, GErrorC **) = nullptr; // 2.46
  int (*render_cairo)(void *, void *) = nullptr; // before 2.46
  int (*intrinsic_size)(void *, double *, double *) = nullptr; // 2.52
  void (*get_dimensions)(void *, RsvgDimensionDataC *) = nullptr;
  void (*object_unref)(void *) = nullptr;
  void (*error_free)(GErrorC *) = nullptr;
  // cairo
  void *(*image_surface_create)(int, int, int) = nullptr;
  int (*surface_status)(void *) = nullptr;
  void (*surface_flush)(void *) = nullptr;
  void (*surface_destroy)(void *) = nullptr;
  int (*write_to_png_stream)(void *, CairoWrite, void *) = nullptr;
  void *(*create)(void *) = nullptr;
  int (*status)(void *) = nullptr;
  void (*destroy)(void *) = nullptr;
  void (*scale)(void *, double, double) = nullptr;
  void (*set_source_rgb)(void *, double, double, double) = nullptr;
  void (*paint)(void *) = nullptr;
  const char *(*status_to_string)(int) = nullptr;
};

const char *const kRsvgSoname = "librsvg-2.so.2";
const char *const kCairoSoname = "libcairo.so.2";

/// librsvg and cairo, loaded on first use (kept loaded).
const PngLibraries &png_libraries() {
  static const PngLibraries libs = [] {
    PngLibraries l;
    // "png output needs librsvg (librsvg-2.so.2: cannot open shared object
    // file: No such file or directory); install ..."
    auto open = [&](const char *soname, const char *name) -> void * {
      if (!l.error.empty()) return nullptr;
      void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
      if (!h) {
        const char *why = dlerror();
        l.error = std::string("png output needs ") + name + " (" + (why ? why : soname) +
                  "); install Debian's librsvg2-2 package (apt-get install librsvg2-2)";
      }
      return h;
    };
    void *rsvg = open(kRsvgSoname, "librsvg");
    void *cairo = open(kCairoSoname, "cairo");
    if (!l.error.empty()) return l;
    auto find = [&](void *h, const char *soname, const char *name, auto &fn, bool required = true) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && required && l.error.empty())
        l.error = std::string("png output needs ") + name + ", which " + soname +
                  " lacks; install Debian's librsvg2-2 package (version 2.40 or later)";
    };
    find(rsvg, kRsvgSoname, "rsvg_handle_new_from_data", l.handle_new_from_data);
    find(rsvg, kRsvgSoname, "rsvg_handle_render_document", l.render_document, false);
    find(rsvg, kRsvgSoname, "rsvg_handle_render_cairo", l.render_cairo, !l.render_document);
    find(rsvg, kRsvgSoname, "rsvg_handle_get_intrinsic_size_in_pixels", l.intrinsic_size, false);
    find(rsvg, kRsvgSoname, "rsvg_handle_get_dimensions", l.get_dimensions, !l.intrinsic_size);
    // GLib's, found through librsvg, which links them.
    find(rsvg, kRsvgSoname, "g_object_unref", l.object_unref);
    find(rsvg, kRsvgSoname, "g_error_free", l.error_free);
    find(cairo, kCairoSoname, "cairo_image_surface_create", l.image_surface_create);
    find(cairo, kCairoSoname, "cairo_surface_status", l.surface_status);
    find(cairo, kCairoSoname, "cairo_surface_flush", l.surface_flush);
    find(cairo, kCairoSoname, "cairo_surface_destroy", l.surface_destroy);
    find(cairo, kCairoSoname, "cairo_surface_write_to_png_stream", l.write_to_png_stream);
    find(cairo, kCairoSoname, "cairo_create", l.create);
    find(cairo, kCairoSoname, "cairo_status", l.status);
    find(cairo, kCairoSoname, "cairo_destroy", l.destroy);
    find(cairo, kCairoSoname, "cairo_scale", l.scale);
    find(cairo, kCairoSoname, "cairo_set_source_rgb", l.set_source_rgb);
    find(cairo, kCairoSoname, "cairo_paint", l.paint);
    find(cairo, kCairoSoname, "cairo_status_to_string", l.status_to_string);
    return l;
  }();
  return libs;
}

/// cairo's PNG writer appends to a std::string.
int append_png(void *closure, const unsigned char *data, unsigned int length) {
  try {
    static_cast<std::string *>(closure)->append(reinterpret_cast<const char *>(data), length);
  } catch (...) {
    return kCairoStatusWriteError;
  }
  return kCairoStatusSuccess;
}

/// PNG output is drawn at this many pixels per SVG pixel.
constexpr double kPngScale = 2;

} // namespace

std::string render_png(const std::string &path, std::string_view svg) {
  const PngLibraries &l = png_libraries();
  if (!l.error.empty()) die("cannot plot to '" + path + "': " + l.error, 1);
  // A failure below is a bug (the SVG is ours) or no memory: internal.
  auto fail = [&](const std::string &what) { internal_error("rendering '" + path + "' as png: " + what); };
  GErrorC *error = nullptr;
  auto error_text = [&] {
    std::string text = error && error->message ? error->message : "unknown error";
    if (error) l.error_free(error);
    error = nullptr;
    return text;
  };
  void *handle = l.handle_new_from_data(reinterpret_cast<const uint8_t *>(svg.data()), svg.size(), &error);
  if (!handle) fail("librsvg cannot read the plot: " + error_text());
  double width = 0, height = 0;
  if (!l.intrinsic_size || !l.intrinsic_size(handle, &width, &height)) {
    RsvgDimensionDataC d{};
    if (l.get_dimensions) l.get_dimensions(handle, &d);
    width = d.width, height = d.height;
  }
  if (!(width >= 1 && height >= 1 && width <= 20000 && height <= 20000)) {
    l.object_unref(handle);
    fail(fmt::format("the plot's size is {} x {}", width, height));
  }
  const int pw = static_cast<int>(std::ceil(width * kPngScale)), ph = static_cast<int>(std::ceil(height * kPngScale));
  // RGB on white: an opaque image, as a plot on a page is.
  void *surface = l.image_surface_create(kCairoFormatRgb24, pw, ph);
  void *cr = l.create(surface);
  l.set_source_rgb(cr, 1, 1, 1);
  l.paint(cr);
  bool drawn;
  if (l.render_document) {
    RsvgRectangleC viewport{0, 0, static_cast<double>(pw), static_cast<double>(ph)};
    drawn = l.render_document(handle, cr, &viewport, &error) != 0;
  } else {
    l.scale(cr, kPngScale, kPngScale);
    drawn = l.render_cairo(handle, cr) != 0;
  }
  int status = l.status(cr);
  l.destroy(cr);
  l.object_unref(handle);
  std::string png;
  if (drawn && status == kCairoStatusSuccess) {
    l.surface_flush(surface);
    status = l.write_to_png_stream(surface, append_png, &png);
  }
  l.surface_destroy(surface);
  if (!drawn) fail("librsvg cannot draw the plot: " + error_text());
  if (status != kCairoStatusSuccess) fail(std::string("cairo: ") + l.status_to_string(status));
  return png;
}

void check_path(const std::string &path) {
  if (!has_extension(path, ".svg") && !has_extension(path, ".png"))
    die("cannot plot to '" + path + "': the file name must end in .svg or .png", 1);
}

void write(const std::string &path, std::string_view svg) {
  // Rendered before the file is opened: a failure leaves nothing behind.
  std::string png;
  if (has_extension(path, ".png")) png = render_png(path, svg);
  OutputFile file(path);
  file.write(png.empty() ? svg : std::string_view(png));
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

  // Colours: tab10 in order, except that a validation series (`val_loss`)
  // takes its training series' (`loss`) colour, drawn dashed.
  const size_t n = h.series.size();
  std::vector<size_t> pairOf(n, n); // the training series of a val_ series
  for (size_t k = 0; k < n; ++k) {
    std::string_view name = h.series[k].name;
    if (name.rfind("val_", 0) != 0) continue;
    for (size_t j = 0; j < n; ++j)
      if (h.series[j].name == name.substr(4)) pairOf[k] = j;
  }
  std::vector<const char *> colours(n);
  size_t next = 0;
  for (size_t k = 0; k < n; ++k)
    if (pairOf[k] == n) colours[k] = kTab10[next++ % std::size(kTab10)];
  for (size_t k = 0; k < n; ++k)
    if (pairOf[k] != n) colours[k] = colours[pairOf[k]];
  auto dashes = [&](size_t k) { return pairOf[k] != n ? " stroke-dasharray=\"6 3\"" : ""; };

  // A series' recorded points joined in epoch order (validation recorded
  // every k-th epoch still makes a line); a NaN or infinite value breaks the
  // line, as the model diverged there. Dots mark the points of a series with
  // few of them, and any point that would otherwise be invisible.
  for (size_t k = 0; k < n; ++k) {
    const Series &s = h.series[k];
    int64_t count = 0;
    for (int64_t e = 0; e < h.epochs; ++e) count += s.recorded[e] && std::isfinite(s.values[e]);
    fmt::format_to(out, "<g stroke=\"{0}\" fill=\"{0}\"{1}>\n", colours[k], dashes(k));
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

  // The legend, beside the plot area's top right corner: each training
  // series followed by its validation series.
  std::vector<size_t> order;
  for (size_t k = 0; k < n; ++k) {
    if (pairOf[k] != n) continue;
    order.push_back(k);
    for (size_t j = 0; j < n; ++j)
      if (pairOf[j] == k) order.push_back(j);
  }
  for (size_t i = 0; i < order.size(); ++i) {
    size_t k = order[i];
    double ly = top + 10 + 20.0 * static_cast<double>(i);
    fmt::format_to(out,
                   "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"{6}/>\n"
                   "<text x=\"{4}\" y=\"{1}\" dy=\"0.35em\">{5}</text>\n",
                   right + 16, ly, right + 40, colours[k], right + 48, escaped(h.series[k].name), dashes(k));
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
