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
#include <fmt/format.h>

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

/// Class indices from a one-hot tensor column of `count` values per row:
/// each row must hold exactly one 1 and zeros elsewhere.
void classes_from_one_hot(MlpBatcher &b, const Column &c, int64_t count) {
  const MlpTable &t = *b.table;
  if (c.shape != std::vector<int64_t>{count})
    internal_error("the one-hot target '" + c.name + "' is " + c.type_text() + ", expected " +
                   std::to_string(count) + " classes");
  for (int64_t k = 0; k < count; ++k) b.classNames.push_back(std::to_string(k));
  b.classes.resize(t.rows);
  for (int64_t r = 0; r < t.rows; ++r) {
    int64_t hot = -1, ones = 0;
    for (int64_t k = 0; k < count; ++k) {
      int64_t i = r * count + k;
      double v = c.type == ColumnType::F32 ? c.f32[i] : static_cast<double>(c.i64[i]);
      if (v == 1) {
        hot = k;
        ++ones;
      } else if (v != 0) {
        die(t.where(r) + ": the one-hot target '" + c.name + "' has " + fmt::format("{:g}", v) +
                " at position " + std::to_string(k) + " (expected only 0s and one 1)",
            1);
      }
    }
    if (ones != 1)
      die(t.where(r) + ": the one-hot target '" + c.name + "' has " + std::to_string(ones) +
              " ones (expected exactly one)",
          1);
    b.classes[r] = hot;
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

/// x as f32[batch, K]; a single tensor input of shape S may also come as
/// f32[batch, S...] (a convolution's input), which holds the same floats.
StridedView x_view(const MlpBatcher &b, int64_t rank, const void *x) {
  if (b.inputs.size() == 1 && b.inputs[0]->tensor() && rank == 1 + static_cast<int64_t>(b.inputs[0]->shape.size()) &&
      rank > 2) {
    StridedView v = view_from_descriptor(rank, x);
    const std::vector<int64_t> &shape = b.inputs[0]->shape;
    if (v.sizes[0] == b.batch && std::equal(shape.begin(), shape.end(), v.sizes + 1)) return v;
  }
  return expect_shape(rank, x, {b.batch, b.features}, "the batch's x");
}

/// Where feature f of a row of x lives, relative to the row's start, for
/// f in [0, K): the row's elements in row-major order. `contiguous` is set
/// when feature f is simply at f.
void feature_offsets(const StridedView &v, int64_t features, std::vector<int64_t> &offsets, bool &contiguous) {
  offsets.resize(static_cast<size_t>(features));
  thread_local std::vector<int64_t> index; // kept: a batch is filled each training step
  index.assign(static_cast<size_t>(v.rank), 0);
  int64_t offset = 0;
  contiguous = true;
  for (int64_t f = 0; f < features; ++f) {
    offsets[f] = offset;
    contiguous = contiguous && offset == f;
    for (int64_t a = v.rank; a-- > 1;) { // odometer over axes 1..rank-1
      offset += v.strides[a];
      if (++index[a] < v.sizes[a]) break;
      offset -= v.strides[a] * v.sizes[a];
      index[a] = 0;
    }
  }
}

/// Fills x: row i gets the inputs of table row rows[i], each contributing
/// its width in features, in order; rows from `real` on are 0. A row-major x
/// (the usual case) takes one memcpy per row and tensor input.
void fill_x(const MlpBatcher &b, const StridedView &xv, const int64_t *rows, int64_t real) {
  float *base = const_cast<float *>(static_cast<const float *>(xv.aligned)) + xv.offset;
  const int64_t rowStride = xv.strides[0];
  bool contiguous = true;
  // Kept from call to call (a training step fills a batch); the parts below
  // reach the caller's through `offsets`.
  thread_local std::vector<int64_t> offsetBuffer;
  feature_offsets(xv, b.features, offsetBuffer, contiguous);
  const int64_t *offsets = offsetBuffer.data();
  // The rows come from all over a table of tens of MB (Fashion-MNIST's is
  // 188 MB), and a thread copying them mostly waits on memory: a large
  // batch is copied by every thread, each its range of rows.
  int parts = real * b.features >= (int64_t(1) << 16) ? rangeParts(real) : 1;
  forEachRange(real, parts, [&](int, int64_t first, int64_t last) {
    for (size_t j = 0; j < b.inputs.size(); ++j) { // input by input: each is contiguous
      const Column &c = *b.inputs[j];
      const int64_t w = c.width(), start = b.inputOffsets[j];
      for (int64_t i = first; i < last; ++i) {
        float *row = base + i * rowStride;
        const int64_t r = rows[i];
        if (w == 1) {
          row[offsets[start]] = c.number(r);
        } else if (contiguous && c.type == ColumnType::F32) {
          std::memcpy(row + start, c.f32.data() + r * w, sizeof(float) * w);
        } else if (c.type == ColumnType::F32) {
          const float *in = c.f32.data() + r * w;
          for (int64_t e = 0; e < w; ++e) row[offsets[start + e]] = in[e];
        } else {
          const int64_t *in = c.i64.data() + r * w;
          for (int64_t e = 0; e < w; ++e) row[offsets[start + e]] = static_cast<float>(in[e]);
        }
      }
    }
  });
  for (int64_t i = real; i < b.batch; ++i) {
    float *row = base + i * rowStride;
    if (contiguous) std::memset(row, 0, sizeof(float) * b.features);
    else
      for (int64_t f = 0; f < b.features; ++f) row[offsets[f]] = 0.0f;
  }
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
    b->inputOffsets.push_back(b->features);
    b->features += c.width();
  }
  b->targetName = std::string(arg(target));
  std::string_view labelText = arg(labels);
  if (!b->targetName.empty()) {
    const Column &c = t->column(b->targetName);
    if (c.tensor() && (labelText.empty() || labelText[0] != '#'))
      internal_error("the target '" + c.name + "' is a tensor column (" + c.type_text() + ")");
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
        if (c.tensor()) classes_from_one_hot(*b, c, count);
        else classes_from_integers(*b, c, count);
      } else {
        classes_from_labels(*b, c, split_list(labelText, /*trim=*/false));
      }
    }
  }
  b->order = permutation(t->rows, -1, 0); // table order until the first shuffle
  return keep_alive(std::move(b));
}

extern "C" void mlp_rt_batcher_check_indices(MlpBatcher *b_arg, int64_t vocabulary) {
  MlpBatcher &b = checked(b_arg, "mlp_rt_batcher_check_indices");
  const MlpTable &t = *b.table;
  for (const Column *c : b.inputs) {
    if (c->type != ColumnType::I64) internal_error("the embedding's input '" + c->name + "' is not i64");
    const int64_t width = c->width();
    for (int64_t r = 0; r < t.rows; ++r)
      for (int64_t k = 0; k < width; ++k) {
        int64_t v = c->i64[r * width + k];
        if (v < 0 || v >= vocabulary)
          die(t.where(r) + ": the input '" + c->name + "' holds " + std::to_string(v) +
                  (width > 1 ? " at position " + std::to_string(k) : "") +
                  ", which is not an index into the embedding's vocabulary [0, " +
                  std::to_string(vocabulary) + ")",
              1);
      }
  }
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
  check_interrupt();
  int64_t batches = mlp_rt_batcher_batches(&b);
  if (index < 0 || index >= batches)
    internal_error("batch index " + std::to_string(index) + " is outside [0, " + std::to_string(batches) + ")");
  const int64_t first = index * b.batch;
  int64_t real = std::min(b.batch, b.table->rows - first);
  const int64_t *rows = b.order.data() + first;
  std::vector<int64_t> wrapped;
  if (b.wrap && real < b.batch) {
    // The rows left, then the epoch's first rows again (cyclically).
    for (int64_t i = 0; i < b.batch; ++i)
      wrapped.push_back(b.order[(first + i) % b.table->rows]);
    rows = wrapped.data();
    real = b.batch;
  }
  fill_x(b, x_view(b, xr, x), rows, real);

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

/// The same as mlp_rt_batcher_fill, under a second name for regression
/// targets: generated code declares each C function with one signature, and
/// there y is an f32 buffer instead of an i64 one.
extern "C" int64_t mlp_rt_batcher_fill_values(MlpBatcher *b, int64_t index, int64_t xr, void *x,
                                              int64_t yr, void *y, int64_t mr, void *mask) {
  return mlp_rt_batcher_fill(b, index, xr, x, yr, y, mr, mask);
}

extern "C" void mlp_rt_batcher_wrap(MlpBatcher *b_arg) {
  checked(b_arg, "mlp_rt_batcher_wrap").wrap = true;
}
