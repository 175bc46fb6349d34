/// \file csv.cpp
/// The strict CSV reader and the schema inference of csv.h.

#include "runtime/csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

namespace mlp {
namespace csv {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// A field of the record being read: a view into the file, or (for a quoted
/// field, whose text is unescaped) a range of the scratch buffer. Kept as
/// offsets because the scratch buffer may grow while the record is read.
struct Span {
  bool inScratch;
  size_t begin;
  size_t size;
};

} // namespace

bool isMissing(std::string_view value) {
  // pandas' default na_values, less the exotic Windows spellings (1.#IND...).
  static const char *const kMissing[] = {"",     "NA",   "N/A",  "n/a", "nan",  "NaN", "-nan",
                                         "-NaN", "NULL", "null", "None", "<NA>", "#N/A", "#NA"};
  value = trimmed(value);
  for (const char *m : kMissing)
    if (value == m) return true;
  return false;
}

bool parseInt(std::string_view value, int64_t &out) {
  value = trimmed(value);
  if (!value.empty() && value.front() == '+') {
    value.remove_prefix(1); // from_chars takes no '+'; "+-1" stays invalid
    if (value.empty() || value.front() == '-' || value.front() == '+') return false;
  }
  if (value.empty()) return false;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return ec == std::errc() && end == value.data() + value.size();
}

bool parseIntOrBool(std::string_view value, int64_t &out) {
  if (parseInt(value, out)) return true;
  value = trimmed(value);
  if (value == "true" || value == "True" || value == "TRUE") return out = 1, true;
  if (value == "false" || value == "False" || value == "FALSE") return out = 0, true;
  return false;
}

bool parseNumber(std::string_view value, double &out) {
  value = trimmed(value);
  if (!value.empty() && value.front() == '+') {
    value.remove_prefix(1); // from_chars takes no '+'; "+-1" stays invalid
    if (value.empty() || value.front() == '-' || value.front() == '+') return false;
  }
  if (value.empty()) return false;
  const char *first = value.data(), *last = value.data() + value.size();
  auto [end, ec] = std::from_chars(first, last, out, std::chars_format::general);
  if (end != last) return false;
  if (ec == std::errc::result_out_of_range) { // 1e999: pandas reads inf (or 0)
    out = std::strtod(std::string(value).c_str(), nullptr);
    return true;
  }
  return ec == std::errc();
}

bool Reader::open(const std::string &path, char sep, std::string &error) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (failed) { // e.g. the path is a directory
    error = "cannot read '" + path + "': " + std::strerror(err);
    return false;
  }
  openText(path, std::move(data), sep);
  return checkUtf8(error);
}

namespace {
/// The offset of the first byte of `text` that is not part of valid UTF-8
/// (overlong forms, surrogates and code points past U+10FFFF included), or
/// npos. ASCII, most of a CSV file, is skipped eight bytes at a time.
size_t invalidUtf8(std::string_view text) {
  const auto *p = reinterpret_cast<const unsigned char *>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (!(word & 0x8080808080808080ull)) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int length = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!length || i + length > n) return i;
    // The second byte's range depends on the first (no overlongs, no
    // surrogates, nothing past U+10FFFF); the others are 80..BF.
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (int k = 2; k < length; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    i += length;
  }
  return std::string_view::npos;
}
} // namespace

bool Reader::checkUtf8(std::string &error) const {
  size_t bad = invalidUtf8(text_);
  if (bad == std::string_view::npos) return true;
  size_t lineStart = text_.rfind('\n', bad == 0 ? 0 : bad - 1);
  lineStart = lineStart == std::string_view::npos || bad == 0 ? 0 : lineStart + 1;
  int64_t line = 1 + std::count(text_.begin(), text_.begin() + lineStart, '\n');
  int64_t field = 1 + std::count(text_.begin() + lineStart, text_.begin() + bad, sep_);
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text_[bad]));
  error = path_ + ":" + std::to_string(line) + ": field " + std::to_string(field) +
          " is not valid UTF-8 (byte " + byte + "); convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)";
  return false;
}

void Reader::openText(const std::string &path, std::string text, char sep) {
  path_ = path;
  sep_ = sep;
  data_ = std::move(text);
  text_ = data_;
  rewind();
}

void Reader::rewind() {
  pos_ = text_.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; // UTF-8 byte order mark
  nextLine_ = 1;
  recordLine_ = 0;
  expected_ = -1;
  skipped_ = 0;
}

bool readLines(const std::string &path, std::vector<std::string> &lines, std::string &error) {
  Reader whole;
  if (!whole.open(path, ',', error)) return false;
  lines.clear();
  std::string_view text = whole.text();
  for (size_t start = whole.position(); start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return true;
}

Reader::Reader(const Reader &whole, size_t begin, size_t end, int64_t line)
    : path_(whole.path_), text_(whole.text_.substr(0, end)), pos_(begin), sep_(whole.sep_),
      nextLine_(line), expected_(whole.expected_), skipBadWidth_(whole.skipBadWidth_) {}

bool Reader::next(std::vector<std::string_view> &fields, std::string &error) {
  error.clear();
  for (;;) { // once per record; again after a record skipped for its width
  fields.clear();
  const size_t size = text_.size();
  if (pos_ >= size) return false;
  recordLine_ = nextLine_;
  auto fail = [&](const std::string &what) {
    error = path_ + ":" + std::to_string(recordLine_) + ": " + what;
    pos_ = size; // stop here
    return false;
  };

  // An empty line: the end of the file if only line breaks follow.
  if (text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < size && text_[pos_ + 1] == '\n')) {
    if (text_.find_first_not_of("\r\n", pos_) == std::string_view::npos) {
      pos_ = size;
      return false;
    }
    if (expected_ > 1 && skipBadWidth_) { // an empty line has the wrong width too
      pos_ += text_[pos_] == '\r' ? 2 : 1;
      ++nextLine_;
      ++skipped_;
      continue;
    }
    if (expected_ != 1)
      return fail(expected_ < 0 ? std::string("the header line is empty")
                                : "expected " + std::to_string(expected_) +
                                      " fields, found an empty line");
  }

  scratch_.clear();
  std::vector<Span> spans;
  spans.reserve(expected_ > 0 ? static_cast<size_t>(expected_) : 8);
  const char *d = text_.data();
  for (;;) {
    if (pos_ < size && d[pos_] == '"') {
      // Quoted: up to the closing quote; "" stands for one quote.
      Span span{true, scratch_.size(), 0};
      ++pos_;
      for (;;) {
        const void *q = std::memchr(d + pos_, '"', size - pos_);
        if (!q) return fail("a quoted field is not closed");
        size_t at = static_cast<const char *>(q) - d;
        scratch_.append(d + pos_, at - pos_);
        nextLine_ += std::count(d + pos_, d + at, '\n');
        pos_ = at + 1;
        if (pos_ < size && d[pos_] == '"') { // an escaped quote
          scratch_ += '"';
          ++pos_;
          continue;
        }
        break;
      }
      span.size = scratch_.size() - span.begin;
      spans.push_back(span);
      if (pos_ < size && d[pos_] == '\r' && (pos_ + 1 == size || d[pos_ + 1] == '\n')) ++pos_;
      if (pos_ < size && d[pos_] != sep_ && d[pos_] != '\n')
        return fail("unexpected text after the closing quote of field " +
                    std::to_string(spans.size()));
    } else {
      size_t begin = pos_;
      while (pos_ < size && d[pos_] != sep_ && d[pos_] != '\n') ++pos_;
      size_t end = pos_;
      if (end > begin && d[end - 1] == '\r' && (end == size || d[end] == '\n')) --end;
      spans.push_back(Span{false, begin, end - begin});
    }
    if (pos_ < size && d[pos_] == sep_) {
      ++pos_;
      continue; // a separator at the end of a line starts one more empty field
    }
    if (pos_ < size) { // at '\n'
      ++pos_;
      ++nextLine_;
    }
    break;
  }

  for (const Span &s : spans)
    fields.emplace_back((s.inScratch ? scratch_.data() : d) + s.begin, s.size);
  int64_t found = static_cast<int64_t>(fields.size());
  if (expected_ < 0)
    expected_ = found;
  if (found == expected_)
    return true;
  if (!skipBadWidth_)
    return fail("expected " + std::to_string(expected_) + " fields, found " + std::to_string(found));
  ++skipped_; // and on to the next record
  }
}

bool readHeader(Reader &reader, std::vector<std::string> &names, std::string &error) {
  names.clear();
  std::vector<std::string_view> fields;
  if (!reader.next(fields, error)) {
    if (error.empty()) error = "'" + reader.path() + "' is empty: it has no header line";
    return false;
  }
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view name = trimmed(fields[i]);
    if (name.empty()) {
      error = reader.path() + ":1: column " + std::to_string(i + 1) + " has no name";
      return false;
    }
    if (!seen.insert(name).second) {
      error = reader.path() + ":1: column '" + std::string(name) + "' appears twice";
      return false;
    }
    names.emplace_back(name);
  }
  return true;
}

bool readNames(Reader &reader, bool header, std::vector<std::string> &names, std::string &error) {
  if (header) return readHeader(reader, names, error);
  names.clear();
  std::vector<std::string_view> fields;
  if (!reader.next(fields, error)) {
    if (error.empty()) error = "'" + reader.path() + "' is empty: it has no rows";
    return false;
  }
  for (size_t i = 1; i <= fields.size(); ++i) names.push_back("column_" + std::to_string(i));
  reader.rewind(); // the first record is data
  return true;
}

} // namespace csv

const char *csvTypeName(CsvColumn::Type type) {
  switch (type) {
  case CsvColumn::I64: return "i64";
  case CsvColumn::F32: return "f32";
  case CsvColumn::Str: return "str";
  }
  return "?";
}

/// Two passes over the file (held in memory): the first decides each
/// column's type, the second, only if some column is Str, collects that
/// column's distinct values. Collecting them in the first pass would hash
/// every value of every numeric column too (47 million for an MNIST CSV).
bool inferCsvSchema(const std::string &path, const CsvOptions &options, CsvSchema &out,
                    std::string &error) {
  csv::Reader reader;
  out = CsvSchema();
  if (!reader.open(path, options.sep, error)) return false;
  reader.skipBadWidth(options.skipBadWidth);
  return inferCsvSchema(reader, options, out, error);
}

bool inferCsvSchema(csv::Reader &reader, const CsvOptions &options, CsvSchema &out,
                    std::string &error) {
  out = CsvSchema();
  std::vector<std::string> names;
  if (!csv::readNames(reader, options.header, names, error)) return false;
  const size_t n = names.size();
  std::vector<bool> given(n, false); // the type comes from `types:`
  for (size_t i = 0; i < n; ++i) {
    CsvColumn c;
    c.name = std::move(names[i]);
    for (const auto &[name, type] : options.types)
      if (name == c.name) {
        c.type = type;
        given[i] = true;
      }
    out.columns.push_back(std::move(c));
  }
  std::vector<std::string_view> fields;

  std::vector<bool> anyMissing(n, false);
  bool anyStr = false;
  for (const CsvColumn &c : out.columns) anyStr = anyStr || c.type == CsvColumn::Str;
  auto misfit = [&](const CsvColumn &c, std::string_view v) {
    error = reader.path() + ":" + std::to_string(reader.line()) + ": column '" + c.name +
            "' is given type " + csvTypeName(c.type) + " but holds " +
            (csv::isMissing(v) ? std::string("a missing value") : "'" + std::string(v) + "'");
    return false;
  };
  while (reader.next(fields, error)) {
    ++out.rows;
    for (size_t i = 0; i < n; ++i) {
      CsvColumn &c = out.columns[i];
      if (c.type == CsvColumn::Str) continue;
      std::string_view v = fields[i];
      int64_t iv;
      double dv;
      if (c.type == CsvColumn::I64 && csv::parseIntOrBool(v, iv)) continue;
      if (given[i] && c.type == CsvColumn::I64) return misfit(c, v);
      if (csv::isMissing(v)) {
        anyMissing[i] = true;
        continue;
      }
      if (csv::parseNumber(v, dv)) {
        c.type = CsvColumn::F32;
        continue;
      }
      if (given[i]) return misfit(c, v);
      c.type = CsvColumn::Str;
      c.badRow = reader.line();
      c.badValue = std::string(v);
      anyStr = true;
    }
  }
  if (!error.empty()) return false;
  for (size_t i = 0; i < n; ++i)
    if (anyMissing[i] && out.columns[i].type == CsvColumn::I64) out.columns[i].type = CsvColumn::F32;
  if (!anyStr) return true;

  // Second pass: the distinct values of the Str columns.
  std::vector<std::unordered_set<std::string>> distinct(n);
  reader.rewind();
  std::vector<std::string> again;
  csv::readNames(reader, options.header, again, error); // the same header again
  while (reader.next(fields, error))
    for (size_t i = 0; i < n; ++i)
      if (out.columns[i].type == CsvColumn::Str && !csv::isMissing(fields[i]))
        distinct[i].emplace(fields[i]);
  if (!error.empty()) return false;
  for (size_t i = 0; i < n; ++i) {
    CsvColumn &c = out.columns[i];
    if (c.type != CsvColumn::Str) continue;
    c.labels.assign(distinct[i].begin(), distinct[i].end());
    std::sort(c.labels.begin(), c.labels.end());
  }
  return true;
}

} // namespace mlp
