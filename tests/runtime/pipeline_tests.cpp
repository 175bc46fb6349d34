// Unit tests of the runtime's data-pipeline calls (runtime/mlp_runtime.h):
// CSV and JSON reading and schema inference (runtime/csv.h), IDX files
// (runtime/idx.h), tables and tensor columns, batches, metrics, training
// history and progress, plots (SVG and PNG) and safetensors files.
//
// Same style as runtime_tests.cpp: no framework; every failed check prints
// what it expected and what it got; the last line is "N passed, M failed"
// and the exit status is non-zero if anything failed. Calls that should
// succeed run in this process; calls that should fail (they print `error:`
// and exit) run in a forked child whose status, stdout and stderr are
// checked. Input files are written to a fresh temporary directory.
//
// Extra modes for the lit tests that cross-check with Python:
//   mlprt-pipeline-tests --write-safetensors PATH   writes a known file
//   mlprt-pipeline-tests --read-safetensors PATH    prints tensors a, b of PATH
//   mlprt-pipeline-tests --write-plots DIR          every plot as SVG and PNG

#include "runtime/csv.h"
#include "runtime/fit/catalog.h"
#include "runtime/idx.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h" // mlp::rt::eval_add_exact

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <pty.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>
#include <zlib.h>

#ifndef MLP_SOURCE_DIR
#error "MLP_SOURCE_DIR must name the source tree (for examples/data/iris.csv)"
#endif

/// Sets the runtime's thread count (defined below, outside the namespace).
void use_threads(const char *count);

namespace {

int g_passed = 0;
int g_failed = 0;
std::string g_dir; // the temporary directory of this run

/* ------------------------------------------------------------- framework */

std::string escaped(const std::string &s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '\n') r += "\\n";
    else if (c == '\t') r += "\\t";
    else if (c == '\r') r += "\\r";
    else if (c == '\x1b') r += "\\e";
    else if (c == '"') r += "\\\"";
    else r += c;
  }
  return r + "\"";
}

void check(bool ok, const std::string &what, const std::string &detail = "") {
  if (ok) {
    ++g_passed;
    return;
  }
  ++g_failed;
  std::printf("FAIL: %s\n", what.c_str());
  if (!detail.empty()) std::printf("%s\n", detail.c_str());
}

void check_eq(const std::string &got, const std::string &want, const std::string &what) {
  check(got == want, what, "  expected: " + escaped(want) + "\n  got:      " + escaped(got));
}

void check_eq(int64_t got, int64_t want, const std::string &what) {
  check(got == want, what, "  expected " + std::to_string(want) + ", got " + std::to_string(got));
}

void check_contains(const std::string &got, const std::string &part, const std::string &what) {
  check(got.find(part) != std::string::npos, what,
        "  expected to contain: " + escaped(part) + "\n  got: " + escaped(got));
}

/// |got - want| <= 1e-6 relative (or both NaN).
void check_near(double got, double want, const std::string &what, double tolerance = 1e-6) {
  bool ok = (std::isnan(got) && std::isnan(want)) ||
            std::fabs(got - want) <= tolerance * std::max(1.0, std::fabs(want));
  char detail[128];
  std::snprintf(detail, sizeof detail, "  expected %.9g, got %.9g", want, got);
  check(ok, what, detail);
}

template <class T> std::string list_text(const std::vector<T> &v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << "]";
  return s.str();
}

template <class T> void check_list(const std::vector<T> &got, const std::vector<T> &want, const std::string &what) {
  check_eq(list_text(got), list_text(want), what);
}

void check_floats(const std::vector<float> &got, const std::vector<double> &want, const std::string &what) {
  bool ok = got.size() == want.size();
  for (size_t i = 0; ok && i < got.size(); ++i)
    ok = (std::isnan(got[i]) && std::isnan(want[i])) || std::fabs(got[i] - want[i]) <= 1e-5;
  check(ok, what, "  expected " + list_text(want) + "\n  got      " + list_text(got));
}

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_all(FILE *f) {
  std::string s;
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

/// Runs `body` in a child (mlp_rt_init first, mlp_rt_finish after) with
/// stdout and stderr captured.
Run run_child(const std::function<void()> &body) {
  Run r;
  FILE *out = std::tmpfile();
  FILE *err = std::tmpfile();
  if (!out || !err) {
    std::perror("tmpfile");
    std::exit(3);
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(3);
  }
  if (pid == 0) {
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    char name[] = "prog";
    char *argv[] = {name, nullptr};
    mlp_rt_init(1, argv);
    body();
    mlp_rt_finish();
    std::fflush(nullptr);
    _exit(0);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_all(out);
  r.err = read_all(err);
  std::fclose(out);
  std::fclose(err);
  return r;
}

/// Checks that `body` fails with exit status 1 and exactly `error: <message>`.
void check_error(const std::function<void()> &body, const std::string &message, const std::string &what) {
  Run r = run_child(body);
  check(r.status == 1, what + ": exit status 1",
        "  got " + std::to_string(r.status) + " (stderr " + escaped(r.err) + ")");
  check_eq(r.err, "error: " + message + "\n", what + ": message");
}

/// The output of a child that should succeed.
std::string output_of(const std::function<void()> &body, const std::string &what) {
  Run r = run_child(body);
  check(r.status == 0 && r.err.empty(), what + ": runs cleanly",
        "  status " + std::to_string(r.status) + ", stderr " + escaped(r.err));
  return r.out;
}

std::string write_file(const std::string &name, const std::string &content) {
  std::string path = g_dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Names in the temporary directory (to see that no temp file is left).
std::vector<std::string> dir_entries() {
  std::vector<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(g_dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/* ------------------------------------------------------------- memrefs */

/// An MLIR ranked memref descriptor built by hand, passed as (rank, ptr).
struct Descriptor {
  std::vector<int64_t> words;
  int64_t rank;
  void *get() { return words.data(); }
};

Descriptor make_descriptor(const void *data, std::vector<int64_t> sizes, std::vector<int64_t> strides = {},
                           int64_t offset = 0) {
  if (strides.empty()) {
    strides.assign(sizes.size(), 1);
    for (size_t i = sizes.size(); i-- > 1;) strides[i - 1] = strides[i] * sizes[i];
  }
  Descriptor d;
  d.rank = static_cast<int64_t>(sizes.size());
  d.words.push_back(reinterpret_cast<intptr_t>(data));
  d.words.push_back(reinterpret_cast<intptr_t>(data));
  d.words.push_back(offset);
  d.words.insert(d.words.end(), sizes.begin(), sizes.end());
  d.words.insert(d.words.end(), strides.begin(), strides.end());
  return d;
}

/// One filled batch, as plain vectors.
struct Batch {
  std::vector<float> x;
  std::vector<int64_t> yClass;
  std::vector<float> yValue;
  std::vector<float> mask;
  int64_t real = 0;
};

/// Fills batch `index` of `b` (batch size `batch`, `k` inputs); `classify`
/// picks the y element type; `target` false passes no y.
Batch fill(MlpBatcher *b, int64_t index, int64_t batch, int64_t k, bool classify = true, bool target = true) {
  Batch out;
  out.x.assign(batch * k, -1.0f);
  out.yClass.assign(batch, -1);
  out.yValue.assign(batch, -1.0f);
  out.mask.assign(batch, -1.0f);
  Descriptor x = make_descriptor(out.x.data(), {batch, k});
  Descriptor y = classify ? make_descriptor(out.yClass.data(), {batch}) : make_descriptor(out.yValue.data(), {batch});
  Descriptor m = make_descriptor(out.mask.data(), {batch});
  out.real = mlp_rt_batcher_fill(b, index, x.rank, x.get(), target ? y.rank : 0, target ? y.get() : nullptr,
                                 m.rank, m.get());
  return out;
}

/// Column `j` of every row of `t` (through a batcher in table order).
std::vector<float> column_values(MlpTable *t, const char *name) {
  int64_t rows = mlp_rt_table_rows(t);
  MlpBatcher *b = mlp_rt_batcher_new(t, name, "", "", rows > 0 ? rows : 1, -1);
  if (rows == 0) return {};
  Batch batch = fill(b, 0, rows, 1, true, false);
  return batch.x;
}

const std::string kIris = std::string(MLP_SOURCE_DIR) + "/examples/data/iris.csv";
const char *kIrisSchema =
    "sepal_length:f32,sepal_width:f32,petal_length:f32,petal_width:f32,species:str";

/* ------------------------------------------------------------------- csv */

std::string schema_text(const mlp::CsvSchema &s) {
  std::string out = std::to_string(s.rows) + " rows:";
  for (const mlp::CsvColumn &c : s.columns) {
    out += " " + c.name + ":" + mlp::csvTypeName(c.type);
    if (c.type == mlp::CsvColumn::Str) {
      out += "{";
      for (size_t i = 0; i < c.labels.size(); ++i) out += (i ? "|" : "") + c.labels[i];
      out += "}@" + std::to_string(c.badRow) + "=" + c.badValue;
    }
  }
  return out;
}

/// The inferred schema as text, or "error: ..." on failure.
std::string infer(const std::string &path, char sep = ',') {
  mlp::CsvSchema s;
  std::string error;
  mlp::CsvOptions options;
  options.sep = sep;
  if (!mlp::inferCsvSchema(path, options, s, error)) return "error: " + error;
  return schema_text(s);
}

void test_csv_values() {
  int64_t i = 0;
  double d = 0;
  check(mlp::csv::parseInt("42", i) && i == 42, "csv: parseInt 42");
  check(mlp::csv::parseInt(" -7 ", i) && i == -7, "csv: parseInt with spaces");
  check(mlp::csv::parseInt("+3", i) && i == 3, "csv: parseInt +3");
  check(mlp::csv::parseInt("-9223372036854775808", i) && i == INT64_MIN, "csv: parseInt int64 min");
  check(!mlp::csv::parseInt("9223372036854775808", i), "csv: parseInt overflow is no integer");
  for (const char *no : {"1.0", "1e3", "", "+", "+-1", "0x10", "12a", "1 2"})
    check(!mlp::csv::parseInt(no, i), std::string("csv: parseInt rejects '") + no + "'");
  check(mlp::csv::parseNumber("2.5", d) && d == 2.5, "csv: parseNumber 2.5");
  check(mlp::csv::parseNumber("1e-3", d) && d == 1e-3, "csv: parseNumber 1e-3");
  check(mlp::csv::parseNumber(".5", d) && d == 0.5, "csv: parseNumber .5");
  check(mlp::csv::parseNumber("+7.", d) && d == 7.0, "csv: parseNumber +7.");
  check(mlp::csv::parseNumber("-inf", d) && std::isinf(d) && d < 0, "csv: parseNumber -inf");
  check(mlp::csv::parseNumber("1e999", d) && std::isinf(d), "csv: parseNumber 1e999 is inf");
  for (const char *no : {"abc", "", "1.2.3", "--1", "1e", "0x1p3"})
    check(!mlp::csv::parseNumber(no, d), std::string("csv: parseNumber rejects '") + no + "'");
  for (const char *yes : {"", "NA", "nan", "NaN", "N/A", "NULL", "null", "None", " NA "})
    check(mlp::csv::isMissing(yes), std::string("csv: missing '") + yes + "'");
  for (const char *no : {"0", "na", "-", "missing"})
    check(!mlp::csv::isMissing(no), std::string("csv: not missing '") + no + "'");
}

/// UTF-8: multibyte text reads; a Latin-1 byte, an overlong form, a
/// surrogate, a code point past U+10FFFF and a cut-off sequence are errors
/// naming the line and field.
void test_csv_utf8() {
  check_eq(infer(write_file("utf8.csv", "a,b\n1,caf\xc3\xa9\n2,\xe6\x97\xa5\xe6\x9c\xac\n3,\xf0\x9f\x98\x80\n")),
           "3 rows: a:i64 b:str{caf\xc3\xa9|\xe6\x97\xa5\xe6\x9c\xac|\xf0\x9f\x98\x80}@2=caf\xc3\xa9",
           "csv: UTF-8 text");
  const char *bad[][2] = {{"a,b\n1,caf\xe9\n", ":2: field 2 is not valid UTF-8 (byte 0xE9)"},
                          {"a,b\n1,x\n\xc0\x80,y\n", ":3: field 1 is not valid UTF-8 (byte 0xC0)"},
                          {"a,b\n1,\xed\xa0\x80\n", ":2: field 2 is not valid UTF-8 (byte 0xED)"},
                          {"a,b\n1,\xf4\x90\x80\x80\n", ":2: field 2 is not valid UTF-8 (byte 0xF4)"},
                          {"a,b\n1,ok\xe6\x97", ":2: field 2 is not valid UTF-8 (byte 0xE6)"}};
  for (auto &[text, message] : bad) {
    std::string path = write_file("bad_utf8.csv", text);
    std::string got = infer(path);
    check(got.find(message) != std::string::npos, "csv: invalid UTF-8 '" + got + "'");
  }
}

/// true/false columns (pandas' spellings) read as i64 1/0; with other text
/// they are str, as in pandas.
void test_csv_bools() {
  std::string path = write_file("bools.csv", "flag,mixed,word\ntrue,1,yes\nFalse,TRUE,no\nTRUE,0,yes\n");
  check_eq(infer(path), "3 rows: flag:i64 mixed:i64 word:str{no|yes}@2=yes", "csv: bool columns are i64");
  MlpTable *t = mlp_rt_csv_read(path.c_str(), "flag:i64,mixed:i64,word:str");
  const mlp::rt::Column &flag = t->column("flag"), &mixed = t->column("mixed");
  check(flag.i64[0] == 1 && flag.i64[1] == 0 && flag.i64[2] == 1, "csv: true/False/TRUE read as 1/0/1");
  check(mixed.i64[0] == 1 && mixed.i64[1] == 1 && mixed.i64[2] == 0, "csv: bools and integers in one column");
  check_eq(infer(write_file("notbool.csv", "x\ntrue\nmaybe\n")), "2 rows: x:str{maybe|true}@3=maybe",
           "csv: a bool column with other text is str");
}

void test_csv_infer() {
  check_eq(infer(kIris),
           "150 rows: sepal_length:f32 sepal_width:f32 petal_length:f32 petal_width:f32 "
           "species:str{setosa|versicolor|virginica}@2=setosa",
           "csv: iris schema");

  std::string types = write_file("types.csv",
                                 "id,score,mixed,name,gaps,empty,neg\n"
                                 "1,0.5,1,b,1,,-1\n"
                                 "2,1e3,2.5,a,NA,NA,+2\n"
                                 "3,-inf,3,b,3,nan, 3 \n");
  check_eq(infer(types),
           "3 rows: id:i64 score:f32 mixed:f32 name:str{a|b}@2=b gaps:f32 empty:f32 neg:i64",
           "csv: types like pandas (an int column with a gap is f32)");

  std::string str = write_file("str.csv", "code,label\n1,x\n2,NA\nabc,y\n4,x\n");
  check_eq(infer(str), "4 rows: code:str{1|2|4|abc}@4=abc label:str{x|y}@2=x",
           "csv: str column: sorted labels, first non-number, missing left out");

  std::string quoted = write_file("quoted.csv",
                                  "name,note,n\n"
                                  "\"Smith, J\",\"say \"\"hi\"\"\",1\n"
                                  "\"two\nlines\",\"\",2\n"
                                  "plain,x,3\n");
  check_eq(infer(quoted), "3 rows: name:str{Smith, J|plain|two\nlines}@2=Smith, J note:str{say \"hi\"|x}@2=say \"hi\" n:i64",
           "csv: quoted fields");
  {
    // A quoted line break moves the later line numbers on.
    std::string path = write_file("quoted_bad.csv", "a,b\n\"x\ny\",1\n2\n");
    check_eq(infer(path), "error: " + path + ":4: expected 2 fields, found 1", "csv: line numbers after a quoted line break");
  }

  std::string crlf = write_file("crlf.csv", "\xEF\xBB\xBF" "a,b\r\n1,x\r\n2,\"y\"\r\n\r\n\n");
  check_eq(infer(crlf), "2 rows: a:i64 b:str{x|y}@2=x", "csv: BOM, CRLF and empty lines at the end");

  std::string semi = write_file("semi.csv", "a;b\n1,5;2\n");
  check_eq(infer(semi, ';'), "1 rows: a:str{1,5}@2=1,5 b:i64", "csv: another separator");

  std::string header_only = write_file("header_only.csv", "a,b\n");
  check_eq(infer(header_only), "0 rows: a:i64 b:i64", "csv: header only");

  std::string one = write_file("one_column.csv", "v\n1\n\n3\n");
  check_eq(infer(one), "3 rows: v:f32", "csv: one column: an empty line is a missing value");

  std::string trailing_sep = write_file("trailing_sep.csv", "a,b\n1,\n");
  check_eq(infer(trailing_sep), "1 rows: a:i64 b:f32", "csv: separator at the end of a line");

  // Errors: one line, naming file and line.
  std::string missing = g_dir + "/nope.csv";
  check_eq(infer(missing), "error: cannot open '" + missing + "': No such file or directory", "csv: missing file");
  check_eq(infer(g_dir), "error: cannot read '" + g_dir + "': Is a directory", "csv: a directory");
  std::string fields = write_file("fields.csv", "a,b,c\n1,2,3\n4,5\n");
  check_eq(infer(fields), "error: " + fields + ":3: expected 3 fields, found 2", "csv: too few fields");
  std::string extra = write_file("extra.csv", "a,b\n1,2\n3,4\n5,6,7\n");
  check_eq(infer(extra), "error: " + extra + ":4: expected 2 fields, found 3", "csv: too many fields");
  std::string blank = write_file("blank.csv", "a,b\n1,2\n\n3,4\n");
  check_eq(infer(blank), "error: " + blank + ":3: expected 2 fields, found an empty line", "csv: empty line inside");
  std::string empty = write_file("empty.csv", "");
  check_eq(infer(empty), "error: '" + empty + "' is empty: it has no header line", "csv: empty file");
  std::string blank_header = write_file("blank_header.csv", "\na\n1\n");
  check_eq(infer(blank_header), "error: " + blank_header + ":1: the header line is empty", "csv: empty header line");
  std::string dup = write_file("dup.csv", "a,b,a\n1,2,3\n");
  check_eq(infer(dup), "error: " + dup + ":1: column 'a' appears twice", "csv: duplicate column");
  std::string noname = write_file("noname.csv", "a,,c\n1,2,3\n");
  check_eq(infer(noname), "error: " + noname + ":1: column 2 has no name", "csv: column without a name");
  std::string open_quote = write_file("open_quote.csv", "a,b\n1,2\n\"3,4\n5,6\n");
  check_eq(infer(open_quote), "error: " + open_quote + ":3: a quoted field is not closed", "csv: unclosed quote");
  std::string after_quote = write_file("after_quote.csv", "a,b\n\"1\"x,2\n");
  check_eq(infer(after_quote), "error: " + after_quote + ":2: unexpected text after the closing quote of field 1",
           "csv: text after a closing quote");
}

/* ---------------------------------------------------------------- tables */

void test_tables() {
  MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  check_eq(mlp_rt_table_rows(iris), 150, "tables: iris rows");
  std::vector<float> petal = column_values(iris, "petal_length");
  check_floats({petal[0], petal[149]}, {1.4, 5.1}, "tables: iris petal_length first and last");

  // standardize: (x - mean) / std with the population std; closed forms.
  std::string small = write_file("small.csv",
                                 "x,k,c,g,name\n"
                                 "1,10,5,1,a\n"
                                 "2,20,5,NA,b\n"
                                 "3,30,5,3,c\n"
                                 "4,40,5,,d\n");
  const char *smallSchema = "x:f32,k:i64,c:f32,g:f32,name:str";
  MlpTable *t = mlp_rt_csv_read(small.c_str(), smallSchema);
  MlpTable *s = mlp_rt_table_standardize(t, "x, k,c,g");
  const double sd = std::sqrt(1.25); // mean 2.5, mean square deviation 1.25
  check_floats(column_values(s, "x"), {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, "tables: standardize x");
  check_floats(column_values(s, "k"), {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd},
               "tables: standardize an i64 column (it becomes f32)");
  check_floats(column_values(s, "c"), {0, 0, 0, 0}, "tables: standardize a constant column (std 0: divide by 1)");
  const double nan = std::nan("");
  check_floats(column_values(s, "g"), {-1, nan, 1, nan}, "tables: standardize skips and keeps missing values");
  check_floats(column_values(t, "x"), {1, 2, 3, 4}, "tables: standardize leaves its input alone");
  {
    // The statistics match a direct computation on iris (150 rows).
    MlpTable *si = mlp_rt_table_standardize(iris, "sepal_width");
    std::vector<float> raw = column_values(iris, "sepal_width"), z = column_values(si, "sepal_width");
    double mean = 0, var = 0;
    for (float v : raw) mean += v;
    mean /= 150;
    for (float v : raw) var += (v - mean) * (v - mean);
    double stdev = std::sqrt(var / 150);
    check_near(z[0], (raw[0] - mean) / stdev, "tables: standardize iris sepal_width", 1e-5);
    double zmean = 0, zvar = 0;
    for (float v : z) zmean += v;
    for (float v : z) zvar += v * v;
    check_near(zmean / 150, 0, "tables: standardized mean 0", 1e-5);
    check_near(zvar / 150, 1, "tables: standardized variance 1", 1e-5);
  }

  // split: a seeded permutation; round(fraction * rows) rows first.
  std::string ten = write_file("ten.csv", "id\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  MlpTable *tt = mlp_rt_csv_read(ten.c_str(), "id:i64");
  MlpTable *a = nullptr, *b = nullptr;
  mlp_rt_table_split(tt, 0.8, 42, &a, &b);
  check_eq(mlp_rt_table_rows(a), 8, "tables: split 0.8 of 10: first");
  check_eq(mlp_rt_table_rows(b), 2, "tables: split 0.8 of 10: second");
  std::vector<float> ids = column_values(a, "id"), rest = column_values(b, "id");
  ids.insert(ids.end(), rest.begin(), rest.end());
  std::vector<float> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  check_floats(sorted, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "tables: split is a permutation");
  // Pinned: the order must stay the same on every machine and release.
  check_floats(ids, {3, 6, 5, 9, 0, 4, 2, 7, 8, 1}, "tables: split order for seed 42");
  {
    MlpTable *a2, *b2;
    mlp_rt_table_split(tt, 0.8, 42, &a2, &b2);
    std::vector<float> again = column_values(a2, "id"), more = column_values(b2, "id");
    again.insert(again.end(), more.begin(), more.end());
    check(again == ids, "tables: split is deterministic");
    mlp_rt_table_split(tt, 0.8, 43, &a2, &b2);
    check(column_values(a2, "id") != column_values(a, "id"), "tables: another seed, another order");
    mlp_rt_table_split(tt, 0.25, -1, &a2, &b2);
    check_floats(column_values(a2, "id"), {0, 1, 2}, "tables: split 0.25 of 10 rounds 2.5 up; seed -1 keeps order");
    check_floats(column_values(b2, "id"), {3, 4, 5, 6, 7, 8, 9}, "tables: split rest in order");
    mlp_rt_table_split(tt, 1.0, 1, &a2, &b2);
    check_eq(mlp_rt_table_rows(a2) * 100 + mlp_rt_table_rows(b2), 1000, "tables: split 1.0");
    mlp_rt_table_split(b2, 0.5, 1, &a2, &b2);
    check_eq(mlp_rt_table_rows(a2) + mlp_rt_table_rows(b2), 0, "tables: split an empty table");
  }
  {
    MlpTable *train, *test;
    mlp_rt_table_split(iris, 0.8, 42, &train, &test);
    check_eq(mlp_rt_table_rows(train) * 1000 + mlp_rt_table_rows(test), 120030, "tables: iris split 120/30");
  }
  check_error([&] { mlp_rt_table_split(tt, 1.5, 1, &a, &b); }, "split fraction 1.5 is not between 0 and 1",
              "tables: bad split fraction");
  check_error([&] { mlp_rt_table_split(tt, std::nan(""), 1, &a, &b); }, "split fraction nan is not between 0 and 1",
              "tables: NaN split fraction");

  // Reading against the schema.
  check_error([] { mlp_rt_csv_read((g_dir + "/nope.csv").c_str(), "a:i64"); },
              "cannot open '" + g_dir + "/nope.csv': No such file or directory", "tables: missing file");
  std::string bad_rows = write_file("bad_rows.csv", "a,b\n1,2\n3\n");
  check_error([&] { mlp_rt_csv_read(bad_rows.c_str(), "a:i64,b:i64"); }, bad_rows + ":3: expected 2 fields, found 1",
              "tables: strict reading");
  std::string now_str = write_file("now_str.csv", "x,y\n1,2\n2.5,3\nabc,4\n");
  check_error([&] { mlp_rt_csv_read(now_str.c_str(), "x:f32,y:i64"); },
              "'" + now_str + "' changed since compile time: column 'x' is now str (row 4: 'abc')",
              "tables: an f32 column now str");
  check_error([&] { mlp_rt_csv_read(now_str.c_str(), "x:i64,y:i64"); },
              "'" + now_str + "' changed since compile time: column 'x' is now str (row 4: 'abc')",
              "tables: an i64 column now str");
  std::string now_f32 = write_file("now_f32.csv", "x,y\n1,2\n3,2.5\n");
  check_error([&] { mlp_rt_csv_read(now_f32.c_str(), "x:i64,y:i64"); },
              "'" + now_f32 + "' changed since compile time: column 'y' is now f32 (row 3: '2.5')",
              "tables: an i64 column now f32");
  std::string now_gap = write_file("now_gap.csv", "x,y\n1,2\n3,\n");
  check_error([&] { mlp_rt_csv_read(now_gap.c_str(), "x:i64,y:i64"); },
              "'" + now_gap + "' changed since compile time: column 'y' is now f32 (row 3: an empty value)",
              "tables: an i64 column with a missing value");
  check_error([&] { mlp_rt_csv_read(now_f32.c_str(), "x:i64,y:f32,z:str"); },
              "'" + now_f32 + "' changed since compile time: column 'z' is missing", "tables: a missing column");
  check_error([&] { mlp_rt_csv_read(now_f32.c_str(), "x:i64"); },
              "'" + now_f32 + "' changed since compile time: it has a new column 'y'", "tables: a new column");
  check_error([&] { mlp_rt_csv_read(now_f32.c_str(), "y:f32,x:i64"); },
              "'" + now_f32 + "' changed since compile time: its columns are in a different order "
              "(column 1 is now 'x', was 'y')",
              "tables: columns reordered");
  {
    // Widening reads fine: integers in an f32 column, numbers in a str column.
    MlpTable *w = mlp_rt_csv_read(now_f32.c_str(), "x:f32,y:str");
    check_eq(mlp_rt_table_rows(w), 2, "tables: widening is accepted");
    check_floats(column_values(w, "x"), {1, 3}, "tables: integers read into f32");
  }
  {
    MlpTable *semi = mlp_rt_csv_read_with(write_file("semi2.csv", "a;b\n1;x\n").c_str(), "a:i64,b:str", ';', 0);
    check_eq(mlp_rt_table_rows(semi), 1, "tables: mlp_rt_csv_read_with sep");
  }
  check_error([] { mlp_rt_csv_read(kIris.c_str(), "sepal_length:float"); },
              "internal error: bad csv schema item 'sepal_length:float'", "tables: bad schema is a compiler bug");
  check_error([&] { mlp_rt_table_standardize(t, "name"); }, "internal error: mlp_rt_table_standardize: 'name' is not a numeric column of single values",
              "tables: standardize a str column");
  check_error([&] { mlp_rt_table_standardize(t, "nope"); },
              "internal error: the table has no column 'nope' (it has: x, k, c, g, name)",
              "tables: standardize an unknown column");
}

/* --------------------------------------------------------------- batches */

void test_batches() {
  std::string path = write_file("pets.csv",
                                "w,h,kind,n,price\n"
                                "1,10,cat,0,1.5\n"
                                "2,20,dog,1,2.5\n"
                                "3,30,cat,2,3.5\n"
                                "4,40,bird,1,4.5\n"
                                "5,50,dog,0,5.5\n");
  const char *schema = "w:i64,h:f32,kind:str,n:i64,price:f32";
  MlpTable *t = mlp_rt_csv_read(path.c_str(), schema);
  MlpBatcher *b = mlp_rt_batcher_new(t, "w,h", "kind", "cat,dog,bird", 2, -1);
  check_eq(mlp_rt_batcher_batches(b), 3, "batches: ceil(5 / 2)");
  Batch b0 = fill(b, 0, 2, 2);
  check_floats(b0.x, {1, 10, 2, 20}, "batches: x of batch 0");
  check_list(b0.yClass, {0, 1}, "batches: class index = position in the labels");
  check_floats(b0.mask, {1, 1}, "batches: mask of a full batch");
  check_eq(b0.real, 2, "batches: real rows of a full batch");
  Batch b2 = fill(b, 2, 2, 2);
  check_floats(b2.x, {5, 50, 0, 0}, "batches: last batch padded with 0");
  check_list(b2.yClass, {1, 0}, "batches: y padded with 0");
  check_floats(b2.mask, {1, 0}, "batches: mask of the last batch");
  check_eq(b2.real, 1, "batches: real rows of the last batch");
  {
    // A strided (column-major) x works the same.
    std::vector<float> x(4, -1);
    std::vector<int64_t> y(2);
    Descriptor xd = make_descriptor(x.data(), {2, 2}, {1, 2});
    Descriptor yd = make_descriptor(y.data(), {2});
    mlp_rt_batcher_fill(b, 1, xd.rank, xd.get(), yd.rank, yd.get(), 0, nullptr);
    check_floats(x, {3, 4, 30, 40}, "batches: strided x, no mask");
    check_list(y, {0, 2}, "batches: y of batch 1");
  }

  // Regression, integer classes, no target.
  MlpBatcher *reg = mlp_rt_batcher_new(t, "h", "price", "", 4, -1);
  check_floats(fill(reg, 1, 4, 1, false).yValue, {5.5, 0, 0, 0}, "batches: regression y");
  MlpBatcher *ints = mlp_rt_batcher_new(t, "w", "n", "#3", 5, -1);
  check_list(fill(ints, 0, 5, 1).yClass, {0, 1, 2, 1, 0}, "batches: integer classes #3");
  MlpBatcher *noTarget = mlp_rt_batcher_new(t, "w,h", "", "", 8, -1);
  Batch nt = fill(noTarget, 0, 8, 2, true, false);
  check_eq(nt.real, 5, "batches: no target");
  check_list(nt.yClass, std::vector<int64_t>(8, -1), "batches: no target leaves y alone");

  // Shuffles depend on (seed, epoch) only.
  auto order = [&](MlpBatcher *bb, int64_t epoch) {
    mlp_rt_batcher_shuffle(bb, epoch);
    Batch all = fill(bb, 0, 5, 1); // y is ignored by a batcher without target
    return all.x;
  };
  MlpBatcher *s1 = mlp_rt_batcher_new(t, "w", "kind", "bird,cat,dog", 5, 7);
  MlpBatcher *s2 = mlp_rt_batcher_new(t, "w", "kind", "bird,cat,dog", 5, 7);
  check_floats(fill(s1, 0, 5, 1).x, {1, 2, 3, 4, 5}, "batches: table order before the first shuffle");
  std::vector<float> e0 = order(s1, 0), e1 = order(s1, 1);
  check(e0 != e1, "batches: each epoch its own order");
  check(order(s2, 1) == e1 && order(s2, 0) == e0, "batches: the order depends on (seed, epoch) only");
  std::vector<float> sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  check_floats(sorted, {1, 2, 3, 4, 5}, "batches: a shuffle is a permutation");
  {
    // y follows x through the shuffle: w = 1,3 are cats (class 1).
    mlp_rt_batcher_shuffle(s1, 3);
    Batch sb = fill(s1, 0, 5, 1);
    bool ok = true;
    for (int i = 0; i < 5; ++i) {
      int w = static_cast<int>(sb.x[i]);
      int64_t want = w == 4 ? 0 : (w == 1 || w == 3) ? 1 : 2;
      ok = ok && sb.yClass[i] == want;
    }
    check(ok, "batches: y stays with its row through a shuffle", "  x " + list_text(sb.x) + " y " + list_text(sb.yClass));
  }
  MlpBatcher *fixed = mlp_rt_batcher_new(t, "w", "", "", 5, -1);
  check_floats(order(fixed, 4), {1, 2, 3, 4, 5}, "batches: seed -1 never shuffles");
  {
    // 60 000 rows: fill every batch of an epoch quickly.
    std::string big = "a,b\n";
    for (int i = 0; i < 60000; ++i) big += std::to_string(i) + "," + std::to_string(i % 10) + "\n";
    std::string bigPath = write_file("big.csv", big);
    MlpTable *bt = mlp_rt_csv_read(bigPath.c_str(), "a:i64,b:i64");
    MlpBatcher *bb = mlp_rt_batcher_new(bt, "a", "b", "#10", 64, 1);
    mlp_rt_batcher_shuffle(bb, 0);
    int64_t rows = 0;
    double sum = 0;
    for (int64_t i = 0; i < mlp_rt_batcher_batches(bb); ++i) {
      Batch batch = fill(bb, i, 64, 1);
      rows += batch.real;
      for (int64_t r = 0; r < batch.real; ++r) sum += batch.x[r];
    }
    check_eq(rows, 60000, "batches: 60000 rows, every row once");
    check_near(sum, 59999.0 * 60000 / 2, "batches: 60000 rows, every row once (sum)");
  }

  // Errors in the data name the file and line, even after a split.
  std::string labels = write_file("labels.csv", "x,y,k,v\n1,a,0,1.5\n2,b,1,NA\n3,zz,7,2\n4,,2,3\n");
  MlpTable *lt = mlp_rt_csv_read(labels.c_str(), "x:i64,y:str,k:i64,v:f32");
  check_error([&] { mlp_rt_batcher_new(lt, "x", "y", "a,b", 2, 1); },
              labels + ":4: the target 'y' is 'zz', which is not one of its labels (a, b)",
              "batches: a value outside the labels");
  MlpTable *first, *second;
  mlp_rt_table_split(lt, 0.5, -1, &first, &second);
  check_error([&] { mlp_rt_batcher_new(second, "x", "y", "a,b,zz", 2, 1); },
              labels + ":5: the target 'y' is missing", "batches: a missing class (line kept through split)");
  check_error([&] { mlp_rt_batcher_new(lt, "x", "k", "#3", 2, 1); },
              labels + ":4: the target 'k' is 7, which is not a class index in [0, 3)",
              "batches: an integer class out of range");
  check_error([&] { mlp_rt_batcher_new(lt, "x", "v", "", 2, 1); }, labels + ":3: the target 'v' is missing",
              "batches: a missing regression target");
  check_error([&] { mlp_rt_batcher_new(lt, "x", "", "", 0, 1); }, "the batch size must be positive, got 0",
              "batches: batch size 0");
  check_error([&] { mlp_rt_batcher_new(lt, "y", "", "", 2, 1); }, "internal error: the input column 'y' is str",
              "batches: a str input");
  check_error([&] { mlp_rt_batcher_new(lt, "x", "y", "#3", 2, 1); },
              "internal error: the target 'y' is str, '#3' needs i64", "batches: #C on a str column");
  check_error([&] { mlp_rt_batcher_new(lt, "x", "y", "#x", 2, 1); }, "internal error: bad class count '#x'",
              "batches: bad #C");
  check_error([&] { fill(b, 0, 2, 3); }, "internal error: the batch's x has shape [2, 3], expected [2, 2]",
              "batches: x of the wrong shape");
  check_error([&] { fill(b, 3, 2, 2); }, "internal error: batch index 3 is outside [0, 3)", "batches: bad index");
  check_error(
      [&] {
        std::vector<float> x(4);
        Descriptor xd = make_descriptor(x.data(), {2, 2});
        mlp_rt_batcher_fill(b, 0, xd.rank, xd.get(), 0, nullptr, 0, nullptr);
      },
      "internal error: mlp_rt_batcher_fill: no y for the target 'kind'", "batches: missing y");
}

/* ------------------------------------------------------------------- idx */

/// Like check_error, for messages with a part that cannot be known exactly.
void check_error_contains(const std::function<void()> &body, const std::string &part, const std::string &what) {
  Run r = run_child(body);
  check(r.status == 1, what + ": exit status 1",
        "  got " + std::to_string(r.status) + " (stderr " + escaped(r.err) + ")");
  check_contains(r.err, "error: " + part, what + ": message");
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

/// An IDX header: magic 00 00 type rank, then the sizes.
std::string idx_header(int type, const std::vector<uint32_t> &dims) {
  std::string h{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) h += be32(d);
  return h;
}

std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s += static_cast<char>(v);
  return s;
}

/// Writes `content` to the temp dir, gzip-compressed (by zlib) if `gzip`.
std::string idx_file(const std::string &name, const std::string &content, bool gzip = false) {
  if (!gzip) return write_file(name, content);
  std::string path = g_dir + "/" + name;
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f || (!content.empty() && gzwrite(f, content.data(), static_cast<unsigned>(content.size())) <= 0) ||
      gzclose(f) != Z_OK) {
    std::printf("cannot write %s\n", path.c_str());
    std::exit(3);
  }
  return path;
}

/// readIdxHeader as text: `ubyte 3x2x2 item 2x2`, or `error: ...`.
std::string idx_header_text(const std::string &path) {
  mlp::IdxHeader h;
  std::string error;
  if (!mlp::readIdxHeader(path, h, error)) return "error: " + error;
  std::string dims;
  for (size_t k = 0; k < h.dims.size(); ++k) dims += (k ? "x" : "") + std::to_string(h.dims[k]);
  return std::string(mlp::idxTypeName(h.type)) + " " + dims + " item " + mlp::idxItemShape(h);
}

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// Row `row` of column `column`, read with mlp_rt_table_get_row_f32.
std::vector<float> row_f32(MlpTable *t, const char *column, int64_t row, const std::vector<int64_t> &shape) {
  std::vector<float> v(static_cast<size_t>(product(shape)), -1.0f);
  Descriptor d = make_descriptor(v.data(), shape);
  mlp_rt_table_get_row_f32(t, column, row, d.rank, d.get());
  return v;
}

/// Every row of a column, one after the other.
std::vector<float> rows_f32(MlpTable *t, const char *column, const std::vector<int64_t> &shape) {
  std::vector<float> all;
  for (int64_t r = 0; r < mlp_rt_table_rows(t); ++r) {
    std::vector<float> v = row_f32(t, column, r, shape);
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

/// A scalar i64 column's value.
int64_t value_i64(MlpTable *t, const char *column, int64_t row) {
  int64_t v = -1;
  Descriptor d = make_descriptor(&v, {});
  mlp_rt_table_get_row_i64(t, column, row, d.rank, d.get());
  return v;
}

std::vector<int64_t> values_i64(MlpTable *t, const char *column) {
  std::vector<int64_t> all;
  for (int64_t r = 0; r < mlp_rt_table_rows(t); ++r) all.push_back(value_i64(t, column, r));
  return all;
}

/// The table's column names, from the message of a lookup that fails.
std::string column_names(MlpTable *t) {
  Run r = run_child([&] { row_f32(t, "?", 0, {}); });
  size_t open = r.err.find("(it has: "), close = r.err.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return r.err;
  return r.err.substr(open + 9, close - open - 9);
}

void test_idx() {
  const std::string images = idx_header(0x08, {3, 2, 2}) + bytes({0, 1, 2, 3, 10, 11, 12, 13, 253, 254, 255, 128});
  const std::string labels = idx_header(0x08, {3}) + bytes({7, 0, 9});
  for (bool gzip : {false, true}) {
    std::string kind = gzip ? "idx (gzip): " : "idx (plain): ";
    std::string suffix = gzip ? ".gz" : "";
    std::string ip = idx_file("images.idx" + suffix, images, gzip);
    std::string lp = idx_file("labels.idx" + suffix, labels, gzip);
    check_eq(idx_header_text(ip), "ubyte 3x2x2 item 2x2", kind + "images header");
    check_eq(idx_header_text(lp), "ubyte 3 item ", kind + "labels header");
    MlpTable *t = mlp_rt_idx_read(ip.c_str(), lp.c_str(), "2x2");
    check_eq(mlp_rt_table_rows(t), 3, kind + "rows");
    check_eq(column_names(t), "image, label", kind + "columns");
    check_floats(rows_f32(t, "image", {2, 2}), {0, 1, 2, 3, 10, 11, 12, 13, 253, 254, 255, 128},
                 kind + "images as f32, 0..255");
    check_list(values_i64(t, "label"), {7, 0, 9}, kind + "labels as i64");
    check_floats(row_f32(t, "label", 2, {}), {9}, kind + "an i64 label read as f32");
    MlpTable *unchecked = mlp_rt_idx_read(ip.c_str(), lp.c_str(), nullptr);
    check_eq(mlp_rt_table_rows(unchecked), 3, kind + "expect NULL skips the shape check");

    // Data cut short, or longer than the header says.
    std::string cut = idx_file("cut.idx" + suffix, images.substr(0, images.size() - 2), gzip);
    std::string cutMessage = "'" + cut + "' is truncated: expected 12 bytes of data, found 10";
    if (gzip) check_eq(idx_header_text(cut), "ubyte 3x2x2 item 2x2", kind + "header of a truncated file");
    else check_eq(idx_header_text(cut), "error: " + cutMessage, kind + "header check sees a truncated file");
    check_error([&] { mlp_rt_idx_read(cut.c_str(), lp.c_str(), "2x2"); }, cutMessage, kind + "truncated data");
    std::string longer = idx_file("long.idx" + suffix, images + "x", gzip);
    check_error([&] { mlp_rt_idx_read(longer.c_str(), lp.c_str(), "2x2"); },
                "'" + longer + "' is too long: expected 12 bytes of data, found 13", kind + "data after the end");
    std::string cutHeader = idx_file("cut_header.idx" + suffix, images.substr(0, 10), gzip);
    check_eq(idx_header_text(cutHeader),
             "error: '" + cutHeader + "' is truncated: expected 16 bytes of header, found 10", kind + "header cut short");

    // Not IDX.
    std::string text = idx_file("text.idx" + suffix, "hello world!", gzip);
    check_eq(idx_header_text(text), "error: '" + text + "' is not an IDX file (bad magic 0x68656c6c)",
             kind + "bad magic");
    check_error([&] { mlp_rt_idx_read(text.c_str(), lp.c_str(), "2x2"); },
                "'" + text + "' is not an IDX file (bad magic 0x68656c6c)", kind + "bad magic at run time");
    std::string empty = idx_file("empty.idx" + suffix, "", gzip);
    check_eq(idx_header_text(empty), "error: '" + empty + "' is not an IDX file (it is empty)", kind + "empty file");
    std::string tiny = idx_file("tiny.idx" + suffix, std::string(2, '\0'), gzip);
    check_eq(idx_header_text(tiny), "error: '" + tiny + "' is not an IDX file (bad magic: it has only 2 bytes)",
             kind + "two bytes");
    std::string type = idx_file("type.idx" + suffix, bytes({0, 0, 0x0A, 1}) + be32(0), gzip);
    check_eq(idx_header_text(type), "error: '" + type + "' is not an IDX file (bad magic 0x00000a01)",
             kind + "unknown element type");
    std::string huge = idx_file("huge.idx" + suffix, idx_header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF}), gzip);
    check_eq(idx_header_text(huge),
             "error: '" + huge + "' is not an IDX file (its sizes 4294967295x4294967295 are too large)",
             kind + "absurd sizes");
  }

  std::string ip = idx_file("i.idx", images), lp = idx_file("l.idx.gz", labels, true);
  check_eq(mlp_rt_table_rows(mlp_rt_idx_read(ip.c_str(), lp.c_str(), "2x2")), 3, "idx: plain images, gzip labels");
  std::string missing = g_dir + "/nope.idx";
  check_eq(idx_header_text(missing), "error: cannot open '" + missing + "': No such file or directory",
           "idx: missing file");
  check_eq(idx_header_text(g_dir), "error: cannot read '" + g_dir + "': Is a directory", "idx: a directory");
  check_error([&] { mlp_rt_idx_read(ip.c_str(), missing.c_str(), "2x2"); },
              "cannot open '" + missing + "': No such file or directory", "idx: missing labels file");
  check_error([&] { mlp_rt_idx_read(ip.c_str(), lp.c_str(), "28x28"); },
              "'" + ip + "' changed since compile time: images are 2x2, expected 28x28", "idx: changed shape");
  check_error([&] { mlp_rt_idx_read(ip.c_str(), lp.c_str(), ""); },
              "'" + ip + "' changed since compile time: images are 2x2, expected single values",
              "idx: changed shape (rank)");
  std::string two = idx_file("two.idx", idx_header(0x08, {2}) + bytes({1, 2}));
  check_error([&] { mlp_rt_idx_read(ip.c_str(), two.c_str(), "2x2"); },
              "'" + ip + "' has 3 images but '" + two + "' has 2 labels", "idx: counts differ");
  check_error([&] { mlp_rt_idx_read(ip.c_str(), ip.c_str(), "2x2"); },
              "'" + ip + "' is not a labels file: its items are 2x2, expected single values", "idx: labels of rank 3");
  std::string floatLabels = idx_file("fl.idx", idx_header(0x0D, {3}) + std::string(12, '\0'));
  check_error([&] { mlp_rt_idx_read(ip.c_str(), floatLabels.c_str(), "2x2"); },
              "'" + floatLabels + "' is not a labels file: it holds float values, expected integers",
              "idx: float labels");
  {
    // Errors about a row name the labels file and the item.
    MlpTable *t = mlp_rt_idx_read(ip.c_str(), lp.c_str(), "2x2");
    check_error([&] { mlp_rt_batcher_new(t, "image", "label", "#8", 2, -1); },
                lp + ": item 2: the target 'label' is 9, which is not a class index in [0, 8)",
                "idx: a bad label names the item");
    MlpTable *a, *b;
    mlp_rt_table_split(t, 0.5, -1, &a, &b);
    check_error([&] { mlp_rt_batcher_new(b, "image", "label", "#8", 2, -1); },
                lp + ": item 2: the target 'label' is 9, which is not a class index in [0, 8)",
                "idx: items keep their numbers through split");
  }

  // Other element types, big-endian.
  {
    std::string fi = idx_file("f.idx", idx_header(0x0D, {2, 2}) + bytes({0x3f, 0, 0, 0, 0xbf, 0xc0, 0, 0}) +
                                           bytes({0x40, 0x50, 0, 0, 0x49, 0x74, 0x24, 0}));
    std::string sl = idx_file("s.idx", idx_header(0x0B, {2}) + bytes({0x01, 0x2c, 0xff, 0xfe}));
    MlpTable *t = mlp_rt_idx_read(fi.c_str(), sl.c_str(), "2");
    check_floats(rows_f32(t, "image", {2}), {0.5, -1.5, 3.25, 1e6}, "idx: float images");
    check_list(values_i64(t, "label"), {300, -2}, "idx: short labels");
    std::string di = idx_file("d.idx", idx_header(0x0E, {1, 1}) + bytes({0xc0, 0x1c, 0, 0, 0, 0, 0, 0}));
    std::string il = idx_file("i32.idx", idx_header(0x0C, {1}) + be32(123456));
    t = mlp_rt_idx_read(di.c_str(), il.c_str(), "1");
    check_floats(rows_f32(t, "image", {1}), {-7}, "idx: double images");
    check_list(values_i64(t, "label"), {123456}, "idx: int labels");
    std::string bi = idx_file("b.idx", idx_header(0x09, {3}) + bytes({0xff, 0x7f, 0x80}));
    std::string bl = idx_file("bl.idx", idx_header(0x09, {3}) + bytes({0xff, 1, 2}));
    t = mlp_rt_idx_read(bi.c_str(), bl.c_str(), "");
    check_floats(rows_f32(t, "image", {}), {-1, 127, -128}, "idx: rank-1 byte images: a scalar column");
    check_list(values_i64(t, "label"), {-1, 1, 2}, "idx: byte labels");
  }

  // Damaged gzip files.
  {
    std::string big = idx_header(0x08, {100, 28, 28});
    uint32_t state = 1;
    for (int i = 0; i < 100 * 28 * 28; ++i) {
      state = state * 1103515245u + 12345u;
      big += static_cast<char>((state >> 16) & 0x3f);
    }
    std::string gz = read_file(idx_file("big.idx.gz", big, true));
    std::string half = write_file("half.idx.gz", gz.substr(0, gz.size() / 2));
    check_eq(idx_header_text(half), "ubyte 100x28x28 item 28x28", "idx: a cut gzip file has a header");
    std::string l100 = idx_file("l100.idx", idx_header(0x08, {100}) + std::string(100, '\1'));
    check_error_contains([&] { mlp_rt_idx_read(half.c_str(), l100.c_str(), "28x28"); },
                         "'" + half + "' is truncated: expected 78400 bytes of data, found ", "idx: gzip file cut short");
    std::string noTrailer = write_file("notrailer.idx.gz", gz.substr(0, gz.size() - 4));
    check_error([&] { mlp_rt_idx_read(noTrailer.c_str(), l100.c_str(), "28x28"); },
                "'" + noTrailer + "' is not a valid gzip file (unexpected end of file)", "idx: gzip trailer cut off");
    std::string crc = gz;
    crc[crc.size() - 6] ^= 0x55;
    std::string badCrc = write_file("badcrc.idx.gz", crc);
    check_error([&] { mlp_rt_idx_read(badCrc.c_str(), l100.c_str(), "28x28"); },
                "'" + badCrc + "' is not a valid gzip file (incorrect data check)", "idx: gzip checksum wrong");
    std::string garbage = write_file("garbage.idx.gz", "\x1f\x8b" "garbage, not deflate data at all");
    check_eq(idx_header_text(garbage),
             "error: '" + garbage + "' is not a valid gzip file (unknown compression method)",
             "idx: gzip magic, then garbage");
    MlpTable *ok = mlp_rt_idx_read(idx_file("big2.idx.gz", big, true).c_str(), l100.c_str(), "28x28");
    std::vector<float> first = row_f32(ok, "image", 0, {28, 28}), last = row_f32(ok, "image", 99, {28, 28});
    check(first[0] == static_cast<unsigned char>(big[16]) && last[783] == static_cast<unsigned char>(big.back()),
          "idx: a larger gzip file reads back");
  }
}

/* -------------------------------------------------------- tensor columns */

void test_tensor_columns() {
  // 5 items of 2x3: item r holds r*10 + e; its label is r.
  std::string img = idx_header(0x08, {5, 2, 3}), lab = idx_header(0x08, {5});
  for (int r = 0; r < 5; ++r) {
    for (int e = 0; e < 6; ++e) img += static_cast<char>(r * 10 + e);
    lab += static_cast<char>(r);
  }
  std::string ip = idx_file("t_images.idx", img), lp = idx_file("t_labels.idx", lab);
  MlpTable *t = mlp_rt_idx_read(ip.c_str(), lp.c_str(), "2x3");
  check_floats(row_f32(t, "image", 3, {2, 3}), {30, 31, 32, 33, 34, 35}, "tensor columns: get_row");
  {
    std::vector<float> v(6, -1);
    Descriptor d = make_descriptor(v.data(), {2, 3}, {1, 2}); // column-major
    mlp_rt_table_get_row_f32(t, "image", 1, d.rank, d.get());
    check_floats(v, {10, 13, 11, 14, 12, 15}, "tensor columns: get_row into a strided memref");
  }

  // mutate(image = image / 10): replaces the column in place.
  MlpColumnBuilder *c = mlp_rt_column_new(t, "image", "f32", "2x3");
  for (int64_t r = 0; r < mlp_rt_table_rows(t); ++r) {
    std::vector<float> v = row_f32(t, "image", r, {2, 3});
    for (float &x : v) x /= 10;
    Descriptor d = make_descriptor(v.data(), {2, 3});
    mlp_rt_column_set_row_f32(c, r, d.rank, d.get());
  }
  {
    // A row set again, from a strided memref, overwrites.
    std::vector<float> v = {4.0f, 4.3f, 4.1f, 4.4f, 4.2f, 4.5f};
    Descriptor d = make_descriptor(v.data(), {2, 3}, {1, 2});
    mlp_rt_column_set_row_f32(c, 4, d.rank, d.get());
  }
  MlpTable *t2 = mlp_rt_table_with_column(t, c);
  check_eq(column_names(t2), "image, label", "tensor columns: with_column replaces in place");
  check_floats(rows_f32(t2, "image", {2, 3}),
               {0, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 2, 2.1, 2.2, 2.3, 2.4, 2.5,
                3, 3.1, 3.2, 3.3, 3.4, 3.5, 4, 4.1, 4.2, 4.3, 4.4, 4.5},
               "tensor columns: the new values");
  check_floats(row_f32(t, "image", 4, {2, 3}), {40, 41, 42, 43, 44, 45}, "tensor columns: the old table is unchanged");
  check_error([&] { mlp_rt_table_with_column(t, c); }, "internal error: mlp_rt_table_with_column: unknown or used column",
              "tensor columns: a builder is used once");

  // mutate(twice = label * 2): a new scalar i64 column goes last.
  MlpColumnBuilder *twice = mlp_rt_column_new(t2, "twice", "i64", "");
  for (int64_t r = 0; r < 5; ++r) {
    int64_t v = value_i64(t2, "label", r) * 2;
    Descriptor d = make_descriptor(&v, {});
    mlp_rt_column_set_row_i64(twice, r, d.rank, d.get());
  }
  MlpTable *t3 = mlp_rt_table_with_column(t2, twice);
  check_eq(column_names(t3), "image, label, twice", "tensor columns: with_column adds at the end");
  check_list(values_i64(t3, "twice"), {0, 2, 4, 6, 8}, "tensor columns: scalar i64 column");
  check_eq(column_names(t2), "image, label", "tensor columns: the input table keeps its columns");

  // An i64 tensor column, and a reshape to 1x2x3.
  MlpColumnBuilder *ints = mlp_rt_column_new(t3, "grid", "i64", "3x2");
  MlpColumnBuilder *shaped = mlp_rt_column_new(t3, "image", "f32", "1x2x3");
  for (int64_t r = 0; r < 5; ++r) {
    std::vector<int64_t> g = {r, r + 1, r + 2, r + 3, r + 4, r + 5};
    Descriptor gd = make_descriptor(g.data(), {3, 2});
    mlp_rt_column_set_row_i64(ints, r, gd.rank, gd.get());
    std::vector<float> v = row_f32(t3, "image", r, {2, 3});
    Descriptor d = make_descriptor(v.data(), {1, 2, 3});
    mlp_rt_column_set_row_f32(shaped, r, d.rank, d.get());
  }
  MlpTable *t4 = mlp_rt_table_with_column(mlp_rt_table_with_column(t3, ints), shaped);
  check_eq(column_names(t4), "image, label, twice, grid", "tensor columns: reshaped image stays first");
  check_floats(row_f32(t4, "image", 2, {1, 2, 3}), {2, 2.1, 2.2, 2.3, 2.4, 2.5}, "tensor columns: 1x2x3 rows");
  {
    std::vector<int64_t> g(6);
    Descriptor d = make_descriptor(g.data(), {3, 2});
    mlp_rt_table_get_row_i64(t4, "grid", 3, d.rank, d.get());
    check_list(g, {3, 4, 5, 6, 7, 8}, "tensor columns: an i64 tensor column");
    check_floats(row_f32(t4, "grid", 1, {3, 2}), {1, 2, 3, 4, 5, 6}, "tensor columns: i64 tensor read as f32");
  }

  // The mutate of a temporary table (column_overwrite). `temp` alone holds
  // its image column: the rows go into it in place, and the new table
  // shares it. t4, whose image column it replaced, is unchanged.
  MlpColumnBuilder *copy = mlp_rt_column_new(t4, "image", "f32", "1x2x3");
  for (int64_t r = 0; r < 5; ++r) {
    std::vector<float> v = row_f32(t4, "image", r, {1, 2, 3});
    Descriptor d = make_descriptor(v.data(), {1, 2, 3});
    mlp_rt_column_set_row_f32(copy, r, d.rank, d.get());
  }
  MlpTable *temp = mlp_rt_table_with_column(t4, copy);
  MlpColumnBuilder *over = mlp_rt_column_overwrite(temp, "image", "f32", "1x2x3");
  for (int64_t r = 0; r < 5; ++r) {
    std::vector<float> v = row_f32(temp, "image", r, {1, 2, 3});
    for (float &x : v) x *= 10;
    Descriptor d = make_descriptor(v.data(), {1, 2, 3});
    mlp_rt_column_set_row_f32(over, r, d.rank, d.get());
  }
  MlpTable *t5 = mlp_rt_table_with_column(temp, over);
  check_floats(row_f32(t5, "image", 2, {1, 2, 3}), {20, 21, 22, 23, 24, 25}, "overwrite: the new values");
  check_floats(row_f32(temp, "image", 2, {1, 2, 3}), {20, 21, 22, 23, 24, 25}, "overwrite: written in place");
  check_floats(row_f32(t4, "image", 2, {1, 2, 3}), {2, 2.1, 2.2, 2.3, 2.4, 2.5}, "overwrite: other tables unchanged");
  mlp_rt_table_free(temp);
  check_floats(row_f32(t5, "image", 4, {1, 2, 3}), {40, 41, 42, 43, 44, 45}, "overwrite: outlives the freed table");
  // t3 and t4 share the twice column: overwriting it makes a fresh one.
  MlpColumnBuilder *shared = mlp_rt_column_overwrite(t5, "twice", "i64", "");
  for (int64_t r = 0; r < 5; ++r) {
    int64_t v = 100 + r;
    Descriptor d = make_descriptor(&v, {});
    mlp_rt_column_set_row_i64(shared, r, d.rank, d.get());
  }
  MlpTable *t6 = mlp_rt_table_with_column(t5, shared);
  check_list(values_i64(t6, "twice"), {100, 101, 102, 103, 104}, "overwrite: a shared column is replaced");
  check_list(values_i64(t3, "twice"), {0, 2, 4, 6, 8}, "overwrite: the tables sharing it are unchanged");

  // split moves whole tensor rows.
  {
    MlpTable *a, *b;
    mlp_rt_table_split(t4, 0.6, 42, &a, &b);
    check_eq(mlp_rt_table_rows(a) * 10 + mlp_rt_table_rows(b), 32, "tensor columns: split 3/2");
    std::vector<int64_t> seen;
    bool consistent = true;
    for (MlpTable *part : {a, b})
      for (int64_t r = 0; r < mlp_rt_table_rows(part); ++r) {
        int64_t label = value_i64(part, "label", r);
        seen.push_back(label);
        std::vector<float> image = row_f32(part, "image", r, {1, 2, 3});
        for (int e = 0; e < 6; ++e) consistent = consistent && std::fabs(image[e] - (label + 0.1 * e)) < 1e-5;
        std::vector<float> grid = row_f32(part, "grid", r, {3, 2});
        for (int e = 0; e < 6; ++e) consistent = consistent && grid[e] == label + e;
        consistent = consistent && value_i64(part, "twice", r) == 2 * label;
      }
    check(consistent, "tensor columns: split keeps each row's tensors with its row");
    check(seen != std::vector<int64_t>{0, 1, 2, 3, 4}, "tensor columns: split shuffled");
    std::sort(seen.begin(), seen.end());
    check_list(seen, {0, 1, 2, 3, 4}, "tensor columns: split is a permutation");
  }

  // A one-hot target (f32[3] or i64[3] per row) gives class indices; a row
  // that is not one-hot is the user's error, at its row.
  {
    auto one_hot = [&](const char *type, int64_t bad_row, std::vector<float> bad) {
      MlpColumnBuilder *hot = mlp_rt_column_new(t3, "hot", type, "3");
      for (int64_t r = 0; r < 5; ++r) {
        std::vector<float> v(3, 0.0f);
        v[r % 3] = 1;
        if (r == bad_row) v = bad;
        std::vector<int64_t> vi(v.begin(), v.end());
        Descriptor d = std::string(type) == "f32" ? make_descriptor(v.data(), {3}) : make_descriptor(vi.data(), {3});
        if (std::string(type) == "f32") mlp_rt_column_set_row_f32(hot, r, d.rank, d.get());
        else mlp_rt_column_set_row_i64(hot, r, d.rank, d.get());
      }
      return mlp_rt_table_with_column(t3, hot);
    };
    for (const char *type : {"f32", "i64"}) {
      MlpBatcher *b = mlp_rt_batcher_new(one_hot(type, -1, {}), "twice", "hot", "#3", 5, -1);
      check_list(fill(b, 0, 5, 1).yClass, {0, 1, 2, 0, 1}, std::string("one-hot target: ") + type + " classes");
    }
    check_error([&] { mlp_rt_batcher_new(one_hot("f32", 3, {0, 1, 1}), "twice", "hot", "#3", 5, -1); },
                lp + ": item 3: the one-hot target 'hot' has 2 ones (expected exactly one)",
                "one-hot target: two ones");
    check_error([&] { mlp_rt_batcher_new(one_hot("f32", 1, {0, 0, 0}), "twice", "hot", "#3", 5, -1); },
                lp + ": item 1: the one-hot target 'hot' has 0 ones (expected exactly one)",
                "one-hot target: no one");
    check_error([&] { mlp_rt_batcher_new(one_hot("f32", 2, {0.25, 0.75, 0}), "twice", "hot", "#3", 5, -1); },
                lp + ": item 2: the one-hot target 'hot' has 0.25 at position 0 (expected only 0s and one 1)",
                "one-hot target: soft labels");
    check_error([&] { mlp_rt_batcher_new(one_hot("f32", -1, {}), "twice", "hot", "", 5, -1); },
                "internal error: the target 'hot' is a tensor column (f32[3])", "one-hot target: not for regression");
  }

  // Batches: a tensor input gives its elements as consecutive features.
  {
    MlpBatcher *b = mlp_rt_batcher_new(t3, "twice,image,label", "label", "#5", 2, -1);
    check_eq(mlp_rt_batcher_batches(b), 3, "tensor batches: count");
    Batch b0 = fill(b, 0, 2, 8);
    check_floats(b0.x, {0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0, 2, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 1},
                 "tensor batches: x = scalar, image, scalar in order");
    check_list(b0.yClass, {0, 1}, "tensor batches: y");
    Batch b2 = fill(b, 2, 2, 8);
    check_floats(b2.x, {8, 4, 4.1, 4.2, 4.3, 4.4, 4.5, 4, 0, 0, 0, 0, 0, 0, 0, 0}, "tensor batches: padding is 0");
    check_floats(b2.mask, {1, 0}, "tensor batches: mask");
    std::vector<float> x(16, -1);
    std::vector<int64_t> y(2);
    Descriptor xd = make_descriptor(x.data(), {2, 8}, {1, 2}), yd = make_descriptor(y.data(), {2}); // column-major x
    mlp_rt_batcher_fill(b, 0, xd.rank, xd.get(), yd.rank, yd.get(), 0, nullptr);
    check_floats(x, {0, 2, 0, 1, 0.1, 1.1, 0.2, 1.2, 0.3, 1.3, 0.4, 1.4, 0.5, 1.5, 0, 1},
                 "tensor batches: a strided x");
    check_error([&] { fill(b, 0, 2, 7); }, "internal error: the batch's x has shape [2, 7], expected [2, 8]",
                "tensor batches: x of the wrong width");

    MlpBatcher *shuffled = mlp_rt_batcher_new(t4, "image", "label", "#5", 4, 7);
    mlp_rt_batcher_shuffle(shuffled, 0);
    std::vector<float> x4(4 * 6, -1);
    std::vector<int64_t> y4(4, -1);
    Descriptor x4d = make_descriptor(x4.data(), {4, 1, 2, 3}), y4d = make_descriptor(y4.data(), {4});
    check_eq(mlp_rt_batcher_fill(shuffled, 0, x4d.rank, x4d.get(), y4d.rank, y4d.get(), 0, nullptr), 4,
             "tensor batches: x as [batch, 1, 2, 3]");
    bool match = true;
    for (int i = 0; i < 4; ++i)
      for (int e = 0; e < 6; ++e) match = match && std::fabs(x4[i * 6 + e] - (y4[i] + 0.1 * e)) < 1e-5;
    check(match && y4 != std::vector<int64_t>{0, 1, 2, 3}, "tensor batches: shuffled rows keep x and y together");
    check_error(
        [&] {
          Descriptor bad = make_descriptor(x4.data(), {4, 2, 1, 3});
          mlp_rt_batcher_fill(shuffled, 0, bad.rank, bad.get(), y4d.rank, y4d.get(), 0, nullptr);
        },
        "internal error: the batch's x has shape [4, 2, 1, 3], expected [4, 6]", "tensor batches: x of another shape");
  }

  // Compiler bugs.
  check_error([&] { row_f32(t4, "image", 0, {2, 3}); },
              "internal error: mlp_rt_table_get_row_f32: the column 'image' has rows of shape [1, 2, 3], the tensor "
              "has shape [2, 3]",
              "tensor columns: get_row of the wrong shape");
  check_error([&] { row_f32(t4, "twice", 5, {}); },
              "internal error: mlp_rt_table_get_row_f32: row 5 is outside [0, 5)", "tensor columns: row out of range");
  check_error([&] { value_i64(t4, "image", 0); },
              "internal error: mlp_rt_table_get_row_i64: the column 'image' is f32", "tensor columns: get_row_i64 of f32");
  check_error(
      [&] {
        MlpColumnBuilder *partial = mlp_rt_column_new(t, "image", "f32", "2x3");
        std::vector<float> v(6);
        Descriptor d = make_descriptor(v.data(), {2, 3});
        for (int64_t r : {0, 1, 3, 4}) mlp_rt_column_set_row_f32(partial, r, d.rank, d.get());
        mlp_rt_table_with_column(t, partial);
      },
      "internal error: mlp_rt_table_with_column: row 2 of the column 'image' was never set (4 of 5 were)",
      "tensor columns: every row must be set");
  check_error(
      [&] {
        MlpColumnBuilder *ic = mlp_rt_column_new(t, "n", "i64", "");
        float v = 1;
        Descriptor d = make_descriptor(&v, {});
        mlp_rt_column_set_row_f32(ic, 0, d.rank, d.get());
      },
      "internal error: mlp_rt_column_set_row_f32: the new column 'n' is i64", "tensor columns: set_row of the wrong type");
  check_error(
      [&] {
        MlpColumnBuilder *fc = mlp_rt_column_new(t, "n", "f32", "4");
        std::vector<float> v(6);
        Descriptor d = make_descriptor(v.data(), {6});
        mlp_rt_column_set_row_f32(fc, 0, d.rank, d.get());
      },
      "internal error: mlp_rt_column_set_row_f32: the column 'n' has rows of shape [4], the tensor has shape [6]",
      "tensor columns: set_row of the wrong shape");
  check_error([&] { mlp_rt_column_new(t, "n", "f32", "2x"); }, "internal error: mlp_rt_column_new: bad shape '2x'",
              "tensor columns: bad shape text");
  check_error([&] { mlp_rt_column_new(t, "n", "str", ""); }, "internal error: mlp_rt_column_new: bad type 'str'",
              "tensor columns: bad type");
  check_error([&] { mlp_rt_table_with_column(t, mlp_rt_column_new(t, "n", "f32", "")); },
              "internal error: mlp_rt_table_with_column: row 0 of the column 'n' was never set (0 of 5 were)",
              "tensor columns: no row set");
  check_error([&] { mlp_rt_table_standardize(t2, "image"); },
              "internal error: mlp_rt_table_standardize: 'image' is not a numeric column of single values",
              "tensor columns: standardize a tensor column");
  check_error([&] { mlp_rt_batcher_new(t2, "label", "image", "#5", 2, -1); },
              "internal error: the one-hot target 'image' is f32[2, 3], expected 5 classes",
              "tensor columns: a one-hot target of the wrong shape");
  {
    MlpTable *a, *b;
    mlp_rt_table_split(t3, 0.4, 1, &a, &b);
    check_error([&] { mlp_rt_table_with_column(a, mlp_rt_column_new(t3, "n", "f32", "")); },
                "internal error: mlp_rt_table_with_column: the column 'n' has 5 rows, the table 2",
                "tensor columns: a column for another table");
  }
}

/* --------------------------------------------------------- fashion-mnist */

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The real data set, when the Debian package dataset-fashion-mnist is
/// installed: sizes, a known label, and how long reading and batching take.
void test_fashion_mnist() {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const std::string images = dir + "train-images-idx3-ubyte.gz", labels = dir + "train-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels)) {
    std::printf("note: %s not found, Fashion-MNIST checks skipped\n", images.c_str());
    return;
  }
  check_eq(idx_header_text(images), "ubyte 60000x28x28 item 28x28", "fashion-mnist: train images header");
  check_eq(idx_header_text(labels), "ubyte 60000 item ", "fashion-mnist: train labels header");
  check_eq(idx_header_text(dir + "t10k-images-idx3-ubyte.gz"), "ubyte 10000x28x28 item 28x28",
           "fashion-mnist: test images header");

  auto start = std::chrono::steady_clock::now();
  MlpTable *t = mlp_rt_idx_read(images.c_str(), labels.c_str(), "28x28");
  double read = seconds_since(start);
  check_eq(mlp_rt_table_rows(t), 60000, "fashion-mnist: 60000 training items");
  check_list(std::vector<int64_t>{value_i64(t, "label", 0), value_i64(t, "label", 1), value_i64(t, "label", 59999)},
             {9, 0, 5}, "fashion-mnist: labels of items 0, 1 and 59999");
  std::vector<float> first = row_f32(t, "image", 0, {28, 28});
  float lo = *std::min_element(first.begin(), first.end()), hi = *std::max_element(first.begin(), first.end());
  check(lo == 0 && hi == 255, "fashion-mnist: pixels span 0..255",
        "  got " + std::to_string(lo) + ".." + std::to_string(hi));
  check(read < 3.0, "fashion-mnist: reading 60000 images takes well under a second",
        "  took " + std::to_string(read) + " s");

  // mutate(image = image / 255.0) as generated code runs it: per-row calls.
  start = std::chrono::steady_clock::now();
  MlpColumnBuilder *c = mlp_rt_column_new(t, "image", "f32", "28x28");
  std::vector<float> row(784);
  Descriptor d = make_descriptor(row.data(), {28, 28});
  for (int64_t r = 0; r < 60000; ++r) {
    mlp_rt_table_get_row_f32(t, "image", r, d.rank, d.get());
    for (float &v : row) v /= 255.0f;
    mlp_rt_column_set_row_f32(c, r, d.rank, d.get());
  }
  MlpTable *scaled = mlp_rt_table_with_column(t, c);
  double mutate = seconds_since(start);
  check_floats({row_f32(scaled, "image", 0, {28, 28})[783 - 28 * 3]}, {first[783 - 28 * 3] / 255.0},
               "fashion-mnist: image / 255");

  // One epoch of batches of 128, shuffled.
  start = std::chrono::steady_clock::now();
  MlpBatcher *b = mlp_rt_batcher_new(scaled, "image", "label", "#10", 128, 1);
  mlp_rt_batcher_shuffle(b, 0);
  std::vector<float> x(128 * 784), mask(128);
  std::vector<int64_t> y(128);
  Descriptor xd = make_descriptor(x.data(), {128, 784}), yd = make_descriptor(y.data(), {128}),
             md = make_descriptor(mask.data(), {128});
  int64_t total = 0;
  for (int64_t i = 0; i < mlp_rt_batcher_batches(b); ++i)
    total += mlp_rt_batcher_fill(b, i, xd.rank, xd.get(), yd.rank, yd.get(), md.rank, md.get());
  double epoch = seconds_since(start);
  check_eq(total, 60000, "fashion-mnist: one epoch of batches covers every row");
  std::printf("note: fashion-mnist: read 60000 images %.3f s; mutate per row %.3f s; one epoch of %lld batches of "
              "128 %.3f s\n",
              read, mutate, static_cast<long long>(mlp_rt_batcher_batches(b)), epoch);
}

/* --------------------------------------------------------------- metrics */

/// Evaluates fixed outputs: `outputs` holds [rows, width] values for the
/// rows of `b` in table order (batch size `batch`).
MlpEval *evaluate(MlpBatcher *b, int64_t batch, int64_t width, const std::vector<float> &outputs) {
  MlpEval *e = mlp_rt_eval_new(b);
  int64_t rows = static_cast<int64_t>(outputs.size()) / width;
  for (int64_t i = 0; i < mlp_rt_batcher_batches(b); ++i) {
    std::vector<float> out(batch * width, 0.0f);
    for (int64_t r = 0; r < batch && i * batch + r < rows; ++r)
      for (int64_t k = 0; k < width; ++k) out[r * width + k] = outputs[(i * batch + r) * width + k];
    Descriptor d = make_descriptor(out.data(), {batch, width});
    mlp_rt_eval_add(e, i, d.rank, d.get());
  }
  return e;
}

/// Scores that make the model predict `classes` (one-hot times 2).
std::vector<float> predicting(const std::vector<int> &classes, int width) {
  std::vector<float> out(classes.size() * width, 0.0f);
  for (size_t i = 0; i < classes.size(); ++i) out[i * width + classes[i]] = 2.0f;
  return out;
}

void test_metrics() {
  // y_true = [0,0,1,1,2,2], y_pred = [0,1,1,1,2,0]; by hand (= sklearn):
  // precision per class 1/2, 2/3, 1; recall 1/2, 1, 1/2; f1 1/2, 4/5, 2/3.
  std::string path = write_file("cls.csv", "x,y\n1,a\n2,a\n3,b\n4,b\n5,c\n6,c\n");
  MlpTable *t = mlp_rt_csv_read(path.c_str(), "x:i64,y:str");
  MlpBatcher *b = mlp_rt_batcher_new(t, "x", "y", "a,b,c", 4, -1);
  MlpEval *e = evaluate(b, 4, 3, predicting({0, 1, 1, 1, 2, 0}, 3));
  check_eq(mlp_rt_eval_rows(e), 6, "metrics: rows");
  check_near(mlp_rt_eval_metric(e, "accuracy"), 4.0 / 6, "metrics: accuracy");
  check_near(mlp_rt_eval_metric(e, "precision"), (0.5 + 2.0 / 3 + 1) / 3, "metrics: macro precision");
  check_near(mlp_rt_eval_metric(e, "recall"), (0.5 + 1 + 0.5) / 3, "metrics: macro recall");
  check_near(mlp_rt_eval_metric(e, "f1"), (0.5 + 0.8 + 2.0 / 3) / 3, "metrics: macro f1");
  check_near(mlp_rt_eval_metric(e, "precision:b"), 2.0 / 3, "metrics: precision of one class");
  check_near(mlp_rt_eval_metric(e, "recall:c"), 0.5, "metrics: recall of one class");
  check_near(mlp_rt_eval_metric(e, "f1:b"), 0.8, "metrics: f1 of one class");
  // Outputs are logits: 2 for the predicted class, 0 elsewhere; 4 rows right.
  check_near(mlp_rt_eval_metric(e, "log_loss"), std::log(std::exp(2.0) + 2) - 2.0 * 4 / 6,
             "metrics: log_loss = mean -log softmax(outputs)[truth]");
  {
    // An evaluation per epoch: made and freed in a loop.
    for (int epoch = 0; epoch < 200; ++epoch) mlp_rt_eval_free(evaluate(b, 4, 3, predicting({0, 1, 1, 1, 2, 0}, 3)));
    mlp_rt_eval_free(nullptr);
    MlpBatcher *tmp = mlp_rt_batcher_new(t, "x", "y", "a,b,c", 4, -1);
    MlpEval *te = evaluate(tmp, 4, 3, std::vector<float>(18, 1000.0f));
    check_near(mlp_rt_eval_metric(te, "log_loss"), std::log(3.0), "metrics: log_loss of huge equal logits");
    mlp_rt_eval_free(te);
    mlp_rt_batcher_free(tmp);
    mlp_rt_batcher_free(nullptr);
    check(true, "metrics: eval and batcher free");
  }
  check_error(
      [&] {
        MlpEval *twice = mlp_rt_eval_new(b);
        mlp_rt_eval_free(twice);
        mlp_rt_eval_free(twice);
      },
      "internal error: mlp_rt_eval_free: unknown or freed handle", "metrics: double free");

  check_eq(output_of(
               [&] {
                 mlp_rt_fmt_confusion(e);
                 mlp_rt_print_line();
                 mlp_rt_fmt_str("confusion:");
                 mlp_rt_fmt_confusion(e);
                 mlp_rt_print_line();
               },
               "metrics: confusion"),
           "true \\ predicted  a  b  c\n"
           "a                 1  1  0\n"
           "b                 0  2  0\n"
           "c                 1  0  1\n"
           "confusion:\n"
           "true \\ predicted  a  b  c\n"
           "a                 1  1  0\n"
           "b                 0  2  0\n"
           "c                 1  0  1\n",
           "metrics: confusion matrix (a new line after a prefix)");

  {
    // Ties go to the first class; classes seen in neither y nor the
    // predictions are left out of macro averages (sklearn's unique_labels).
    MlpBatcher *b4 = mlp_rt_batcher_new(t, "x", "y", "a,b,c,d", 6, -1);
    std::vector<float> out = {1, 1, 0, 0, /**/ 0, 3, 3, 0, /**/ 0, 1, 0, 0,
                              0, 1, 0, 0, /**/ 0, 0, 5, 0, /**/ 1, 0, 0, 0};
    MlpEval *e4 = evaluate(b4, 6, 4, out);
    check_near(mlp_rt_eval_metric(e4, "accuracy"), 4.0 / 6, "metrics: argmax takes the first of ties");
    check_near(mlp_rt_eval_metric(e4, "precision"), (0.5 + 2.0 / 3 + 1) / 3, "metrics: absent class left out");
    check_near(mlp_rt_eval_metric(e4, "precision:d"), 0, "metrics: 0/0 precision counts as 0");
    check_eq(output_of(
                 [&] {
                   mlp_rt_fmt_confusion(e4);
                   mlp_rt_print_line();
                 },
                 "metrics: confusion 4"),
             "true \\ predicted  a  b  c  d\n"
             "a                 1  1  0  0\n"
             "b                 0  2  0  0\n"
             "c                 1  0  1  0\n"
             "d                 0  0  0  0\n",
             "metrics: confusion with an absent class");
  }
  {
    // Wide labels and counts: each column as wide as its widest cell.
    std::string many = "y\n";
    for (int i = 0; i < 1234; ++i) many += "long_label\n";
    many += "s\n";
    MlpTable *mt = mlp_rt_csv_read(write_file("many.csv", many).c_str(), "y:str");
    MlpBatcher *mb = mlp_rt_batcher_new(mt, "", "y", "long_label,s", 2000, -1);
    std::vector<float> out(1235 * 2, 0.0f);
    for (int i = 0; i < 1235; ++i) out[i * 2] = 1;
    MlpEval *me = evaluate(mb, 2000, 2, out);
    check_eq(output_of(
                 [&] {
                   mlp_rt_fmt_confusion(me);
                   mlp_rt_print_line();
                 },
                 "metrics: wide confusion"),
             "true \\ predicted  long_label  s\n"
             "long_label              1234  0\n"
             "s                          1  0\n",
             "metrics: confusion column widths");
    check_near(mlp_rt_eval_metric(me, "f1:s"), 0, "metrics: f1 with no true positives");
  }
  {
    // Binary integer classes: `precision:1` names class 1.
    std::string bin = write_file("bin.csv", "x,y\n1,1\n2,0\n3,1\n4,1\n");
    MlpTable *bt = mlp_rt_csv_read(bin.c_str(), "x:i64,y:i64");
    MlpBatcher *bb = mlp_rt_batcher_new(bt, "x", "y", "#2", 4, -1);
    MlpEval *be = evaluate(bb, 4, 2, predicting({1, 1, 0, 1}, 2));
    check_near(mlp_rt_eval_metric(be, "precision:1"), 2.0 / 3, "metrics: binary precision");
    check_near(mlp_rt_eval_metric(be, "recall:1"), 2.0 / 3, "metrics: binary recall");
    check_near(mlp_rt_eval_metric(be, "f1:0"), 0, "metrics: binary f1 of class 0");
  }
  {
    // Only the real rows count, and the batcher's order maps rows.
    MlpBatcher *sb = mlp_rt_batcher_new(t, "x", "y", "a,b,c", 4, 3);
    mlp_rt_batcher_shuffle(sb, 0);
    MlpEval *se = mlp_rt_eval_new(sb);
    for (int64_t i = 0; i < 2; ++i) {
      Batch batch = fill(sb, i, 4, 1);
      std::vector<float> out(4 * 3, 0.0f);
      for (int r = 0; r < 4; ++r) out[r * 3 + batch.yClass[r]] = 1; // a perfect model
      Descriptor d = make_descriptor(out.data(), {4, 3});
      mlp_rt_eval_add(se, i, d.rank, d.get());
    }
    check_near(mlp_rt_eval_metric(se, "accuracy"), 1.0, "metrics: shuffled batches evaluate right");
  }

  // Regression: y = [1,2,3,4], prediction [1.5,2,2.5,5]: errors .5 0 -.5 1.
  std::string rpath = write_file("reg.csv", "x,y\n1,1\n2,2\n3,3\n4,4\n");
  MlpTable *rt = mlp_rt_csv_read(rpath.c_str(), "x:i64,y:f32");
  MlpBatcher *rb = mlp_rt_batcher_new(rt, "x", "y", "", 3, -1);
  MlpEval *re = evaluate(rb, 3, 1, {1.5, 2, 2.5, 5});
  check_near(mlp_rt_eval_metric(re, "mse"), 1.5 / 4, "metrics: mse");
  check_near(mlp_rt_eval_metric(re, "mae"), 2.0 / 4, "metrics: mae");
  check_near(mlp_rt_eval_metric(re, "r2"), 1 - 1.5 / 5, "metrics: r2 = 1 - SS_res / SS_tot");
  {
    MlpEval *r1 = mlp_rt_eval_new(rb); // rank-1 outputs are accepted
    std::vector<float> o = {1, 2, 3};
    Descriptor d = make_descriptor(o.data(), {3});
    mlp_rt_eval_add(r1, 0, d.rank, d.get());
    check_near(mlp_rt_eval_metric(r1, "r2"), 1, "metrics: r2 of a perfect fit (3 rows added)");
    check_eq(mlp_rt_eval_rows(r1), 3, "metrics: rows added so far");
  }
  {
    std::string cpath = write_file("const.csv", "x,y\n1,2\n2,2\n");
    MlpBatcher *cb = mlp_rt_batcher_new(mlp_rt_csv_read(cpath.c_str(), "x:i64,y:i64"), "x", "y", "", 2, -1);
    check_near(mlp_rt_eval_metric(evaluate(cb, 2, 1, {2, 2}), "r2"), 1, "metrics: r2 constant target, exact");
    check_near(mlp_rt_eval_metric(evaluate(cb, 2, 1, {2, 3}), "r2"), 0, "metrics: r2 constant target, inexact");
  }

  check_error([&] { mlp_rt_eval_metric(re, "log_loss"); },
              "log_loss needs a class target, but 'y' is a regression target", "metrics: log_loss of a regression");
  check_error([&] { mlp_rt_eval_metric(re, "accuracy"); },
              "accuracy needs a class target, but 'y' is a regression target", "metrics: accuracy of a regression");
  check_error([&] { mlp_rt_eval_metric(e, "r2"); }, "r2 needs a regression target, but 'y' is a class",
              "metrics: r2 of a classification");
  check_error([&] { mlp_rt_fmt_confusion(re); }, "confusion needs a class target, but 'y' is a regression target",
              "metrics: confusion of a regression");
  check_error([&] { mlp_rt_eval_metric(e, "precision:zebra"); },
              "precision:zebra: 'zebra' is not a label of 'y' (its labels: a, b, c)", "metrics: unknown label");
  check_error([&] { mlp_rt_eval_metric(e, "auc"); }, "internal error: unknown metric 'auc'", "metrics: unknown metric");
  check_error([&] { mlp_rt_eval_metric(mlp_rt_eval_new(b), "accuracy"); },
              "cannot compute accuracy on a table with no rows", "metrics: no rows");
  check_error(
      [&] {
        std::vector<float> out(4 * 2);
        Descriptor d = make_descriptor(out.data(), {4, 2});
        mlp_rt_eval_add(mlp_rt_eval_new(b), 0, d.rank, d.get());
      },
      "the model gives 2 outputs per row, but 'y' has 3 classes", "metrics: output width");
  check_error(
      [&] {
        std::vector<float> out(3 * 2);
        Descriptor d = make_descriptor(out.data(), {3, 2});
        mlp_rt_eval_add(mlp_rt_eval_new(rb), 0, d.rank, d.get());
      },
      "the model gives 2 outputs per row, but the regression target 'y' needs 1", "metrics: regression width");
  check_error(
      [&] {
        std::vector<float> out(4 * 3);
        Descriptor d = make_descriptor(out.data(), {4, 3});
        MlpEval *twice = mlp_rt_eval_new(b);
        mlp_rt_eval_add(twice, 0, d.rank, d.get());
        mlp_rt_eval_add(twice, 0, d.rank, d.get());
      },
      "internal error: mlp_rt_eval_add: batch 0 added twice", "metrics: a batch added twice");
  // Without a target an evaluation only collects predictions.
  check_error([&] { mlp_rt_eval_metric(mlp_rt_eval_new(mlp_rt_batcher_new(t, "x", "", "", 2, -1)), "accuracy"); },
              "internal error: mlp_rt_eval_metric: accuracy needs a target column", "metrics: no target");
}

/// Metrics checked against scikit-learn 1.2: each expected value is what the
/// sklearn call in its comment printed.
void test_sklearn_metrics() {
  // Averages over y_true = [a,a,a,b,b,b,b,a], y_pred = [a,b,c,b,b,a,b,c]
  // with labels a,b,c,d: c is predicted but never true, d neither.
  MlpTable *t = mlp_rt_csv_read(write_file("avg.csv", "x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n7,b\n8,a\n").c_str(),
                                "x:i64,y:str");
  MlpBatcher *b = mlp_rt_batcher_new(t, "x", "y", "a,b,c,d", 3, -1);
  MlpEval *e = evaluate(b, 3, 4, predicting({0, 1, 2, 1, 1, 0, 1, 2}, 4));
  struct Expected {
    const char *name;
    double value;
  };
  // sklearn.metrics.precision_score(yt, yp, average='macro') = 0.4166666666666667, etc.
  for (Expected x : {Expected{"precision", 0.4166666666666667}, {"precision@macro", 0.4166666666666667},
                     {"precision@weighted", 0.625}, {"precision@micro", 0.5},
                     // sklearn.metrics.recall_score(yt, yp, average=...)
                     {"recall@macro", 0.3333333333333333}, {"recall@weighted", 0.5}, {"recall@micro", 0.5},
                     // sklearn.metrics.f1_score(yt, yp, average=...)
                     {"f1", 0.3611111111111111}, {"f1@weighted", 0.5416666666666666}, {"f1@micro", 0.5}})
    check_near(mlp_rt_eval_metric(e, x.name), x.value, std::string("sklearn metrics: ") + x.name);
  check_near(mlp_rt_eval_metric(e, "precision:c"), 0, "sklearn metrics: one class still a label");
  check_error([&] { mlp_rt_eval_metric(e, "precision@samples"); }, "internal error: unknown metric 'precision@samples'",
              "sklearn metrics: unknown average");
  check_error([&] { mlp_rt_eval_metric(e, "accuracy@micro"); }, "internal error: unknown metric 'accuracy@micro'",
              "sklearn metrics: average of accuracy");
  {
    // A label may hold '@': precision:x@y is one class.
    MlpTable *at = mlp_rt_csv_read(write_file("at.csv", "x,y\n1,x@y\n2,z\n").c_str(), "x:i64,y:str");
    MlpEval *ae = evaluate(mlp_rt_batcher_new(at, "x", "y", "x@y,z", 2, -1), 2, 2, predicting({0, 0}, 2));
    check_near(mlp_rt_eval_metric(ae, "precision:x@y"), 0.5, "sklearn metrics: a label with @");
  }

  // roc_auc, binary with a bce logit: ties among the scores.
  MlpTable *bt = mlp_rt_csv_read(write_file("auc.csv", "x,y\n1,0\n2,0\n3,1\n4,1\n5,0\n6,1\n7,0\n8,1\n").c_str(),
                                 "x:i64,y:i64");
  MlpBatcher *bb = mlp_rt_batcher_new(bt, "x", "y", "#2", 8, -1);
  // sklearn.metrics.roc_auc_score([0,0,1,1,0,1,0,1], [-1,.5,.5,2,.5,-1,0,2]) = 0.71875 (sigmoid keeps the order)
  MlpEval *be = evaluate(bb, 8, 1, {-1, .5, .5, 2, .5, -1, 0, 2});
  check_near(mlp_rt_eval_metric(be, "roc_auc"), 0.71875, "sklearn metrics: roc_auc with tied bce logits");
  check_near(mlp_rt_eval_metric(be, "roc_auc:1"), 0.71875, "sklearn metrics: roc_auc:1 is roc_auc");
  check_near(mlp_rt_eval_metric(be, "roc_auc:0"), 0.71875, "sklearn metrics: roc_auc:0 of two classes");
  // sklearn.metrics.log_loss([0,0,1,1,0,1,0,1], sigmoid(z)) = 0.624469691277832
  check_near(mlp_rt_eval_metric(be, "log_loss"), 0.624469691277832, "sklearn metrics: bce log_loss", 1e-7);
  {
    // Every score tied: 0.5. sklearn.metrics.roc_auc_score([0,1,0,1], [.5,.5,.5,.5]) = 0.5
    MlpTable *tt = mlp_rt_csv_read(write_file("tie.csv", "y\n0\n1\n0\n1\n").c_str(), "y:i64");
    MlpEval *te = evaluate(mlp_rt_batcher_new(tt, "", "y", "#2", 4, -1), 4, 2, std::vector<float>(8, 0.25f));
    check_near(mlp_rt_eval_metric(te, "roc_auc"), 0.5, "sklearn metrics: roc_auc of equal scores");
    // sklearn.metrics.roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75, as logits (0, logit(p)).
    MlpTable *ct = mlp_rt_csv_read(write_file("classic.csv", "y\n0\n0\n1\n1\n").c_str(), "y:i64");
    std::vector<float> out;
    for (double p : {0.1, 0.4, 0.35, 0.8}) out.insert(out.end(), {0.0f, static_cast<float>(std::log(p / (1 - p)))});
    MlpEval *ce = evaluate(mlp_rt_batcher_new(ct, "", "y", "#2", 4, -1), 4, 2, out);
    check_near(mlp_rt_eval_metric(ce, "roc_auc"), 0.75, "sklearn metrics: roc_auc of softmax outputs");
    // Two softmax outputs (0, s): s = [.25,1.5,1.5,3,-.5,1.5], y = [0,0,1,1,1,0]:
    // sklearn.metrics.roc_auc_score(y, softmax[:, 1]) = 0.5555555555555556 and
    // roc_auc_score(y == 0, softmax[:, 0]) the same.
    MlpTable *st = mlp_rt_csv_read(write_file("soft.csv", "y\n0\n0\n1\n1\n1\n0\n").c_str(), "y:i64");
    std::vector<float> so;
    for (float s : {0.25f, 1.5f, 1.5f, 3.0f, -0.5f, 1.5f}) so.insert(so.end(), {0.0f, s});
    MlpEval *se = evaluate(mlp_rt_batcher_new(st, "", "y", "#2", 4, -1), 4, 2, so);
    check_near(mlp_rt_eval_metric(se, "roc_auc"), 0.5555555555555556, "sklearn metrics: roc_auc, softmax ties");
    check_near(mlp_rt_eval_metric(se, "roc_auc:0"), 0.5555555555555556, "sklearn metrics: roc_auc:0");
  }

  // Three classes: one-vs-rest, macro.
  MlpTable *mt =
      mlp_rt_csv_read(write_file("ovr.csv", "y\na\na\nb\nb\nc\nc\na\nb\nc\n").c_str(), "y:str");
  MlpBatcher *mb = mlp_rt_batcher_new(mt, "", "y", "a,b,c", 4, -1);
  std::vector<float> logits = {2, 1, 0, 1, 1, 0.5, 0.5, 2, 0, 0, 1, 1, 0, 0.5, 2,
                               1, 0, 1, 0.25, 0.25, 0.25, 1, 1.5, 0, 0, 1, 1};
  MlpEval *me = evaluate(mb, 4, 3, logits);
  // P = softmax(logits): sklearn.metrics.roc_auc_score(y, P, multi_class='ovr') = 0.9351851851851851
  check_near(mlp_rt_eval_metric(me, "roc_auc"), 0.9351851851851851, "sklearn metrics: multiclass ovr roc_auc");
  // sklearn.metrics.roc_auc_score(y == 2, P[:, 2]) = 0.9444444444444444
  check_near(mlp_rt_eval_metric(me, "roc_auc:c"), 0.9444444444444444, "sklearn metrics: roc_auc of one class");
  // sklearn.metrics.log_loss(y, P) = 0.6963405314476998
  check_near(mlp_rt_eval_metric(me, "log_loss"), 0.6963405314476998, "sklearn metrics: softmax log_loss", 1e-7);

  // A fitted model's probabilities, exactly (fit.cpp's path), clipped:
  // sklearn.metrics.log_loss([0,1,1,0], [[.9,.1],[1,0],[.3,.7],[.6,.4]], eps=1e-15) = 8.87790936956831
  {
    MlpTable *pt = mlp_rt_csv_read(write_file("exact.csv", "y\n0\n1\n1\n0\n").c_str(), "y:i64");
    MlpBatcher *pb = mlp_rt_batcher_new(pt, "", "y", "#2", 4, -1);
    MlpEval *pe = mlp_rt_eval_new(pb);
    mlp::rt::eval_add_exact(*pe, {0, 1, 2, 3}, {0.9, 0.1, 1.0, 0.0, 0.3, 0.7, 0.6, 0.4}, 2);
    check_near(mlp_rt_eval_metric(pe, "log_loss"), 8.87790936956831, "sklearn metrics: exact log_loss", 1e-12);
    // sklearn.metrics.roc_auc_score([0,1,1,0], [.1,0,.7,.4]) = 0.5
    check_near(mlp_rt_eval_metric(pe, "roc_auc"), 0.5, "sklearn metrics: exact roc_auc");
    check_near(mlp_rt_eval_metric(pe, "accuracy"), 0.75, "sklearn metrics: exact predictions");
    std::vector<int64_t> predicted(4);
    Descriptor d = make_descriptor(predicted.data(), {4});
    mlp_rt_eval_predictions(pe, d.rank, d.get());
    check_list(predicted, {0, 0, 1, 0}, "sklearn metrics: exact argmax");
  }

  // sklearn raises "Only one class present in y_true" / a class count that
  // differs from y_score's columns: a user error naming the class.
  check_error([&] { mlp_rt_eval_metric(e, "roc_auc"); },
              "roc_auc: no row of 'y' is 'c', and ROC AUC is undefined for a class absent from the true values",
              "sklearn metrics: roc_auc with an absent class");
  check_error([&] { mlp_rt_eval_metric(e, "roc_auc:d"); },
              "roc_auc:d: no row of 'y' is 'd', and ROC AUC is undefined for a class absent from the true values",
              "sklearn metrics: roc_auc:label of an absent class");
  {
    MlpTable *ot = mlp_rt_csv_read(write_file("one.csv", "y\n1\n1\n").c_str(), "y:i64");
    MlpEval *oe = evaluate(mlp_rt_batcher_new(ot, "", "y", "#2", 2, -1), 2, 1, {0.5f, 1.5f});
    check_error([&] { mlp_rt_eval_metric(oe, "roc_auc"); },
                "roc_auc: no row of 'y' is '0', and ROC AUC is undefined for a class absent from the true values",
                "sklearn metrics: binary roc_auc with one class");
    check_error([&] { mlp_rt_eval_metric(oe, "roc_auc:1"); },
                "roc_auc:1: every row of 'y' is '1', and ROC AUC needs rows of another class too",
                "sklearn metrics: roc_auc:label with no negatives");
  }
  check_error([&] { mlp_rt_eval_metric(me, "roc_auc:zebra"); },
              "roc_auc:zebra: 'zebra' is not a label of 'y' (its labels: a, b, c)", "sklearn metrics: roc_auc label");
  check_error([&] { mlp_rt_eval_metric(evaluate(mb, 4, 3, std::vector<float>(27, NAN)), "roc_auc"); },
              "roc_auc: the model's outputs are NaN, so its scores cannot be ranked", "sklearn metrics: NaN scores");
  {
    MlpTable *rt = mlp_rt_csv_read(write_file("reg2.csv", "x,y\n1,1\n2,2\n").c_str(), "x:i64,y:f32");
    MlpEval *re = evaluate(mlp_rt_batcher_new(rt, "x", "y", "", 2, -1), 2, 1, {1, 2});
    check_error([&] { mlp_rt_eval_metric(re, "roc_auc"); },
                "roc_auc needs a class target, but 'y' is a regression target", "sklearn metrics: roc_auc regression");
    check_error([&] { mlp_rt_eval_metric(re, "f1@micro"); },
                "f1 needs a class target, but 'y' is a regression target", "sklearn metrics: f1@micro regression");
  }
}

/// mlp_rt_adjusted_rand of two vectors.
double ari(std::vector<int64_t> a, std::vector<int64_t> b) {
  Descriptor da = make_descriptor(a.data(), {static_cast<int64_t>(a.size())});
  Descriptor db = make_descriptor(b.data(), {static_cast<int64_t>(b.size())});
  return mlp_rt_adjusted_rand(da.rank, da.get(), db.rank, db.get());
}

void test_cluster_metrics() {
  // sklearn.metrics.adjusted_rand_score(a, b) for each pair.
  check_near(ari({0, 0, 1, 1, 2, 2}, {5, 5, -1, -1, 3, 3}), 1.0, "ari: identical partitions, other values");
  check_near(ari({0, 0, 1, 1, 2, 2}, {1, 1, 2, 2, 0, 0}), 1.0, "ari: permuted labels");
  // adjusted_rand_score([0,0,0,1,1,1], [0,1,2,0,1,2]) = -0.36363636363636365
  check_near(ari({0, 0, 0, 1, 1, 1}, {0, 1, 2, 0, 1, 2}), -0.36363636363636365, "ari: unrelated");
  // adjusted_rand_score([0,0,1,1,2,2,2], [0,0,1,2,2,2,-1]) = 0.2953020134228188
  check_near(ari({0, 0, 1, 1, 2, 2, 2}, {0, 0, 1, 2, 2, 2, -1}), 0.2953020134228188, "ari: -1 a label of its own");
  check_near(ari({1, 1, 1}, {7, 7, 7}), 1.0, "ari: a single cluster in both");
  check_near(ari({}, {}), 1.0, "ari: no rows");
  // adjusted_rand_score([0,0,0,0], [0,1,2,3]) = 0.0
  check_near(ari({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0, "ari: one cluster against singletons");
  {
    // 2000 rows: the pair counts pass 32 bits.
    std::vector<int64_t> a(2000), b(2000);
    for (int i = 0; i < 2000; ++i) a[i] = i % 7, b[i] = (i % 7) * 10;
    check_near(ari(a, b), 1.0, "ari: 2000 rows, renamed");
  }
  check_error([&] { ari({0, 1, 2}, {0, 1}); },
              "adjusted_rand compares two labelings of the same rows, but one has 3 rows and the other 2",
              "ari: different lengths");

  // Table codes: a str column as labels (sorted labels; -1 missing).
  MlpTable *t = mlp_rt_csv_read(write_file("codes.csv", "s,x\nb,1\na,2\n,3\nb,4\na,5\n").c_str(), "s:str,x:i64");
  std::vector<int64_t> codes(5, 99);
  Descriptor cd = make_descriptor(codes.data(), {5});
  mlp_rt_table_codes(t, "s", cd.rank, cd.get());
  check_list(codes, {1, 0, -1, 1, 0}, "table codes: sorted labels, -1 missing");
  // sklearn.metrics.adjusted_rand_score([1,0,-1,1,0], [0,0,1,1,0]) = 0.09090909090909091
  check_near(ari(codes, {0, 0, 1, 1, 0}), 0.09090909090909091, "table codes: compared as labels");
  check_error(
      [&] {
        std::vector<int64_t> c(5);
        Descriptor d = make_descriptor(c.data(), {5});
        mlp_rt_table_codes(t, "x", d.rank, d.get());
      },
      "internal error: mlp_rt_table_codes: column 'x' is i64, not str", "table codes: a numeric column");

  // Silhouette of kmeans' clusters on a tiny 2-cluster set.
  // sklearn.metrics.silhouette_score(X, KMeans(2).fit(X).labels_) = 0.8034847742251496
  // (labels [1,1,1,0,0,0,1])
  MlpTable *pts =
      mlp_rt_csv_read(write_file("pts.csv", "x,y\n0,0\n0,1\n1,0\n10,10\n10,11\n11,10\n4,4\n").c_str(), "x:f32,y:f32");
  MlpFitted *km = mlp_rt_fit("kmeans", "k=2", mlp_rt_batcher_new(pts, "x,y", "", "", 7, -1));
  check_near(mlp_rt_fitted_silhouette(km, pts), 0.8034847742251496, "silhouette: kmeans, 2 clusters");
  // A cluster of one row scores 0 there (sklearn's nan_to_num):
  // silhouette_score([[0,0],[0,1],[0,2],[100,100]], [0,0,0,1]) = 0.7428934236512404
  MlpTable *lone = mlp_rt_csv_read(write_file("lone.csv", "x,y\n0,0\n0,1\n0,2\n100,100\n").c_str(), "x:i64,y:i64");
  MlpFitted *kl = mlp_rt_fit("kmeans", "k=2", mlp_rt_batcher_new(lone, "x,y", "", "", 4, -1));
  check_near(mlp_rt_fitted_silhouette(kl, lone), 0.7428934236512404, "silhouette: a cluster of one");
  {
    // A classifier's predictions on iris (4 of 150 wrong), serial and on 4
    // threads: LogisticRegression(solver='newton-cg', tol=1e-10) predictions
    // p, sklearn.metrics.silhouette_score(X, p) = 0.5151668747534314
    MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
    const char *inputs = "sepal_length,sepal_width,petal_length,petal_width";
    MlpFitted *lr = mlp_rt_fit("logistic_regression", "",
                               mlp_rt_batcher_new(iris, inputs, "species", "setosa,versicolor,virginica", 150, -1));
    double serial = mlp_rt_fitted_silhouette(lr, iris);
    check_near(serial, 0.5151668747534314, "silhouette: iris, a classifier's labels");
    use_threads("4");
    double threaded = mlp_rt_fitted_silhouette(lr, iris);
    use_threads("1");
    check_near(threaded, serial, "silhouette: 4 threads as 1", 1e-12);
  }
  check_error(
      [&] {
        MlpTable *three = mlp_rt_csv_read(write_file("three.csv", "x,y\n0,0\n5,5\n9,9\n").c_str(), "x:i64,y:i64");
        mlp_rt_fitted_silhouette(mlp_rt_fit("kmeans", "k=3", mlp_rt_batcher_new(three, "x,y", "", "", 3, -1)), three);
      },
              "silhouette of kmeans: the predictions hold 3 clusters in 3 rows; silhouette needs 2 to rows - 1 (2)",
              "silhouette: as many clusters as rows");
  check_error(
      [&] {
        MlpTable *same = mlp_rt_csv_read(write_file("same.csv", "x,y\n0,0\n0,1\n0,2\n").c_str(), "x:i64,y:i64");
        mlp_rt_fitted_silhouette(kl, same);
      },
      "silhouette of kmeans: the predictions hold 1 cluster in 3 rows; silhouette needs 2 to rows - 1 (2)",
      "silhouette: one cluster");
  check_error(
      [&] {
        MlpTable *rt = mlp_rt_csv_read(write_file("reg3.csv", "x,y\n1,1\n2,2\n3,2\n").c_str(), "x:i64,y:f32");
        mlp_rt_fitted_silhouette(mlp_rt_fit("linear_regression", "", mlp_rt_batcher_new(rt, "x", "y", "", 3, -1)), rt);
      },
      "silhouette of linear_regression: silhouette scores clusters, but linear_regression predicts values of 'y'",
      "silhouette: a regressor");
  check_error(
      [&] {
        MlpTable *gap = mlp_rt_csv_read(write_file("gap.csv", "x,y\n0,0\n0,\n100,100\n").c_str(), "x:f32,y:f32");
        mlp_rt_fitted_silhouette(kl, gap);
      },
      g_dir + "/gap.csv:3: silhouette of kmeans needs every input, but 'y' is missing here (drop_na or fill_na first)",
      "silhouette: a missing input");
}

/* --------------------------------------------------------------- history */

MlpHistory *sample_history(const char *model, int64_t epochs) {
  MlpHistory *h = mlp_rt_history_new(model, epochs);
  for (int64_t e = 0; e < epochs; ++e) {
    mlp_rt_history_record(h, e, "loss", 1.2 / (1 + e));
    mlp_rt_history_record(h, e, "accuracy", 0.5 + 0.45 * e / std::max<int64_t>(1, epochs - 1));
  }
  return h;
}

/// Progress output of a training run of `epochs` with MLP_PROGRESS=`env`.
std::string progress(int64_t epochs, const char *env) {
  return output_of(
      [&] {
        if (env) setenv("MLP_PROGRESS", env, 1);
        else unsetenv("MLP_PROGRESS");
        MlpHistory *h = mlp_rt_history_new("net", epochs);
        for (int64_t e = 0; e < epochs; ++e) {
          mlp_rt_history_record(h, e, "loss", 1.0 / (e + 1));
          mlp_rt_history_record(h, e, "accuracy", e / double(epochs));
          mlp_rt_history_epoch_done(h, e);
        }
      },
      "history: progress");
}

/// Runs `body` with stdout on a pseudo-terminal; returns what it printed.
std::string on_terminal(const std::function<void()> &body) {
  int master, slave;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return "(no pty)";
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    close(master);
    dup2(slave, 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    unsetenv("MLP_PROGRESS");
    char name[] = "prog";
    char *argv[] = {name, nullptr};
    mlp_rt_init(1, argv);
    body();
    mlp_rt_finish();
    std::fflush(nullptr);
    _exit(0);
  }
  close(slave);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(master, buf, sizeof buf)) > 0) out.append(buf, n); // EIO once the child is gone
  close(master);
  waitpid(pid, nullptr, 0);
  return out;
}

void test_history() {
  MlpHistory *h = sample_history("net", 5);
  check_near(mlp_rt_history_last(h, "loss"), 1.2 / 5, "history: last loss");
  check_near(mlp_rt_history_last(h, "accuracy"), 0.95, "history: last accuracy");
  MlpHistory *partial = mlp_rt_history_new("m", 4);
  mlp_rt_history_record(partial, 1, "val_loss", 0.5);
  mlp_rt_history_record(partial, 2, "loss", std::nan(""));
  check_near(mlp_rt_history_last(partial, "val_loss"), 0.5, "history: last recorded epoch");
  check(std::isnan(mlp_rt_history_last(partial, "loss")), "history: a recorded NaN is the last value");
  check_error([&] { mlp_rt_history_last(h, "f1"); }, "the history of 'net' has no series 'f1' (it has: loss, accuracy)",
              "history: unknown series");
  check_error([&] { mlp_rt_history_record(h, 5, "loss", 1); }, "internal error: epoch 5 is outside [0, 5)",
              "history: epoch out of range");
  check_error([] { mlp_rt_history_new("net", 0); }, "the number of epochs must be positive, got 0",
              "history: no epochs");

  check_eq(progress(3, nullptr),
           "epoch 1/3: loss 1.0000, accuracy 0.0000\n"
           "epoch 2/3: loss 0.5000, accuracy 0.3333\n"
           "epoch 3/3: loss 0.3333, accuracy 0.6667\n",
           "history: log lines");
  {
    std::string out = progress(100, nullptr);
    std::string firsts;
    int lines = 0;
    for (size_t at = 0; at < out.size(); at = out.find('\n', at) + 1, ++lines)
      firsts += out.substr(at, out.find(':', at) - at) + ";";
    check_eq(lines, 11, "history: about 10 lines for 100 epochs");
    check_eq(firsts,
             "epoch 1/100;epoch 10/100;epoch 20/100;epoch 30/100;epoch 40/100;epoch 50/100;"
             "epoch 60/100;epoch 70/100;epoch 80/100;epoch 90/100;epoch 100/100;",
             "history: epochs 1, every 10th, last");
    check_contains(out, "epoch 100/100: loss 0.0100, accuracy 0.9900\n", "history: last line");
  }
  {
    std::string out = progress(25, nullptr); // every 3rd epoch, and the last
    check_contains(out, "epoch 24/25:", "history: every ceil(25/10)-th epoch");
    check_contains(out, "epoch 25/25:", "history: the last epoch");
    check(out.find("epoch 2/25:") == std::string::npos, "history: epoch 2 of 25 not shown");
  }
  check_eq(progress(5, "0"), "", "history: MLP_PROGRESS=0");
  {
    std::string out = progress(30, "all");
    check_eq(static_cast<int64_t>(std::count(out.begin(), out.end(), '\n')), 30, "history: MLP_PROGRESS=all");
  }
  check_eq(output_of(
               [] {
                 unsetenv("MLP_PROGRESS");
                 MlpHistory *s = mlp_rt_history_new("net", 1);
                 mlp_rt_history_record(s, 0, "loss", 0.00001234);
                 mlp_rt_history_record(s, 0, "big", 12345678);
                 mlp_rt_history_epoch_done(s, 0);
               },
               "history: tiny values"),
           "epoch 1/1: loss 1.234e-05, big 1.235e+07\n", "history: tiny and huge values in scientific notation");

  // On a terminal: one line rewritten in place, ended after the last epoch.
  std::string tty = on_terminal([] {
    MlpHistory *th = mlp_rt_history_new("net", 3);
    for (int e = 0; e < 3; ++e) {
      mlp_rt_history_record(th, e, "loss", 0.5 / (e + 1));
      mlp_rt_history_epoch_done(th, e);
    }
    mlp_rt_fmt_str("after");
    mlp_rt_print_line();
  });
  if (tty != "(no pty)") {
    check(tty.rfind("\repoch 1/3 [##########....................] loss 0.5000 0.", 0) == 0,
          "history: terminal bar first draw", "  got " + escaped(tty));
    check_contains(tty, "\repoch 3/3 [##############################] loss 0.1667 ", "history: terminal bar last draw");
    const std::string end = "s\x1b[K\r\nafter\r\n";
    check(tty.size() > end.size() && tty.compare(tty.size() - end.size(), end.size(), end) == 0,
          "history: terminal bar ends its line once", "  got " + escaped(tty));
    std::string stopped = on_terminal([] {
      MlpHistory *th = mlp_rt_history_new("net", 10);
      mlp_rt_history_record(th, 0, "loss", 0.5);
      mlp_rt_history_epoch_done(th, 0); // stopped early: the bar stays open
      mlp_rt_fmt_str("next");
      mlp_rt_print_line();
    });
    check_contains(stopped, "\x1b[K\r\nnext\r\n", "history: a print after an open bar starts a new line");
    std::string failed = on_terminal([] {
      MlpHistory *th = mlp_rt_history_new("net", 10);
      mlp_rt_history_epoch_done(th, 0);
      mlp_rt_fail("diverged");
    });
    check(failed.size() > 2 && failed.compare(failed.size() - 2, 2, "\r\n") == 0,
          "history: an error after an open bar ends the bar line", "  got " + escaped(failed));
  }
}

/* ------------------------------------------------------------------ plot */

/* ----------------------------------------------------------------- plots */

/// "" when `text` is well-formed XML as the plots write it (an optional
/// declaration, one root element, balanced tags, quoted attributes without
/// `<` or a repeated name, only the predefined entities and character
/// references), else what is wrong and where.
std::string xml_problem(const std::string &text) {
  auto at_text = [&](size_t at) { return " at offset " + std::to_string(at) + ": " + escaped(text.substr(at, 40)); };
  auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '-' || c == '.';
  };
  auto entity_ok = [&](size_t amp) {
    size_t semi = text.find(';', amp);
    if (semi == std::string::npos || semi - amp > 10) return false;
    std::string name = text.substr(amp + 1, semi - amp - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") return true;
    if (name.size() < 2 || name[0] != '#') return false;
    bool hex = name[1] == 'x';
    if (hex && name.size() < 3) return false;
    for (size_t i = hex ? 2 : 1; i < name.size(); ++i)
      if (!(hex ? std::isxdigit(static_cast<unsigned char>(name[i])) : std::isdigit(static_cast<unsigned char>(name[i]))))
        return false;
    return true;
  };
  std::vector<std::string> open;
  bool root = false;
  size_t at = 0;
  if (text.rfind("<?xml", 0) == 0) {
    at = text.find("?>");
    if (at == std::string::npos) return "an unterminated XML declaration";
    at += 2;
  }
  while (at < text.size()) {
    char c = text[at];
    if (c != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(c))) return "text outside the root" + at_text(at);
      if (c == '&' && !entity_ok(at)) return "a bad entity reference" + at_text(at);
      ++at;
      continue;
    }
    if (text.compare(at, 4, "<!--") == 0) {
      size_t end = text.find("-->", at + 4);
      if (end == std::string::npos) return "an unterminated comment" + at_text(at);
      at = end + 3;
      continue;
    }
    if (text.compare(at, 2, "</") == 0) {
      size_t end = text.find('>', at);
      if (end == std::string::npos) return "an unterminated end tag" + at_text(at);
      std::string name = text.substr(at + 2, end - at - 2);
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? "nothing" : "<" + open.back() + ">") + at_text(at);
      open.pop_back();
      at = end + 1;
      continue;
    }
    // A start tag: a name, attributes, then > or />.
    size_t i = at + 1;
    while (i < text.size() && name_char(text[i])) ++i;
    std::string name = text.substr(at + 1, i - at - 1);
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-')
      return "a bad tag name" + at_text(at);
    if (open.empty() && root) return "a second root element" + at_text(at);
    root = true;
    std::vector<std::string> attributes;
    for (;;) {
      size_t before = i;
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size()) return "an unterminated <" + name + ">" + at_text(at);
      if (text.compare(i, 2, "/>") == 0) {
        at = i + 2;
        break;
      }
      if (text[i] == '>') {
        open.push_back(name);
        at = i + 1;
        break;
      }
      if (i == before) return "no space before an attribute of <" + name + ">" + at_text(i);
      size_t n = i;
      while (n < text.size() && name_char(text[n])) ++n;
      std::string attribute = text.substr(i, n - i);
      if (attribute.empty() || n >= text.size() || text[n] != '=' || n + 1 >= text.size() ||
          (text[n + 1] != '"' && text[n + 1] != '\''))
        return "a bad attribute in <" + name + ">" + at_text(i);
      if (std::find(attributes.begin(), attributes.end(), attribute) != attributes.end())
        return "attribute " + attribute + " twice in <" + name + ">" + at_text(i);
      attributes.push_back(attribute);
      char quote = text[n + 1];
      size_t end = text.find(quote, n + 2);
      if (end == std::string::npos) return "an unterminated attribute value" + at_text(i);
      for (size_t k = n + 2; k < end; ++k) {
        if (text[k] == '<') return "< in an attribute value" + at_text(i);
        if (text[k] == '&' && !entity_ok(k)) return "a bad entity reference" + at_text(k);
      }
      i = end + 1;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is not closed";
  if (!root) return "no root element";
  return "";
}

/// A plot's SVG file: a complete document that is well-formed XML (and that
/// xmllint accepts, where it is installed).
std::string svg_file(const std::string &path, const std::string &what) {
  std::string svg = read_file(path);
  check(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0,
        what + ": an SVG document");
  check(svg.size() > 7 && svg.compare(svg.size() - 7, 7, "</svg>\n") == 0, what + ": complete document");
  std::string problem = xml_problem(svg);
  check(problem.empty(), what + ": well-formed XML", "  " + problem);
  if (access("/usr/bin/xmllint", X_OK) == 0) {
    std::string cmd = "/usr/bin/xmllint --noout '" + path + "' 2>&1";
    check(std::system(cmd.c_str()) == 0, what + ": xmllint accepts the SVG");
  }
  return svg;
}

/// The attribute `name` of the first element at or after `at` in `svg`.
double attribute_at(const std::string &svg, size_t at, const std::string &name) {
  size_t a = svg.find(" " + name + "=\"", at);
  return a == std::string::npos ? NAN : std::atof(svg.c_str() + a + name.size() + 3);
}

/// A decoded PNG: 8-bit RGB or RGBA, not interlaced (what cairo writes).
struct Png {
  int64_t width = 0, height = 0;
  std::vector<uint32_t> pixels; ///< 0xrrggbb, row by row (alpha dropped)
  std::string error;            ///< why it could not be decoded ("" if it could)
};

/// Decodes `data` as a PNG: the signature, every chunk's CRC, IHDR first,
/// IDAT inflated (zlib) and unfiltered, IEND last.
Png decode_png(const std::string &data) {
  Png png;
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[at])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(data[at + 1])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(data[at + 2])) << 8 | static_cast<uint8_t>(data[at + 3]);
  };
  if (data.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) != 0) {
    png.error = "no PNG signature";
    return png;
  }
  std::string idat;
  int depth = 0, colour = -1, interlace = -1;
  bool end = false;
  for (size_t at = 8; !end;) {
    if (at + 12 > data.size()) {
      png.error = "no IEND chunk";
      return png;
    }
    uint32_t length = u32(at);
    std::string type = data.substr(at + 4, 4);
    if (at + 12 + length > data.size()) {
      png.error = "chunk " + type + " is cut off";
      return png;
    }
    const unsigned char *bytes = reinterpret_cast<const unsigned char *>(data.data()) + at + 4;
    if (crc32(0, bytes, length + 4) != u32(at + 8 + length)) {
      png.error = "chunk " + type + " has a bad CRC";
      return png;
    }
    if (at == 8 && (type != "IHDR" || length != 13)) {
      png.error = "the first chunk is " + type + ", not IHDR";
      return png;
    }
    if (type == "IHDR") {
      png.width = u32(at + 8);
      png.height = u32(at + 12);
      depth = static_cast<uint8_t>(data[at + 16]);
      colour = static_cast<uint8_t>(data[at + 17]);
      interlace = static_cast<uint8_t>(data[at + 20]);
    } else if (type == "IDAT") {
      idat += data.substr(at + 8, length);
    } else if (type == "IEND") {
      end = true;
      if (at + 12 != data.size()) png.error = "bytes after IEND";
    }
    at += 12 + length;
  }
  if (!png.error.empty()) return png;
  if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0) {
    png.error = "not 8-bit RGB(A) without interlacing: depth " + std::to_string(depth) + ", colour type " +
                std::to_string(colour) + ", interlace " + std::to_string(interlace);
    return png;
  }
  const size_t bpp = colour == 2 ? 3 : 4, stride = static_cast<size_t>(png.width) * bpp;
  std::vector<unsigned char> raw(static_cast<size_t>(png.height) * (stride + 1));
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef *>(idat.data()), idat.size()) != Z_OK ||
      size != raw.size()) {
    png.error = "IDAT does not inflate to " + std::to_string(raw.size()) + " bytes";
    return png;
  }
  std::vector<unsigned char> prev(stride, 0), row(stride);
  png.pixels.reserve(static_cast<size_t>(png.width * png.height));
  for (int64_t y = 0; y < png.height; ++y) {
    const unsigned char *line = raw.data() + y * (stride + 1);
    unsigned filter = line[0];
    for (size_t i = 0; i < stride; ++i) {
      int a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      int predict = 0;
      switch (filter) {
      case 0: break;
      case 1: predict = a; break;
      case 2: predict = b; break;
      case 3: predict = (a + b) / 2; break;
      case 4: {
        int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        predict = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        break;
      }
      default: png.error = "row " + std::to_string(y) + " has filter " + std::to_string(filter); return png;
      }
      row[i] = static_cast<unsigned char>(line[1 + i] + predict);
    }
    for (int64_t x = 0; x < png.width; ++x)
      png.pixels.push_back(static_cast<uint32_t>(row[x * bpp]) << 16 | static_cast<uint32_t>(row[x * bpp + 1]) << 8 |
                           row[x * bpp + 2]);
    std::swap(prev, row);
  }
  return png;
}

/// Pixels of colour `rgb` (0xrrggbb) in `png`.
int64_t pixels_of(const Png &png, uint32_t rgb) {
  return std::count(png.pixels.begin(), png.pixels.end(), rgb);
}

/// A plot's PNG file: decodes, at twice the size of its SVG (`width` x
/// `height`), and is a drawing on white (some pixels white, not all).
Png png_file(const std::string &path, int64_t width, int64_t height, const std::string &what) {
  Png png = decode_png(read_file(path));
  check(png.error.empty(), what + ": the PNG decodes", "  " + png.error);
  check_eq(png.width, 2 * width, what + ": PNG width (2x)");
  check_eq(png.height, 2 * height, what + ": PNG height (2x)");
  int64_t white = pixels_of(png, 0xffffff), all = static_cast<int64_t>(png.pixels.size());
  check(all > 0 && white > all / 10 && white < all, what + ": a drawing on white",
        "  " + std::to_string(white) + " white pixels of " + std::to_string(all));
  return png;
}

/// How often `part` occurs in `text`.
int64_t count_of(const std::string &text, const std::string &part) {
  int64_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

void test_plot() {
  // The checkers the plot tests rely on catch what they should.
  check_eq(xml_problem("<?xml version=\"1.0\"?>\n<a x='1' y=\"&lt;\">&amp;&#38;&#x26;<b/><!-- c --></a>\n"), "",
           "xml check: well-formed");
  for (const char *bad : {"<a><b></a>", "<a x=\"1\" x=\"2\"/>", "<a>&nbsp;</a>", "<a/><b/>", "<a x=1/>", "<a>",
                          "<a x=\"<\"/>", "text<a/>", "<a x=\"1\"y=\"2\"/>", ""})
    check(!xml_problem(bad).empty(), std::string("xml check: rejects ") + escaped(bad));
  {
    std::string png = g_dir + "/check.png";
    mlp_rt_plot_history(sample_history("net", 3), png.c_str());
    std::string data = read_file(png);
    check(decode_png(data).error.empty(), "png check: decodes a plot");
    std::string flipped = data;
    flipped[flipped.size() / 2] ^= 1;
    check(!decode_png(flipped).error.empty(), "png check: a flipped bit fails a CRC");
    check(!decode_png(data.substr(0, data.size() - 12)).error.empty(), "png check: no IEND");
    check(!decode_png("GIF89a").error.empty(), "png check: not a PNG");
    std::filesystem::remove(png);
  }

  std::string path = g_dir + "/loss.svg";
  MlpHistory *h = sample_history("net <iris> & \"co\"", 100);
  mlp_rt_plot_history(h, path.c_str());
  std::string svg = svg_file(path, "plot");
  check_contains(svg, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>", "plot: white background");
  check_contains(svg, ">net &lt;iris&gt; &amp; &quot;co&quot;</text>", "plot: escaped title");
  for (const char *tick : {">0</text>", ">20</text>", ">100</text>", ">0.0</text>", ">1.2</text>"})
    check_contains(svg, tick, std::string("plot: tick label ") + tick);
  check_contains(svg, ">epoch</text>", "plot: x label");
  check_contains(svg, ">value</text>", "plot: y label");
  check_contains(svg, ">loss</text>", "plot: legend loss");
  check_contains(svg, ">accuracy</text>", "plot: legend accuracy");
  size_t lines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
  check_eq(static_cast<int64_t>(lines), 2, "plot: one polyline per series");
  check_contains(svg, "stroke=\"#1f77b4\"", "plot: first colour");
  check_contains(svg, "stroke=\"#ff7f0e\"", "plot: second colour");
  check(svg.find("stroke-dasharray") == std::string::npos, "plot: no validation series, no dashes");
  check(svg.find("dominant-baseline") == std::string::npos, "plot: no dominant-baseline (librsvg ignores it)");
  check_contains(svg, "text-anchor=\"end\" dy=\"0.35em\">1.2</text>", "plot: y tick labels centred on their ticks");
  {
    // The same plot as PNG: the SVG drawn at twice its size, each series
    // line in its colour.
    std::string png = g_dir + "/loss.png";
    mlp_rt_plot_history(h, png.c_str());
    Png p = png_file(png, 720, 440, "plot png");
    check(pixels_of(p, 0x1f77b4) > 1000, "plot png: the loss line in the first colour",
          "  " + std::to_string(pixels_of(p, 0x1f77b4)) + " pixels");
    check(pixels_of(p, 0xff7f0e) > 1000, "plot png: the accuracy line in the second colour",
          "  " + std::to_string(pixels_of(p, 0xff7f0e)) + " pixels");
    // Any case of the extension.
    std::string upper = g_dir + "/LOSS.PNG";
    mlp_rt_plot_history(h, upper.c_str());
    check(read_file(upper) == read_file(png), "plot png: .PNG too, the same image");
    std::filesystem::remove(upper);
  }
  {
    // Validation series share their training series' colour, dashed, and
    // follow them in the legend; a val_ series without its training series
    // (val_f1) gets a colour of its own, and so does a series named val.
    MlpHistory *v = mlp_rt_history_new("net", 10);
    for (int e = 0; e < 10; ++e) {
      mlp_rt_history_record(v, e, "loss", 1.0 / (e + 1));
      mlp_rt_history_record(v, e, "accuracy", 0.5 + e * 0.04);
      mlp_rt_history_record(v, e, "val_loss", 1.2 / (e + 1));
      mlp_rt_history_record(v, e, "val_accuracy", 0.45 + e * 0.04);
      mlp_rt_history_record(v, e, "val_f1", 0.4 + e * 0.04);
    }
    std::string vpath = g_dir + "/val.svg";
    mlp_rt_plot_history(v, vpath.c_str());
    std::string vs = svg_file(vpath, "plot val");
    check_eq(count_of(vs, "<polyline"), 5, "plot val: a line per series");
    check_contains(vs, "<g stroke=\"#1f77b4\" fill=\"#1f77b4\">\n<polyline", "plot val: loss solid, first colour");
    check_contains(vs, "<g stroke=\"#ff7f0e\" fill=\"#ff7f0e\">\n<polyline", "plot val: accuracy solid, second colour");
    check_contains(vs, "<g stroke=\"#1f77b4\" fill=\"#1f77b4\" stroke-dasharray=\"6 3\">\n<polyline",
                   "plot val: val_loss dashed in loss's colour");
    check_contains(vs, "<g stroke=\"#ff7f0e\" fill=\"#ff7f0e\" stroke-dasharray=\"6 3\">\n<polyline",
                   "plot val: val_accuracy dashed in accuracy's colour");
    check_contains(vs, "<g stroke=\"#2ca02c\" fill=\"#2ca02c\">\n<polyline", "plot val: val_f1 solid, third colour");
    check_eq(count_of(vs, "stroke-dasharray"), 4, "plot val: two dashed lines and their legend entries");
    size_t l = vs.find(">loss</text>"), vl = vs.find(">val_loss</text>"), a = vs.find(">accuracy</text>"),
           va = vs.find(">val_accuracy</text>"), f1 = vs.find(">val_f1</text>");
    check(l != std::string::npos && l < vl && vl < a && a < va && va < f1 && f1 != std::string::npos,
          "plot val: legend loss, val_loss, accuracy, val_accuracy, val_f1");
  }

  {
    // Unrecorded epochs are skipped, a NaN breaks the line; a short history
    // gets dots on its points.
    MlpHistory *g = mlp_rt_history_new("gappy", 5);
    for (int e : {0, 1, 3, 4}) mlp_rt_history_record(g, e, "val_loss", 2.0 - e * 0.1);
    for (int e : {0, 2, 3}) mlp_rt_history_record(g, e, "loss", e + 4.0);
    mlp_rt_history_record(g, 1, "loss", std::nan(""));
    std::string gpath = g_dir + "/gap.svg";
    mlp_rt_plot_history(g, gpath.c_str());
    std::string gs = read_file(gpath);
    size_t n = 0;
    for (size_t at = gs.find("<polyline"); at != std::string::npos; at = gs.find("<polyline", at + 1)) ++n;
    check_eq(static_cast<int64_t>(n), 2, "plot: lines join recorded epochs, a NaN breaks one, one point is no line");
    size_t dots = 0;
    for (size_t at = gs.find("<circle"); at != std::string::npos; at = gs.find("<circle", at + 1)) ++dots;
    check_eq(static_cast<int64_t>(dots), 7, "plot: dots on a short history");
    {
      // A long history: dots only where a point stands alone.
      MlpHistory *l = mlp_rt_history_new("long", 100);
      for (int e = 0; e < 100; ++e) mlp_rt_history_record(l, e, "loss", e == 50 ? std::nan("") : 1.0);
      mlp_rt_history_record(l, 51, "loss", INFINITY);
      mlp_rt_history_record(l, 99, "val", 1.0);
      std::string lpath = g_dir + "/long.svg";
      mlp_rt_plot_history(l, lpath.c_str());
      std::string ls = read_file(lpath);
      size_t ldots = 0;
      for (size_t at = ls.find("<circle"); at != std::string::npos; at = ls.find("<circle", at + 1)) ++ldots;
      check_eq(static_cast<int64_t>(ldots), 1, "plot: a lone point of a long history is a dot");
    }
    check_contains(gs, ">7</text>", "plot: y axis covers every value");
  }
  {
    MlpHistory *empty = mlp_rt_history_new("empty", 1);
    std::string epath = g_dir + "/empty.svg";
    mlp_rt_plot_history(empty, epath.c_str());
    check_contains(read_file(epath), "</svg>", "plot: a history with no values");
  }

  std::string keep = write_file("keep.svg", "old");
  check_error([&] { mlp_rt_plot_history(h, (g_dir + "/loss.pdf").c_str()); },
              "cannot plot to '" + g_dir + "/loss.pdf': the file name must end in .svg or .png", "plot: other extension");
  check_error([&] { mlp_rt_plot_history(h, (g_dir + "/loss.svg.txt").c_str()); },
              "cannot plot to '" + g_dir + "/loss.svg.txt': the file name must end in .svg or .png",
              "plot: .svg not at the end");
  check_error([&] { mlp_rt_plot_history(h, (g_dir + "/no/such/dir.svg").c_str()); },
              "cannot write '" + g_dir + "/no/such/dir.svg': No such file or directory", "plot: no directory");
  check_error([&] { mlp_rt_plot_history(h, (g_dir + "/no/such/dir.png").c_str()); },
              "cannot write '" + g_dir + "/no/such/dir.png': No such file or directory", "plot: png, no directory");
  {
    std::string keepPng = write_file("keep.png", "old");
    mlp_rt_plot_history(h, keepPng.c_str());
    check(decode_png(read_file(keepPng)).error.empty(), "plot png: replaces an existing file");
  }
  std::filesystem::create_directory(g_dir + "/taken.svg");
  check_error([&] { mlp_rt_plot_history(h, (g_dir + "/taken.svg").c_str()); },
              "cannot write '" + g_dir + "/taken.svg': Is a directory", "plot: a directory in the way");
  std::filesystem::remove(g_dir + "/taken.svg");
  mlp_rt_plot_history(h, keep.c_str());
  check_contains(read_file(keep), "</svg>", "plot: replaces an existing file");
  bool temps = false;
  for (const std::string &name : dir_entries()) temps = temps || name.find(".tmp-") != std::string::npos;
  check(!temps, "plot: no temporary file left behind", "  " + list_text(dir_entries()));
}

void test_plot_scatter() {
  // Rows 2 and 4 lack x or y; row 3 has no v, row 6 no kind.
  std::string csv = write_file("scatter.csv",
                               "x,y,kind,n,v\n"
                               "1,2,b<&>,1,0.5\n"
                               "2,,a,2,1.5\n"
                               "3,4,a,1,\n"
                               ",5,c,3,2.5\n"
                               "5,6,b<&>,2,10\n"
                               "6,7,,1,4\n");
  MlpTable *t = mlp_rt_csv_read(csv.c_str(), "x:f32,y:f32,kind:str,n:i64,v:f32");
  const std::string path = g_dir + "/scatter.svg";

  // By a str column: a legend of the plotted labels, in label order.
  mlp_rt_plot_scatter(t, "x", "y", "kind", path.c_str());
  std::string svg = svg_file(path, "scatter");
  check_eq(count_of(svg, "<circle"), 4, "scatter: one circle per row with x and y");
  check_contains(svg, ">y vs x</text>", "scatter: title");
  check_contains(svg, "font-size=\"13\">x</text>", "scatter: x axis title");
  check_contains(svg, "font-size=\"13\">y</text>", "scatter: y axis title");
  check_contains(svg, ">kind</text>", "scatter: legend title");
  size_t a = svg.find(">a</text>"), b = svg.find(">b&lt;&amp;&gt;</text>"), m = svg.find(">missing</text>");
  check(a != std::string::npos && b != std::string::npos && m != std::string::npos && a < b && b < m,
        "scatter: legend a, b<&> (escaped), missing, in that order", "  got " + escaped(svg));
  check(svg.find(">c</text>") == std::string::npos, "scatter: a label with no plotted row is not in the legend");
  check_eq(count_of(svg, "rx=\"5\""), 3, "scatter: three legend swatches");
  check_eq(count_of(svg, "r=\"3.5\" fill=\"#1f77b4\""), 1, "scatter: label a in the first colour");
  check_eq(count_of(svg, "r=\"3.5\" fill=\"#ff7f0e\""), 2, "scatter: label b<&> in the second colour");
  check_contains(svg, "<g fill=\"#a0a0a0\" fill-opacity=\"0.75\" stroke=\"none\">\n<circle", "scatter: missing kind in grey");
  check(svg.find("linearGradient") == std::string::npos, "scatter: classes have no colour bar");
  check_contains(svg, "<circle cx=\"", "scatter: circles");
  {
    // Coordinates with one decimal.
    size_t at = svg.find("<circle cx=\"");
    std::string cx = svg.substr(at + 12, svg.find('"', at + 12) - at - 12);
    check(cx.size() > 2 && cx[cx.size() - 2] == '.', "scatter: one decimal", "  got " + cx);
  }

  // By an i64 column of few values: a legend of its numbers.
  mlp_rt_plot_scatter(t, "x", "y", "n", path.c_str());
  svg = svg_file(path, "scatter i64");
  check_eq(count_of(svg, "<circle"), 4, "scatter i64: circles");
  check_eq(count_of(svg, "rx=\"5\""), 2, "scatter i64: legend 1, 2 (3 is not plotted)");
  check_contains(svg, "dy=\"0.35em\">1</text>\n<rect", "scatter i64: legend entry 1 first");
  check_contains(svg, "dy=\"0.35em\">2</text>", "scatter i64: legend entry 2");
  check(svg.find("linearGradient") == std::string::npos, "scatter i64: no colour bar");

  // By an f32 column: viridis and a colour bar over the plotted values.
  mlp_rt_plot_scatter(t, "x", "y", "v", path.c_str());
  svg = svg_file(path, "scatter f32");
  check_eq(count_of(svg, "<circle"), 4, "scatter f32: circles");
  check_contains(svg, "<linearGradient id=\"mlp-viridis\"", "scatter f32: colour bar gradient");
  check_contains(svg, "fill=\"url(#mlp-viridis)\"", "scatter f32: colour bar");
  check_contains(svg, ">0.5</text>", "scatter f32: colour bar low end");
  check_contains(svg, ">10</text>", "scatter f32: colour bar high end");
  check_contains(svg, "fill=\"#440154\"/>", "scatter f32: the lowest value dark purple");
  check_contains(svg, "fill=\"#fde725\"/>", "scatter f32: the highest value yellow");
  check_contains(svg, ">missing</text>", "scatter f32: missing colour value");
  check_eq(count_of(svg, "rx=\"5\""), 1, "scatter f32: only the missing swatch");

  // One colour: no legend.
  mlp_rt_plot_scatter(t, "x", "y", "", path.c_str());
  svg = svg_file(path, "scatter plain");
  check_eq(count_of(svg, "<circle"), 4, "scatter plain: circles");
  check_eq(count_of(svg, "<g fill=\"#1f77b4\""), 1, "scatter plain: one group in the first colour");
  check_eq(count_of(svg, "rx=\"5\""), 0, "scatter plain: no legend");
  check(svg.find(" fill=\"#ff7f0e\"") == std::string::npos, "scatter plain: no second colour");

  {
    // An i64 column of more than 10 values is a number: a colour bar. Many
    // points stay quick and small.
    std::string text = "a,b,k,s\n";
    const int rows = 3000;
    for (int i = 0; i < rows; ++i)
      text += std::to_string(i % 97) + "," + std::to_string((i * 31) % 89) + "," + std::to_string(i % 12) + ",l" +
              std::to_string(100 + i % 30) + "\n";
    std::string many = write_file("many.csv", text);
    MlpTable *mt = mlp_rt_csv_read(many.c_str(), "a:i64,b:i64,k:i64,s:str");
    auto start = std::chrono::steady_clock::now();
    mlp_rt_plot_scatter(mt, "a", "b", "k", path.c_str());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    check(seconds < 1.0, "scatter many: fast", "  took " + std::to_string(seconds) + " s");
    svg = svg_file(path, "scatter many");
    check_eq(count_of(svg, "<circle"), rows, "scatter many: circles");
    check_contains(svg, "fill=\"url(#mlp-viridis)\"", "scatter many: 12 values get a colour bar");
    check_contains(svg, ">11</text>", "scatter many: colour bar range");
    check(svg.size() < 60u * rows + 8000, "scatter many: about 50 bytes a point",
          "  " + std::to_string(svg.size()) + " bytes");
    // 30 labels do not fit beside the plot: the legend says how many more.
    mlp_rt_plot_scatter(mt, "a", "b", "s", path.c_str());
    svg = svg_file(path, "scatter labels overflow");
    check_contains(svg, ">l100</text>", "scatter labels overflow: first label");
    check(svg.find(">l129</text>") == std::string::npos, "scatter labels overflow: last label left out");
    check_eq(count_of(svg, "rx=\"5\"") + count_of(svg, " more)</text>"), 18,
             "scatter labels overflow: the legend fills the plot's height");
  }

  // Coloured by cluster numbers.
  std::vector<int64_t> clusters = {2, 0, 2, 1, 0, 1};
  Descriptor d = make_descriptor(clusters.data(), {6});
  mlp_rt_plot_scatter_labels(t, "x", "y", d.rank, d.get(), "km", path.c_str());
  svg = svg_file(path, "scatter km");
  check_eq(count_of(svg, "<circle"), 4, "scatter km: circles");
  size_t k0 = svg.find(">km = 0</text>"), k1 = svg.find(">km = 1</text>"), k2 = svg.find(">km = 2</text>");
  check(k0 != std::string::npos && k1 != std::string::npos && k2 != std::string::npos && k0 < k1 && k1 < k2,
        "scatter km: legend km = 0, 1, 2", "  got " + escaped(svg));
  check_eq(count_of(svg, "r=\"3.5\" fill=\"#2ca02c\""), 2, "scatter km: cluster 2 in the third colour");
  {
    // Strided labels (a column of a matrix), no name.
    std::vector<int64_t> matrix = {5, -1, 5, -1, 7, -1, 9, -1, 7, -1, 5, -1};
    Descriptor s = make_descriptor(matrix.data(), {6}, {2});
    mlp_rt_plot_scatter_labels(t, "x", "y", s.rank, s.get(), "", path.c_str());
    svg = svg_file(path, "scatter strided labels");
    check_contains(svg, "dy=\"0.35em\">5</text>", "scatter strided labels: legend 5");
    check(svg.find(">9</text>") == std::string::npos, "scatter strided labels: 9 is not plotted");
    check_eq(count_of(svg, "r=\"3.5\" fill=\"#1f77b4\""), 2, "scatter strided labels: 5 in the first colour");
  }
  Descriptor short_labels = make_descriptor(clusters.data(), {5});
  check_error([&] { mlp_rt_plot_scatter_labels(t, "x", "y", short_labels.rank, short_labels.get(), "km", path.c_str()); },
              "internal error: mlp_rt_plot_scatter_labels: the labels has shape [5], expected [6]",
              "scatter km: labels of another length");
  check_error([&] { mlp_rt_plot_scatter(t, "kind", "y", "", path.c_str()); },
              "internal error: mlp_rt_plot_scatter: column 'kind' is str, not numbers to plot", "scatter: str x");

  // The iris example: petal length against width by species.
  MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  std::string ipath = g_dir + "/iris.svg";
  mlp_rt_plot_scatter(iris, "petal_length", "petal_width", "species", ipath.c_str());
  svg = svg_file(ipath, "scatter iris");
  check_eq(count_of(svg, "<circle"), 150, "scatter iris: 150 points");
  check_contains(svg, ">petal_width vs petal_length</text>", "scatter iris: title");
  for (const char *species : {"setosa", "versicolor", "virginica"})
    check_contains(svg, std::string(">") + species + "</text>", std::string("scatter iris: legend ") + species);
  for (const char *colour : {"#1f77b4", "#ff7f0e", "#2ca02c"})
    check_eq(count_of(svg, std::string("r=\"3.5\" fill=\"") + colour + "\""), 50, std::string("scatter iris: 50 in ") + colour);

  // PNG: the same drawing, each species' points in its colour.
  {
    std::string png = g_dir + "/iris.png";
    mlp_rt_plot_scatter(iris, "petal_length", "petal_width", "species", png.c_str());
    Png p = png_file(png, 720, 480, "scatter iris png");
    // Legend swatches are opaque: a disc of about 10 x 10 pixels (2x).
    for (uint32_t colour : {0x1f77b4u, 0xff7f0eu, 0x2ca02cu})
      check(pixels_of(p, colour) >= 50, "scatter iris png: colour " + std::to_string(colour),
            "  " + std::to_string(pixels_of(p, colour)) + " pixels");
    mlp_rt_plot_scatter(t, "x", "y", "v", png.c_str());
    png_file(png, 720, 480, "scatter f32 png");
    mlp_rt_plot_scatter_labels(t, "x", "y", d.rank, d.get(), "km", png.c_str());
    png_file(png, 720, 480, "scatter km png");
  }

  // Paths: SVG or PNG, and one that cannot be written names it.
  check_error([&] { mlp_rt_plot_scatter(t, "x", "y", "kind", (g_dir + "/s.jpg").c_str()); },
              "cannot plot to '" + g_dir + "/s.jpg': the file name must end in .svg or .png", "scatter: jpg");
  check_error([&] { mlp_rt_plot_scatter_labels(t, "x", "y", d.rank, d.get(), "km", (g_dir + "/s.pdf").c_str()); },
              "cannot plot to '" + g_dir + "/s.pdf': the file name must end in .svg or .png", "scatter km: other extension");
  check_error([&] { mlp_rt_plot_scatter(t, "x", "y", "v", (g_dir + "/no/such/dir.svg").c_str()); },
              "cannot write '" + g_dir + "/no/such/dir.svg': No such file or directory", "scatter: no directory");
  bool temps = false;
  for (const std::string &name : dir_entries()) temps = temps || name.find(".tmp-") != std::string::npos;
  check(!temps, "scatter: no temporary file left behind", "  " + list_text(dir_entries()));
}

/// The size of an SVG document (its <svg> element's width and height).
int64_t svg_width(const std::string &svg) { return std::llround(attribute_at(svg, svg.find("<svg"), "width")); }
int64_t svg_height(const std::string &svg) { return std::llround(attribute_at(svg, svg.find("<svg"), "height")); }

/// The heights of the bars (rects with x, y, width, height and nothing
/// else) in group `group` (its start tag up to `>`) of `svg`, in order.
std::vector<double> bar_heights(const std::string &svg, const std::string &group) {
  std::vector<double> heights;
  size_t at = svg.find(group);
  if (at == std::string::npos) return heights;
  size_t end = svg.find("</g>", at);
  for (at = svg.find("<rect x=", at); at < end; at = svg.find("<rect x=", at + 1))
    heights.push_back(attribute_at(svg, at, "height"));
  return heights;
}

/// `heights` scaled so that the largest is `most`, rounded.
std::vector<int64_t> as_counts(const std::vector<double> &heights, int64_t most) {
  double top = heights.empty() ? 1 : *std::max_element(heights.begin(), heights.end());
  std::vector<int64_t> out;
  for (double h : heights) out.push_back(std::llround(h / top * static_cast<double>(most)));
  return out;
}

void test_plot_histogram() {
  const std::string path = g_dir + "/hist.svg";
  // 1..10 and two missing values: numpy's "auto" gives 5 bins of 2 (the
  // smaller width: Sturges' 9 / (log2(10) + 1) = 2.08, not Freedman-
  // Diaconis' 2 IQR / cbrt(10) = 4.18).
  std::string csv = write_file("hist.csv", "v,k\n1,a\n2,b\n3,a\n4,a\n5,b\n6,b\n7,\n8,a\n9,b\n10,b\n,a\n,c\n");
  MlpTable *t = mlp_rt_csv_read(csv.c_str(), "v:f32,k:str");
  mlp_rt_plot_histogram(t, "v", 0, "", path.c_str());
  std::string svg = svg_file(path, "histogram");
  const std::string one = "<g fill=\"#1f77b4\" fill-opacity=\"0.85\"";
  check_list(as_counts(bar_heights(svg, one), 2), {2, 2, 2, 2, 2}, "histogram: numpy's auto bins of 1..10: 5 of 2");
  check_eq(count_of(svg, "<rect x="), 5, "histogram: a bar per bin, nothing else");
  check_contains(svg, ">histogram of v</text>", "histogram: title");
  check_contains(svg, "font-size=\"13\">v</text>", "histogram: x axis title");
  check_contains(svg, "font-size=\"13\">count</text>", "histogram: y axis title");
  check(svg.find(">0.5</text>") == std::string::npos, "histogram: counts have integer ticks");
  {
    // Bars span the bins: the first starts at 1, the last ends at 10, all of
    // one width.
    size_t first = svg.find("<rect x=", svg.find(one));
    double x0 = attribute_at(svg, first, "x"), w = attribute_at(svg, first, "width");
    size_t last = svg.rfind("<rect x=");
    double x4 = attribute_at(svg, last, "x"), w4 = attribute_at(svg, last, "width");
    check_near(w4, w, "histogram: equal-width bars", 1e-3);
    check_near((x4 + w4 - x0) / w, 5, "histogram: five bins from the first edge to the last", 1e-3);
  }

  // Given bin counts; numpy's edges: [1, 1.875), ... the last bin closed.
  std::string ecsv = write_file("edges.csv", "v\n1\n1\n2\n3\n3\n3\n4.5\n");
  MlpTable *et = mlp_rt_csv_read(ecsv.c_str(), "v:f32");
  mlp_rt_plot_histogram(et, "v", 4, "", path.c_str());
  svg = svg_file(path, "histogram bins");
  check_list(as_counts(bar_heights(svg, one), 3), {2, 1, 3, 1}, "histogram: bins=4 as numpy's [2, 1, 3, 1]");
  mlp_rt_plot_histogram(et, "v", 1, "", path.c_str());
  check_eq(count_of(svg_file(path, "histogram one bin"), "<rect x="), 1, "histogram: bins=1");

  // iris sepal_width: numpy's auto gives 13 bins (Freedman-Diaconis), none
  // empty, so 13 bars of the counts numpy gives.
  MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  mlp_rt_plot_histogram(iris, "sepal_width", 0, "", path.c_str());
  svg = svg_file(path, "histogram iris");
  check_list(as_counts(bar_heights(svg, one), 37), {1, 7, 11, 14, 24, 37, 13, 18, 10, 9, 3, 2, 1},
             "histogram iris: sepal_width as numpy.histogram(bins='auto')");
  // petal_length: 9 bins, the third empty (no bar).
  mlp_rt_plot_histogram(iris, "petal_length", 0, "", path.c_str());
  svg = svg_file(path, "histogram iris petal_length");
  check_list(as_counts(bar_heights(svg, one), 44), {44, 6, 6, 17, 31, 21, 19, 6},
             "histogram iris: petal_length, an empty bin has no bar");

  // One histogram per species, overlaid over the same bins, half
  // transparent, with a legend.
  mlp_rt_plot_histogram(iris, "petal_length", 0, "species", path.c_str());
  svg = svg_file(path, "histogram by species");
  check_contains(svg, ">histogram of petal_length by species</text>", "histogram by species: title");
  auto group = [](const char *colour) {
    return std::string("<g fill=\"") + colour + "\" fill-opacity=\"0.45\" stroke=\"" + colour + "\"";
  };
  check_list(as_counts(bar_heights(svg, group("#1f77b4")), 44), {44, 6}, "histogram by species: setosa");
  check_list(as_counts(bar_heights(svg, group("#ff7f0e")), 25), {6, 17, 25, 2}, "histogram by species: versicolor");
  check_list(as_counts(bar_heights(svg, group("#2ca02c")), 19), {6, 19, 19, 6}, "histogram by species: virginica");
  {
    // The same scale for all: setosa's 44 is the tallest bar of the plot.
    double setosa = bar_heights(svg, group("#1f77b4"))[0], virginica = bar_heights(svg, group("#2ca02c"))[1];
    check_near(virginica / setosa, 19.0 / 44, "histogram by species: one count axis", 1e-3);
  }
  size_t a = svg.find(">setosa</text>"), b = svg.find(">versicolor</text>"), c = svg.find(">virginica</text>");
  check(a != std::string::npos && a < b && b < c && c != std::string::npos, "histogram by species: legend in order");
  check_contains(svg, "font-weight=\"bold\">species</text>", "histogram by species: legend title");
  check_eq(count_of(svg, "rx=\"2\""), 3, "histogram by species: three swatches");

  // A missing class: grey, drawn first (under the others); a label with no
  // value (c) is not in the legend.
  mlp_rt_plot_histogram(t, "v", 5, "k", path.c_str());
  svg = svg_file(path, "histogram missing class");
  size_t grey = svg.find(group("#a0a0a0")), first = svg.find(group("#1f77b4"));
  check(grey != std::string::npos && grey < first, "histogram missing class: grey under the rest");
  check_list(as_counts(bar_heights(svg, group("#a0a0a0")), 1), {1}, "histogram missing class: row 7");
  check_contains(svg, ">missing</text>", "histogram missing class: legend");
  check(svg.find(">c</text>") == std::string::npos, "histogram missing class: c has no value");

  {
    // One value, and no values at all.
    std::string scsv = write_file("single.csv", "v,w\n5,1\n5,1\n5,1\n,1\n");
    MlpTable *st = mlp_rt_csv_read(scsv.c_str(), "v:f32,w:i64");
    mlp_rt_plot_histogram(st, "v", 0, "", path.c_str());
    svg = svg_file(path, "histogram single value");
    check_eq(count_of(svg, "<rect x="), 1, "histogram single value: one bin");
    {
      // The bin 4.5..5.5, as numpy's: the bar's middle is the 5.0 tick's x.
      size_t bar = svg.find("<rect x=");
      size_t tick = svg.rfind("<text", svg.find(">5.0</text>"));
      check_near(attribute_at(svg, bar, "x") + attribute_at(svg, bar, "width") / 2, attribute_at(svg, tick, "x"),
                 "histogram single value: one bin around it", 1e-3);
    }
    std::string ncsv = write_file("none.csv", "v,w\n,1\n,2\n");
    mlp_rt_plot_histogram(mlp_rt_csv_read(ncsv.c_str(), "v:f32,w:i64"), "v", 0, "", path.c_str());
    check_eq(count_of(svg_file(path, "histogram no values"), "<rect x="), 0, "histogram no values: no bars");
  }
  {
    // A heavy tail: Freedman-Diaconis asks for ~50000 bins; at most 200.
    std::string text = "v\n";
    for (int i = 0; i < 1000; ++i) text += std::to_string(i % 10) + "\n";
    text += "1000000\n";
    std::string wcsv = write_file("wide.csv", text);
    mlp_rt_plot_histogram(mlp_rt_csv_read(wcsv.c_str(), "v:f32"), "v", 0, "", path.c_str());
    svg = svg_file(path, "histogram heavy tail");
    check_eq(count_of(svg, "<rect x="), 2, "histogram heavy tail: 200 bins, 2 of them filled");
    check_contains(svg, ">1.0M</text>", "histogram heavy tail: x axis to a million, in millions");
    check_contains(svg, ">0.2M</text>", "histogram heavy tail: ticks in millions");
  }

  std::string png = g_dir + "/hist.png";
  mlp_rt_plot_histogram(iris, "petal_length", 0, "species", png.c_str());
  png_file(png, 720, 440, "histogram png");
  check_error([&] { mlp_rt_plot_histogram(t, "v", -1, "", path.c_str()); },
              "a histogram needs a positive number of bins (or 0 for automatic), got -1", "histogram: negative bins");
  check_error([&] { mlp_rt_plot_histogram(t, "k", 0, "", path.c_str()); },
              "internal error: mlp_rt_plot_histogram: column 'k' is str, not numbers to plot", "histogram: str column");
  check_error([&] { mlp_rt_plot_histogram(t, "v", 0, "v", path.c_str()); },
              "internal error: mlp_rt_plot_histogram: the colour column 'v' is f32, not str",
              "histogram: numeric colour");
  check_error([&] { mlp_rt_plot_histogram(t, "v", 0, "", (g_dir + "/h.gif").c_str()); },
              "cannot plot to '" + g_dir + "/h.gif': the file name must end in .svg or .png", "histogram: gif");
}

void test_plot_confusion() {
  // y_true = [a,a,b,b,c,c], y_pred = [a,b,b,b,c,a]: [[1,1,0],[0,2,0],[1,0,1]].
  std::string csv = write_file("cm.csv", "x,y\n1,a\n2,a\n3,b\n4,b\n5,c\n6,c\n");
  MlpTable *t = mlp_rt_csv_read(csv.c_str(), "x:i64,y:str");
  MlpBatcher *b = mlp_rt_batcher_new(t, "x", "y", "a,b,c", 4, -1);
  MlpEval *e = evaluate(b, 4, 3, predicting({0, 1, 1, 1, 2, 0}, 3));
  const std::string path = g_dir + "/cm.svg";
  mlp_rt_plot_confusion(e, path.c_str());
  std::string svg = svg_file(path, "confusion");
  check_contains(svg, ">confusion matrix: y</text>", "confusion: title");
  // Cells: one rect of width and height 96 each, row by row.
  check_eq(count_of(svg, "width=\"96.00\" height=\"96.00\""), 9, "confusion: 3 x 3 cells");
  std::vector<std::string> counts;
  for (size_t at = svg.find("dy=\"0.35em\" fill="); at != std::string::npos; at = svg.find("dy=\"0.35em\" fill=", at + 1)) {
    size_t open = svg.find('>', at), close = svg.find('<', open);
    counts.push_back(svg.substr(open + 1, close - open - 1));
  }
  check_list(counts, {"1", "1", "0", "0", "2", "0", "1", "0", "1"}, "confusion: counts in the cells, row by row");
  check_eq(count_of(svg, "fill=\"white\">2</text>"), 1, "confusion: white text on the darkest cell");
  check_eq(count_of(svg, "fill=\"#1a1a1a\">1</text>"), 4, "confusion: dark text on light cells");
  check_eq(count_of(svg, "fill=\"#08306b\"/>"), 1, "confusion: the largest count darkest blue");
  check_eq(count_of(svg, "fill=\"#f7fbff\"/>"), 4, "confusion: zero counts near white");
  for (const char *label : {"a", "b", "c"})
    check_eq(count_of(svg, std::string(">") + label + "</text>"), 2, std::string("confusion: label ") + label + " on both axes");
  check_contains(svg, "font-size=\"13\">predicted</text>", "confusion: x axis title");
  check_contains(svg, "font-size=\"13\">true</text>", "confusion: y axis title");
  check_contains(svg, "fill=\"url(#mlp-blues)\"", "confusion: colour bar");
  check(svg.find(">0.5</text>") == std::string::npos, "confusion: colour bar ticks are counts");
  std::string png = g_dir + "/cm.png";
  mlp_rt_plot_confusion(e, png.c_str());
  Png p = png_file(png, svg_width(svg), svg_height(svg), "confusion png");
  check(pixels_of(p, 0x08306b) > 150 * 150, "confusion png: the darkest cell, 192 x 192 pixels",
        "  " + std::to_string(pixels_of(p, 0x08306b)));

  {
    // Many classes with long labels: labels turned, counts left out when the
    // cells are too small for them.
    std::string text = "x,y\n";
    std::string labels;
    for (int k = 0; k < 40; ++k) {
      std::string label = "class number " + std::to_string(100 + k);
      labels += (k ? "," : "") + label;
      for (int r = 0; r < 3; ++r) text += std::to_string(k) + "," + label + "\n";
    }
    MlpTable *mt = mlp_rt_csv_read(write_file("many_classes.csv", text).c_str(), "x:i64,y:str");
    MlpBatcher *mb = mlp_rt_batcher_new(mt, "x", "y", labels.c_str(), 120, -1);
    std::vector<int> predicted;
    for (int i = 0; i < 120; ++i) predicted.push_back(i % 7 == 0 ? (i / 3 + 1) % 40 : i / 3);
    MlpEval *me = evaluate(mb, 120, 40, predicting(predicted, 40));
    mlp_rt_plot_confusion(me, path.c_str());
    svg = svg_file(path, "confusion many");
    check_eq(count_of(svg, "width=\"10.00\" height=\"10.00\""), 1600, "confusion many: 40 x 40 cells");
    check(svg.find("dy=\"0.35em\" fill=\"white\">") == std::string::npos, "confusion many: no counts in 10px cells");
    check_eq(count_of(svg, "rotate(-45)"), 20, "confusion many: every other predicted label, turned");
    check_contains(svg, ">class number 100</text>", "confusion many: labels");
    mlp_rt_plot_confusion(me, png.c_str());
    png_file(png, svg_width(svg), svg_height(svg), "confusion many png");
  }
  MlpTable *rt = mlp_rt_csv_read(write_file("cm_reg.csv", "x,y\n1,1\n2,2\n").c_str(), "x:i64,y:f32");
  MlpEval *re = evaluate(mlp_rt_batcher_new(rt, "x", "y", "", 2, -1), 2, 1, {1, 2});
  check_error([&] { mlp_rt_plot_confusion(re, path.c_str()); },
              "plot confusion needs a class target, but 'y' is a regression target", "confusion: regression");
  check_error([&] { mlp_rt_plot_confusion(e, (g_dir + "/cm.jpeg").c_str()); },
              "cannot plot to '" + g_dir + "/cm.jpeg': the file name must end in .svg or .png", "confusion: jpeg");
}

void test_plot_predicted() {
  // y = [1,2,3,4], prediction [1.5,2,2.5,5]: r2 = 1 - 1.5 / 5 = 0.7.
  std::string csv = write_file("pred.csv", "x,y\n1,1\n2,2\n3,3\n4,4\n");
  MlpTable *t = mlp_rt_csv_read(csv.c_str(), "x:i64,y:f32");
  MlpEval *e = evaluate(mlp_rt_batcher_new(t, "x", "y", "", 3, -1), 3, 1, {1.5, 2, 2.5, 5});
  const std::string path = g_dir + "/pred.svg";
  mlp_rt_plot_predicted(e, path.c_str());
  std::string svg = svg_file(path, "predicted");
  check_contains(svg, ">predicted vs actual: y (r2 = 0.7000)</text>", "predicted: title with r2");
  check_eq(count_of(svg, "<circle"), 4, "predicted: one point per row");
  check_contains(svg, "font-size=\"13\">actual y</text>", "predicted: x axis title");
  check_contains(svg, "font-size=\"13\">predicted y</text>", "predicted: y axis title");
  {
    // The dashed diagonal from the axes' low corner to their high one, in a
    // square area: x1 - x2 == y2 - y1.
    size_t at = svg.find("stroke-dasharray=\"6 4\"");
    size_t line = svg.rfind("<line", at);
    check(at != std::string::npos, "predicted: a dashed diagonal");
    double x1 = attribute_at(svg, line, "x1"), y1 = attribute_at(svg, line, "y1"), x2 = attribute_at(svg, line, "x2"),
           y2 = attribute_at(svg, line, "y2");
    check_near(x2 - x1, y1 - y2, "predicted: diagonal at 45 degrees (equal ranges, square area)", 1e-3);
    check(x2 - x1 > 300, "predicted: the diagonal spans the area");
    // Point (actual 2, predicted 2) lies on it.
    size_t p = svg.find("<circle", svg.find("<circle") + 1);
    double cx = attribute_at(svg, p, "cx"), cy = attribute_at(svg, p, "cy");
    check_near((cx - x1) / (x2 - x1), (y1 - cy) / (y1 - y2), "predicted: a perfect prediction is on the diagonal", 2e-3);
  }
  {
    // x ticks are y ticks.
    size_t ax = svg.find("text-anchor=\"middle\">"), ay = svg.find("text-anchor=\"end\" dy=\"0.35em\">");
    std::string xt = svg.substr(ax + 21, svg.find('<', ax) - ax - 21), yt = svg.substr(ay + 30, svg.find('<', ay) - ay - 30);
    check_eq(xt, yt, "predicted: both axes start at the same value");
  }
  std::string png = g_dir + "/pred.png";
  mlp_rt_plot_predicted(e, png.c_str());
  png_file(png, svg_width(svg), svg_height(svg), "predicted png");

  // No rows: an empty plot without r2.
  MlpEval *none = mlp_rt_eval_new(mlp_rt_batcher_new(t, "x", "y", "", 3, -1));
  mlp_rt_plot_predicted(none, path.c_str());
  svg = svg_file(path, "predicted no rows");
  check_contains(svg, ">predicted vs actual: y</text>", "predicted no rows: title without r2");
  check_eq(count_of(svg, "<circle"), 0, "predicted no rows: no points");

  std::string ccsv = write_file("pred_cls.csv", "x,y\n1,a\n2,b\n");
  MlpEval *ce = evaluate(mlp_rt_batcher_new(mlp_rt_csv_read(ccsv.c_str(), "x:i64,y:str"), "x", "y", "a,b", 2, -1), 2, 2,
                         predicting({0, 1}, 2));
  check_error([&] { mlp_rt_plot_predicted(ce, path.c_str()); },
              "plot predicted needs a regression target, but 'y' is a class", "predicted: classification");
  check_error([&] { mlp_rt_plot_predicted(e, (g_dir + "/p.svgz").c_str()); },
              "cannot plot to '" + g_dir + "/p.svgz': the file name must end in .svg or .png", "predicted: svgz");
}

/* ------------------------------------------------------------------ iris */

/// The calls examples/iris.mlp makes, in its order, with a stand-in model
/// that predicts from petal_length alone.
void test_iris_pipeline() {
  MlpTable *raw = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  MlpTable *iris = mlp_rt_table_standardize(raw, "sepal_length,sepal_width,petal_length,petal_width");
  MlpTable *train, *test;
  mlp_rt_table_split(iris, 0.8, 42, &train, &test);
  const char *inputs = "sepal_length,sepal_width,petal_length,petal_width";
  const char *labels = "setosa,versicolor,virginica";
  MlpBatcher *b = mlp_rt_batcher_new(train, inputs, "species", labels, 16, 42);
  check_eq(mlp_rt_batcher_batches(b), 8, "iris: 120 rows in batches of 16");
  MlpHistory *h = mlp_rt_history_new("net", 2);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    mlp_rt_batcher_shuffle(b, epoch);
    int64_t rows = 0, perClass[3] = {0, 0, 0};
    for (int64_t i = 0; i < mlp_rt_batcher_batches(b); ++i) {
      Batch batch = fill(b, i, 16, 4);
      rows += batch.real;
      for (int64_t r = 0; r < batch.real; ++r) ++perClass[batch.yClass[r]];
    }
    check_eq(rows, 120, "iris: every training row once per epoch");
    check_eq(perClass[0] + perClass[1] + perClass[2], 120, "iris: classes");
    mlp_rt_history_record(h, epoch, "loss", 1.0 / (epoch + 1));
  }
  // The stand-in model: standardized petal_length < -0.7 → setosa, < 0.6 →
  // versicolor, else virginica.
  MlpBatcher *tb = mlp_rt_batcher_new(test, inputs, "species", labels, 16, -1);
  MlpEval *e = mlp_rt_eval_new(tb);
  for (int64_t i = 0; i < mlp_rt_batcher_batches(tb); ++i) {
    Batch batch = fill(tb, i, 16, 4);
    std::vector<float> out(16 * 3, 0.0f);
    for (int r = 0; r < 16; ++r) {
      float petal = batch.x[r * 4 + 2];
      out[r * 3 + (petal < -0.7f ? 0 : petal < 0.6f ? 1 : 2)] = 1;
    }
    Descriptor d = make_descriptor(out.data(), {16, 3});
    mlp_rt_eval_add(e, i, d.rank, d.get());
  }
  check_eq(mlp_rt_eval_rows(e), 30, "iris: 30 test rows");
  double accuracy = mlp_rt_eval_metric(e, "accuracy");
  check(accuracy > 0.85, "iris: the stand-in model is good", "  accuracy " + std::to_string(accuracy));
  std::string confusion = output_of(
      [&] {
        mlp_rt_fmt_confusion(e);
        mlp_rt_print_line();
      },
      "iris: confusion");
  check_contains(confusion, "true \\ predicted  setosa  versicolor  virginica\nsetosa    ", "iris: confusion header");
}

/* ----------------------------------------------------------- safetensors */

/// The file of the safetensors tests: "0.weight" [2, 3] written from a
/// transposed view, "0.bias" [3], "scalar" [] .
void write_sample(const std::string &path) {
  static const float w[6] = {1, 4, 2, 5, 3, 6}; // [[1,2,3],[4,5,6]] column-major
  static const float bias[3] = {0.5f, -1.25f, 1e-8f};
  static const float scalar = 42;
  MlpTensorFile *f = mlp_rt_st_new();
  Descriptor wd = make_descriptor(w, {2, 3}, {1, 2});
  Descriptor bd = make_descriptor(bias, {3});
  Descriptor sd = make_descriptor(&scalar, {});
  mlp_rt_st_add_f32(f, "0.weight", wd.rank, wd.get());
  mlp_rt_st_add_f32(f, "0.bias", bd.rank, bd.get());
  mlp_rt_st_add_f32(f, "scalar", sd.rank, sd.get());
  mlp_rt_st_write(f, path.c_str());
}

/// A safetensors file from a header text and data bytes.
std::string st_file(const std::string &name, const std::string &header, const std::string &data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(uint64_t(header.size()) >> (8 * i));
  return write_file(name, bytes + header + data);
}

void test_safetensors() {
  std::string path = g_dir + "/model.safetensors";
  write_sample(path);
  std::string bytes = read_file(path);
  const std::string header =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]},"
      "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[36,40]}}";
  std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  check_eq(static_cast<int64_t>(n), static_cast<int64_t>(padded.size()), "safetensors: header length");
  check_eq(static_cast<int64_t>(n % 8), 0, "safetensors: header padded to a multiple of 8");
  check_eq(bytes.substr(8, n), padded, "safetensors: header JSON");
  check_eq(static_cast<int64_t>(bytes.size()), static_cast<int64_t>(8 + n + 40), "safetensors: file size");
  std::vector<float> data(10);
  std::memcpy(data.data(), bytes.data() + 8 + n, 40);
  check_floats(data, {1, 2, 3, 4, 5, 6, 0.5, -1.25, 1e-8, 42}, "safetensors: row-major little-endian data");

  MlpTensorFile *f = mlp_rt_st_open(path.c_str());
  std::vector<float> w(6, 0), wt(6, 0), bias(3, 0);
  float scalar = 0;
  Descriptor wd = make_descriptor(w.data(), {2, 3});
  Descriptor wtd = make_descriptor(wt.data(), {2, 3}, {1, 2}); // a transposed destination
  Descriptor bd = make_descriptor(bias.data(), {3});
  Descriptor sd = make_descriptor(&scalar, {});
  mlp_rt_st_read_f32(f, "0.weight", wd.rank, wd.get());
  mlp_rt_st_read_f32(f, "0.weight", wtd.rank, wtd.get());
  mlp_rt_st_read_f32(f, "0.bias", bd.rank, bd.get());
  mlp_rt_st_read_f32(f, "scalar", sd.rank, sd.get());
  check_floats(w, {1, 2, 3, 4, 5, 6}, "safetensors: read back");
  check_floats(wt, {1, 4, 2, 5, 3, 6}, "safetensors: read into a strided memref");
  check_floats(bias, {0.5, -1.25, 1e-8}, "safetensors: read back exactly");
  check_floats({scalar}, {42}, "safetensors: rank 0");
  {
    // Empty tensors and escaped names round-trip.
    MlpTensorFile *g = mlp_rt_st_new();
    float none = 0;
    Descriptor ed = make_descriptor(&none, {0, 4});
    mlp_rt_st_add_f32(g, "odd \"name\"\\", ed.rank, ed.get());
    std::string gpath = g_dir + "/odd.safetensors";
    mlp_rt_st_write(g, gpath.c_str());
    check_contains(read_file(gpath), "\"odd \\\"name\\\"\\\\\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]}",
                   "safetensors: escaped name, empty tensor");
    mlp_rt_st_read_f32(mlp_rt_st_open(gpath.c_str()), "odd \"name\"\\", ed.rank, ed.get());
    check(true, "safetensors: empty tensor read");
  }

  check_error(
      [&] {
        std::vector<float> x(10);
        Descriptor d = make_descriptor(x.data(), {2, 5});
        mlp_rt_st_read_f32(mlp_rt_st_open(path.c_str()), "0.weight", d.rank, d.get());
      },
      "'" + path + "': tensor '0.weight' has shape [2, 3], the model expects [2, 5]", "safetensors: shape mismatch");
  check_error(
      [&] {
        Descriptor d = make_descriptor(bias.data(), {3, 1});
        mlp_rt_st_read_f32(mlp_rt_st_open(path.c_str()), "0.bias", d.rank, d.get());
      },
      "'" + path + "': tensor '0.bias' has shape [3], the model expects [3, 1]", "safetensors: rank mismatch");
  check_error([&] { mlp_rt_st_read_f32(mlp_rt_st_open(path.c_str()), "1.weight", wd.rank, wd.get()); },
              "'" + path + "' has no tensor '1.weight' (it has: 0.weight, 0.bias, scalar)", "safetensors: missing tensor");
  check_error([] { mlp_rt_st_open((g_dir + "/none.safetensors").c_str()); },
              "cannot open '" + g_dir + "/none.safetensors': No such file or directory", "safetensors: missing file");
  check_error([] { mlp_rt_st_write(mlp_rt_st_new(), (g_dir + "/no/dir.safetensors").c_str()); },
              "cannot write '" + g_dir + "/no/dir.safetensors': No such file or directory",
              "safetensors: unwritable path");

  // Corrupt or unsupported files: one line naming the file.
  const std::string four(4, '\0');
  struct Bad {
    const char *name;
    std::string header, data, message;
  };
  std::vector<Bad> bad = {
      {"not_object", "[1]", "", "the header is not a JSON object"},
      // The strict JSON reader (json.h): where, then what.
      {"trailing_comma", "{\"a\":{\"dtype\":\"F32\",}}", "",
       "bad JSON header: line 1, column 21: syntax error while parsing object key - unexpected '}'; "
       "expected string literal"},
      {"trailing_comma_array", "{\"a\":[1,]}", "",
       "bad JSON header: line 1, column 9: syntax error while parsing value - unexpected ']'; "
       "expected '[', '{', or a literal"},
      {"trailing", "{} x", "", "bad JSON header: line 1, column 4: syntax error while parsing value - invalid literal; "
                               "last read: '{} x'; expected end of input"},
      {"comment", "{} // x", "", "bad JSON header: line 1, column 4: syntax error while parsing value - invalid "
                                 "literal; last read: '{} /'; expected end of input"},
      {"dup_key", "{\"a\":1,\n \"a\":2}", "", "bad JSON header: line 2, column 4: duplicate key 'a'"},
      {"dup_nested_key", "{\"a\":{\"b\":1,\"b\":1}}", "", "bad JSON header: line 1, column 15: duplicate key 'b'"},
      {"bad_escape", "{\"a\\q\":1}", "",
       "bad JSON header: line 1, column 5: syntax error while parsing object key - invalid string: forbidden "
       "character after backslash; last read: '\"a\\q'; expected string literal"},
      {"bad_utf8", "{\"\xff\":1}", "",
       "bad JSON header: line 1, column 3: syntax error while parsing object key - invalid string: ill-formed "
       "UTF-8 byte; last read: '\"<FF>'; expected string literal"},
      {"leading_zero", "{\"a\":01}", "",
       "bad JSON header: line 1, column 7: syntax error while parsing object - unexpected number literal; expected '}'"},
      {"too_deep", "{\"a\":" + std::string(64, '[') /* 65 levels */ + std::string(64, ']') + "}", "",
       "bad JSON header: line 1, column 69: nested deeper than 64 levels"},
      {"no_dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", four, "tensor 'a' has no dtype"},
      {"no_shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", four, "tensor 'a' has no shape"},
      {"no_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", four, "tensor 'a' has no data_offsets [begin, end]"},
      {"neg_shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", four,
       "tensor 'a' has a shape that is not a list of sizes"},
      {"float_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", four,
       "tensor 'a' has data_offsets that are not integers"},
      {"out_of_range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", four,
       "tensor 'a' has data_offsets [0, 8] outside the data (4 bytes)"},
      {"wrong_size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", four,
       "tensor 'a' has shape [2] but data_offsets [0, 4] (4 bytes)"},
      {"overlap",
       "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
       std::string(8, '\0'), "tensors 'a' and 'b' overlap"},
      {"metadata", "{\"__metadata__\":{\"n\":1}}", "", "__metadata__ 'n' is not a string"},
  };
  for (const Bad &b : bad) {
    std::string p = st_file(std::string(b.name) + ".safetensors", b.header, b.data);
    check_error([&] { mlp_rt_st_open(p.c_str()); }, "'" + p + "' is not a valid safetensors file: " + b.message,
                std::string("safetensors: ") + b.name);
  }
  std::string f16 = st_file("f16.safetensors", "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", four);
  check_error([&] { mlp_rt_st_open(f16.c_str()); }, "'" + f16 + "': tensor 'h' has dtype F16; only F32 and F64 are supported",
              "safetensors: unsupported dtype");
  std::string shortFile = write_file("short.safetensors", "abc");
  check_error([&] { mlp_rt_st_open(shortFile.c_str()); },
              "'" + shortFile + "' is not a valid safetensors file: it is too short (3 bytes)", "safetensors: too short");
  std::string longHeader = write_file("long.safetensors", std::string("\xff\0\0\0\0\0\0\0{}", 10));
  check_error([&] { mlp_rt_st_open(longHeader.c_str()); },
              "'" + longHeader + "' is not a valid safetensors file: its header length 255 is larger than the file "
              "(10 bytes)",
              "safetensors: header length too large");
  {
    // Accepted: unknown fields, no padding, gaps, escapes, tensors out of order.
    std::string ok = st_file("ok.safetensors",
                             "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12],\"x\":null},"
                             "\"\\u0061\":{\"data_offsets\":[0,4],\"shape\":[1],\"dtype\":\"F32\"}}",
                             std::string("\0\0\x80\x3f" "xxxx" "\0\0\0\x40", 12));
    float a = 0, bb = 0;
    Descriptor ad = make_descriptor(&a, {1}), bd2 = make_descriptor(&bb, {1});
    MlpTensorFile *of = mlp_rt_st_open(ok.c_str());
    mlp_rt_st_read_f32(of, "a", ad.rank, ad.get());
    mlp_rt_st_read_f32(of, "b", bd2.rank, bd2.get());
    check_floats({a, bb}, {1, 2}, "safetensors: reads files of other writers");
  }
  {
    // 64 levels of nesting are fine (an ignored field 62 arrays deep).
    std::string deep = st_file("deep.safetensors",
                               "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":" +
                                   std::string(62, '[') + std::string(62, ']') + "}}",
                               four);
    float a = 0;
    Descriptor ad = make_descriptor(&a, {});
    mlp_rt_st_read_f32(mlp_rt_st_open(deep.c_str()), "a", ad.rank, ad.get());
    check(true, "safetensors: 64 levels of JSON nesting");
  }
}

/* ---------------------------------------------------------------- modes */

int write_safetensors_mode(const char *path) {
  char name[] = "mlprt-pipeline-tests";
  char *argv[] = {name, nullptr};
  mlp_rt_init(1, argv);
  write_sample(path);
  mlp_rt_finish();
  return 0;
}

int read_safetensors_mode(const char *path) {
  char name[] = "mlprt-pipeline-tests";
  char *argv[] = {name, nullptr};
  mlp_rt_init(1, argv);
  MlpTensorFile *f = mlp_rt_st_open(path);
  std::vector<float> a(4), b(6);
  Descriptor ad = make_descriptor(a.data(), {4});
  Descriptor bd = make_descriptor(b.data(), {2, 3});
  mlp_rt_st_read_f32(f, "a", ad.rank, ad.get());
  mlp_rt_st_read_f32(f, "b", bd.rank, bd.get());
  mlp_rt_fmt_str("a = ");
  mlp_rt_fmt_tensor_f32(ad.rank, ad.get(), "");
  mlp_rt_print_line();
  mlp_rt_fmt_str("b = ");
  mlp_rt_fmt_tensor_f32(bd.rank, bd.get(), "");
  mlp_rt_print_line();
  mlp_rt_finish();
  return 0;
}

} // namespace

void test_steps() {
  std::string path = write_file("steps.csv",
                                "id,city,score\n"
                                "1,Paris,3.5\n"
                                "2,,4.0\n"
                                "3,Oslo,\n"
                                "4,Oslo,2.5\n"
                                "5,Paris,NA\n");
  MlpTable *t = mlp_rt_csv_read(path.c_str(), "id:i64,city:str,score:f32");
  const double nan = std::nan("");

  MlpTable *sel = mlp_rt_table_select(t, "score,id");
  check_eq(column_names(sel), "score, id", "steps: select keeps the order asked");
  check_eq(mlp_rt_table_rows(mlp_rt_table_drop_na(t, "")), 2, "steps: drop_na over every column");
  MlpTable *some = mlp_rt_table_drop_na(t, "city");
  check_list(values_i64(some, "id"), {1, 3, 4, 5}, "steps: drop_na(city) keeps the other rows in order");
  check_floats(column_values(some, "score"), {3.5, nan, 2.5, nan}, "steps: drop_na(city) keeps missing scores");

  // Mode on a tie (Oslo 2, Paris 2): the first in sorted order, as pandas.
  // (str columns are read back through onehot.)
  MlpTable *mode = mlp_rt_table_fill_na(t, "city\tmode\nscore\tmedian");
  check_floats(column_values(mlp_rt_table_onehot(mode, "city", "Oslo\nParis"), "city_Oslo"), {0, 1, 1, 1, 0},
               "steps: fill_na mode of a str column");
  check_floats(column_values(mode, "score"), {3.5, 4.0, 3.5, 2.5, 3.5}, "steps: fill_na median (odd count)");
  check_floats(column_values(mlp_rt_table_fill_na(t, "score\tmean"), "score"), {3.5, 4.0, 10.0 / 3, 2.5, 10.0 / 3},
               "steps: fill_na mean");
  MlpTable *lima = mlp_rt_table_fill_na(t, "city\tlabel:Lima\nscore\tvalue:-1");
  check_floats(column_values(mlp_rt_table_onehot(lima, "city", "Lima\nOslo\nParis"), "city_Lima"), {0, 1, 0, 0, 0},
               "steps: fill_na with a new label");
  check_floats(column_values(lima, "score"), {3.5, 4.0, -1, 2.5, -1}, "steps: fill_na with a number");

  MlpTable *hot = mlp_rt_table_onehot(t, "city", "Oslo\nParis\nRome");
  check_eq(column_names(hot), "id, score, city_Oslo, city_Paris, city_Rome", "steps: onehot columns go last");
  check_floats(column_values(hot, "city_Oslo"), {0, 0, 1, 1, 0},
               "steps: onehot Oslo (a missing value gives 0s; fill_na left its input alone)");
  check_floats(column_values(hot, "city_Rome"), {0, 0, 0, 0, 0}, "steps: onehot of a value with no rows");
  // tokenize: a value the vocabulary lacks is 1, the row is cut at length.
  MlpTable *words = mlp_rt_table_tokenize(mlp_rt_table_drop_na(t, "city"), "city", 1, 3, "O\ns");
  std::vector<int64_t> ids;
  for (int64_t r = 0; r < mlp_rt_table_rows(words); ++r) {
    std::vector<int64_t> row(3);
    Descriptor d = make_descriptor(row.data(), {3});
    mlp_rt_table_get_row_i64(words, "city", r, d.rank, d.get());
    ids.insert(ids.end(), row.begin(), row.end());
  }
  check_list(ids, {1, 1, 1, 2, 3, 1, 2, 3, 1, 1, 1, 1}, "steps: tokenize characters (Paris, Oslo, Oslo, Paris)");
  // shuffle: the seeded permutation split uses.
  MlpTable *a = nullptr, *b = nullptr;
  mlp_rt_table_split(t, 1.0, 9, &a, &b);
  check_list(values_i64(mlp_rt_table_shuffle(t, 9), "id"), values_i64(a, "id"), "steps: shuffle is split's order");
  check_list(values_i64(mlp_rt_table_head(t, 2), "id"), {1, 2}, "steps: head");
  check_eq(mlp_rt_table_rows(mlp_rt_table_head(t, 99)), 5, "steps: head of more rows than there are");
  check_list(values_i64(mlp_rt_table_sort(t, "city", 0), "id"), {3, 4, 1, 5, 2}, "steps: sort a str column, missing last");
  check_list(values_i64(mlp_rt_table_label_encode(mlp_rt_table_drop_na(t, "city"), "city", "Oslo\nParis"), "city"),
             {1, 0, 0, 1}, "steps: label_encode");
  check_error([&] { mlp_rt_table_label_encode(t, "city", "Oslo\nParis"); },
              path + ":3: column 'city' has a missing value (label_encode needs one)",
              "steps: label_encode of a missing value");
  check_error([&] { mlp_rt_table_onehot(t, "city", "Oslo"); },
              path + ":2: column 'city': 'Paris' is not one of the values onehot was compiled for (Oslo)",
              "steps: onehot of a value not compiled for");
}

/// Sets the runtime's thread count as a program's --threads flag does.
void use_threads(const char *count) {
  const char *argv[] = {"tests", "--threads", count};
  mlp_rt_init(3, const_cast<char **>(argv));
  mlp_rt_params_parse();
}

void test_parallel_csv() {
  // Over 4 MB, a file without quotes is read in parts by the threads; the
  // table must be the one a single thread reads, str numbering included.
  std::string text = "id,x,city\n";
  const char *cities[] = {"Oslo", "Paris", "Rome", "Lima", "Kyiv"};
  const int64_t rows = 300000;
  for (int64_t r = 0; r < rows; ++r)
    text += std::to_string(r) + "," + std::to_string(r % 1000) + ".25," +
            (r % 97 == 0 ? "" : cities[(r * 7 + r / 1000) % 5]) + "\n";
  std::string path = write_file("big.csv", text);
  const char *schema = "id:i64,x:f32,city:str";
  use_threads("1");
  MlpTable *serial = mlp_rt_csv_read(path.c_str(), schema);
  use_threads("3");
  MlpTable *parallel = mlp_rt_csv_read(path.c_str(), schema);
  check_eq(mlp_rt_table_rows(parallel), rows, "parallel csv: rows");
  check(values_i64(parallel, "id") == values_i64(serial, "id"), "parallel csv: i64 column in order");
  check(column_values(parallel, "x") == column_values(serial, "x"), "parallel csv: f32 column");
  const char *all = "Kyiv\nLima\nOslo\nParis\nRome";
  for (const char *c : {"city_Kyiv", "city_Rome"})
    check(column_values(mlp_rt_table_onehot(parallel, "city", all), c) ==
              column_values(mlp_rt_table_onehot(serial, "city", all), c),
          std::string("parallel csv: str column (") + c + ")");
  // Errors name the first bad line, wherever the split falls.
  std::string bad = text;
  bad.insert(bad.find("\n250000,"), ",extra");
  std::string badPath = write_file("big_bad.csv", bad);
  check_error([&] { mlp_rt_csv_read(badPath.c_str(), schema); },
              badPath + ":250001: expected 3 fields, found 4", "parallel csv: a bad row in a later part");
  std::string changed = text;
  changed.replace(changed.find("\n200000,") + 1, 6, "2.5e5");
  std::string changedPath = write_file("big_changed.csv", changed);
  check_error([&] { mlp_rt_csv_read(changedPath.c_str(), schema); },
              "'" + changedPath + "' changed since compile time: column 'id' is now f32 (row 200002: '2.5e5')",
              "parallel csv: a value that no longer fits, in a later part");
  // An empty line just before the first split (with 3 parts) ends no part
  // early: it is an error, or skipped and counted, as in a serial read.
  const size_t header = text.find('\n') + 1;
  size_t pad = 0; // empty lines at the end (ignored) that move the split point to a line start
  auto split = [&] { return header + (text.size() + 1 + pad - header) / 3; };
  while (text[split() - 1] != '\n') ++pad;
  const size_t at = split();
  std::string blankPath = write_file("big_blank.csv", text.substr(0, at) + "\n" + text.substr(at) + std::string(pad, '\n'));
  const std::string blankLine = std::to_string(1 + std::count(text.begin(), text.begin() + at, '\n'));
  check_error([&] { mlp_rt_csv_read(blankPath.c_str(), schema); },
              blankPath + ":" + blankLine + ": expected 3 fields, found an empty line",
              "parallel csv: an empty line at a split");
  Run skipped = run_child([&] { mlp_rt_csv_read_with(blankPath.c_str(), schema, ',', MLP_CSV_SKIP_BAD_ROWS); });
  check_eq(skipped.err, "note: '" + blankPath + "': skipped 1 rows with the wrong number of fields (on_error: \"skip\")\n",
           "parallel csv: an empty line at a split, skipped");

  // A batch of 300 rows x 256 features is filled by 3 threads, each its
  // range of rows: the same x, y and mask as one thread fills.
  {
    std::string wide, widePath, wideSchema, inputs;
    for (int c = 0; c < 256; ++c) {
      wide += "c" + std::to_string(c) + ",";
      wideSchema += "c" + std::to_string(c) + ":f32,";
      inputs += (c ? ",c" : "c") + std::to_string(c);
    }
    wide += "label\n";
    wideSchema += "label:i64";
    for (int r = 0; r < 1000; ++r) {
      for (int c = 0; c < 256; ++c) wide += std::to_string(r * 1000 + c) + ",";
      wide += std::to_string(r % 10) + "\n";
    }
    widePath = write_file("wide.csv", wide);
    MlpTable *table = mlp_rt_csv_read(widePath.c_str(), wideSchema.c_str());
    auto batches = [&](const char *threads) {
      use_threads(threads);
      MlpBatcher *b = mlp_rt_batcher_new(table, inputs.c_str(), "label", "#10", 300, 5);
      mlp_rt_batcher_shuffle(b, 0);
      std::vector<Batch> all;
      for (int64_t i = 0; i < mlp_rt_batcher_batches(b); ++i) all.push_back(fill(b, i, 300, 256));
      return all;
    };
    std::vector<Batch> serial = batches("1"), split = batches("3");
    bool same = serial.size() == 4 && split.size() == 4, rowsMatch = true;
    for (size_t i = 0; same && i < serial.size(); ++i) {
      same = serial[i].x == split[i].x && serial[i].yClass == split[i].yClass && serial[i].mask == split[i].mask;
      // Each row holds one source row's features (row * 1000 + column) and label.
      for (int64_t r = 0; r < split[i].real; ++r) {
        float first = split[i].x[r * 256];
        for (int c = 0; c < 256; ++c) rowsMatch = rowsMatch && split[i].x[r * 256 + c] == first + c;
        rowsMatch = rowsMatch && split[i].yClass[r] == int64_t(first / 1000) % 10;
      }
    }
    check(same && rowsMatch, "batches: filled by 3 threads as by 1");
  }
  use_threads("1");
}

/// Everything read_csv gives a table, as text: rows with their lines and
/// values (f32 as bits, str as codes), and the labels of str columns.
std::string table_text(const MlpTable *t) {
  std::string s = std::to_string(t->rows) + " rows\n";
  for (const auto &c : t->columns)
    for (const std::string &label : c->labels) s += c->name + ": " + escaped(label) + "\n";
  for (int64_t r = 0; r < t->rows; ++r) {
    s += std::to_string((*t->lines)[r]);
    for (const auto &c : t->columns) {
      uint32_t bits = 0;
      if (c->type == mlp::rt::ColumnType::F32) std::memcpy(&bits, &c->f32[r], 4);
      s += " " + std::to_string(c->type == mlp::rt::ColumnType::F32   ? int64_t(bits)
                                : c->type == mlp::rt::ColumnType::I64 ? c->i64[r]
                                                                      : int64_t(c->codes[r]));
    }
    s += "\n";
  }
  return s;
}

/// check_eq for long texts: shows only where they first differ.
void check_same_text(const std::string &got, const std::string &want, const std::string &what) {
  size_t at = std::mismatch(got.begin(), got.begin() + std::min(got.size(), want.size()), want.begin()).first - got.begin();
  size_t from = at < 100 ? 0 : at - 100;
  check(got == want, what, "  first difference at byte " + std::to_string(at) + "\n  expected: ..." +
                               escaped(want.substr(from, 200)) + "\n  got:      ..." + escaped(got.substr(from, 200)));
}

void test_parallel_quoted_csv() {
  // Quoted fields may hold the separator, "" and line breaks: the parts
  // split only at line breaks outside them, and the table is the one a
  // single thread reads. One field of 8 MB spans the split points of 2 and
  // 3 parts (and a quote inside an unquoted field, 5" pipe, is text).
  const char *names[] = {"\"Smith, John\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "Oslo",
                         "\"a \"\"b\"\", c\r\n\nd\"", "5\" pipe", "\"\""};
  std::string big = "\"";
  while (big.size() < (size_t(8) << 20)) big += "line, with \"\"quotes\"\"\n";
  big += "\"";
  auto make = [&](bool badRows) {
    std::string text = "id,x,name\n";
    for (int64_t r = 0; r < 200000; ++r) {
      text += std::to_string(r) + "," + std::to_string(r % 1000) + ".5," + (r == 10000 ? big : names[r % 7]);
      if (badRows && r % 30011 == 7) text += ",\"an extra,\nfield\"";
      text += r % 5 ? "\n" : "\r\n";
    }
    return text;
  };
  const std::string text = make(false);
  std::string path = write_file("big_quoted.csv", text);
  const char *schema = "id:i64,x:f32,name:str";
  use_threads("1");
  auto t0 = std::chrono::steady_clock::now();
  std::string serial = table_text(mlp_rt_csv_read(path.c_str(), schema));
  double serialSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  check(serial.find("name: \"say \\\"hi\\\"\"\nname: \"two\\nlines\"\n") != std::string::npos,
        "parallel quoted csv: values", "  " + escaped(serial.substr(0, 200)));
  const std::string last = std::to_string(1 + std::count(text.begin(), text.begin() + text.rfind("\n199999,") + 1, '\n'));
  check_eq(serial.substr(serial.rfind('\n', serial.size() - 2) + 1), last + " 199999 1148837888 6\n",
           "parallel quoted csv: line numbers");
  for (const char *threads : {"2", "3", "5", "8"}) {
    use_threads(threads);
    t0 = std::chrono::steady_clock::now();
    MlpTable *t = mlp_rt_csv_read(path.c_str(), schema);
    if (std::string(threads) == "3")
      std::printf("note: parallel csv: %.1f MB with quoted fields read in %.3f s by 1 thread, %.3f s by 3\n",
                  text.size() / 1e6, serialSeconds,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    check_same_text(table_text(t), serial, std::string("parallel quoted csv: the serial table, threads ") + threads);
  }

  // Errors and skipped rows are those of the serial read.
  auto outcome = [&](const std::string &file, const char *threads, int32_t flags) {
    use_threads(threads);
    Run r = run_child([&] { std::printf("%s", table_text(mlp_rt_csv_read_with(file.c_str(), schema, ',', flags)).c_str()); });
    return std::to_string(r.status) + "\n" + r.err + r.out;
  };
  const std::string endLine = std::to_string(1 + std::count(text.begin(), text.end(), '\n'));
  std::string openPath = write_file("big_open.csv", text + "200000,1.5,\"never closed\n200001,2.5,Oslo\n");
  for (const char *threads : {"1", "3"})
    check_eq(outcome(openPath, threads, 0), "1\nerror: " + openPath + ":" + endLine + ": a quoted field is not closed\n",
             std::string("parallel quoted csv: a quote not closed near the end, threads ") + threads);
  std::string early = text; // a quote that opens early pairs with all later ones
  early.insert(early.find("\n3,") + 7, "\"");
  std::string earlyPath = write_file("big_early.csv", early);
  check_eq(outcome(earlyPath, "3", 0), outcome(earlyPath, "1", 0), "parallel quoted csv: an early stray quote");
  std::string skipPath = write_file("big_skip.csv", make(true));
  std::string skipped = outcome(skipPath, "1", MLP_CSV_SKIP_BAD_ROWS);
  check_contains(skipped, "0\nnote: '" + skipPath + "': skipped 7 rows", "parallel quoted csv: on_error skip");
  check_same_text(outcome(skipPath, "3", MLP_CSV_SKIP_BAD_ROWS), skipped, "parallel quoted csv: on_error skip, 3 threads");
  use_threads("1");
}

/* ------------------------------------------------------------ json tables */

/// The schema inferred for a json() source as text, or "error: ...".
std::string infer_json(const std::string &path) {
  mlp::CsvSchema s;
  std::string error;
  if (!mlp::inferJsonSchema(path, s, error)) return "error: " + error;
  return schema_text(s);
}

void test_json_tables() {
  // Per column: integers; floats and an integer; integers with a null; strings;
  // booleans; numbers with a string; a key only one record has; a str column
  // with an absent value and a null.
  std::string types = write_file("types.json",
                                 "[{\"id\": 1, \"score\": 0.5, \"gaps\": 1, \"name\": \"b\", \"flag\": true,"
                                 "  \"code\": 3, \"opt\": \"yes\"},\n"
                                 " {\"id\": 2, \"score\": 2, \"gaps\": null, \"name\": \"a\", \"flag\": false,"
                                 "  \"code\": \"x7\", \"extra\": 1},\n"
                                 " {\"id\": -3, \"score\": -1e3, \"gaps\": 3, \"name\": \"b\", \"flag\": true,"
                                 "  \"code\": 2.5, \"opt\": null}]\n");
  check_eq(infer_json(types),
           "3 rows: id:i64 score:f32 gaps:f32 name:str{a|b}@1=b flag:i64 code:str{2.5|3|x7}@2=x7 opt:str{yes}@1=yes "
           "extra:f32",
           "json: types like pandas (keys in order of first appearance)");
  check_eq(infer_json(write_file("one.json", "\xEF\xBB\xBF[{\"\\u00e9\": \"\\u00e9\", \"n\": 18446744073709551615}]")),
           "1 rows: \xC3\xA9:str{\xC3\xA9}@1=\xC3\xA9 n:f32", "json: BOM, escapes, an integer too large for i64");

  // Errors: one line, naming the file.
  std::string nope = g_dir + "/nope.json";
  check_eq(infer_json(nope), "error: cannot open '" + nope + "': No such file or directory", "json: missing file");
  check_eq(infer_json(g_dir), "error: cannot read '" + g_dir + "': Is a directory", "json: a directory");
  struct Bad {
    const char *name, *text, *message;
  };
  const Bad bad[] = {
      {"syntax", "[{\"a\": 1},\n {\"a\": 2,}]",
       " is not valid JSON: line 2, column 10: syntax error while parsing object key - unexpected '}'; expected "
       "string literal"},
      {"dup", "[{\"a\": 1, \"a\": 2}]", " is not valid JSON: line 1, column 13: duplicate key 'a'"},
      {"utf8", "[{\"a\": \"\xC3\"}]",
       " is not valid JSON: line 1, column 10: syntax error while parsing value - invalid string: ill-formed "
       "UTF-8 byte; last read: '\"<C3>\"'"},
      {"object", "{\"a\": [1, 2]}", " holds an object, not an array of records"},
      {"empty", "[]", " holds no records"},
      {"element", "[{\"a\": 1}, {\"a\": 2}, 3]", ": record 3 is a number, not an object"},
      {"null_element", "[null]", ": record 1 is null, not an object"},
      {"nested", "[{\"a\": 1}, {\"a\": 2}, {\"a\": 3, \"tags\": [\"x\"]}]",
       ": record 3, field 'tags': nested arrays and objects are not supported; flatten them first"},
      {"nested_object", "[{\"a\": {}}]",
       ": record 1, field 'a': nested arrays and objects are not supported; flatten them first"},
      {"no_fields", "[{}, {}]", ": its records have no fields"},
  };
  for (const Bad &b : bad) {
    std::string path = write_file(std::string(b.name) + ".json", b.text);
    check_eq(infer_json(path), "error: '" + path + "'" + b.message, std::string("json: error: ") + b.name);
  }

  // Reading against the schema.
  const char *schema = "id:i64,score:f32,gaps:f32,name:str,flag:i64,code:str,opt:str,extra:f32";
  MlpTable *t = mlp_rt_json_read(types.c_str(), schema);
  check_eq(mlp_rt_table_rows(t), 3, "json: rows");
  check_list(values_i64(t, "id"), {1, 2, -3}, "json: i64 values");
  check_list(values_i64(t, "flag"), {1, 0, 1}, "json: booleans as 1/0");
  const double nan = std::nan("");
  check_floats(column_values(t, "score"), {0.5, 2, -1000}, "json: f32 values");
  check_floats(column_values(t, "gaps"), {1, nan, 3}, "json: null is missing");
  check_floats(column_values(t, "extra"), {nan, 1, nan}, "json: an absent key is missing");
  check_list(values_i64(mlp_rt_table_label_encode(t, "name", "a\nb"), "name"), {1, 0, 1}, "json: str codes");
  check_list(values_i64(mlp_rt_table_label_encode(t, "code", "2.5\n3\nx7"), "code"), {1, 2, 0},
             "json: numbers in a str column as their JSON text");
  // A row's place in messages is its record, also after reordering.
  check_error([&] { mlp_rt_table_label_encode(t, "opt", "yes"); },
              types + ": record 2: column 'opt' has a missing value (label_encode needs one)",
              "json: where() names the record");
  check_error([&] { mlp_rt_table_label_encode(mlp_rt_table_sort(t, "id", 0), "opt", "yes"); },
              types + ": record 3: column 'opt' has a missing value (label_encode needs one)",
              "json: where() after sorting");
  {
    // Widening reads fine: integers in an f32 column, numbers and booleans in a str one.
    std::string wide = write_file("wide.json", "[{\"x\": 1, \"c\": 3}, {\"x\": 2, \"c\": true}]");
    MlpTable *w = mlp_rt_json_read(wide.c_str(), "x:f32,c:str");
    check_floats(column_values(w, "x"), {1, 2}, "json: integers read into f32");
    check_list(values_i64(mlp_rt_table_label_encode(w, "c", "3\ntrue"), "c"), {0, 1}, "json: widening to str");
  }

  // The file changed since compile time.
  auto changed = [&](const char *name, const char *text, const char *schema, const std::string &message) {
    std::string path = write_file(std::string(name) + ".json", text);
    check_error([&] { mlp_rt_json_read(path.c_str(), schema); },
                "'" + path + "' changed since compile time: " + message, std::string("json: changed: ") + name);
  };
  changed("now_f32", "[{\"x\": 1, \"y\": 2}, {\"x\": 3, \"y\": 2.5}]", "x:i64,y:i64",
          "column 'y' is now f32 (record 2: 2.5)");
  changed("now_null", "[{\"x\": 1}, {\"x\": null}]", "x:i64", "column 'x' is now f32 (record 2: null)");
  changed("now_absent", "[{\"x\": 1, \"y\": 1}, {\"y\": 2}]", "x:i64,y:i64",
          "column 'x' is now f32 (record 2: no value)");
  changed("now_str", "[{\"x\": 1.5}, {\"x\": \"abc\"}, {\"x\": \"d\"}]", "x:f32",
          "column 'x' is now str (record 2: \"abc\")");
  changed("i64_now_str", "[{\"x\": 1}, {\"x\": 2.5}, {\"x\": \"s\"}]", "x:i64",
          "column 'x' is now str (record 3: \"s\")");
  changed("missing", "[{\"x\": 1}]", "x:i64,z:str", "column 'z' is missing");
  changed("new", "[{\"x\": 1}, {\"x\": 2, \"z\": 1}]", "x:i64", "it has a new column 'z'");
  changed("order", "[{\"y\": 1, \"x\": 1}]", "x:i64,y:i64",
          "its columns are in a different order (column 1 is now 'y', was 'x')");
  std::string broken = write_file("broken.json", "[{\"x\": 1}, 2]");
  check_error([&] { mlp_rt_json_read(broken.c_str(), "x:i64"); }, "'" + broken + "': record 2 is a number, not an object",
              "json: a file that no longer reads");
}

/* -------------------------------------------- fitted models: files, cv */

/// The table of a CSV file, typed as the compiler infers it.
MlpTable *read_inferred(const std::string &path) {
  mlp::CsvSchema s;
  std::string error;
  if (!mlp::inferCsvSchema(path, mlp::CsvOptions(), s, error)) {
    std::printf("FAIL: cannot infer %s: %s\n", path.c_str(), error.c_str());
    std::exit(3);
  }
  std::string schema;
  for (const mlp::CsvColumn &c : s.columns) schema += (schema.empty() ? "" : ",") + c.name + ":" + mlp::csvTypeName(c.type);
  return mlp_rt_csv_read(path.c_str(), schema.c_str());
}

/// A model's predictions for every row of t, as text: class indices (or
/// clusters), values, or `width` values a row (pca).
std::string predictions_of(MlpFitted *m, MlpTable *t, const char *kind, int64_t width = 1) {
  int64_t rows = mlp_rt_table_rows(t);
  std::ostringstream out;
  if (std::string(kind) == "i64") {
    std::vector<int64_t> v(rows);
    Descriptor d = make_descriptor(v.data(), {rows});
    mlp_rt_fitted_predict_i64(m, t, d.rank, d.get());
    for (int64_t x : v) out << x << " ";
  } else {
    std::vector<float> v(rows * width);
    Descriptor d = width > 1 ? make_descriptor(v.data(), {rows, width}) : make_descriptor(v.data(), {rows});
    mlp_rt_fitted_predict_f32(m, t, d.rank, d.get());
    char text[32];
    for (float x : v) std::snprintf(text, sizeof text, "%.9g ", x), out << text;
  }
  return out.str();
}

/// What print shows of a model: its options, rows, inputs and parameters.
std::string shown(MlpFitted *m) {
  mlp_rt_fmt_fitted(m);
  return mlp_rt_take_line();
}

/// The cross-validation scores of m on t.
std::vector<double> cv_scores(MlpFitted *m, MlpTable *t, int64_t folds, int64_t seed) {
  std::vector<double> scores(folds, -1);
  Descriptor d = make_descriptor(scores.data(), {folds});
  mlp_rt_cross_validate(m, t, folds, seed, d.rank, d.get());
  return scores;
}

/// Byte offset of a tensor's data in a safetensors file (its header's
/// data_offsets' begin, after the 8-byte length and the header).
size_t tensor_data_at(const std::string &bytes, const std::string &name) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  size_t at = bytes.find("\"" + name + "\":{");
  at = bytes.find("\"data_offsets\":[", at) + 16;
  return 8 + n + std::stoull(bytes.substr(at));
}

/// `bytes` with the first `from` replaced by `to`, written as `name`.
std::string patched(const std::string &bytes, const std::string &from, const std::string &to, const std::string &name) {
  std::string out = bytes;
  size_t at = out.find(from);
  if (at == std::string::npos) std::printf("FAIL: '%s' not in the file to patch\n", from.c_str()), ++g_failed;
  else out.replace(at, from.size(), to);
  return write_file(name, out);
}

void test_fitted_files() {
  const std::string diabetesPath = std::string(MLP_SOURCE_DIR) + "/examples/data/diabetes.csv";
  MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  MlpTable *diabetes = read_inferred(diabetesPath);
  const char *irisInputs = "sepal_length,sepal_width,petal_length,petal_width";
  const char *irisLabels = "setosa,versicolor,virginica";
  const char *diabetesInputs = "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6";
  MlpBatcher *classes = mlp_rt_batcher_new(iris, irisInputs, "species", irisLabels, 150, -1);
  MlpBatcher *unsupervised = mlp_rt_batcher_new(iris, irisInputs, "", "", 150, -1);
  MlpBatcher *values = mlp_rt_batcher_new(diabetes, diabetesInputs, "progression", "", 442, -1);

  // Save then load: the same predictions, options and parameters, for every
  // estimator of the catalog (both tasks where it has two).
  struct Case {
    const char *estimator, *options;
    MlpBatcher *b;
    MlpTable *t;
    const char *kind;
    int64_t width;
  };
  const Case cases[] = {
      {"linear_regression", "", values, diabetes, "f32", 1},
      {"ridge", "alpha=0.5", values, diabetes, "f32", 1},
      {"lasso", "alpha=0.1", values, diabetes, "f32", 1},
      {"logistic_regression", "", classes, iris, "i64", 1},
      {"naive_bayes", "", classes, iris, "i64", 1},
      {"pca", "n_components=3", unsupervised, iris, "f32", 3},
      {"kmeans", "k=3", unsupervised, iris, "i64", 1},
      {"knn", "k=7,distance=1", classes, iris, "i64", 1},
      {"knn", "", values, diabetes, "f32", 1},
      {"decision_tree", "max_depth=4", classes, iris, "i64", 1},
      {"decision_tree", "", values, diabetes, "f32", 1},
      {"random_forest", "n_estimators=5", classes, iris, "i64", 1},
      {"random_forest", "n_estimators=3,max_depth=5", values, diabetes, "f32", 1},
  };
  std::vector<std::string> covered;
  for (const Case &c : cases) {
    std::string what = std::string("fitted file: ") + c.estimator + " " + (c.t == iris ? "iris" : "diabetes");
    MlpFitted *m = mlp_rt_fit(c.estimator, c.options, c.b);
    std::string path = g_dir + "/" + c.estimator + (c.t == iris ? "_iris" : "_diabetes") + ".safetensors";
    mlp_rt_fitted_save(m, path.c_str());
    mlp::rt::fit::FittedHeader h;
    std::string error;
    check(mlp::rt::fit::readFittedHeader(path, h, error), what + ": header reads", "  " + error);
    MlpFitted *loaded = mlp_rt_fitted_load(path.c_str(), mlp::rt::fit::fittedHeaderText(h).c_str());
    check_eq(predictions_of(loaded, c.t, c.kind, c.width), predictions_of(m, c.t, c.kind, c.width),
             what + ": the same predictions");
    check_eq(mlp_rt_fitted_options(loaded), mlp_rt_fitted_options(m), what + ": the same options");
    check_eq(shown(loaded), shown(m), what + ": the same parameters, as printed");
    covered.push_back(c.estimator);
  }
  for (const auto &spec : mlp::rt::fit::estimators())
    check(std::find(covered.begin(), covered.end(), spec.name) != covered.end(),
          std::string("fitted file: ") + spec.name + " is saved and loaded");

  // The header, as the compiler reads it.
  MlpFitted *lr = mlp_rt_fit("logistic_regression", "c=0.5", classes);
  const std::string lrPath = g_dir + "/lr.safetensors";
  mlp_rt_fitted_save(lr, lrPath.c_str());
  mlp::rt::fit::FittedHeader h;
  std::string error;
  check(mlp::rt::fit::readFittedHeader(lrPath, h, error), "fitted header: reads", "  " + error);
  check_eq(h.estimator + "|" + h.options + "|" + h.task + "|" + h.target + "|" + list_text(h.inputs) + "|" +
               list_text(h.labels) + "|" + std::to_string(h.features) + "|" + std::to_string(h.outputs),
           "logistic_regression|c=0.5,fit_intercept=1,max_iter=100|classification|species|"
           "[sepal_length, sepal_width, petal_length, petal_width]|[setosa, versicolor, virginica]|4|3",
           "fitted header: fields");
  const std::string lrText = mlp::rt::fit::fittedHeaderText(h);
  check_eq(lrText,
           "{\"estimator\":\"logistic_regression\",\"options\":\"c=0.5,fit_intercept=1,max_iter=100\","
           "\"task\":\"classification\",\"inputs\":\"sepal_length,sepal_width,petal_length,petal_width\","
           "\"features\":\"4\",\"target\":\"species\",\"labels\":\"[\\\"setosa\\\",\\\"versicolor\\\","
           "\\\"virginica\\\"]\",\"outputs\":\"3\"}",
           "fitted header: as text");
  const std::string lrBytes = read_file(lrPath);
  check_contains(lrBytes,
                 "{\"__metadata__\":{\"format\":\"mlpc-fitted\",\"estimator\":\"logistic_regression\"",
                 "fitted file: metadata first, format first");
  check_contains(lrBytes, "\"coef\":{\"dtype\":\"F64\",\"shape\":[3,4],\"data_offsets\":[0,96]}",
                 "fitted file: coef as F64 [3, 4]");
  check_contains(lrBytes, "\"rows\":\"150\"", "fitted file: rows");
  check_eq(mlp_rt_fitted_options(mlp_rt_fit("kmeans", "k=3", unsupervised)),
           "k=3,seed=0,n_init=10,max_iter=300,tol=0.0001", "fitted options: every option, shortest numbers");
  check(output_of([&] { mlp_rt_fitted_load(lrPath.c_str(), nullptr); }, "fitted load: no expected header").empty(),
        "fitted load: prints nothing");
  {
    // Labels are a JSON array in the file: quotes and backslashes survive.
    std::string csv = write_file("odd_labels.csv", "x,y\n1,a\n2,a\n3,\"c\"\"d\\\"\n4,\"c\"\"d\\\"\n");
    MlpTable *t = mlp_rt_csv_read(csv.c_str(), "x:f32,y:str");
    MlpFitted *m = mlp_rt_fit("logistic_regression", "", mlp_rt_batcher_new(t, "x", "y", "a,c\"d\\", 4, -1));
    std::string p = g_dir + "/odd_labels.safetensors";
    mlp_rt_fitted_save(m, p.c_str());
    mlp::rt::fit::FittedHeader oh;
    check(mlp::rt::fit::readFittedHeader(p, oh, error), "fitted file: odd labels read", "  " + error);
    check_list(oh.labels, {"a", "c\"d\\"}, "fitted file: odd labels");
    MlpFitted *back = mlp_rt_fitted_load(p.c_str(), mlp::rt::fit::fittedHeaderText(oh).c_str());
    check_eq(predictions_of(back, t, "i64"), predictions_of(m, t, "i64"), "fitted file: odd labels, predictions");
  }

  // readFittedHeader fails with one line.
  check(!mlp::rt::fit::readFittedHeader(g_dir + "/none.safetensors", h, error) &&
            error == "cannot open '" + g_dir + "/none.safetensors': No such file or directory",
        "fitted header: missing file", "  " + error);
  std::string sample = g_dir + "/sample.safetensors";
  write_sample(sample);
  check(!mlp::rt::fit::readFittedHeader(sample, h, error) &&
            error == "'" + sample + "' is not a fitted model saved by mlpc (its metadata has no \"format\": "
                                    "\"mlpc-fitted\", but \"format\": \"pt\")",
        "fitted header: a net's parameters", "  " + error);
  std::string shortFile = write_file("short_fitted.safetensors", "abc");
  check(!mlp::rt::fit::readFittedHeader(shortFile, h, error) &&
            error == "'" + shortFile + "' is not a valid safetensors file: it is too short (3 bytes)",
        "fitted header: not safetensors", "  " + error);

  // Load errors: one line naming the path.
  check_error([&] { mlp_rt_fitted_load((g_dir + "/none.safetensors").c_str(), ""); },
              "cannot open '" + g_dir + "/none.safetensors': No such file or directory", "fitted load: missing file");
  check_error([&] { mlp_rt_fitted_load(shortFile.c_str(), ""); },
              "'" + shortFile + "' is not a valid safetensors file: it is too short (3 bytes)",
              "fitted load: not safetensors");
  check_error([&] { mlp_rt_fitted_load(sample.c_str(), ""); },
              "'" + sample + "' is not a fitted model saved by mlpc (its metadata has no \"format\": \"mlpc-fitted\", "
                             "but \"format\": \"pt\")",
              "fitted load: a net's parameters");
  // Changed since compile time: the compiler's header against the file's.
  MlpFitted *ridge = mlp_rt_fit("ridge", "", values);
  const std::string ridgePath = g_dir + "/ridge.safetensors";
  mlp_rt_fitted_save(ridge, ridgePath.c_str());
  mlp::rt::fit::FittedHeader ridgeHeader;
  mlp::rt::fit::readFittedHeader(ridgePath, ridgeHeader, error);
  auto expecting = [&](const std::function<void(mlp::rt::fit::FittedHeader &)> &change) {
    mlp::rt::fit::FittedHeader e = ridgeHeader;
    change(e);
    return mlp::rt::fit::fittedHeaderText(e);
  };
  const std::string changed = "'" + ridgePath + "' has changed since the program was compiled: its ";
  std::string expect = expecting([](auto &e) { e.estimator = "linear_regression", e.options = ""; });
  check_error([&] { mlp_rt_fitted_load(ridgePath.c_str(), expect.c_str()); },
              changed + "estimator is ridge, the program expects linear_regression (compile it again)",
              "fitted load: another estimator");
  expect = expecting([](auto &e) { e.inputs.back() = "s7"; });
  check_error([&] { mlp_rt_fitted_load(ridgePath.c_str(), expect.c_str()); },
              changed + "inputs are [age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], the program expects "
                        "[age, sex, bmi, bp, s1, s2, s3, s4, s5, s7] (compile it again)",
              "fitted load: other inputs");
  expect = expecting([](auto &e) { e.target = "y"; });
  check_error([&] { mlp_rt_fitted_load(ridgePath.c_str(), expect.c_str()); },
              changed + "target is 'progression', the program expects 'y' (compile it again)",
              "fitted load: another target");
  std::string lrExpect = lrText;
  lrExpect.replace(lrExpect.find("virginica"), 9, "virginiCA");
  check_error([&] { mlp_rt_fitted_load(lrPath.c_str(), lrExpect.c_str()); },
              "'" + lrPath + "' has changed since the program was compiled: its labels are [setosa, versicolor, "
                             "virginica], the program expects [setosa, versicolor, virginiCA] (compile it again)",
              "fitted load: other labels");
  std::string same = mlp::rt::fit::fittedHeaderText(ridgeHeader);
  check_eq(predictions_of(mlp_rt_fitted_load(ridgePath.c_str(), same.c_str()), diabetes, "f32"),
           predictions_of(ridge, diabetes, "f32"), "fitted load: an unchanged file");
  // Not a valid fitted model: the metadata, then the parameters.
  const std::string ridgeBytes = read_file(ridgePath);
  struct Bad {
    const char *name, *from, *to;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"no_task", "\"task\":", "\"tusk\":", "is not a valid fitted model file: its metadata has no 'task'"},
      {"unknown", "\"estimator\":\"ridge\"", "\"estimator\":\"rudge\"",
       "is not a valid fitted model file: its estimator 'rudge' is not one this mlpc knows"},
      {"bad_option", "alpha=1,", "alpha=x,",
       "is not a valid fitted model file: its options have 'alpha=x', which is not an option of ridge with a number"},
      {"task", "\"regression\"", "\"unsupervis\"",
       "is not a valid fitted model file: its task 'unsupervis' is not one ridge has"},
      {"labels", "\"labels\":\"[]\"", "\"labels\":\"[}\"", "is not a valid fitted model file: its labels '[}' are not a JSON array"},
      {"features", "\"features\":\"10\"", "\"features\":\"1x\"",
       "is not a valid fitted model file: its features '1x' is not a positive count"},
      {"name", "\"intercept\":{", "\"intercepx\":{",
       ": a ridge model's parameters are coef, intercept, but the file holds coef, intercepx"},
      {"shape", "\"features\":\"10\"", "\"features\":\"11\"",
       ": parameter 'coef' has shape [1, 10], but this ridge model (11 features) needs [1, 11]"},
      {"dtype", "\"coef\":{\"dtype\":\"F64\",\"shape\":[1,10],\"data_offsets\":[0,80]}",
       "\"coef\":{\"dtype\":\"F32\",\"shape\":[2,10],\"data_offsets\":[0,80]}",
       ": parameter 'coef' is F32; a fitted model's parameters are F64"},
      {"rank", "\"coef\":{\"dtype\":\"F64\",\"shape\":[1,10],", "\"coef\":{\"dtype\":\"F64\",\"shape\":[10],  ",
       ": parameter 'coef' has shape [10]; a fitted model's parameters are matrices [rows, columns]"},
  };
  for (const Bad &b : bad) {
    std::string p = patched(ridgeBytes, b.from, b.to, std::string("bad_") + b.name + ".safetensors");
    check_error([&] { mlp_rt_fitted_load(p.c_str(), ""); }, "'" + p + "'" + (b.message[0] == ':' ? "" : " ") + b.message,
                std::string("fitted load: ") + b.name);
    if (b.message[0] != ':') // the compiler's reader says the same
      check(!mlp::rt::fit::readFittedHeader(p, h, error) && error == "'" + p + "' " + b.message,
            std::string("fitted header: ") + b.name, "  " + error);
  }
  {
    // knn's k above its rows, a tree that does not lead to leaves.
    std::string csv = write_file("six.csv", "x,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n");
    MlpTable *six = mlp_rt_csv_read(csv.c_str(), "x:f32,y:f32");
    MlpFitted *knn = mlp_rt_fit("knn", "k=5", mlp_rt_batcher_new(six, "x", "y", "", 6, -1));
    std::string p = g_dir + "/knn.safetensors";
    mlp_rt_fitted_save(knn, p.c_str());
    std::string q = patched(read_file(p), "k=5", "k=9", "knn9.safetensors");
    check_error([&] { mlp_rt_fitted_load(q.c_str(), ""); }, "'" + q + "': knn's k is 9 but fit_x holds only 6 rows",
                "fitted load: knn's k above its rows");
    MlpFitted *tree = mlp_rt_fit("decision_tree", "", mlp_rt_batcher_new(six, "x", "y", "", 6, -1));
    p = g_dir + "/tree.safetensors";
    mlp_rt_fitted_save(tree, p.c_str());
    std::string bytes = read_file(p);
    double feature = 7; // the root splits on a feature the model lacks
    std::memcpy(&bytes[tensor_data_at(bytes, "nodes")], &feature, 8);
    q = write_file("tree7.safetensors", bytes);
    check_error([&] { mlp_rt_fitted_load(q.c_str(), ""); }, "'" + q + "': parameter 'nodes' is not a tree of 1 features",
                "fitted load: a tree on a feature it lacks");
  }
  check_error([&] { mlp_rt_fitted_save(ridge, (g_dir + "/no/dir.safetensors").c_str()); },
              "cannot write '" + g_dir + "/no/dir.safetensors': No such file or directory", "fitted save: unwritable path");
  // A net's loader refuses F64 tensors.
  check_error(
      [&] {
        std::vector<float> coef(10);
        Descriptor d = make_descriptor(coef.data(), {1, 10});
        mlp_rt_st_read_f32(mlp_rt_st_open(ridgePath.c_str()), "coef", d.rank, d.get());
      },
      "'" + ridgePath + "': tensor 'coef' has dtype F64, the model expects F32", "safetensors: F64 read as F32");
}

void test_cross_validate() {
  // Folds as sklearn's KFold: 10 rows in 3 folds are 4, 3, 3 rows. A model
  // that always predicts the majority class 'a' (its input is constant)
  // misses one row per fold (each fold's first row is 'b'): 3/4, 2/3, 2/3.
  std::string csv = write_file("folds.csv", "x,y\n0,b\n0,a\n0,a\n0,a\n0,b\n0,a\n0,a\n0,b\n0,a\n0,a\n");
  MlpTable *t = mlp_rt_csv_read(csv.c_str(), "x:f32,y:str");
  MlpFitted *m = mlp_rt_fit("logistic_regression", "", mlp_rt_batcher_new(t, "x", "y", "a,b", 10, -1));
  std::vector<double> s = cv_scores(m, t, 3, -1);
  check_near(s[0], 0.75, "cv: fold 1 of 10 rows in 3 has 4 rows");
  check_near(s[1], 2.0 / 3, "cv: fold 2 has 3 rows");
  check_near(s[2], 2.0 / 3, "cv: fold 3 has 3 rows");
  s = cv_scores(m, t, 5, -1); // 2 rows each: rows 0 and 4 are 'b', 7 too
  check_list(s, {0.5, 1.0, 0.5, 0.5, 1.0}, "cv: 5 folds of 2 rows");

  // Sorted iris in 3 folds: each fold is the class its training rows lack.
  MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  const char *inputs = "sepal_length,sepal_width,petal_length,petal_width";
  MlpFitted *lr = mlp_rt_fit("logistic_regression", "", mlp_rt_batcher_new(iris, inputs, "species",
                                                                        "setosa,versicolor,virginica", 150, -1));
  check_list(cv_scores(lr, iris, 3, -1), {0.0, 0.0, 0.0}, "cv: sorted iris in table order");
  // Shuffled (split's order for seed 42), every fold is good; the same on 4 threads.
  std::vector<double> seeded = cv_scores(lr, iris, 3, 42);
  check(*std::min_element(seeded.begin(), seeded.end()) > 0.9, "cv: shuffled iris", "  " + list_text(seeded));
  check_list(cv_scores(lr, iris, 3, 42), seeded, "cv: the same seed, the same folds");
  check(cv_scores(lr, iris, 3, 7) != seeded, "cv: another seed, other folds");
  use_threads("4");
  check_list(cv_scores(lr, iris, 3, 42), seeded, "cv: 4 threads as 1");
  MlpFitted *knn4 = mlp_rt_fit("knn", "k=3", mlp_rt_batcher_new(iris, inputs, "species", "setosa,versicolor,virginica", 150, -1));
  std::vector<double> knnThreaded = cv_scores(knn4, iris, 10, 1);
  use_threads("1");
  check_list(cv_scores(knn4, iris, 10, 1), knnThreaded, "cv: knn, 4 threads as 1");
  // One-row folds: r2 is not defined (NaN, as sklearn).
  std::string line = write_file("line.csv", "x,y\n1,2\n2,4.5\n3,6\n4,8.5\n");
  MlpTable *lt = mlp_rt_csv_read(line.c_str(), "x:f32,y:f32");
  MlpFitted *lin = mlp_rt_fit("linear_regression", "", mlp_rt_batcher_new(lt, "x", "y", "", 4, -1));
  std::vector<double> one = cv_scores(lin, lt, 4, -1);
  check(std::all_of(one.begin(), one.end(), [](double v) { return std::isnan(v); }), "cv: r2 of one-row folds is NaN",
        "  " + list_text(one));
  // 2 folds of 2 rows: r2 of the line through the other two rows.
  s = cv_scores(lin, lt, 2, -1);
  check_near(s[0], 1 - 2 / 3.125, "cv: r2 of fold 1"); // fit on (3,6),(4,8.5): 2.5x-1.5 → 1, 3.5 (off by 1 each)
  check_near(s[1], 1 - 2 / 3.125, "cv: r2 of fold 2"); // fit on (1,2),(2,4.5): 2.5x-0.5 → 7, 9.5

  // User errors.
  check_error([&] { cv_scores(lr, iris, 1, -1); }, "cross-validation needs at least 2 folds, got 1", "cv: one fold");
  check_error([&] { cv_scores(m, t, 11, -1); },
              "cross-validation with 11 folds needs at least 11 rows, but the table has 10", "cv: more folds than rows");
  MlpFitted *km = mlp_rt_fit("kmeans", "k=3", mlp_rt_batcher_new(iris, inputs, "", "", 150, -1));
  check_error([&] { cv_scores(km, iris, 3, -1); },
              "cross-validation scores a model's predictions against its target, but kmeans is unsupervised (it has no "
              "target)",
              "cv: unsupervised");
  std::string two = write_file("two.csv", "x,y\n1,a\n2,a\n3,b\n4,b\n");
  MlpTable *tt = mlp_rt_csv_read(two.c_str(), "x:f32,y:str");
  MlpFitted *tl = mlp_rt_fit("logistic_regression", "", mlp_rt_batcher_new(tt, "x", "y", "a,b", 4, -1));
  check_error([&] { cv_scores(tl, tt, 2, -1); },
              "cross-validation of logistic_regression: fold 1 of 2 leaves a single class (b) of 'y' to fit on; a "
              "classifier needs two or more (shuffle the rows with a seed, or use fewer folds)",
              "cv: a fold of a single class");
  MlpFitted *knn8 = mlp_rt_fit("knn", "k=8", mlp_rt_batcher_new(t, "x", "y", "a,b", 10, -1));
  use_threads("4");
  check_error([&] { cv_scores(knn8, t, 3, -1); },
              "knn: k is 8 but there are only 6 rows to fit on; k must be at most the rows",
              "cv: the estimator's own error, from the first fold");
  use_threads("1");

  // Grid search: the best options by mean score, refitted on every row
  // (sklearn's GridSearchCV picks the same: tests/fit/cross_validate_vs_sklearn.test).
  const std::string diabetesPath = std::string(MLP_SOURCE_DIR) + "/examples/data/diabetes.csv";
  MlpTable *diabetes = read_inferred(diabetesPath);
  MlpBatcher *values = mlp_rt_batcher_new(diabetes, "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6", "progression", "", 442, -1);
  MlpFitted *ridge = mlp_rt_fit("ridge", "fit_intercept=0", values);
  MlpFitted *best = mlp_rt_grid_search(ridge, diabetes, "alpha=0.01|0.1|1|10", 5, -1);
  check_eq(mlp_rt_fitted_options(best), "alpha=1,fit_intercept=0", "grid: the best alpha, other options as given");
  check_eq(predictions_of(best, diabetes, "f32"),
           predictions_of(mlp_rt_fit("ridge", "alpha=1,fit_intercept=0", values), diabetes, "f32"),
           "grid: refitted on every row");
  best = mlp_rt_grid_search(ridge, diabetes, "fit_intercept=0|1;alpha=10|1", 5, -1);
  check_eq(mlp_rt_fitted_options(best), "alpha=1,fit_intercept=1", "grid: two options");
  // Ties go to the first: with k=1, distance weighting changes nothing.
  MlpFitted *knn1 = mlp_rt_fit("knn", "k=1", mlp_rt_batcher_new(iris, inputs, "species", "setosa,versicolor,virginica", 150, -1));
  check_eq(mlp_rt_fitted_options(mlp_rt_grid_search(knn1, iris, "distance=0|1", 3, 42)), "k=1,distance=0",
           "grid: a tie goes to the first (0)");
  check_eq(mlp_rt_fitted_options(mlp_rt_grid_search(knn1, iris, "distance=1|0", 3, 42)), "k=1,distance=1",
           "grid: a tie goes to the first (1)");
  check_eq(mlp_rt_fitted_options(mlp_rt_grid_search(knn1, iris, "", 3, 42)), "k=1,distance=0",
           "grid: no options, the model's own");
  check(output_of([&] { mlp_rt_grid_search(lr, iris, "c=0.1|1", 3, 42); }, "grid: quiet").empty(),
        "grid: prints nothing");
  check_error([&] { mlp_rt_grid_search(km, iris, "k=2|3", 3, -1); },
              "cross-validation scores a model's predictions against its target, but kmeans is unsupervised (it has no "
              "target)",
              "grid: unsupervised");
}

/// --write-plots DIR: every kind of plot, as SVG and as PNG, into DIR, for
/// plots.test (which checks the files with Python and xmllint) and for a
/// person to look at.
int write_plots_mode(const std::string &dir) {
  char name[] = "mlprt-pipeline-tests";
  char *argv[] = {name, nullptr};
  mlp_rt_init(1, argv);
  auto both = [&](const std::string &file, const std::function<void(const char *)> &plot) {
    for (const char *extension : {".svg", ".png"}) plot((dir + "/" + file + extension).c_str());
  };
  // A training run with validation: train and validation loss and accuracy.
  MlpHistory *h = mlp_rt_history_new("mlp on iris", 40);
  for (int e = 0; e < 40; ++e) {
    mlp_rt_history_record(h, e, "loss", 1.1 * std::exp(-e / 8.0) + 0.05);
    mlp_rt_history_record(h, e, "accuracy", 0.97 - 0.6 * std::exp(-e / 6.0));
    mlp_rt_history_record(h, e, "val_loss", 1.1 * std::exp(-e / 9.0) + 0.12 + 0.002 * e);
    mlp_rt_history_record(h, e, "val_accuracy", 0.92 - 0.6 * std::exp(-e / 7.0));
  }
  both("history", [&](const char *path) { mlp_rt_plot_history(h, path); });

  MlpTable *iris = mlp_rt_csv_read(kIris.c_str(), kIrisSchema);
  both("scatter", [&](const char *path) { mlp_rt_plot_scatter(iris, "petal_length", "petal_width", "species", path); });
  MlpTable *cars = read_inferred(std::string(MLP_SOURCE_DIR) + "/examples/data/cars.csv");
  both("scatter_scale", [&](const char *path) {
    mlp_rt_plot_scatter(cars, "weight_in_lbs", "miles_per_gallon", "horsepower", path);
  });
  both("histogram", [&](const char *path) { mlp_rt_plot_histogram(cars, "miles_per_gallon", 0, "", path); });
  both("histogram_by", [&](const char *path) { mlp_rt_plot_histogram(iris, "petal_length", 0, "species", path); });

  // A stand-in classifier on iris: petal_length < 2.5 setosa, < 4.8
  // versicolor, else virginica.
  const char *inputs = "sepal_length,sepal_width,petal_length,petal_width";
  MlpBatcher *b = mlp_rt_batcher_new(iris, inputs, "species", "setosa,versicolor,virginica", 150, -1);
  std::vector<int> classes;
  for (float petal : column_values(iris, "petal_length")) classes.push_back(petal < 2.5f ? 0 : petal < 4.8f ? 1 : 2);
  MlpEval *e = evaluate(b, 150, 3, predicting(classes, 3));
  both("confusion", [&](const char *path) { mlp_rt_plot_confusion(e, path); });
  {
    // Twelve classes with long labels, mostly right.
    std::string text = "x,y\n", labels;
    std::vector<int> predicted;
    for (int k = 0; k < 12; ++k) {
      std::string label = "category number " + std::to_string(k + 1);
      labels += (k ? "," : "") + label;
      for (int r = 0; r < 20 + 7 * k; ++r) {
        text += std::to_string(k) + "," + label + "\n";
        predicted.push_back(r % 5 == 0 ? (k + 1 + r % 3) % 12 : k);
      }
    }
    std::string csv = dir + "/classes.csv";
    std::ofstream(csv) << text;
    MlpTable *t = mlp_rt_csv_read(csv.c_str(), "x:i64,y:str");
    std::filesystem::remove(csv);
    int64_t rows = mlp_rt_table_rows(t);
    MlpEval *many = evaluate(mlp_rt_batcher_new(t, "x", "y", labels.c_str(), rows, -1), rows, 12, predicting(predicted, 12));
    both("confusion_many", [&](const char *path) { mlp_rt_plot_confusion(many, path); });
  }

  // Diabetes progression by linear regression, predicted against actual.
  MlpTable *diabetes = read_inferred(std::string(MLP_SOURCE_DIR) + "/examples/data/diabetes.csv");
  MlpBatcher *db = mlp_rt_batcher_new(diabetes, "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6", "progression", "", 442, -1);
  MlpFitted *m = mlp_rt_fit("linear_regression", "", db);
  MlpEval *de = mlp_rt_eval_new(db);
  mlp_rt_fitted_eval_add(m, de, db);
  both("predicted", [&](const char *path) { mlp_rt_plot_predicted(de, path); });
  mlp_rt_finish();
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-safetensors") return write_safetensors_mode(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "--read-safetensors") return read_safetensors_mode(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "--write-plots") return write_plots_mode(argv[2]);
  // Child processes inherit this; output goes to a pipe or file, never a tty.
  unsetenv("MLP_PROGRESS");
  std::string templ = (std::filesystem::temp_directory_path() / "mlprt-pipeline-XXXXXX").string();
  if (!mkdtemp(templ.data())) {
    std::perror("mkdtemp");
    return 3;
  }
  g_dir = templ;
  test_csv_values();
  test_csv_infer();
  test_csv_utf8();
  test_csv_bools();
  test_tables();
  test_steps();
  test_parallel_csv();
  test_parallel_quoted_csv();
  test_json_tables();
  test_batches();
  test_idx();
  test_tensor_columns();
  test_fashion_mnist();
  test_metrics();
  test_sklearn_metrics();
  test_cluster_metrics();
  test_history();
  test_plot();
  test_plot_scatter();
  test_plot_histogram();
  test_plot_confusion();
  test_plot_predicted();
  test_iris_pipeline();
  test_safetensors();
  test_fitted_files();
  test_cross_validate();
  std::filesystem::remove_all(g_dir);
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed > 0 ? 1 : 0;
}
