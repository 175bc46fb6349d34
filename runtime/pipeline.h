/// \file pipeline.h
/// Internal C++ side of the data-pipeline part of the runtime: the objects
/// behind the opaque C handles (MlpTable, MlpBatcher) and helpers shared by
/// tables.cpp, batches.cpp, metrics.cpp, history.cpp, plot_svg.cpp and
/// safetensors.cpp. Generated code never sees this header.
#ifndef MLP_RUNTIME_PIPELINE_H
#define MLP_RUNTIME_PIPELINE_H

#include "runtime/internal.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

struct MlpTensorFile;  // safetensors.cpp
struct MlpHistory;     // below

namespace mlp::rt {

/* ---------------------------------------------------------------- objects */

/// Keeps `object` alive until the process exits, or until release(), and
/// returns it. Most handles are never freed (a program makes a handful of
/// tables and batchers); owning them here keeps them reachable, so leak
/// checkers stay quiet. Handles made again and again in a loop (an evaluation
/// per epoch) are released by their mlp_rt_*_free call.
std::unordered_map<const void *, std::shared_ptr<void>> &kept_objects();
template <class T> T *keep_alive(std::unique_ptr<T> object) {
  T *raw = object.get();
  kept_objects().emplace(raw, std::shared_ptr<T>(std::move(object)));
  return raw;
}
/// Destroys an object kept by keep_alive; NULL is ignored, anything else
/// unknown is an internal error (a double free).
void release(const void *object, const char *function);

/// `internal error: <what>`, exit status 1: a call the compiler got wrong.
[[noreturn]] void internal_error(const std::string &what);

/// Splits a comma list ("a,b, c") into names, trimmed of spaces unless
/// `trim` is false (class labels are compared exactly); "" gives none.
std::vector<std::string> split_list(std::string_view text, bool trim = true);

/// `a, b, c`: a list of names for a message.
std::string join(const std::vector<std::string> &names, std::string_view sep = ", ");

/// A C string argument, NULL read as "".
inline std::string_view arg(const char *text) { return text ? std::string_view(text) : std::string_view(); }

/// Reads a memref descriptor and checks its sizes against `sizes` (a compiler
/// bug if they differ): `internal error: <what> is f32[16, 3], expected [16, 4]`.
StridedView expect_shape(int64_t rank, const void *descriptor, std::initializer_list<int64_t> sizes,
                         const char *what);

/// `[16, 4]`
std::string shape_text(const int64_t *sizes, int64_t rank);

/* ----------------------------------------------------------------- random */

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast generator that passes
/// BigCrush; its output is fully specified, so shuffles are the same on every
/// machine and compiler (unlike std::shuffle, whose algorithm is unspecified).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

/// A permutation of 0..n-1 that depends only on (seed, stream): a
/// Fisher–Yates shuffle driven by SplitMix64 seeded with
/// mix(seed + mix(stream)), mix being SplitMix64's output function. The
/// identity when seed < 0. Streams: 0 for split, epoch + 1 for batches.
std::vector<int64_t> permutation(int64_t n, int64_t seed, int64_t stream);

/* ----------------------------------------------------------------- tables */

/// An allocator whose resize() leaves new elements uninitialized, for
/// column data: a 188 MB image column is written once, by whoever fills it,
/// not zeroed first. Every writer of a column sets all of its elements.
template <class T> struct UninitializedAllocator : std::allocator<T> {
  template <class U> struct rebind { using other = UninitializedAllocator<U>; };
  UninitializedAllocator() = default;
  template <class U> UninitializedAllocator(const UninitializedAllocator<U> &) noexcept {}
  template <class U> void construct(U *p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void *>(p)) U;
  }
  template <class U, class... Args> void construct(U *p, Args &&...args) {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
  /// A column too large for memory is an error naming its size.
  T *allocate(size_t n) {
    if (T *p = static_cast<T *>(std::malloc(n * sizeof(T))); p || n == 0) return p;
    out_of_memory("a table column", n * sizeof(T));
  }
  void deallocate(T *p, size_t) noexcept { std::free(p); }
};
template <class T> using ColumnData = std::vector<T, UninitializedAllocator<T>>;

enum class ColumnType { F32, I64, Str };
const char *type_name(ColumnType type);

/// One column of a table. Exactly one of the vectors holds the data.
///
/// A tensor column (F32 or I64 only) holds one tensor of shape `shape` per
/// row: rows × width() elements, row after row, each row-major. A scalar
/// column has an empty shape (width 1).
struct Column {
  std::string name;
  ColumnType type = ColumnType::F32;
  std::vector<int64_t> shape;      ///< per-row element shape; empty: a scalar
  ColumnData<float> f32;           ///< F32 (NaN = missing)
  ColumnData<int64_t> i64;         ///< I64
  std::vector<int32_t> codes;      ///< Str: index into labels, -1 = missing
  std::vector<std::string> labels; ///< Str: the sorted distinct values

  bool numeric() const { return type != ColumnType::Str; }
  bool tensor() const { return !shape.empty(); }
  /// Elements per row: the product of the shape (1 for a scalar).
  int64_t width() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  /// A scalar column's value as float (i64 converted).
  float number(int64_t row) const {
    return type == ColumnType::F32 ? f32[row] : static_cast<float>(i64[row]);
  }
  /// `f32`, `i64[28, 28]`: the type for messages.
  std::string type_text() const;
  /// The value as the file had it (for messages).
  std::string text(int64_t row) const;
};

} // namespace mlp::rt

/// A table: columns of one length, shared between tables derived from one
/// another (standardize shares the columns it does not change).
struct MlpTable {
  int64_t rows = 0;
  std::vector<std::shared_ptr<const mlp::rt::Column>> columns;
  /// The CSV file the rows came from and each row's line in it, so an error
  /// about a row can name `path:line` even after split and shuffles. For an
  /// IDX source: the labels file and each row's item index (0-based); for a
  /// JSON source: each row's record number (1-based).
  std::string path;
  std::shared_ptr<const std::vector<int64_t>> lines;
  /// What `lines` counts when not lines: "item" (IDX), "record" (JSON).
  const char *rowWord = nullptr;

  /// The column called `name`; an internal error if there is none (the
  /// compiler checked the names against the schema).
  const mlp::rt::Column &column(std::string_view name) const;
  /// `path:line` (or `path: item N`, `path: record N`) of a row, the prefix
  /// of messages about it.
  std::string where(int64_t row) const;
};

namespace mlp::rt {
/// The statistics reusable transforms learned (standardize, minmax,
/// fill_na), by slot (steps.cpp); transform_file.cpp saves and loads them.
std::map<int64_t, std::vector<double>> &learned_slots();
} // namespace mlp::rt

namespace mlp::rt {
/// A new table of rows `rows[0..count)` of t, in that order (tables.cpp).
MlpTable *take_rows(const MlpTable &t, const int64_t *rows, int64_t count);
/// Renumbers a str column's codes so its labels are sorted (tables.cpp).
void sort_labels(Column &c);
/// *t, or an internal error naming `function` when t is null.
MlpTable &checked(MlpTable *t, const char *function);
/// *h, or an internal error naming `function` when h is null (history.cpp).
MlpHistory &checked(MlpHistory *h, const char *function);

/// One `name:type` item of the schema the compiler passes to a table reader.
struct SchemaColumn {
  std::string name;
  ColumnType type;
};
/// Parses `name:type,...` (f32, i64, str); a bad item is an internal error
/// (tables.cpp).
std::vector<SchemaColumn> parse_schema(std::string_view schema);
/// Fails with `'path' changed since compile time: ...` unless `names` are the
/// schema's columns in the same order (tables.cpp).
void check_header(const std::string &path, const std::vector<std::string> &names,
                  const std::vector<SchemaColumn> &schema);
} // namespace mlp::rt

/// The batcher behind MlpBatcher (batches.cpp); metrics.cpp reads it too.
struct MlpBatcher {
  enum Kind { NoTarget, Regression, Classification };

  const MlpTable *table = nullptr;
  std::vector<const mlp::rt::Column *> inputs;
  std::vector<int64_t> inputOffsets; ///< where each input starts in a row of x
  int64_t features = 0;              ///< K: the width of x (inputs' widths summed)
  std::string targetName;
  Kind kind = NoTarget;
  std::vector<int64_t> classes;         ///< Classification: the class of each row
  std::vector<std::string> classNames;  ///< Classification: the label of each class
  std::vector<float> values;            ///< Regression: the target of each row
  int64_t batch = 1;
  int64_t seed = -1;
  /// Fill the last batch up with rows from the start of the epoch's order
  /// instead of padding (for losses that cannot be masked: user fns).
  bool wrap = false;
  std::vector<int64_t> order; ///< the current row order (table rows)
};

/// The evaluation behind MlpEval (metrics.cpp).
struct MlpEval;
namespace mlp::rt {
/// Adds outputs in double precision to `e` (fit.cpp: a fitted model's
/// predictions, no float round trip): row i of `outputs` (rows.size() ×
/// width, row-major) belongs to table row rows[i] of e's batcher.
/// Classification: each class's probability; the prediction is the first
/// largest, log_loss is sklearn's (-log p[true class], the row clipped to
/// [1e-15, 1 - 1e-15] and renormalized) and roc_auc ranks these
/// probabilities.
/// Regression: width 1, the values. Without a target, as mlp_rt_eval_add:
/// width > 1 gives the argmax, width 1 the values.
void eval_add_exact(MlpEval &e, const std::vector<int64_t> &rows, const std::vector<double> &outputs,
                    int64_t width);
/// What plots of an evaluation draw (metrics.cpp; plot_more.cpp draws them):
/// its batcher (the target's name, kind and class labels)...
const MlpBatcher &eval_batcher(const MlpEval &e);
/// ...the confusion matrix of a classification, m[t][p] the rows of true
/// class t predicted as p, as mlp_rt_fmt_confusion prints it...
std::vector<std::vector<int64_t>> eval_confusion(const MlpEval &e);
/// ...and a regression's rows as (actual, predicted) pairs, in the order
/// they were added.
std::vector<std::pair<double, double>> eval_actual_predicted(const MlpEval &e);
} // namespace mlp::rt

/// Per-epoch values of one `train` (history.cpp); plot_svg.cpp draws them.
struct MlpHistory {
  struct Series {
    std::string name;
    std::vector<double> values; ///< one per epoch
    std::vector<bool> recorded; ///< per epoch (a recorded value may be NaN)
  };
  std::string model;
  int64_t epochs = 0;
  std::vector<Series> series; ///< in first-recorded order
  std::chrono::steady_clock::time_point start;    ///< for the elapsed time
  std::chrono::steady_clock::time_point lastDraw; ///< of the progress bar
  bool stopped = false;                           ///< early stopping happened
  /// The epoch in progress, for the batch-level bar: its start, the
  /// rows seen and the sum of their losses.
  std::chrono::steady_clock::time_point epochStart;
  int64_t epochRows = 0;
  double epochLoss = 0;
};

namespace mlp::rt {

/* ------------------------------------------------------------ safetensors */
// safetensors.cpp: F64 tensors and free-form metadata over its format code,
// for fitted models (fit/fitted_file.cpp) and checkpoints (checkpoint.cpp).

using Metadata = std::vector<std::pair<std::string, std::string>>;
void st_set_metadata(MlpTensorFile *f, Metadata metadata);
const Metadata &st_metadata(MlpTensorFile *f);
void st_add_f64(MlpTensorFile *f, const std::string &name, const std::vector<int64_t> &shape,
                const std::vector<double> &values);
std::vector<std::string> st_tensor_names(MlpTensorFile *f);
bool st_read_f64(MlpTensorFile *f, const std::string &name, std::vector<int64_t> &shape, std::vector<double> &values,
                 std::string &dtype);
bool st_read_metadata(const std::string &path, Metadata &metadata, std::string &error);

/* ------------------------------------------------------------------ files */

/// Writes a file all or nothing: the data goes to a temporary file in the
/// same directory (so the rename stays on one file system), which replaces
/// `path` only in commit(). Any failure is a user error naming `path`, and
/// leaves `path` as it was.
class OutputFile {
public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile &) = delete;
  OutputFile &operator=(const OutputFile &) = delete;

  void write(const void *data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  /// Closes the temporary file and renames it to `path`.
  void commit();

private:
  [[noreturn]] void fail(int err);
  std::string path_;
  std::string temp_;
  FILE *file_ = nullptr;
};

} // namespace mlp::rt

#endif // MLP_RUNTIME_PIPELINE_H
