/// \file tables.cpp
/// Tables: reading a CSV file against the schema the compiler inferred,
/// standardize, split.

#include "runtime/csv.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace mlp::rt {

const char *type_name(ColumnType type) {
  switch (type) {
  case ColumnType::F32: return "f32";
  case ColumnType::I64: return "i64";
  case ColumnType::Str: return "str";
  }
  return "?";
}

std::string Column::text(int64_t row) const {
  switch (type) {
  case ColumnType::F32: {
    std::string s;
    append_f32(s, f32[row], "");
    return s;
  }
  case ColumnType::I64: return std::to_string(i64[row]);
  case ColumnType::Str: return codes[row] < 0 ? std::string() : labels[codes[row]];
  }
  return "";
}

namespace {

struct SchemaColumn {
  std::string name;
  ColumnType type;
};

std::vector<SchemaColumn> parse_schema(std::string_view schema) {
  std::vector<SchemaColumn> out;
  for (const std::string &item : split_list(schema)) {
    size_t colon = item.rfind(':');
    std::string type = colon == std::string::npos ? "" : item.substr(colon + 1);
    SchemaColumn c{item.substr(0, colon == std::string::npos ? item.size() : colon), ColumnType::F32};
    if (type == "f32") c.type = ColumnType::F32;
    else if (type == "i64") c.type = ColumnType::I64;
    else if (type == "str") c.type = ColumnType::Str;
    else internal_error("bad csv schema item '" + item + "'");
    out.push_back(std::move(c));
  }
  return out;
}

/// Quotes a value for a message; empty text is shown as such.
std::string quoted(std::string_view value) {
  return value.empty() ? std::string("an empty value") : "'" + std::string(value) + "'";
}

/// The file no longer reads as the schema said: find out how, from a full
/// inference of the file, and fail with one line that says so. `line` and
/// `value` are where reading stopped, for the case the inference alone cannot
/// explain (an i64 column that now holds a decimal or missing value).
[[noreturn]] void changed(const std::string &path, char sep, const std::vector<SchemaColumn> &schema,
                          int64_t line, std::string_view value) {
  CsvSchema actual;
  std::string error;
  if (!inferCsvSchema(path, sep, actual, error)) die(error, 1);
  std::string prefix = "'" + path + "' changed since compile time: ";
  for (size_t i = 0; i < schema.size() && i < actual.columns.size(); ++i) {
    const CsvColumn &c = actual.columns[i];
    bool narrower = (schema[i].type == ColumnType::I64 && c.type != CsvColumn::I64) ||
                    (schema[i].type == ColumnType::F32 && c.type == CsvColumn::Str);
    if (!narrower) continue;
    std::string why = c.type == CsvColumn::Str
                          ? "row " + std::to_string(c.badRow) + ": " + quoted(c.badValue)
                          : "row " + std::to_string(line) + ": " + quoted(value);
    die(prefix + "column '" + c.name + "' is now " + csvTypeName(c.type) + " (" + why + ")", 1);
  }
  internal_error("'" + path + "' failed to read but matches its schema");
}

/// Checks the header against the schema: the same names in the same order.
void check_header(const std::string &path, const std::vector<std::string> &names,
                  const std::vector<SchemaColumn> &schema) {
  std::string prefix = "'" + path + "' changed since compile time: ";
  for (const SchemaColumn &s : schema)
    if (std::find(names.begin(), names.end(), s.name) == names.end())
      die(prefix + "column '" + s.name + "' is missing", 1);
  for (const std::string &n : names) {
    bool known = false;
    for (const SchemaColumn &s : schema) known = known || s.name == n;
    if (!known) die(prefix + "it has a new column '" + n + "'", 1);
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] != schema[i].name)
      die(prefix + "its columns are in a different order (column " + std::to_string(i + 1) +
              " is now '" + names[i] + "', was '" + schema[i].name + "')",
          1);
}

/// Gives a Str column its sorted labels: values were numbered in order of
/// first appearance while reading; renumber them in sorted order.
void sort_labels(Column &c) {
  std::vector<int32_t> byName(c.labels.size());
  std::iota(byName.begin(), byName.end(), 0);
  std::sort(byName.begin(), byName.end(),
            [&](int32_t a, int32_t b) { return c.labels[a] < c.labels[b]; });
  std::vector<int32_t> newCode(c.labels.size());
  std::vector<std::string> sorted(c.labels.size());
  for (size_t k = 0; k < byName.size(); ++k) {
    newCode[byName[k]] = static_cast<int32_t>(k);
    sorted[k] = std::move(c.labels[byName[k]]);
  }
  c.labels = std::move(sorted);
  for (int32_t &code : c.codes)
    if (code >= 0) code = newCode[code];
}

MlpTable *read_csv(const char *path_arg, char sep, const char *schema_text) {
  std::string path(arg(path_arg));
  std::vector<SchemaColumn> schema = parse_schema(arg(schema_text));
  csv::Reader reader;
  std::string error;
  std::vector<std::string> names;
  if (!reader.open(path, sep, error) || !csv::readHeader(reader, names, error)) die(error, 1);
  check_header(path, names, schema);

  const size_t n = schema.size();
  std::vector<Column> columns(n);
  std::vector<std::unordered_map<std::string, int32_t>> ids(n); // Str values seen so far
  for (size_t i = 0; i < n; ++i) {
    columns[i].name = schema[i].name;
    columns[i].type = schema[i].type;
  }
  auto lines = std::make_shared<std::vector<int64_t>>();
  std::vector<std::string_view> fields;
  std::string key;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  while (reader.next(fields, error)) {
    lines->push_back(reader.line());
    for (size_t i = 0; i < n; ++i) {
      Column &c = columns[i];
      std::string_view v = fields[i];
      switch (c.type) {
      case ColumnType::I64: {
        int64_t x;
        if (!csv::parseInt(v, x)) changed(path, sep, schema, reader.line(), v);
        c.i64.push_back(x);
        break;
      }
      case ColumnType::F32: {
        double x;
        if (csv::parseNumber(v, x)) c.f32.push_back(static_cast<float>(x));
        else if (csv::isMissing(v)) c.f32.push_back(nan);
        else changed(path, sep, schema, reader.line(), v);
        break;
      }
      case ColumnType::Str: {
        if (csv::isMissing(v)) {
          c.codes.push_back(-1);
          break;
        }
        key.assign(v);
        auto [it, added] = ids[i].try_emplace(key, static_cast<int32_t>(c.labels.size()));
        if (added) c.labels.push_back(key);
        c.codes.push_back(it->second);
        break;
      }
      }
    }
  }
  if (!error.empty()) die(error, 1);

  auto table = std::make_unique<MlpTable>();
  table->rows = static_cast<int64_t>(lines->size());
  table->path = path;
  table->lines = std::move(lines);
  for (Column &c : columns) {
    if (c.type == ColumnType::Str) sort_labels(c);
    table->columns.push_back(std::make_shared<const Column>(std::move(c)));
  }
  return keep_alive(std::move(table));
}

/// The rows `rows` of `c`, in that order.
Column gather(const Column &c, const int64_t *rows, int64_t count) {
  Column out;
  out.name = c.name;
  out.type = c.type;
  out.labels = c.labels;
  switch (c.type) {
  case ColumnType::F32:
    out.f32.resize(count);
    for (int64_t r = 0; r < count; ++r) out.f32[r] = c.f32[rows[r]];
    break;
  case ColumnType::I64:
    out.i64.resize(count);
    for (int64_t r = 0; r < count; ++r) out.i64[r] = c.i64[rows[r]];
    break;
  case ColumnType::Str:
    out.codes.resize(count);
    for (int64_t r = 0; r < count; ++r) out.codes[r] = c.codes[rows[r]];
    break;
  }
  return out;
}

MlpTable *take_rows(const MlpTable &t, const int64_t *rows, int64_t count) {
  auto out = std::make_unique<MlpTable>();
  out->rows = count;
  out->path = t.path;
  auto lines = std::make_shared<std::vector<int64_t>>(count);
  for (int64_t r = 0; r < count; ++r) (*lines)[r] = (*t.lines)[rows[r]];
  out->lines = std::move(lines);
  for (const auto &c : t.columns) out->columns.push_back(std::make_shared<const Column>(gather(*c, rows, count)));
  return keep_alive(std::move(out));
}

MlpTable &checked(MlpTable *t, const char *function) {
  if (!t) internal_error(std::string(function) + ": null table");
  return *t;
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

const Column &MlpTable::column(std::string_view name) const {
  for (const auto &c : columns)
    if (c->name == name) return *c;
  std::vector<std::string> names;
  for (const auto &c : columns) names.push_back(c->name);
  internal_error("the table has no column '" + std::string(name) + "' (it has: " + join(names) + ")");
}

std::string MlpTable::where(int64_t row) const {
  return path + ":" + std::to_string((*lines)[row]);
}

extern "C" MlpTable *mlp_rt_csv_read(const char *path, const char *schema) {
  return read_csv(path, ',', schema);
}

extern "C" MlpTable *mlp_rt_csv_read_sep(const char *path, int32_t sep, const char *schema) {
  if (sep <= 0 || sep > 127 || sep == '"' || sep == '\n' || sep == '\r')
    internal_error("bad csv separator " + std::to_string(sep));
  return read_csv(path, static_cast<char>(sep), schema);
}

extern "C" MlpTable *mlp_rt_table_standardize(MlpTable *t_arg, const char *columns) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_standardize");
  auto out = std::make_unique<MlpTable>(t);
  for (const std::string &name : split_list(arg(columns))) {
    const Column &c = t.column(name);
    if (!c.numeric()) internal_error("cannot standardize the str column '" + name + "'");
    // Two passes in double: exact enough for any column length, and NaN
    // (missing) values are left out as sklearn's StandardScaler does.
    double sum = 0;
    int64_t count = 0;
    for (int64_t r = 0; r < t.rows; ++r) {
      double x = c.number(r);
      if (!std::isnan(x)) sum += x, ++count;
    }
    double mean = count ? sum / count : 0.0;
    double squares = 0;
    for (int64_t r = 0; r < t.rows; ++r) {
      double x = c.number(r);
      if (!std::isnan(x)) squares += (x - mean) * (x - mean);
    }
    double std = count ? std::sqrt(squares / count) : 0.0;
    if (std == 0) std = 1; // a constant column: only centred, like sklearn
    auto scaled = std::make_shared<Column>();
    scaled->name = c.name;
    scaled->type = ColumnType::F32;
    scaled->f32.resize(t.rows);
    for (int64_t r = 0; r < t.rows; ++r) scaled->f32[r] = static_cast<float>((c.number(r) - mean) / std);
    for (auto &slot : out->columns)
      if (slot->name == name) slot = std::move(scaled);
  }
  return keep_alive(std::move(out));
}

extern "C" void mlp_rt_table_split(MlpTable *t_arg, double fraction, int64_t seed, MlpTable **first,
                                   MlpTable **second) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_split");
  if (!first || !second) internal_error("mlp_rt_table_split: null result pointer");
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    std::string f;
    append_f64(f, fraction, "");
    die("split fraction " + f + " is not between 0 and 1", 1);
  }
  std::vector<int64_t> order = permutation(t.rows, seed, 0);
  auto n1 = static_cast<int64_t>(std::llround(fraction * static_cast<double>(t.rows)));
  *first = take_rows(t, order.data(), n1);
  *second = take_rows(t, order.data() + n1, t.rows - n1);
}

extern "C" int64_t mlp_rt_table_rows(MlpTable *t) { return checked(t, "mlp_rt_table_rows").rows; }
