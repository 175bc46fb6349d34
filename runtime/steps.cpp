// Data steps that reshape a table: select (and drop), drop_na, fill_na,
// onehot, label_encode, minmax, head, shuffle and sort. Each returns a new table; the columns it leaves alone are shared
// with the input, not copied. The compiler checked every column name and
// type against the schema, so a bad one here is an internal error.
#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"
#include "runtime/csv.h"
#include "runtime/tokens.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <unordered_map>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace mlp::rt;

namespace {

bool missing(const Column &c, int64_t row) {
  if (c.type == ColumnType::F32) {
    for (int64_t i = 0; i < c.width(); ++i)
      if (std::isnan(c.f32[row * c.width() + i])) return true;
    return false;
  }
  return c.type == ColumnType::Str && c.codes[row] < 0;
}

/// `text` split at `separator`, empty pieces kept ("" gives none).
std::vector<std::string> pieces(std::string_view text, char separator) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  for (;;) {
    size_t at = text.find(separator);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

/// The statistic fill_na replaces a numeric column's missing values with,
/// over its present values as pandas computes it: mean, median (the mean of
/// the two middle values for an even count), or mode (the smallest of the
/// most frequent values). NaN when no value is present.
double statistic(const Column &c, int64_t rows, const std::string &kind) {
  std::vector<double> present;
  for (int64_t r = 0; r < rows; ++r)
    if (!missing(c, r)) present.push_back(c.number(r));
  if (present.empty()) return NAN;
  if (kind == "mean") {
    double sum = 0;
    for (double x : present) sum += x;
    return sum / static_cast<double>(present.size());
  }
  std::sort(present.begin(), present.end());
  size_t n = present.size();
  if (kind == "median") return n % 2 ? present[n / 2] : (present[n / 2 - 1] + present[n / 2]) / 2;
  double best = present[0];
  size_t bestCount = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && present[j] == present[i]) ++j;
    if (j - i > bestCount) best = present[i], bestCount = j - i;
    i = j;
  }
  return best;
}

/// The label code fill_na("mode") gives a str column: the most frequent
/// label, the first in sorted order on a tie; -1 when no value is present.
int32_t modeCode(const Column &c, int64_t rows) {
  std::vector<int64_t> counts(c.labels.size(), 0);
  for (int64_t r = 0; r < rows; ++r)
    if (c.codes[r] >= 0) ++counts[c.codes[r]];
  int32_t best = -1;
  for (size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) best = static_cast<int32_t>(i);
  return best;
}

/// c with its missing values replaced as `how` says: "mean", "median",
/// "mode", "value:<number>" or "label:<text>".
std::shared_ptr<const Column> filled(const Column &c, int64_t rows, const std::string &how) {
  auto out = std::make_shared<Column>(c);
  if (c.type == ColumnType::Str) {
    int32_t code = -1;
    if (how == "mode") {
      code = modeCode(c, rows);
    } else if (how.rfind("label:", 0) == 0) {
      std::string text = how.substr(6);
      auto at = std::lower_bound(out->labels.begin(), out->labels.end(), text);
      if (at == out->labels.end() || *at != text) {
        // A new label: insert it in sorted order and renumber the codes after it.
        auto index = static_cast<int32_t>(at - out->labels.begin());
        out->labels.insert(at, text);
        for (int32_t &k : out->codes)
          if (k >= index) ++k;
      }
      code = static_cast<int32_t>(std::lower_bound(out->labels.begin(), out->labels.end(), text) -
                                  out->labels.begin());
    } else {
      internal_error("fill_na: '" + how + "' for the str column '" + c.name + "'");
    }
    for (int32_t &k : out->codes)
      if (k < 0) k = code;
    return out;
  }
  if (c.type != ColumnType::F32) return out; // an i64 column has no missing values
  double value = how.rfind("value:", 0) == 0 ? std::stod(how.substr(6)) : statistic(c, rows, how);
  for (float &x : out->f32)
    if (std::isnan(x)) x = static_cast<float>(value);
  return out;
}

/// Each of c's labels -> its index in `expected` (the values the compiler
/// saw), or -1.
std::vector<int64_t> positions(const Column &c, const std::vector<std::string> &expected) {
  std::vector<int64_t> position(c.labels.size(), -1);
  for (size_t i = 0; i < c.labels.size(); ++i) {
    auto at = std::find(expected.begin(), expected.end(), c.labels[i]);
    if (at != expected.end()) position[i] = at - expected.begin();
  }
  return position;
}

/// The str column onehot and label_encode encode, with the values the
/// compiler saw (`labels`, newline-separated) and each label's index in them.
struct Encoding {
  const Column &column;
  std::vector<std::string> expected;
  std::vector<int64_t> position;
};

Encoding encoding(const MlpTable &t, const char *column, const char *labels, const char *step) {
  const Column &c = t.column(arg(column));
  if (c.type != ColumnType::Str) internal_error(std::string(step) + ": '" + c.name + "' is not a str column");
  std::vector<std::string> expected = pieces(arg(labels), '\n');
  std::vector<int64_t> position = positions(c, expected);
  return {c, std::move(expected), std::move(position)};
}

[[noreturn]] void unknownValue(const MlpTable &t, int64_t row, const Column &c, const char *step,
                               const std::vector<std::string> &expected) {
  die(t.where(row) + ": column '" + c.name + "': '" + c.labels[c.codes[row]] + "' is not one of the values " +
          step + " was compiled for (" + join(expected) + ")",
      1);
}

/// Puts `column` in the place of t's column called `name`.
void replaceColumn(MlpTable &t, const std::string &name, std::shared_ptr<const Column> column) {
  for (auto &slot : t.columns)
    if (slot->name == name) slot = column;
}

/// c's values as f32 (x - shift) / scale: standardize's and minmax's output.
std::shared_ptr<const Column> rescaled(const Column &c, int64_t rows, double shift, double scale) {
  auto out = std::make_shared<Column>();
  out->name = c.name;
  out->type = ColumnType::F32;
  out->f32.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) out->f32[r] = static_cast<float>((c.number(r) - shift) / scale);
  return out;
}

} // namespace

std::map<int64_t, std::vector<double>> &mlp::rt::learned_slots() {
  static std::map<int64_t, std::vector<double>> slots;
  return slots;
}

namespace {

/// Statistics a step of a reusable transform learned, by slot. `learn`
/// starts the slot afresh (a slot < 0 is scratch, never kept); reading a
/// slot never learned is a compiler bug.
std::vector<double> &learned(int64_t slot, int32_t learn) {
  std::map<int64_t, std::vector<double>> &slots = learned_slots();
  static std::vector<double> scratch;
  if (slot < 0) return scratch.clear(), scratch;
  if (learn) return slots[slot].clear(), slots[slot];
  auto found = slots.find(slot);
  if (found == slots.end()) internal_error("a transform's statistics were read before they were learned");
  return found->second;
}

double stat(const std::vector<double> &stats, size_t k) {
  if (k >= stats.size()) internal_error("a transform's statistics do not match its columns");
  return stats[k];
}

} // namespace

extern "C" MlpTable *mlp_rt_table_select(MlpTable *t_arg, const char *columns) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_select");
  auto out = std::make_unique<MlpTable>(t);
  out->columns.clear();
  for (const std::string &name : split_list(arg(columns)))
    for (const auto &c : t.columns)
      if (c->name == name) out->columns.push_back(c);
  return keep_alive(std::move(out));
}

extern "C" MlpTable *mlp_rt_table_rename(MlpTable *t_arg, const char *spec) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_rename");
  auto out = std::make_unique<MlpTable>(t);
  for (const std::string &entry : pieces(arg(spec), '\n')) {
    size_t tab = entry.find('\t');
    if (tab == std::string::npos) internal_error("mlp_rt_table_rename: bad entry '" + entry + "'");
    for (auto &slot : out->columns)
      if (slot->name == entry.substr(0, tab)) {
        auto renamed = std::make_shared<Column>(*slot); // the name lives in the column
        renamed->name = entry.substr(tab + 1);
        slot = std::move(renamed);
      }
  }
  return keep_alive(std::move(out));
}

extern "C" MlpTable *mlp_rt_table_drop_na(MlpTable *t_arg, const char *columns) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_drop_na");
  std::vector<const Column *> checkedColumns;
  std::vector<std::string> names = split_list(arg(columns));
  for (const auto &c : t.columns)
    if (names.empty() || std::find(names.begin(), names.end(), c->name) != names.end())
      checkedColumns.push_back(c.get());
  std::vector<int64_t> kept;
  for (int64_t r = 0; r < t.rows; ++r)
    if (std::none_of(checkedColumns.begin(), checkedColumns.end(),
                     [&](const Column *c) { return missing(*c, r); }))
      kept.push_back(r);
  return take_rows(t, kept.data(), static_cast<int64_t>(kept.size()));
}

extern "C" MlpTable *mlp_rt_table_fill_na_slot(MlpTable *t_arg, const char *spec, int64_t slot,
                                               int32_t learn) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_fill_na");
  auto out = std::make_unique<MlpTable>(t);
  std::vector<double> &stats = learned(slot, learn);
  size_t k = 0;
  for (const std::string &entry : pieces(arg(spec), '\n')) {
    size_t tab = entry.find('\t');
    if (tab == std::string::npos) internal_error("mlp_rt_table_fill_na: bad entry '" + entry + "'");
    std::string name = entry.substr(0, tab), how = entry.substr(tab + 1);
    const Column &c = t.column(name);
    // A learned statistic becomes a fixed value for this and later tables:
    // a number, or a str column's label.
    if (how == "mean" || how == "median" || how == "mode") {
      if (c.type == ColumnType::Str) {
        if (learn) stats.push_back(modeCode(c, t.rows));
        auto code = static_cast<int64_t>(stat(stats, k++));
        how = code < 0 ? "mode" : "label:" + c.labels[code];
      } else {
        if (learn) stats.push_back(statistic(c, t.rows, how));
        char value[40];
        std::snprintf(value, sizeof value, "value:%.17g", stat(stats, k++));
        how = value;
      }
    }
    replaceColumn(*out, name, filled(c, t.rows, how));
  }
  return keep_alive(std::move(out));
}

extern "C" MlpTable *mlp_rt_table_fill_na(MlpTable *t, const char *spec) {
  return mlp_rt_table_fill_na_slot(t, spec, -1, 1);
}

extern "C" MlpTable *mlp_rt_table_onehot(MlpTable *t_arg, const char *column, const char *labels) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_onehot");
  Encoding enc = encoding(t, column, labels, "mlp_rt_table_onehot");
  const Column &c = enc.column;
  const std::vector<std::string> &expected = enc.expected;
  const std::vector<int64_t> &position = enc.position;
  auto out = std::make_unique<MlpTable>(t);
  out->columns.erase(std::remove_if(out->columns.begin(), out->columns.end(),
                                    [&](const auto &slot) { return slot->name == c.name; }),
                     out->columns.end());
  std::vector<std::shared_ptr<Column>> dummies;
  for (const std::string &label : expected) {
    auto d = std::make_shared<Column>();
    d->name = c.name + "_" + label;
    d->type = ColumnType::F32;
    d->f32.assign(static_cast<size_t>(t.rows), 0.0f);
    dummies.push_back(d);
  }
  for (int64_t r = 0; r < t.rows; ++r) {
    int32_t code = c.codes[r];
    if (code < 0) continue; // missing: every dummy 0, as pandas.get_dummies
    if (position[code] < 0) unknownValue(t, r, c, "onehot", expected);
    dummies[position[code]]->f32[r] = 1.0f;
  }
  for (auto &d : dummies) out->columns.push_back(std::move(d));
  return keep_alive(std::move(out));
}

extern "C" MlpTable *mlp_rt_table_label_encode(MlpTable *t_arg, const char *column, const char *labels) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_label_encode");
  Encoding enc = encoding(t, column, labels, "mlp_rt_table_label_encode");
  const Column &c = enc.column;
  const std::vector<std::string> &expected = enc.expected;
  const std::vector<int64_t> &position = enc.position;
  auto codes = std::make_shared<Column>();
  codes->name = c.name;
  codes->type = ColumnType::I64;
  codes->i64.resize(static_cast<size_t>(t.rows));
  for (int64_t r = 0; r < t.rows; ++r) {
    if (c.codes[r] < 0) die(t.where(r) + ": column '" + c.name + "' has a missing value (label_encode needs one)", 1);
    if (position[c.codes[r]] < 0) unknownValue(t, r, c, "label_encode", expected);
    codes->i64[r] = position[c.codes[r]];
  }
  auto out = std::make_unique<MlpTable>(t);
  replaceColumn(*out, c.name, codes);
  return keep_alive(std::move(out));
}

namespace {

/// standardize and minmax: each column becomes (x - shift) / scale, the two
/// learned by `learn(column)` (kept in `slot`) or read from the slot.
template <class Learn>
MlpTable *scaleColumns(MlpTable *t_arg, const char *columns, int64_t slot, int32_t learnNow,
                       const char *step, Learn learn) {
  const MlpTable &t = checked(t_arg, step);
  auto out = std::make_unique<MlpTable>(t);
  std::vector<double> &stats = learned(slot, learnNow);
  size_t k = 0;
  for (const std::string &name : split_list(arg(columns))) {
    const Column &c = t.column(name);
    if (!c.numeric() || c.tensor())
      internal_error(std::string(step) + ": '" + name + "' is not a numeric column of single values");
    if (learnNow) {
      auto [shift, scale] = learn(c, t.rows);
      stats.push_back(shift);
      stats.push_back(scale);
    }
    double shift = stat(stats, k++), scale = stat(stats, k++);
    replaceColumn(*out, name, rescaled(c, t.rows, shift, scale));
  }
  return keep_alive(std::move(out));
}

} // namespace

extern "C" MlpTable *mlp_rt_table_minmax_slot(MlpTable *t, const char *columns, int64_t slot,
                                              int32_t learn) {
  // Over the present values, as scikit-learn's MinMaxScaler; a constant
  // column becomes 0 (its range counts as 1), missing values stay NaN.
  return scaleColumns(t, columns, slot, learn, "mlp_rt_table_minmax", [](const Column &c, int64_t rows) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t r = 0; r < rows; ++r) {
      double x = c.number(r);
      if (!std::isnan(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    }
    return std::make_pair(lo, hi > lo ? hi - lo : 1.0);
  });
}

extern "C" MlpTable *mlp_rt_table_minmax(MlpTable *t, const char *columns) {
  return mlp_rt_table_minmax_slot(t, columns, -1, 1);
}

extern "C" MlpTable *mlp_rt_table_standardize_slot(MlpTable *t, const char *columns, int64_t slot,
                                                   int32_t learn) {
  // Two passes in double: exact enough for any column length, and NaN
  // (missing) values are left out as sklearn's StandardScaler does, with the
  // population std; a constant column is only centred.
  return scaleColumns(t, columns, slot, learn, "mlp_rt_table_standardize", [](const Column &c, int64_t rows) {
    double sum = 0;
    int64_t count = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double x = c.number(r);
      if (!std::isnan(x)) sum += x, ++count;
    }
    double mean = count ? sum / count : 0.0, squares = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double x = c.number(r);
      if (!std::isnan(x)) squares += (x - mean) * (x - mean);
    }
    double std = count ? std::sqrt(squares / count) : 0.0;
    return std::make_pair(mean, std == 0 ? 1.0 : std);
  });
}

extern "C" MlpTable *mlp_rt_table_head(MlpTable *t_arg, int64_t n) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_head");
  std::vector<int64_t> rows(static_cast<size_t>(std::clamp<int64_t>(n, 0, t.rows)));
  for (size_t r = 0; r < rows.size(); ++r) rows[r] = static_cast<int64_t>(r);
  return take_rows(t, rows.data(), static_cast<int64_t>(rows.size()));
}

extern "C" MlpTable *mlp_rt_table_shuffle(MlpTable *t_arg, int64_t seed) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_shuffle");
  std::vector<int64_t> order = permutation(t.rows, seed, 0);
  return take_rows(t, order.data(), t.rows);
}

extern "C" MlpTable *mlp_rt_table_sort(MlpTable *t_arg, const char *column, int32_t descending) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_sort");
  const Column &c = t.column(arg(column));
  if (c.tensor()) internal_error("mlp_rt_table_sort: '" + c.name + "' is a tensor column");
  std::vector<int64_t> order(static_cast<size_t>(t.rows));
  for (int64_t r = 0; r < t.rows; ++r) order[r] = r;
  // Stable, missing values last either way (pandas' sort_values with
  // kind="stable", na_position="last"). Labels are sorted, so codes order str.
  auto key = [&](int64_t r) { return c.type == ColumnType::Str ? double(c.codes[r]) : c.number(r); };
  auto isMissing = [&](int64_t r) { return missing(c, r); };
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    if (isMissing(a) || isMissing(b)) return !isMissing(a) && isMissing(b);
    return descending ? key(a) > key(b) : key(a) < key(b);
  });
  return take_rows(t, order.data(), t.rows);
}

/* --------------------------------------------------------------- describe */

namespace {

/// The q-quantile of sorted values with linear interpolation (pandas' and
/// NumPy's default).
double quantile(const std::vector<double> &sorted, double q) {
  double at = q * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<size_t>(std::floor(at));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - static_cast<double>(lo));
}

std::string fixed6(double x) {
  if (std::isnan(x)) return "NaN";
  char text[64];
  std::snprintf(text, sizeof text, "%.6f", x);
  return text;
}

} // namespace

extern "C" const char *mlp_rt_table_describe(MlpTable *t_arg) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_describe");
  static const char *const kRows[] = {"count", "mean", "std", "min", "25%", "50%", "75%", "max"};
  // One column of text per numeric scalar column, as pandas' describe().
  std::vector<std::vector<std::string>> cells; // [column][0 = name, 1.. = stats]
  for (const auto &c : t.columns) {
    if (!c->numeric() || c->tensor()) continue;
    std::vector<double> v;
    for (int64_t r = 0; r < t.rows; ++r)
      if (!missing(*c, r)) v.push_back(c->number(r));
    std::sort(v.begin(), v.end());
    double n = static_cast<double>(v.size()), sum = 0, squares = 0;
    for (double x : v) sum += x;
    double mean = v.empty() ? NAN : sum / n;
    for (double x : v) squares += (x - mean) * (x - mean);
    double std = v.size() > 1 ? std::sqrt(squares / (n - 1)) : NAN; // sample std (ddof 1)
    std::vector<std::string> col = {c->name, fixed6(n), fixed6(mean), fixed6(std)};
    for (double q : {0.0, 0.25, 0.5, 0.75, 1.0}) col.push_back(v.empty() ? "NaN" : fixed6(quantile(v, q)));
    cells.push_back(std::move(col));
  }
  // Blocks of columns that fit in 80 characters, as pandas wraps them.
  static std::string text;
  text.clear();
  size_t first = 0;
  while (first < cells.size() || (first == 0 && cells.empty())) {
    size_t width = 5, last = first;
    std::vector<size_t> widths;
    while (last < cells.size()) {
      size_t w = 0;
      for (const std::string &s : cells[last]) w = std::max(w, s.size());
      if (last > first && width + 2 + w > 80) break;
      widths.push_back(w);
      width += 2 + w;
      ++last;
    }
    if (!text.empty()) text += "\n\n";
    for (size_t row = 0; row < 9; ++row) {
      std::string line = row == 0 ? std::string(5, ' ') : kRows[row - 1] + std::string(5 - std::strlen(kRows[row - 1]), ' ');
      for (size_t c = first; c < last; ++c) {
        const std::string &s = cells[c][row];
        line += std::string(2 + widths[c - first] - s.size(), ' ') + s;
      }
      text += line + (row < 8 ? "\n" : "");
    }
    if (cells.empty()) break;
    first = last;
  }
  return text.c_str();
}

/* -------------------------------------------------------------- write_csv */

namespace {

/// A str value as a CSV field: quoted (quotes doubled) when it holds the
/// separator, a quote, a newline or surrounding spaces.
void appendField(std::string &out, const std::string &text) {
  bool quote = text.find_first_of(",\"\n\r") != std::string::npos ||
               (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  out += '"';
}

} // namespace

extern "C" void mlp_rt_table_write_csv(MlpTable *t_arg, const char *path) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_write_csv");
  std::string text;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i]->tensor()) internal_error("write_csv: '" + t.columns[i]->name + "' is a tensor column");
    if (i) text += ',';
    appendField(text, t.columns[i]->name);
  }
  text += '\n';
  // Written whole to a temporary file, then renamed over `path`: a reader
  // (or a crash) never sees half a file.
  OutputFile file{std::string(arg(path))};
  for (int64_t r = 0; r < t.rows; ++r) {
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const Column &c = *t.columns[i];
      if (i) text += ',';
      if (missing(c, r)) continue; // an empty field, as pandas writes NaN
      if (c.type == ColumnType::F32) append_f32(text, c.f32[r], "");
      else if (c.type == ColumnType::I64) text += std::to_string(c.i64[r]);
      else appendField(text, c.labels[c.codes[r]]);
    }
    text += '\n';
    if (text.size() > (1 << 20)) file.write(text.data(), text.size()), text.clear();
  }
  file.write(text.data(), text.size());
  file.commit();
}

/* ---------------------------------------------------------- group_by, agg */

extern "C" MlpTable *mlp_rt_table_agg(MlpTable *t_arg, const char *keys, const char *spec) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_agg");
  std::vector<const Column *> keyColumns;
  for (const std::string &k : split_list(arg(keys))) keyColumns.push_back(&t.column(k));
  // A row's key: its key columns' values (str by label code, which sorts as
  // the labels do). Rows with a missing key are left out, as pandas does.
  auto keyOf = [&](int64_t r) {
    std::vector<double> key;
    for (const Column *c : keyColumns) key.push_back(c->type == ColumnType::Str ? c->codes[r] : c->number(r));
    return key;
  };
  std::map<std::vector<double>, std::vector<int64_t>> groups; // sorted keys, as groupby(sort=True)
  for (int64_t r = 0; r < t.rows; ++r)
    if (std::none_of(keyColumns.begin(), keyColumns.end(), [&](const Column *c) { return missing(*c, r); }))
      groups[keyOf(r)].push_back(r);

  auto out = std::make_unique<MlpTable>();
  out->rows = static_cast<int64_t>(groups.size());
  out->path = t.path;
  out->rowWord = t.rowWord;
  auto lines = std::make_shared<std::vector<int64_t>>();
  std::vector<int64_t> firstRows;
  for (const auto &[key, rows] : groups) firstRows.push_back(rows.front()), lines->push_back((*t.lines)[rows.front()]);
  out->lines = lines;
  // The key columns: each group's first row.
  MlpTable *firsts = take_rows(t, firstRows.data(), static_cast<int64_t>(firstRows.size()));
  for (const Column *c : keyColumns) out->columns.push_back(std::make_shared<const Column>(firsts->column(c->name)));
  release(firsts, "mlp_rt_table_agg");
  for (const std::string &entry : pieces(arg(spec), '\n')) {
    std::vector<std::string> f = pieces(entry, '\t'); // name, function, column ("" for count())
    if (f.size() != 3) internal_error("mlp_rt_table_agg: bad entry '" + entry + "'");
    auto result = std::make_shared<Column>();
    result->name = f[0];
    result->type = f[1] == "count" ? ColumnType::I64 : ColumnType::F32;
    const Column *c = f[2].empty() ? nullptr : &t.column(f[2]);
    for (const auto &[key, rows] : groups) {
      std::vector<double> v;
      for (int64_t r : rows)
        if (!c || !missing(*c, r)) v.push_back(c ? c->number(r) : 0.0);
      if (f[1] == "count") {
        result->i64.push_back(static_cast<int64_t>(v.size()));
        continue;
      }
      double sum = 0, value = NAN;
      for (double x : v) sum += x;
      if (f[1] == "sum") value = sum;
      else if (v.empty()) value = NAN;
      else if (f[1] == "mean") value = sum / static_cast<double>(v.size());
      else if (f[1] == "min") value = *std::min_element(v.begin(), v.end());
      else if (f[1] == "max") value = *std::max_element(v.begin(), v.end());
      else if (f[1] == "std") {
        double mean = sum / static_cast<double>(v.size()), squares = 0;
        for (double x : v) squares += (x - mean) * (x - mean);
        value = v.size() > 1 ? std::sqrt(squares / static_cast<double>(v.size() - 1)) : NAN;
      } else {
        internal_error("mlp_rt_table_agg: unknown function '" + f[1] + "'");
      }
      result->f32.push_back(static_cast<float>(value));
    }
    out->columns.push_back(std::move(result));
  }
  return keep_alive(std::move(out));
}

/* ------------------------------------------------------------------- join */

namespace {

/// A key value as text, so i64 and str keys of the two tables compare; ""
/// for a missing key (which matches nothing, as in pandas).
std::string keyText(const Column &c, int64_t row) {
  if (missing(c, row)) return "";
  if (c.type == ColumnType::Str) return "s" + c.labels[c.codes[row]];
  if (c.type == ColumnType::I64) return "n" + std::to_string(c.i64[row]);
  char text[40];
  std::snprintf(text, sizeof text, "n%.17g", static_cast<double>(c.f32[row]));
  return text;
}

} // namespace

extern "C" MlpTable *mlp_rt_table_join(MlpTable *left_arg, MlpTable *right_arg, const char *key, int32_t keepAll) {
  const MlpTable &left = checked(left_arg, "mlp_rt_table_join");
  const MlpTable &right = checked(right_arg, "mlp_rt_table_join");
  const Column &lk = left.column(arg(key)), &rk = right.column(arg(key));
  std::map<std::string, std::vector<int64_t>> index;
  for (int64_t r = 0; r < right.rows; ++r) {
    std::string k = keyText(rk, r);
    if (!k.empty()) index[k].push_back(r);
  }
  // Pairs (left row, right row or -1), in the left table's order, each
  // left row's matches in the right table's order (pandas' merge order).
  std::vector<int64_t> lrows, rrows;
  for (int64_t r = 0; r < left.rows; ++r) {
    auto found = index.find(keyText(lk, r));
    if (found != index.end()) {
      for (int64_t m : found->second) lrows.push_back(r), rrows.push_back(m);
    } else if (keepAll) {
      lrows.push_back(r), rrows.push_back(-1);
    }
  }
  MlpTable *out = take_rows(left, lrows.data(), static_cast<int64_t>(lrows.size()));
  for (const auto &c : right.columns) {
    if (c->name == rk.name) continue;
    if (c->tensor()) internal_error("mlp_rt_table_join: '" + c->name + "' is a tensor column");
    auto joined = std::make_shared<Column>();
    joined->name = c->name;
    // A left join's unmatched rows are missing: an i64 column becomes f32 (NaN), as in pandas.
    joined->type = keepAll && c->type == ColumnType::I64 ? ColumnType::F32 : c->type;
    joined->labels = c->labels;
    for (int64_t m : rrows) {
      switch (joined->type) {
      case ColumnType::F32: joined->f32.push_back(m < 0 ? NAN : static_cast<float>(c->number(m))); break;
      case ColumnType::I64: joined->i64.push_back(c->i64[m]); break;
      case ColumnType::Str: joined->codes.push_back(m < 0 ? -1 : c->codes[m]); break;
      }
    }
    out->columns.push_back(std::move(joined));
  }
  return out;
}

/* ------------------------------------------------------ dates and windows */

extern "C" MlpTable *mlp_rt_table_parse_dates(MlpTable *t_arg, const char *column, const char *format) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_parse_dates");
  const Column &c = t.column(arg(column));
  if (c.type != ColumnType::Str) internal_error("mlp_rt_table_parse_dates: '" + c.name + "' is not a str column");
  // Each distinct text is parsed once: days since 1970-01-01 (UTC).
  std::vector<int64_t> days(c.labels.size(), 0);
  std::vector<bool> ok(c.labels.size(), false);
  for (size_t i = 0; i < c.labels.size(); ++i) {
    std::tm tm{};
    const char *end = strptime(c.labels[i].c_str(), arg(format).data(), &tm);
    if (!end || *end != '\0') continue;
    tm.tm_hour = 12; // away from any day boundary
    days[i] = static_cast<int64_t>(timegm(&tm)) / 86400;
    ok[i] = true;
  }
  auto out = std::make_unique<MlpTable>(t);
  auto parsed = std::make_shared<Column>();
  parsed->name = c.name;
  parsed->type = ColumnType::I64;
  parsed->i64.resize(static_cast<size_t>(t.rows));
  for (int64_t r = 0; r < t.rows; ++r) {
    int32_t code = c.codes[r];
    if (code < 0) die(t.where(r) + ": column '" + c.name + "' has no date (a missing value)", 1);
    if (!ok[code])
      die(t.where(r) + ": column '" + c.name + "': '" + c.labels[code] + "' is not a date in the format '" +
              std::string(arg(format)) + "'",
          1);
    parsed->i64[r] = days[code];
  }
  replaceColumn(*out, c.name, parsed);
  return keep_alive(std::move(out));
}

extern "C" MlpTable *mlp_rt_table_window(MlpTable *t_arg, const char *column, int64_t size, int64_t horizon,
                                         const char *by) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_window");
  const Column &c = t.column(arg(column));
  const Column *group = arg(by).empty() ? nullptr : &t.column(arg(by));
  if (!c.numeric() || c.tensor() || size < 1 || horizon < 1) internal_error("mlp_rt_table_window: bad arguments");
  // Runs of consecutive rows with the same `by` value (the whole table
  // without one); each run gives a row per window that has its future.
  // Compared in place, as keyText would compare them, without making text
  // for every row: missing values are one group.
  auto sameGroup = [&](int64_t a, int64_t b) {
    if (!group) return true;
    bool ma = missing(*group, a), mb = missing(*group, b);
    if (ma || mb) return ma && mb;
    switch (group->type) {
    case ColumnType::Str: return group->codes[a] == group->codes[b];
    case ColumnType::I64: return group->i64[a] == group->i64[b];
    case ColumnType::F32: return group->f32[a] == group->f32[b];
    }
    return false;
  };
  auto past = std::make_shared<Column>(), future = std::make_shared<Column>();
  past->name = "past";
  past->type = ColumnType::F32;
  past->shape = {size};
  future->name = "future";
  future->type = ColumnType::F32;
  std::vector<int64_t> firstRows;
  for (int64_t start = 0; start < t.rows;) {
    int64_t end = start;
    while (end < t.rows && sameGroup(start, end)) ++end;
    for (int64_t i = start; i + size - 1 + horizon < end; ++i) {
      for (int64_t k = 0; k < size; ++k) past->f32.push_back(static_cast<float>(c.number(i + k)));
      future->f32.push_back(static_cast<float>(c.number(i + size - 1 + horizon)));
      firstRows.push_back(i + size - 1); // the window's last known row
    }
    start = end;
  }
  MlpTable *out = take_rows(t, firstRows.data(), static_cast<int64_t>(firstRows.size()));
  std::shared_ptr<const Column> groupColumn;
  for (const auto &kept : out->columns)
    if (group && kept->name == group->name) groupColumn = kept;
  out->columns.clear();
  if (groupColumn) out->columns.push_back(groupColumn);
  out->columns.push_back(std::move(past));
  out->columns.push_back(std::move(future));
  return out;
}

/* --------------------------------------------------------------- tokenize */

extern "C" MlpTable *mlp_rt_table_tokenize(MlpTable *t_arg, const char *column, int32_t chars, int64_t length,
                                           const char *vocabulary) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_tokenize");
  const Column &c = t.column(arg(column));
  if (c.type != ColumnType::Str || length < 1) internal_error("mlp_rt_table_tokenize: bad arguments");
  // Token ids: 0 pads, 1 stands for a token the vocabulary lacks, the
  // vocabulary's tokens are 2, 3, ... in its order.
  std::unordered_map<std::string, int64_t> ids;
  int64_t next = 2;
  for (const std::string &token : pieces(arg(vocabulary), '\n')) ids.emplace(token, next++);
  // Each distinct text is tokenized once.
  std::vector<std::vector<int64_t>> encoded(c.labels.size());
  for (size_t i = 0; i < c.labels.size(); ++i) {
    for (std::string_view token : mlp::splitTokens(c.labels[i], chars != 0)) {
      if (static_cast<int64_t>(encoded[i].size()) == length) break;
      auto found = ids.find(std::string(token));
      encoded[i].push_back(found == ids.end() ? 1 : found->second);
    }
  }
  auto tokens = std::make_shared<Column>();
  tokens->name = c.name;
  tokens->type = ColumnType::I64;
  tokens->shape = {length};
  tokens->i64.assign(static_cast<size_t>(t.rows * length), 0);
  for (int64_t r = 0; r < t.rows; ++r)
    if (c.codes[r] >= 0) {
      const std::vector<int64_t> &e = encoded[c.codes[r]];
      std::copy(e.begin(), e.end(), tokens->i64.begin() + r * length);
    }
  auto out = std::make_unique<MlpTable>(t);
  replaceColumn(*out, c.name, tokens);
  return keep_alive(std::move(out));
}

/* ------------------------------------------------------------------- text */


extern "C" MlpTable *mlp_rt_text_read(const char *path_arg) {
  std::string path(arg(path_arg)), error;
  std::vector<std::string> lines;
  if (!mlp::csv::readLines(path, lines, error)) die(error, 1);
  auto text = std::make_shared<Column>();
  text->name = "text";
  text->type = ColumnType::Str;
  std::unordered_map<std::string, int32_t> ids;
  for (const std::string &line : lines) {
    auto [it, added] = ids.try_emplace(line, static_cast<int32_t>(text->labels.size()));
    if (added) text->labels.push_back(line);
    text->codes.push_back(it->second);
  }
  sort_labels(*text); // as every str column's
  auto table = std::make_unique<MlpTable>();
  table->rows = static_cast<int64_t>(lines.size());
  table->path = path;
  auto numbers = std::make_shared<std::vector<int64_t>>();
  for (int64_t r = 0; r < table->rows; ++r) numbers->push_back(r + 1);
  table->lines = std::move(numbers);
  table->columns.push_back(std::move(text));
  return keep_alive(std::move(table));
}
