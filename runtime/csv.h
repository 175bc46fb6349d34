/// \file csv.h
/// Strict CSV reading and pandas-like column type inference, shared by the
/// compiler (which infers a `csv(...)` source's schema at compile time) and
/// the runtime (which reads the file when the program runs).
///
/// Plain C++17 with no exceptions, no MLIR and no fmt, so both sides can
/// include it. Errors come back as one line of text without the `error: `
/// prefix, e.g. `data/x.csv:57: expected 5 fields, found 4`.
#ifndef MLP_RUNTIME_CSV_H
#define MLP_RUNTIME_CSV_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlp {

/// One column of a CSV file as inferred from all of its values.
struct CsvColumn {
  std::string name;
  /// I64: every value is an integer. F32: every value is a number or missing
  /// (an integer column with a missing value becomes F32, as in pandas).
  /// Str: anything else.
  enum Type { I64, F32, Str } type = I64;
  /// For Str: the sorted (byte-wise, like Python's sorted()) distinct values,
  /// missing values left out; the class order of a classification target.
  /// Empty for numeric columns.
  std::vector<std::string> labels;
  /// For Str: the line (1-based, header = line 1, so data starts at 2) of the
  /// first value that is neither a number nor missing, and that value; it
  /// explains to the user why the column is not numeric.
  int64_t badRow = 0;
  std::string badValue;
};

struct CsvSchema {
  std::vector<CsvColumn> columns; ///< in file order
  int64_t rows = 0;               ///< data rows (the header not counted)
};

/// The options of a `csv(path, ...)` source.
struct CsvOptions {
  char sep = ',';
  /// false: the first line is data, and the columns are called column_1,
  /// column_2, ... (as Polars names them).
  bool header = true;
  /// Records with the wrong number of fields are left out (`on_error: "skip"`).
  bool skipBadWidth = false;
  /// Types the user gave (`types: {zip: str}`) instead of inferred ones. A
  /// value that does not fit its given type is an error; names that are not
  /// columns are ignored here (the compiler reports them).
  std::vector<std::pair<std::string, CsvColumn::Type>> types;
};

/// Reads the whole file and infers its schema. Returns false with `error` set
/// when the file cannot be read or is not strict CSV.
bool inferCsvSchema(const std::string &path, const CsvOptions &options, CsvSchema &out,
                    std::string &error);
namespace csv { class Reader; }
/// The same from an opened reader, at its start (its separator and
/// skipBadWidth already set).
bool inferCsvSchema(csv::Reader &reader, const CsvOptions &options, CsvSchema &out,
                    std::string &error);

/// The same for a `json(path)` source (json_table.cpp): one JSON array of
/// flat records, read as pandas.read_json(path, orient="records") does.
/// Columns are the keys in order of first appearance. I64: every record has
/// an integer (true/false count as 1/0); Str: some value is a string
/// (numbers and booleans become their JSON text: "3", "2.5", "true");
/// F32: otherwise (an absent key or null is missing). Rows, badRow: records,
/// counted from 1.
bool inferJsonSchema(const std::string &path, CsvSchema &out, std::string &error);

/// The spelling of a type in schemas and messages: "i64", "f32", "str".
const char *csvTypeName(CsvColumn::Type type);

namespace csv {

/// Values that mean "missing" in any column: "", NA, nan and the other
/// spellings pandas reads as NaN by default (NULL, N/A, None, ...).
bool isMissing(std::string_view value);
/// An optional sign and decimal digits that fit in int64 (surrounding spaces
/// allowed). "1.0" and "1e3" are not integers, as in pandas.
bool parseInt(std::string_view value, int64_t &out);
/// parseInt, or a bool as pandas spells it (true/false, True/False,
/// TRUE/FALSE) as 1/0: an i64 column may hold bools (mlpc has no bool
/// columns; json sources read true/false as 1/0 too).
bool parseIntOrBool(std::string_view value, int64_t &out);
/// A decimal or scientific number, or inf / infinity (surrounding spaces
/// allowed; a leading '+' too).
bool parseNumber(std::string_view value, double &out);

/// Streams the records of a CSV file. The first record is the header; every
/// later one must have as many fields as it. Quoted fields may hold the
/// separator, line breaks and `""` (one quote); \r\n line ends and a UTF-8
/// byte order mark are accepted; empty lines at the end of the file are
/// ignored, an empty line elsewhere is an error.
class Reader {
public:
  Reader() = default;
  /// A reader of the records of `whole`'s text in [begin, end), `begin`
  /// being the start of line `line`, with `whole`'s separator and field
  /// count (read its header first). `whole` must outlive it.
  Reader(const Reader &whole, size_t begin, size_t end, int64_t line);
  /// Reads the whole file into memory (one read: fast, and the fields can be
  /// views into it). A file that is not valid UTF-8 is an error naming the
  /// line and field of the first bad byte.
  bool open(const std::string &path, char sep, std::string &error);
  /// The UTF-8 check open() makes, for text given to openText().
  bool checkUtf8(std::string &error) const;
  /// Reads `text` as the contents of a file called `path` (for messages).
  void openText(const std::string &path, std::string text, char sep);
  /// Back to the start of the text, the header to be read again.
  void rewind();
  /// `on_error: "skip"`: a record with the wrong number of fields is skipped
  /// (and counted) instead of stopping the read.
  void skipBadWidth(bool skip) { skipBadWidth_ = skip; }
  int64_t skipped() const { return skipped_; }

  /// Reads the next record into `fields` (views valid until the next call).
  /// Returns false at the end of the file, or on an error, which `error` then
  /// describes (it is empty at a clean end).
  bool next(std::vector<std::string_view> &fields, std::string &error);

  /// The line where the record last returned by next() starts (1-based).
  int64_t line() const { return recordLine_; }
  const std::string &path() const { return path_; }
  /// The file's text, and where the next record starts in it.
  std::string_view text() const { return text_; }
  size_t position() const { return pos_; }
  int64_t nextLine() const { return nextLine_; }

private:
  std::string path_;
  std::string data_;      ///< the file, when this reader read it
  std::string_view text_; ///< what it reads: data_, or part of another's
  std::string scratch_; ///< unescaped text of quoted fields
  size_t pos_ = 0;
  char sep_ = ',';
  int64_t nextLine_ = 1;
  int64_t recordLine_ = 0;
  int64_t expected_ = -1; ///< fields per record, from the header
  bool skipBadWidth_ = false;
  int64_t skipped_ = 0;
};

/// The lines of a text file, for `text(path)` sources: line ends (\n or
/// \r\n) removed, the final line break making no empty last line.
bool readLines(const std::string &path, std::vector<std::string> &lines, std::string &error);

/// Reads the header record: the column names, with surrounding spaces
/// removed. Fails on an empty file, a column without a name, or a name that
/// appears twice.
bool readHeader(Reader &reader, std::vector<std::string> &names, std::string &error);
/// readHeader, or with `header` false: column_1 ... column_N for the N fields
/// of the first record, which is left to be read again as data.
bool readNames(Reader &reader, bool header, std::vector<std::string> &names, std::string &error);

} // namespace csv
} // namespace mlp

#endif // MLP_RUNTIME_CSV_H
