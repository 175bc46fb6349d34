/// \file table_format.cpp
/// A table as text, the way pandas prints a DataFrame: the row number
/// (left-aligned), then each column right-aligned under its name, floats of a column with one
/// common number of decimals. Long tables show their first and last five
/// rows around a `...` row; wide ones their first and last columns around a
/// `...` column; either way a `[rows x columns]` line ends the text. An
/// empty table is `Empty DataFrame`, its columns and `Index: []`.

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace mlp::rt;

namespace {

constexpr int64_t kEdgeRows = 5;    // shown at each end of a long table
constexpr size_t kMaxWidth = 100;   // wider tables elide middle columns

/// Decimals of the shortest text of v (0 for an integer value).
int decimals(float v) {
  std::string s;
  append_f32(s, v, "");
  size_t dot = s.find('.'), exp = s.find_first_of("eE");
  if (dot == std::string::npos || exp != std::string::npos) return 0;
  int n = static_cast<int>(s.size() - dot - 1);
  return s.compare(dot, std::string::npos, ".0") == 0 ? 0 : n;
}

/// The cells of one column for `rows`: the name first.
std::vector<std::string> cells(const Column &c, const std::vector<int64_t> &rows) {
  std::vector<std::string> out = {c.name};
  if (c.tensor()) {
    for (size_t i = 0; i < rows.size(); ++i) out.push_back(c.type_text());
    return out;
  }
  int places = 1;  // pandas shows at least one decimal for a float column
  if (c.type == ColumnType::F32)
    for (int64_t r : rows)
      if (std::isfinite(c.f32[r])) places = std::max(places, std::min(6, decimals(c.f32[r])));
  std::string spec = "." + std::to_string(places) + "f";
  for (int64_t r : rows) {
    std::string s;
    if (c.type == ColumnType::F32) {
      if (std::isnan(c.f32[r])) s = "NaN";
      else append_f32(s, c.f32[r], spec);
    } else if (c.type == ColumnType::Str) {
      s = c.codes[r] < 0 ? "NaN" : c.labels[c.codes[r]];
    } else {
      s = std::to_string(c.i64[r]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace

extern "C" void mlp_rt_fmt_table(MlpTable *t_arg) {
  const MlpTable &t = checked(t_arg, "mlp_rt_fmt_table");
  if (t.rows == 0) {  // as pandas says it
    std::vector<std::string> names;
    for (const auto &c : t.columns) names.push_back(c->name);
    line_buffer() += "Empty DataFrame\nColumns: [" + join(names) + "]\nIndex: []";
    return;
  }
  std::vector<int64_t> rows;
  bool elideRows = t.rows > 2 * kEdgeRows;
  for (int64_t r = 0; r < t.rows; ++r)
    if (!elideRows || r < kEdgeRows || r >= t.rows - kEdgeRows) rows.push_back(r);

  // The row numbers are the first column, without a name.
  std::vector<std::vector<std::string>> columns(1, std::vector<std::string>{""});
  for (int64_t r : rows) columns[0].push_back(std::to_string(r));
  for (const auto &c : t.columns) columns.push_back(cells(*c, rows));
  std::vector<size_t> widths;
  for (const auto &col : columns) {
    size_t w = 0;
    for (const std::string &s : col) w = std::max(w, text_width(s));
    widths.push_back(w);
  }

  // Wide tables: as many columns from each end as fit, `...` between.
  std::vector<size_t> shown(columns.size());
  for (size_t i = 0; i < shown.size(); ++i) shown[i] = i;
  size_t total = 0;
  for (size_t w : widths) total += w + 2;
  if (total > kMaxWidth && columns.size() > 3) {
    std::vector<size_t> left = {0}, right;
    size_t used = widths[0] + 2 + 5;  // the `...` column
    size_t lo = 1, hi = columns.size() - 1;
    while (lo <= hi) {
      size_t next = (left.size() <= right.size() + 1) ? lo : hi;
      if (used + widths[next] + 2 > kMaxWidth) break;
      used += widths[next] + 2;
      if (next == lo) left.push_back(lo++);
      else right.insert(right.begin(), hi--);
    }
    shown = left;
    shown.push_back(SIZE_MAX);  // the `...` column
    shown.insert(shown.end(), right.begin(), right.end());
  }

  std::string &out = line_buffer();
  auto pad = [&](const std::string &s, size_t width) {
    out.append(width > text_width(s) ? width - text_width(s) : 0, ' ');
    out += s;
  };
  for (size_t line = 0; line < columns[0].size(); ++line) {
    if (line) out += '\n';
    bool dots = elideRows && line == kEdgeRows + 1;
    if (dots) {  // the `...` row comes before the last five
      for (size_t k = 0; k < shown.size(); ++k) {
        if (k) out += "  ";
        if (k == 0) out += ".." + std::string(widths[0] - 2, ' ');
        else pad("...", shown[k] == SIZE_MAX ? 3 : widths[shown[k]]);
      }
      out += '\n';
    }
    for (size_t k = 0; k < shown.size(); ++k) {
      if (k) out += "  ";
      if (shown[k] == SIZE_MAX) pad(line == 0 ? "" : "...", 3);
      else if (k == 0) // the row numbers are left-aligned, as pandas has them
        out += columns[0][line] + std::string(widths[0] - columns[0][line].size(), ' ');
      else pad(columns[shown[k]][line], widths[shown[k]]);
    }
  }
  if (elideRows || shown.size() < columns.size())
    out += "\n\n[" + std::to_string(t.rows) + " rows x " + std::to_string(t.columns.size()) + " columns]";
}
