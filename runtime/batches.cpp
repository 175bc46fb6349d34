/// \file batches.cpp
/// Mini-batches for training and evaluation: the target is checked and
/// turned into class indices (or f32 values) once, up front, so a bad label
/// fails before the first epoch; inputs are read straight from the table's
/// columns into each batch (no second copy of a large table).

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace mlp::rt {
namespace {

/// Class indices from a str (or i64) column and the list of labels.
void classes_from_labels(MlpBatcher &b, const Column &c, const std::vector<std::string> &labels) {
  const MlpTable &t = *b.table;
  b.classNames = labels;
  // Map the column's own label codes to positions in `labels` once.
  std::vector<int64_t> classOfCode;
  if (c.type == ColumnType::Str)
    for (const std::string &label : c.labels) {
      auto it = std::find(labels.begin(), labels.end(), label);
      classOfCode.push_back(it == labels.end() ? -1 : it - labels.begin());
    }
  else if (c.type != ColumnType::I64)
    internal_error("the target '" + c.name + "' is f32, it cannot have labels");
  b.classes.resize(t.rows);
  for (int64_t r = 0; r < t.rows; ++r) {
    int64_t k;
    if (c.type == ColumnType::Str) {
      if (c.codes[r] < 0) die(t.where(r) + ": the target '" + c.name + "' is missing", 1);
      k = classOfCode[c.codes[r]];
    } else {
      auto it = std::find(labels.begin(), labels.end(), std::to_string(c.i64[r]));
      k = it == labels.end() ? -1 : it - labels.begin();
    }
    if (k < 0)
      die(t.where(r) + ": the target '" + c.name + "' is '" + c.text(r) +
              "', which is not one of its labels (" + join(labels) + ")",
          1);
    b.classes[r] = k;
  }
}

/// Class indices from an i64 column whose values must lie in [0, count).
void classes_from_integers(MlpBatcher &b, const Column &c, int64_t count) {
  const MlpTable &t = *b.table;
  if (c.type != ColumnType::I64)
    internal_error("the target '" + c.name + "' is " + type_name(c.type) + ", '#" +
                   std::to_string(count) + "' needs i64");
  for (int64_t k = 0; k < count; ++k) b.classNames.push_back(std::to_string(k));
  b.classes.resize(t.rows);
  for (int64_t r = 0; r < t.rows; ++r) {
    int64_t k = c.i64[r];
    if (k < 0 || k >= count)
      die(t.where(r) + ": the target '" + c.name + "' is " + std::to_string(k) +
              ", which is not a class index in [0, " + std::to_string(count) + ")",
          1);
    b.classes[r] = k;
  }
}

void regression_values(MlpBatcher &b, const Column &c) {
  const MlpTable &t = *b.table;
  if (!c.numeric()) internal_error("the regression target '" + c.name + "' is str");
  b.values.resize(t.rows);
  for (int64_t r = 0; r < t.rows; ++r) {
    b.values[r] = c.number(r);
    if (std::isnan(b.values[r])) die(t.where(r) + ": the target '" + c.name + "' is missing", 1);
  }
}

MlpBatcher &checked(MlpBatcher *b, const char *function) {
  if (!b) internal_error(std::string(function) + ": null batcher");
  return *b;
}

/// Element (i, j) of a rank-2 view (j ignored for rank 1).
template <class T> T &at(const StridedView &v, int64_t i, int64_t j = 0) {
  int64_t index = v.offset + i * v.strides[0] + (v.rank > 1 ? j * v.strides[1] : 0);
  return const_cast<T *>(static_cast<const T *>(v.aligned))[index];
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

extern "C" MlpBatcher *mlp_rt_batcher_new(MlpTable *t, const char *inputs, const char *target,
                                          const char *labels, int64_t batch, int64_t seed) {
  if (!t) internal_error("mlp_rt_batcher_new: null table");
  if (batch <= 0) die("the batch size must be positive, got " + std::to_string(batch), 1);
  auto b = std::make_unique<MlpBatcher>();
  b->table = t;
  b->batch = batch;
  b->seed = seed;
  for (const std::string &name : split_list(arg(inputs))) {
    const Column &c = t->column(name);
    if (!c.numeric()) internal_error("the input column '" + name + "' is str");
    b->inputs.push_back(&c);
  }
  b->targetName = std::string(arg(target));
  std::string_view labelText = arg(labels);
  if (!b->targetName.empty()) {
    const Column &c = t->column(b->targetName);
    if (labelText.empty()) {
      b->kind = MlpBatcher::Regression;
      regression_values(*b, c);
    } else {
      b->kind = MlpBatcher::Classification;
      if (labelText[0] == '#') {
        int64_t count = 0;
        auto [end, ec] = std::from_chars(labelText.data() + 1, labelText.data() + labelText.size(), count);
        if (ec != std::errc() || end != labelText.data() + labelText.size() || count <= 0)
          internal_error("bad class count '" + std::string(labelText) + "'");
        classes_from_integers(*b, c, count);
      } else {
        classes_from_labels(*b, c, split_list(labelText, /*trim=*/false));
      }
    }
  }
  b->order = permutation(t->rows, -1, 0); // table order until the first shuffle
  return keep_alive(std::move(b));
}

extern "C" void mlp_rt_batcher_free(MlpBatcher *b) { release(b, "mlp_rt_batcher_free"); }

extern "C" int64_t mlp_rt_batcher_batches(MlpBatcher *b_arg) {
  MlpBatcher &b = checked(b_arg, "mlp_rt_batcher_batches");
  return (b.table->rows + b.batch - 1) / b.batch;
}

extern "C" void mlp_rt_batcher_shuffle(MlpBatcher *b_arg, int64_t epoch) {
  MlpBatcher &b = checked(b_arg, "mlp_rt_batcher_shuffle");
  if (b.seed < 0) return;
  b.order = permutation(b.table->rows, b.seed, epoch + 1);
}

extern "C" int64_t mlp_rt_batcher_fill(MlpBatcher *b_arg, int64_t index, int64_t xr, void *x, int64_t yr,
                                       void *y, int64_t mr, void *mask) {
  MlpBatcher &b = checked(b_arg, "mlp_rt_batcher_fill");
  int64_t batches = mlp_rt_batcher_batches(&b);
  if (index < 0 || index >= batches)
    internal_error("batch index " + std::to_string(index) + " is outside [0, " + std::to_string(batches) + ")");
  const int64_t k = static_cast<int64_t>(b.inputs.size());
  const int64_t first = index * b.batch;
  const int64_t real = std::min(b.batch, b.table->rows - first);
  const int64_t *rows = b.order.data() + first;

  StridedView xv = expect_shape(xr, x, {b.batch, k}, "the batch's x");
  for (int64_t j = 0; j < k; ++j) { // column by column: each column is contiguous
    const Column &c = *b.inputs[j];
    for (int64_t i = 0; i < real; ++i) at<float>(xv, i, j) = c.number(rows[i]);
    for (int64_t i = real; i < b.batch; ++i) at<float>(xv, i, j) = 0.0f;
  }

  if (b.kind != MlpBatcher::NoTarget) {
    if (!y) internal_error("mlp_rt_batcher_fill: no y for the target '" + b.targetName + "'");
    StridedView yv = expect_shape(yr, y, {b.batch}, "the batch's y");
    for (int64_t i = 0; i < b.batch; ++i) {
      if (b.kind == MlpBatcher::Classification) at<int64_t>(yv, i) = i < real ? b.classes[rows[i]] : 0;
      else at<float>(yv, i) = i < real ? b.values[rows[i]] : 0.0f;
    }
  }

  if (mask) {
    StridedView mv = expect_shape(mr, mask, {b.batch}, "the batch's mask");
    for (int64_t i = 0; i < b.batch; ++i) at<float>(mv, i) = i < real ? 1.0f : 0.0f;
  }
  return real;
}
