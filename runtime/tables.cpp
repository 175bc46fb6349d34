/// \file tables.cpp
/// Tables: reading a CSV file against the schema the compiler inferred,
/// reading IDX files, standardize, split, and the row access and column
/// building behind `mutate`.

#include "runtime/csv.h"
#include "runtime/idx.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <numeric>
#include <type_traits>
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

std::string Column::type_text() const {
  std::string out = type_name(type);
  if (tensor()) out += shape_text(shape.data(), static_cast<int64_t>(shape.size()));
  return out;
}

std::string Column::text(int64_t row) const {
  if (tensor()) internal_error("Column::text on the tensor column '" + name + "'");
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

namespace {

/// Quotes a value for a message; empty text is shown as such.
std::string quoted(std::string_view value) {
  return value.empty() ? std::string("an empty value") : "'" + std::string(value) + "'";
}

/// The file no longer reads as the schema said: find out how, from a full
/// inference of the file, and fail with one line that says so. `line` and
/// `value` are where reading stopped, for the case the inference alone cannot
/// explain (an i64 column that now holds a decimal or missing value).
[[noreturn]] void changed(const std::string &path, const CsvOptions &options,
                          const std::vector<SchemaColumn> &schema, int64_t line, std::string_view value) {
  CsvSchema actual;
  std::string error;
  if (!inferCsvSchema(path, options, actual, error)) die(error, 1);
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

/// The line breaks in [p, end): std::count, in blocks whose count fits a
/// byte, which the compiler vectorizes (over twice as fast).
int64_t count_lines(const char *p, const char *end) {
  int64_t lines = 0;
  while (p < end) {
    const char *stop = p + std::min<ptrdiff_t>(end - p, 255);
    uint8_t block = 0;
    for (; p < stop; ++p) block += *p == '\n';
    lines += block;
  }
  return lines;
}

MlpTable *read_csv(const char *path_arg, const CsvOptions &options, const char *schema_text) {
  std::string path(arg(path_arg));
  std::vector<SchemaColumn> schema = parse_schema(arg(schema_text));
  csv::Reader reader;
  std::string error;
  std::vector<std::string> names;
  if (!reader.open(path, options.sep, error)) die(error, 1);
  reader.skipBadWidth(options.skipBadWidth);
  if (!csv::readNames(reader, options.header, names, error)) die(error, 1);
  check_header(path, names, schema);

  // The rows are parsed in parts, one per thread, each into columns of its
  // own that are then joined in order. Parts split at line breaks outside
  // quoted fields, and not next to an empty line (which ends a part's text).
  const size_t n = schema.size();
  struct Part {
    std::vector<Column> columns;
    std::vector<std::unordered_map<std::string, int32_t>> ids; // Str values seen so far
    std::vector<int64_t> lines;
    std::string error;         // the reader's, if it stopped on one
    int64_t changedLine = 0;   // > 0: a value no longer fits its column's type
    std::string changedValue;
    int64_t skipped = 0;       // records of the wrong width (on_error: "skip")
  };
  auto parse = [&](csv::Reader &r, Part &p) {
    auto misfit = [&](std::string_view v) {
      p.changedLine = r.line();
      p.changedValue = std::string(v);
    };
    p.columns.resize(n);
    p.ids.resize(n);
    for (size_t i = 0; i < n; ++i) {
      p.columns[i].name = schema[i].name;
      p.columns[i].type = schema[i].type;
    }
    std::vector<std::string_view> fields;
    std::string key;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    while (r.next(fields, p.error)) {
      p.lines.push_back(r.line());
      for (size_t i = 0; i < n; ++i) {
        Column &c = p.columns[i];
        std::string_view v = fields[i];
        switch (c.type) {
        case ColumnType::I64: {
          int64_t x;
          if (!csv::parseIntOrBool(v, x)) return misfit(v);
          c.i64.push_back(x);
          break;
        }
        case ColumnType::F32: {
          double x;
          if (csv::parseNumber(v, x)) c.f32.push_back(static_cast<float>(x));
          else if (csv::isMissing(v)) c.f32.push_back(nan);
          else return misfit(v);
          break;
        }
        case ColumnType::Str: {
          if (csv::isMissing(v)) {
            c.codes.push_back(-1);
            break;
          }
          key.assign(v);
          auto [it, added] = p.ids[i].try_emplace(key, static_cast<int32_t>(c.labels.size()));
          if (added) c.labels.push_back(key);
          c.codes.push_back(it->second);
          break;
        }
        }
      }
    }
    p.skipped = r.skipped(); // (a part that stopped early stops the read)
  };

  std::string_view text = reader.text();
  size_t begin = reader.position();
  int parts = text.size() - begin < (size_t(4) << 20) ? 1 : thread_count();
  std::vector<size_t> bounds = {begin};
  std::vector<int64_t> firstLines = {reader.nextLine()};
  // One pass over the quotes, as the reader sees them: a quote that starts a
  // field opens a quoted field, which the next lone quote closes ("" is an
  // escaped one); other quotes are text. A split moves past quoted fields.
  const size_t npos = std::string_view::npos;
  size_t quote = parts > 1 ? text.find('"', begin) : npos; // the first quote not yet looked at
  for (int k = 1; k < parts; ++k) {
    size_t at = text.find('\n', std::max(bounds.back(), begin + (text.size() - begin) * k / parts));
    while (at != npos && quote < at) {
      if (quote == begin || text[quote - 1] == options.sep || text[quote - 1] == '\n') {
        size_t close = text.find('"', quote + 1);
        while (close != npos && close + 1 < text.size() && text[close + 1] == '"')
          close = text.find('"', close + 2);
        if (close == npos) { // not closed: the serial read reports it
          at = npos;
          break;
        }
        if (close > at) at = text.find('\n', close);
        quote = close;
      }
      quote = text.find('"', quote + 1);
    }
    if (at == npos || at + 1 >= text.size() || text[at + 1] == '\n' || text[at + 1] == '\r' ||
        text[at - 1] == '\n' || (text[at - 1] == '\r' && text[at - 2] == '\n')) {
      parts = 1; // an empty line (or the end) at a split: read it all in one part
      break;
    }
    firstLines.push_back(firstLines.back() + count_lines(text.data() + bounds.back(), text.data() + at + 1));
    bounds.push_back(at + 1);
  }
  bounds.resize(parts);
  firstLines.resize(parts);
  bounds.push_back(text.size());
  std::vector<Part> results(static_cast<size_t>(parts));
  if (parts == 1) {
    parse(reader, results[0]);
  } else {
    parallel_parts(parts, [&](int k) {
      csv::Reader part(reader, bounds[k], bounds[k + 1], firstLines[k]);
      parse(part, results[k]);
    });
  }
  // The first part that stopped has the file's first problem.
  for (Part &p : results) {
    if (p.changedLine) changed(path, options, schema, p.changedLine, p.changedValue);
    if (!p.error.empty()) die(p.error, 1);
  }

  int64_t skipped = 0;
  for (const Part &p : results) skipped += p.skipped;
  if (skipped > 0)
    std::fprintf(stderr, "note: '%s': skipped %lld rows with the wrong number of fields (on_error: \"skip\")\n",
                 path.c_str(), static_cast<long long>(skipped));

  // Join the parts; str values get one numbering across them.
  std::vector<Column> columns = std::move(results[0].columns);
  std::vector<std::unordered_map<std::string, int32_t>> ids = std::move(results[0].ids);
  auto lines = std::make_shared<std::vector<int64_t>>(std::move(results[0].lines));
  for (size_t k = 1; k < results.size(); ++k) {
    Part &p = results[k];
    lines->insert(lines->end(), p.lines.begin(), p.lines.end());
    for (size_t i = 0; i < n; ++i) {
      Column &c = columns[i], &more = p.columns[i];
      c.f32.insert(c.f32.end(), more.f32.begin(), more.f32.end());
      c.i64.insert(c.i64.end(), more.i64.begin(), more.i64.end());
      if (c.type != ColumnType::Str) continue;
      std::vector<int32_t> renumber(more.labels.size());
      for (size_t j = 0; j < more.labels.size(); ++j) {
        auto [it, added] = ids[i].try_emplace(more.labels[j], static_cast<int32_t>(c.labels.size()));
        if (added) c.labels.push_back(more.labels[j]);
        renumber[j] = it->second;
      }
      for (int32_t code : more.codes) c.codes.push_back(code < 0 ? code : renumber[code]);
    }
  }

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

/// Copies rows `rows` of a column of `width` elements per row.
template <class T> void gather_rows(ColumnData<T> &out, const ColumnData<T> &in, int64_t width,
                                    const int64_t *rows, int64_t count) {
  out.resize(static_cast<size_t>(count * width));
  if (width == 1)
    for (int64_t r = 0; r < count; ++r) out[r] = in[rows[r]];
  else
    for (int64_t r = 0; r < count; ++r)
      std::memcpy(out.data() + r * width, in.data() + rows[r] * width, sizeof(T) * width);
}

/// The rows `rows` of `c`, in that order.
Column gather(const Column &c, const int64_t *rows, int64_t count) {
  Column out;
  out.name = c.name;
  out.type = c.type;
  out.shape = c.shape;
  out.labels = c.labels;
  switch (c.type) {
  case ColumnType::F32: gather_rows(out.f32, c.f32, c.width(), rows, count); break;
  case ColumnType::I64: gather_rows(out.i64, c.i64, c.width(), rows, count); break;
  case ColumnType::Str:
    out.codes.resize(count);
    for (int64_t r = 0; r < count; ++r) out.codes[r] = c.codes[rows[r]];
    break;
  }
  return out;
}

} // namespace

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

MlpTable *take_rows(const MlpTable &t, const int64_t *rows, int64_t count) {
  auto out = std::make_unique<MlpTable>();
  out->rows = count;
  out->path = t.path;
  out->rowWord = t.rowWord;
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
  if (rowWord) return path + ": " + rowWord + " " + std::to_string((*lines)[row]);
  return path + ":" + std::to_string((*lines)[row]);
}

extern "C" MlpTable *mlp_rt_csv_read(const char *path, const char *schema) {
  return read_csv(path, mlp::CsvOptions(), schema);
}

/// A separator generated code passes: one byte, not a quote or a line break.
static char checked_separator(int32_t sep) {
  if (sep <= 0 || sep > 127 || sep == '"' || sep == '\n' || sep == '\r')
    internal_error("bad csv separator " + std::to_string(sep));
  return static_cast<char>(sep);
}

extern "C" MlpTable *mlp_rt_csv_read_with(const char *path, const char *schema, int32_t sep, int32_t flags) {
  if (flags & ~(MLP_CSV_SKIP_BAD_ROWS | MLP_CSV_NO_HEADER)) internal_error("bad csv flags " + std::to_string(flags));
  mlp::CsvOptions options;
  options.sep = checked_separator(sep);
  options.skipBadWidth = flags & MLP_CSV_SKIP_BAD_ROWS;
  options.header = !(flags & MLP_CSV_NO_HEADER);
  return read_csv(path, options, schema);
}

extern "C" MlpTable *mlp_rt_table_standardize(MlpTable *t, const char *columns) {
  return mlp_rt_table_standardize_slot(t, columns, -1, 1);
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

/* -------------------------------------------------------------------- idx */

namespace mlp::rt {
namespace {

/// `28x28`, or `single values` for items of rank 0 (a label file's shape).
std::string item_shape_text(const std::string &shape) { return shape.empty() ? "single values" : shape; }

uint64_t big_endian(const unsigned char *p, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = v << 8 | p[i];
  return v;
}

/// Converts `n` big-endian elements of IDX `type` to T.
template <class T> void convert(const unsigned char *in, int type, int64_t n, T *out) {
  switch (type) {
  case 0x08:
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(in[i]); // vectorized
    return;
  case 0x09:
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(static_cast<int8_t>(in[i]));
    return;
  case 0x0B:
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(static_cast<int16_t>(big_endian(in + 2 * i, 2)));
    return;
  case 0x0C:
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(static_cast<int32_t>(big_endian(in + 4 * i, 4)));
    return;
  case 0x0D:
    for (int64_t i = 0; i < n; ++i) {
      auto bits = static_cast<uint32_t>(big_endian(in + 4 * i, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      out[i] = static_cast<T>(f);
    }
    return;
  case 0x0E:
    for (int64_t i = 0; i < n; ++i) {
      uint64_t bits = big_endian(in + 8 * i, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      out[i] = static_cast<T>(d);
    }
    return;
  }
  internal_error("bad IDX type " + std::to_string(type));
}

/// Reads all the data of `in` into `out`, a piece at a time (a piece stays in
/// the cache while it is converted; no buffer for the whole file), then
/// checks the end of the file.
template <class T> void read_converted(mlp::IdxReader &in, int type, T *out) {
  const int size = mlp::idxElementSize(type);
  const int64_t count = in.dataBytes() / size;
  constexpr int64_t kPiece = 1 << 18; // bytes
  std::vector<unsigned char> buffer(kPiece);
  std::string error;
  for (int64_t done = 0; done < count;) {
    int64_t n = std::min(count - done, kPiece / size);
    if (!in.read(buffer.data(), n * size, error)) die(error, 1);
    convert(buffer.data(), type, n, out + done);
    done += n;
  }
  if (!in.finish(error)) die(error, 1);
}

} // namespace
} // namespace mlp::rt

extern "C" MlpTable *mlp_rt_idx_read(const char *images_arg, const char *labels_arg, const char *expect) {
  std::string images(arg(images_arg)), labels(arg(labels_arg));
  // Both headers first: a wrong file fails at once, before a long read.
  mlp::IdxHeader ih, lh;
  mlp::IdxReader imageFile, labelFile;
  std::string error;
  if (!imageFile.open(images, ih, error) || !labelFile.open(labels, lh, error)) die(error, 1);
  std::string shape = mlp::idxItemShape(ih);
  if (expect && shape != expect)
    die("'" + images + "' changed since compile time: images are " + item_shape_text(shape) + ", expected " +
            item_shape_text(expect),
        1);
  if (lh.dims.size() != 1)
    die("'" + labels + "' is not a labels file: its items are " + mlp::idxItemShape(lh) + ", expected single values",
        1);
  if (!mlp::idxIsInteger(lh.type))
    die("'" + labels + "' is not a labels file: it holds " + mlp::idxTypeName(lh.type) + " values, expected integers",
        1);
  if (ih.dims[0] != lh.dims[0])
    die("'" + images + "' has " + std::to_string(ih.dims[0]) + " images but '" + labels + "' has " +
            std::to_string(lh.dims[0]) + " labels",
        1);

  const int64_t n = ih.dims[0];
  auto image = std::make_shared<Column>();
  image->name = "image";
  image->type = ColumnType::F32;
  image->shape.assign(ih.dims.begin() + 1, ih.dims.end());
  auto label = std::make_shared<Column>();
  label->name = "label";
  label->type = ColumnType::I64;
  try {
    image->f32.resize(static_cast<size_t>(n * image->width()));
    label->i64.resize(static_cast<size_t>(n));
  } catch (const std::bad_alloc &) { // a corrupt gzip file's header, most likely
    die("'" + images + "' is too large: " + std::to_string(n) + " images of " + item_shape_text(shape) +
            " do not fit in memory",
        1);
  }
  read_converted(imageFile, ih.type, image->f32.data());
  read_converted(labelFile, lh.type, label->i64.data());

  auto table = std::make_unique<MlpTable>();
  table->rows = n;
  table->path = labels;
  table->rowWord = "item";
  auto items = std::make_shared<std::vector<int64_t>>(static_cast<size_t>(n));
  std::iota(items->begin(), items->end(), int64_t(0));
  table->lines = std::move(items);
  table->columns.push_back(std::move(image));
  table->columns.push_back(std::move(label));
  return keep_alive(std::move(table));
}

/* -------------------------------------------------- rows and new columns */

/// A column being built row by row (mlp_rt_column_new .. with_column).
struct MlpColumnBuilder {
  int64_t rows = 0;
  mlp::rt::Column column;
  /// Set by mlp_rt_column_overwrite: the table's own column, written in place
  /// (`column` then only describes it and holds no data).
  mlp::rt::Column *in_place = nullptr;
  int64_t width = 1;
  std::vector<unsigned char> done; ///< per row: set already
  int64_t count = 0;               ///< rows set so far
};

namespace mlp::rt {
namespace {

/// Checks that a memref has exactly the per-row shape of `c`.
StridedView row_view(const Column &c, int64_t rank, const void *descriptor, const char *function) {
  StridedView v = view_from_descriptor(rank, descriptor);
  bool same = rank == static_cast<int64_t>(c.shape.size());
  for (int64_t a = 0; same && a < rank; ++a) same = v.sizes[a] == c.shape[a];
  if (!same)
    internal_error(std::string(function) + ": the column '" + c.name + "' has rows of shape " +
                   shape_text(c.shape.data(), static_cast<int64_t>(c.shape.size())) + ", the tensor has shape " +
                   shape_text(v.sizes, rank));
  return v;
}

/// True when the view's elements are row-major and contiguous.
bool dense(const StridedView &v) {
  int64_t expected = 1;
  for (int64_t a = v.rank; a-- > 0;) {
    if (v.sizes[a] != 1 && v.strides[a] != expected) return false;
    expected *= v.sizes[a];
  }
  return true;
}

/// Calls f(i, offset) for each element of the view in row-major order: i is
/// its index in that order, offset its place in the memref (in elements).
template <class F> void for_each_element(const StridedView &v, F f) {
  int64_t total = 1;
  for (int64_t a = 0; a < v.rank; ++a) total *= v.sizes[a];
  if (total == 0) return;
  std::vector<int64_t> index(static_cast<size_t>(v.rank), 0);
  int64_t offset = v.offset;
  for (int64_t i = 0; i < total; ++i) {
    f(i, offset);
    for (int64_t a = v.rank; a-- > 0;) { // odometer
      offset += v.strides[a];
      if (++index[a] < v.sizes[a]) break;
      offset -= v.strides[a] * v.sizes[a];
      index[a] = 0;
    }
  }
}

/// Copies `width` elements from `in` into the memref (converting).
template <class To, class From> void to_memref(const StridedView &v, const From *in, int64_t width) {
  To *out = const_cast<To *>(static_cast<const To *>(v.aligned));
  if constexpr (std::is_same_v<To, From>) {
    if (dense(v)) {
      std::memcpy(out + v.offset, in, sizeof(To) * width);
      return;
    }
  }
  for_each_element(v, [&](int64_t i, int64_t offset) { out[offset] = static_cast<To>(in[i]); });
}

template <class T> void from_memref(const StridedView &v, T *out, int64_t width) {
  const T *in = static_cast<const T *>(v.aligned);
  if (dense(v)) {
    std::memcpy(out, in + v.offset, sizeof(T) * width);
    return;
  }
  for_each_element(v, [&](int64_t i, int64_t offset) { out[i] = in[offset]; });
}

const Column &row_column(MlpTable *t, const char *column, int64_t row, const char *function) {
  if (!t) internal_error(std::string(function) + ": null table");
  const Column &c = t->column(arg(column));
  if (row < 0 || row >= t->rows)
    internal_error(std::string(function) + ": row " + std::to_string(row) + " is outside [0, " +
                   std::to_string(t->rows) + ")");
  return c;
}

MlpColumnBuilder &builder_row(MlpColumnBuilder *c, int64_t row, ColumnType type, const char *function) {
  if (!c) internal_error(std::string(function) + ": null column");
  if (c->column.type != type)
    internal_error(std::string(function) + ": the new column '" + c->column.name + "' is " +
                   type_name(c->column.type));
  if (row < 0 || row >= c->rows)
    internal_error(std::string(function) + ": row " + std::to_string(row) + " is outside [0, " +
                   std::to_string(c->rows) + ")");
  if (!c->done[row]) c->done[row] = 1, ++c->count;
  return *c;
}

} // namespace
} // namespace mlp::rt

extern "C" void mlp_rt_table_get_row_f32(MlpTable *t, const char *column, int64_t row, int64_t rank,
                                         void *desc) {
  const char *function = "mlp_rt_table_get_row_f32";
  const Column &c = row_column(t, column, row, function);
  StridedView v = row_view(c, rank, desc, function);
  const int64_t w = c.width();
  switch (c.type) {
  case ColumnType::F32: to_memref<float>(v, c.f32.data() + row * w, w); break;
  case ColumnType::I64: to_memref<float>(v, c.i64.data() + row * w, w); break;
  case ColumnType::Str: internal_error(std::string(function) + ": the column '" + c.name + "' is str");
  }
}

extern "C" void mlp_rt_table_get_row_i64(MlpTable *t, const char *column, int64_t row, int64_t rank,
                                         void *desc) {
  const char *function = "mlp_rt_table_get_row_i64";
  const Column &c = row_column(t, column, row, function);
  if (c.type == ColumnType::Str && !c.tensor()) { // the code, for `col == "text"`
    StridedView v = row_view(c, rank, desc, function);
    to_memref<int64_t>(v, c.codes.data() + row, 1);
    return;
  }
  if (c.type != ColumnType::I64)
    internal_error(std::string(function) + ": the column '" + c.name + "' is " + type_name(c.type));
  StridedView v = row_view(c, rank, desc, function);
  const int64_t w = c.width();
  to_memref<int64_t>(v, c.i64.data() + row * w, w);
}

extern "C" MlpColumnBuilder *mlp_rt_column_new(MlpTable *t, const char *name, const char *type,
                                               const char *shape) {
  if (!t) internal_error("mlp_rt_column_new: null table");
  auto c = std::make_unique<MlpColumnBuilder>();
  c->rows = t->rows;
  c->column.name = std::string(arg(name));
  if (c->column.name.empty()) internal_error("mlp_rt_column_new: no name");
  std::string_view typeText = arg(type);
  if (typeText == "f32") c->column.type = ColumnType::F32;
  else if (typeText == "i64") c->column.type = ColumnType::I64;
  else internal_error("mlp_rt_column_new: bad type '" + std::string(typeText) + "'");
  std::string_view shapeText = arg(shape);
  if (!shapeText.empty()) {
    for (;;) {
      size_t x = shapeText.find('x');
      std::string_view part = shapeText.substr(0, x);
      int64_t d = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
      if (ec != std::errc() || end != part.data() + part.size() || d <= 0 || d > (int64_t(1) << 40))
        internal_error("mlp_rt_column_new: bad shape '" + std::string(arg(shape)) + "'");
      c->column.shape.push_back(d);
      if (x == std::string_view::npos) break;
      shapeText.remove_prefix(x + 1);
    }
  }
  c->width = c->column.width();
  size_t elements = static_cast<size_t>(c->rows * c->width);
  if (c->column.type == ColumnType::F32) c->column.f32.resize(elements);
  else c->column.i64.resize(elements);
  c->done.assign(static_cast<size_t>(c->rows), 0);
  return keep_alive(std::move(c));
}

extern "C" void mlp_rt_column_set_row_f32(MlpColumnBuilder *c_arg, int64_t row, int64_t rank, void *desc) {
  const char *function = "mlp_rt_column_set_row_f32";
  MlpColumnBuilder &c = builder_row(c_arg, row, ColumnType::F32, function);
  StridedView v = row_view(c.column, rank, desc, function);
  from_memref<float>(v, (c.in_place ? c.in_place : &c.column)->f32.data() + row * c.width, c.width);
}

extern "C" void mlp_rt_column_set_row_i64(MlpColumnBuilder *c_arg, int64_t row, int64_t rank, void *desc) {
  const char *function = "mlp_rt_column_set_row_i64";
  MlpColumnBuilder &c = builder_row(c_arg, row, ColumnType::I64, function);
  StridedView v = row_view(c.column, rank, desc, function);
  from_memref<int64_t>(v, (c.in_place ? c.in_place : &c.column)->i64.data() + row * c.width, c.width);
}

extern "C" MlpTable *mlp_rt_table_with_column(MlpTable *t_arg, MlpColumnBuilder *c) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_with_column");
  if (!c || !kept_objects().count(c)) internal_error("mlp_rt_table_with_column: unknown or used column");
  if (c->rows != t.rows)
    internal_error("mlp_rt_table_with_column: the column '" + c->column.name + "' has " + std::to_string(c->rows) +
                   " rows, the table " + std::to_string(t.rows));
  if (c->count != c->rows) {
    auto unset = std::find(c->done.begin(), c->done.end(), 0) - c->done.begin();
    internal_error("mlp_rt_table_with_column: row " + std::to_string(unset) + " of the column '" +
                   c->column.name + "' was never set (" + std::to_string(c->count) + " of " +
                   std::to_string(c->rows) + " were)");
  }
  auto out = std::make_unique<MlpTable>(t);
  if (c->in_place) { // already in t's column, which `out` shares
    release(c, "mlp_rt_table_with_column");
    return keep_alive(std::move(out));
  }
  auto column = std::make_shared<const Column>(std::move(c->column));
  bool replaced = false;
  for (auto &slot : out->columns)
    if (slot->name == column->name) slot = column, replaced = true;
  if (!replaced) out->columns.push_back(column);
  release(c, "mlp_rt_table_with_column"); // its data moved into the table
  return keep_alive(std::move(out));
}

extern "C" void mlp_rt_table_free(MlpTable *t) { release(t, "mlp_rt_table_free"); }

extern "C" MlpTable *mlp_rt_table_filter(MlpTable *t_arg, MlpColumnBuilder *keep) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_filter");
  if (!keep || !kept_objects().count(keep)) internal_error("mlp_rt_table_filter: unknown or used column");
  if (keep->column.type != ColumnType::I64 || keep->rows != t.rows || keep->count != keep->rows)
    internal_error("mlp_rt_table_filter: the condition column must give an i64 for every row");
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < t.rows; ++r)
    if (keep->column.i64[r] != 0) rows.push_back(r);
  release(keep, "mlp_rt_table_filter");
  return take_rows(t, rows.data(), static_cast<int64_t>(rows.size()));
}

extern "C" MlpColumnBuilder *mlp_rt_column_overwrite(MlpTable *t, const char *name, const char *type,
                                                     const char *shape) {
  // Built for no rows, to check the arguments and describe the column.
  MlpTable empty;
  if (!t) internal_error("mlp_rt_column_overwrite: null table");
  MlpColumnBuilder *c = mlp_rt_column_new(&empty, name, type, shape);
  c->rows = t->rows;
  c->done.assign(static_cast<size_t>(t->rows), 0);
  for (auto &slot : t->columns)
    if (slot->name == c->column.name && slot->type == c->column.type && slot->shape == c->column.shape &&
        slot.use_count() == 1) {
      c->in_place = const_cast<Column *>(slot.get()); // no other table sees it
      return c;
    }
  // No column to reuse: allocate as mlp_rt_column_new does.
  size_t elements = static_cast<size_t>(c->rows * c->width);
  if (c->column.type == ColumnType::F32) c->column.f32.resize(elements);
  else c->column.i64.resize(elements);
  return c;
}

/* ---------------------------------------------------------- whole columns */

namespace {

/// The column and a view of the memref it is copied into, checked to be
/// [rows] + the column's per-row shape.
const mlp::rt::Column &column_view(MlpTable *t, const char *column, int64_t rank, void *desc,
                                   const char *function, mlp::rt::StridedView &v) {
  using namespace mlp::rt;
  if (!t) internal_error(std::string(function) + ": null table");
  const Column &c = t->column(arg(column));
  v = view_from_descriptor(rank, desc);
  bool same = rank == static_cast<int64_t>(c.shape.size()) + 1 && v.sizes[0] == t->rows;
  for (size_t d = 0; same && d < c.shape.size(); ++d) same = v.sizes[d + 1] == c.shape[d];
  if (!same)
    internal_error(std::string(function) + ": column '" + c.name + "' copied into a buffer of shape " +
                   shape_text(v.sizes, rank));
  return c;
}

} // namespace

extern "C" void mlp_rt_table_column_f32(MlpTable *t, const char *column, int64_t rank, void *desc) {
  using namespace mlp::rt;
  StridedView v;
  const Column &c = column_view(t, column, rank, desc, "mlp_rt_table_column_f32", v);
  const int64_t n = t->rows * c.width();
  switch (c.type) {
  case ColumnType::F32: to_memref<float>(v, c.f32.data(), n); break;
  case ColumnType::I64: to_memref<float>(v, c.i64.data(), n); break;
  case ColumnType::Str: internal_error("mlp_rt_table_column_f32: the column '" + c.name + "' is str");
  }
}

extern "C" void mlp_rt_table_column_i64(MlpTable *t, const char *column, int64_t rank, void *desc) {
  using namespace mlp::rt;
  StridedView v;
  const Column &c = column_view(t, column, rank, desc, "mlp_rt_table_column_i64", v);
  if (c.type != ColumnType::I64)
    internal_error("mlp_rt_table_column_i64: the column '" + c.name + "' is " + type_name(c.type));
  to_memref<int64_t>(v, c.i64.data(), t->rows * c.width());
}
