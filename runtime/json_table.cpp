/// \file json_table.cpp
/// `json(path)` table sources: a file holding one JSON array of flat
/// records, read like pandas.read_json(path, orient="records"). The compiler
/// infers the schema at compile time (inferJsonSchema, csv.h); the program
/// reads the file against it (mlp_rt_json_read). Both parse the whole file
/// with the strict reader of json.h and run the same inference, so the
/// program sees the file exactly as the compiler did, or fails saying how it
/// changed.

#include "runtime/csv.h"
#include "runtime/json.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <set>
#include <unordered_map>

namespace mlp {
namespace {

using rt::Json;

/// `an object`, `a number`, `null`: what a JSON value is, for messages.
std::string kind(const Json &v) {
  if (v.is_null()) return "null";
  std::string name = v.type_name();
  return (name[0] == 'o' || name[0] == 'a' ? "an " : "a ") + name;
}

/// An i64 column's value: an integer that fits, or true/false as 1/0.
bool as_int(const Json &v, int64_t &out) {
  if (v.is_boolean()) out = v.get<bool>();
  else if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) return false;
  else if (v.is_number_integer()) out = v.get<int64_t>();
  else return false;
  return true;
}

/// A str column's value: strings as they are, numbers and booleans as JSON
/// writes them ("3", "2.5", "true"; a float in its shortest form, 1e3 as
/// "1000.0", as Python's str() gives it).
std::string as_text(const Json &v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

/// Reads and parses the file, and checks that it is an array of flat records.
bool load(const std::string &path, Json &doc, std::string &error) {
  std::string text;
  if (!rt::read_file(path, text, error)) return false;
  if (!rt::parse_json(text, doc, error)) {
    error = "'" + path + "' is not valid JSON: " + error;
    return false;
  }
  auto fail = [&](const std::string &what) {
    error = "'" + path + "'" + what;
    return false;
  };
  if (!doc.is_array()) return fail(" holds " + kind(doc) + ", not an array of records");
  if (doc.empty()) return fail(" holds no records");
  for (size_t r = 0; r < doc.size(); ++r) {
    std::string record = ": record " + std::to_string(r + 1);
    if (!doc[r].is_object()) return fail(record + " is " + kind(doc[r]) + ", not an object");
    for (const auto &[key, value] : doc[r].items())
      if (value.is_structured())
        return fail(record + ", field '" + key + "': nested arrays and objects are not supported; flatten them first");
  }
  return true;
}

/// The schema of a loaded file: one pass for the names and types, a second
/// for the labels of str columns only (as inferCsvSchema does).
bool infer(const std::string &path, const Json &doc, CsvSchema &out, std::string &error) {
  out = CsvSchema();
  out.rows = static_cast<int64_t>(doc.size());
  std::unordered_map<std::string, size_t> index; // column by name
  std::vector<int64_t> ints;                     // per column: records with an integer
  for (size_t r = 0; r < doc.size(); ++r) {
    for (const auto &[key, value] : doc[r].items()) {
      auto [it, added] = index.try_emplace(key, out.columns.size());
      if (added) {
        out.columns.emplace_back().name = key;
        ints.push_back(0);
      }
      CsvColumn &c = out.columns[it->second];
      int64_t unused;
      if (as_int(value, unused)) ++ints[it->second];
      if (value.is_string() && c.type != CsvColumn::Str) {
        c.type = CsvColumn::Str;
        c.badRow = static_cast<int64_t>(r + 1);
        c.badValue = value.get<std::string>();
      }
    }
  }
  if (out.columns.empty()) {
    error = "'" + path + "': its records have no fields";
    return false;
  }
  for (size_t i = 0; i < out.columns.size(); ++i)
    if (out.columns[i].type != CsvColumn::Str) // a gap or a non-integer makes it f32
      out.columns[i].type = ints[i] == out.rows ? CsvColumn::I64 : CsvColumn::F32;

  std::vector<std::set<std::string>> labels(out.columns.size());
  for (const Json &record : doc)
    for (const auto &[key, value] : record.items()) {
      size_t i = index[key];
      if (out.columns[i].type == CsvColumn::Str && !value.is_null()) labels[i].insert(as_text(value));
    }
  for (size_t i = 0; i < out.columns.size(); ++i) out.columns[i].labels.assign(labels[i].begin(), labels[i].end());
  return true;
}

} // namespace

bool inferJsonSchema(const std::string &path, CsvSchema &out, std::string &error) {
  Json doc;
  return load(path, doc, error) && infer(path, doc, out, error);
}

} // namespace mlp

using namespace mlp;
using namespace mlp::rt;

extern "C" MlpTable *mlp_rt_json_read(const char *path_arg, const char *schema_text) {
  std::string path(arg(path_arg));
  std::vector<SchemaColumn> schema = parse_schema(arg(schema_text));
  Json doc;
  CsvSchema actual;
  std::string error;
  if (!load(path, doc, error) || !infer(path, doc, actual, error)) die(error, 1);
  std::vector<std::string> names;
  for (const CsvColumn &c : actual.columns) names.push_back(c.name);
  check_header(path, names, schema);

  const size_t n = schema.size();
  std::vector<Column> columns(n);
  std::vector<std::unordered_map<std::string, int32_t>> ids(n); // str: label -> code
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) {
    columns[i].name = schema[i].name;
    columns[i].type = schema[i].type;
    index[schema[i].name] = i;
  }
  // A value that does not fit its column's type: say what the column is now,
  // by the first string that made it str, else by this value.
  auto changed = [&](size_t i, size_t r, const Json *v) {
    const CsvColumn &c = actual.columns[i];
    std::string why = c.type == CsvColumn::Str
                          ? "record " + std::to_string(c.badRow) + ": " + Json(c.badValue).dump()
                          : "record " + std::to_string(r + 1) + ": " + (v ? v->dump() : "no value");
    die("'" + path + "' changed since compile time: column '" + c.name + "' is now " + csvTypeName(c.type) + " (" +
            why + ")",
        1);
  };

  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<const Json *> values(n); // of one record, by column; null if absent
  for (size_t r = 0; r < doc.size(); ++r) {
    std::fill(values.begin(), values.end(), nullptr);
    for (const auto &[key, value] : doc[r].items()) values[index.at(key)] = &value;
    for (size_t i = 0; i < n; ++i) {
      Column &c = columns[i];
      const Json *v = values[i];
      bool missing = !v || v->is_null();
      switch (c.type) {
      case ColumnType::I64: {
        int64_t x = 0;
        if (missing || !as_int(*v, x)) changed(i, r, v);
        c.i64.push_back(x);
        break;
      }
      case ColumnType::F32:
        if (missing) c.f32.push_back(nan);
        else if (v->is_string()) changed(i, r, v);
        else c.f32.push_back(v->is_boolean() ? v->get<bool>() : v->get<float>());
        break;
      case ColumnType::Str: {
        if (missing) {
          c.codes.push_back(-1);
          break;
        }
        auto [it, added] = ids[i].try_emplace(as_text(*v), static_cast<int32_t>(c.labels.size()));
        if (added) c.labels.push_back(it->first);
        c.codes.push_back(it->second);
        break;
      }
      }
    }
  }

  auto table = std::make_unique<MlpTable>();
  table->rows = static_cast<int64_t>(doc.size());
  table->path = path;
  table->rowWord = "record";
  auto lines = std::make_shared<std::vector<int64_t>>(doc.size());
  std::iota(lines->begin(), lines->end(), int64_t(1));
  table->lines = std::move(lines);
  for (Column &c : columns) {
    if (c.type == ColumnType::Str) sort_labels(c);
    table->columns.push_back(std::make_shared<const Column>(std::move(c)));
  }
  return keep_alive(std::move(table));
}
