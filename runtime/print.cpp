/// \file print.cpp
/// `print` statements: pieces are appended to one line buffer, then the whole
/// line is written with a single fwrite and flushed.
///
/// Building the line in memory (rather than writing each piece to stdout)
/// keeps a line whole even if the program fails half-way through it, and
/// costs one write per line.

#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <cstdio>
#include <memory>

namespace mlp::rt {

std::string &line_buffer() {
  static std::string line;
  return line;
}

} // namespace mlp::rt

using namespace mlp::rt;

/// A NULL spec from generated code means "no spec".
static std::string_view spec_of(const char *spec) { return spec ? std::string_view(spec) : std::string_view(); }

extern "C" void mlp_rt_fmt_str(const char *text) {
  if (text) line_buffer() += text;
}

extern "C" void mlp_rt_fmt_f32(float v, const char *spec) { append_f32(line_buffer(), v, spec_of(spec)); }

extern "C" void mlp_rt_fmt_f64(double v, const char *spec) { append_f64(line_buffer(), v, spec_of(spec)); }

extern "C" void mlp_rt_fmt_i64(int64_t v, const char *spec) {
  append_int(line_buffer(), v, spec_of(spec), "i64");
}

extern "C" void mlp_rt_fmt_bool(int32_t v, const char *spec) {
  append_bool(line_buffer(), v != 0, spec_of(spec));
}

extern "C" void mlp_rt_print_line(void) {
  end_progress_line();
  std::string &line = line_buffer();
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
  line.clear(); // keeps its capacity: the next line reuses the allocation
}

extern "C" const char *mlp_rt_take_line(void) {
  // Strings built at run time (a path from a str param) live until the
  // program ends, like the tables that use them.
  std::string &line = line_buffer();
  auto text = std::make_unique<std::string>(line);
  line.clear();
  return mlp::rt::keep_alive(std::move(text))->c_str();
}
