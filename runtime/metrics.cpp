/// \file metrics.cpp
/// Evaluation: collects a model's predictions batch by batch, then computes
/// the metrics with sklearn's definitions, so numbers can be compared with a
/// Python reference directly.

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>

/// Predictions for the rows added so far, in the order they were added.
struct MlpEval {
  const MlpBatcher *batcher = nullptr;
  std::vector<int64_t> rows;      ///< table rows
  std::vector<int64_t> predicted; ///< Classification: the predicted class
  std::vector<double> values;     ///< Regression: the prediction
  std::vector<double> losses;     ///< Classification: -log softmax(outputs)[true class]
  std::vector<bool> seen;         ///< per table row: added already
};

namespace mlp::rt {
namespace {

MlpEval &checked(MlpEval *e, const char *function) {
  if (!e) internal_error(std::string(function) + ": null evaluation");
  return *e;
}

/// confusion[t][p]: rows of true class t predicted as p.
std::vector<std::vector<int64_t>> confusion(const MlpEval &e) {
  size_t c = e.batcher->classNames.size();
  std::vector<std::vector<int64_t>> m(c, std::vector<int64_t>(c, 0));
  for (size_t i = 0; i < e.rows.size(); ++i) ++m[e.batcher->classes[e.rows[i]]][e.predicted[i]];
  return m;
}

enum class Score { Precision, Recall, F1 };

/// One class's score; 0/0 counts as 0 (sklearn's zero_division default).
double class_score(const std::vector<std::vector<int64_t>> &m, size_t k, Score s) {
  int64_t tp = m[k][k], predicted = 0, actual = 0;
  for (size_t j = 0; j < m.size(); ++j) {
    predicted += m[j][k];
    actual += m[k][j];
  }
  auto ratio = [](int64_t a, int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; };
  switch (s) {
  case Score::Precision: return ratio(tp, predicted);
  case Score::Recall: return ratio(tp, actual);
  case Score::F1: return ratio(2 * tp, predicted + actual); // = 2PR / (P + R)
  }
  return 0;
}

double classification_metric(const MlpEval &e, const std::string &name) {
  const MlpBatcher &b = *e.batcher;
  size_t n = e.rows.size();
  if (name == "log_loss") { // cross-entropy of the logits, as the training loss
    double sum = 0;
    for (double l : e.losses) sum += l;
    return sum / static_cast<double>(n);
  }
  if (name == "accuracy") {
    int64_t correct = 0;
    for (size_t i = 0; i < n; ++i) correct += b.classes[e.rows[i]] == e.predicted[i];
    return static_cast<double>(correct) / static_cast<double>(n);
  }
  size_t colon = name.find(':');
  std::string base = name.substr(0, colon);
  Score s;
  if (base == "precision") s = Score::Precision;
  else if (base == "recall") s = Score::Recall;
  else if (base == "f1") s = Score::F1;
  else if (base == "mse" || base == "mae" || base == "r2")
    die(base + " needs a regression target, but '" + b.targetName + "' is a class", 1);
  else internal_error("unknown metric '" + name + "'");
  auto m = confusion(e);
  if (colon != std::string::npos) { // one class: precision:malignant
    std::string label = name.substr(colon + 1);
    auto it = std::find(b.classNames.begin(), b.classNames.end(), label);
    if (it == b.classNames.end())
      die(name + ": '" + label + "' is not a label of '" + b.targetName + "' (its labels: " +
              join(b.classNames) + ")",
          1);
    return class_score(m, static_cast<size_t>(it - b.classNames.begin()), s);
  }
  // Macro average over the classes that occur among the true or predicted
  // values, as sklearn's unique_labels(y_true, y_pred) picks them.
  double sum = 0;
  int64_t classes = 0;
  for (size_t k = 0; k < m.size(); ++k) {
    int64_t occurs = 0;
    for (size_t j = 0; j < m.size(); ++j) occurs += m[k][j] + m[j][k];
    if (occurs == 0) continue;
    sum += class_score(m, k, s);
    ++classes;
  }
  return sum / static_cast<double>(classes);
}

double regression_metric(const MlpEval &e, const std::string &name) {
  const MlpBatcher &b = *e.batcher;
  size_t n = e.rows.size();
  auto truth = [&](size_t i) { return static_cast<double>(b.values[e.rows[i]]); };
  if (name == "mse" || name == "mae") {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      double d = e.values[i] - truth(i);
      sum += name == "mse" ? d * d : std::fabs(d);
    }
    return sum / static_cast<double>(n);
  }
  if (name == "r2") {
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += truth(i);
    mean /= static_cast<double>(n);
    double res = 0, tot = 0;
    for (size_t i = 0; i < n; ++i) {
      res += (truth(i) - e.values[i]) * (truth(i) - e.values[i]);
      tot += (truth(i) - mean) * (truth(i) - mean);
    }
    if (tot == 0) return res == 0 ? 1.0 : 0.0; // sklearn's force_finite
    return 1.0 - res / tot;
  }
  std::string base = name.substr(0, name.find(':'));
  if (base == "accuracy" || base == "precision" || base == "recall" || base == "f1" || base == "log_loss")
    die(base + " needs a class target, but '" + b.targetName + "' is a regression target", 1);
  internal_error("unknown metric '" + name + "'");
}

} // namespace
} // namespace mlp::rt

using namespace mlp::rt;

extern "C" MlpEval *mlp_rt_eval_new(MlpBatcher *b) {
  if (!b) internal_error("mlp_rt_eval_new: null batcher");
  auto e = std::make_unique<MlpEval>();
  e->batcher = b;
  e->seen.assign(b->table->rows, false);
  return keep_alive(std::move(e));
}

extern "C" void mlp_rt_eval_add(MlpEval *e_arg, int64_t index, int64_t rank, void *outputs) {
  MlpEval &e = checked(e_arg, "mlp_rt_eval_add");
  const MlpBatcher &b = *e.batcher;
  int64_t batches = (b.table->rows + b.batch - 1) / b.batch;
  if (index < 0 || index >= batches)
    internal_error("batch index " + std::to_string(index) + " is outside [0, " + std::to_string(batches) + ")");
  StridedView v = view_from_descriptor(rank, outputs);
  int64_t width = rank == 2 ? v.sizes[1] : 1;
  // Without a target (predicting new data), several outputs mean classes.
  bool classify = b.kind == MlpBatcher::Classification ||
                  (b.kind == MlpBatcher::NoTarget && width > 1);
  if (rank < 1 || rank > 2 || v.sizes[0] != b.batch || (rank == 1 && classify))
    internal_error("the model's outputs have shape " + shape_text(v.sizes, rank) + ", expected [" +
                   std::to_string(b.batch) + ", C]");
  int64_t classes = static_cast<int64_t>(b.classNames.size());
  // bce: one logit per row for two classes, class 1 when it is positive.
  bool binaryLogit = b.kind == MlpBatcher::Classification && width == 1 && classes == 2;
  if (b.kind == MlpBatcher::Classification && width != classes && !binaryLogit)
    die("the model gives " + std::to_string(width) + " outputs per row, but '" + b.targetName + "' has " +
            std::to_string(classes) + " classes",
        1);
  if (b.kind == MlpBatcher::Regression && width != 1)
    die("the model gives " + std::to_string(width) + " outputs per row, but the regression target '" +
            b.targetName + "' needs 1",
        1);
  const float *data = static_cast<const float *>(v.aligned);
  int64_t colStride = rank == 2 ? v.strides[1] : 0;
  int64_t first = index * b.batch;
  int64_t real = std::min(b.batch, b.table->rows - first);
  for (int64_t i = 0; i < real; ++i) {
    int64_t row = b.order[first + i];
    if (e.seen[row]) internal_error("mlp_rt_eval_add: batch " + std::to_string(index) + " added twice");
    e.seen[row] = true;
    e.rows.push_back(row);
    const float *out = data + v.offset + i * v.strides[0];
    if (binaryLogit) {
      double z = out[0];
      e.predicted.push_back(z > 0 ? 1 : 0);
      // -log sigmoid(z) for class 1, -log(1 - sigmoid(z)) for class 0, stably.
      double signedZ = b.classes[row] == 1 ? z : -z;
      e.losses.push_back(std::max(-signedZ, 0.0) + std::log1p(std::exp(-std::fabs(signedZ))));
    } else if (classify) {
      int64_t best = 0; // argmax, the first on ties (a NaN never wins)
      for (int64_t k = 1; k < width; ++k)
        if (out[k * colStride] > out[best * colStride]) best = k;
      e.predicted.push_back(best);
      // -log softmax(out)[truth] = logsumexp(out) - out[truth], shifted by
      // the largest output so exp cannot overflow.
      double top = out[best * colStride], sum = 0;
      for (int64_t k = 0; k < width; ++k) sum += std::exp(out[k * colStride] - top);
      if (b.kind == MlpBatcher::Classification)
        e.losses.push_back(top + std::log(sum) - out[b.classes[row] * colStride]);
    } else {
      e.values.push_back(out[0]);
    }
  }
}

extern "C" void mlp_rt_eval_free(MlpEval *e) { release(e, "mlp_rt_eval_free"); }

extern "C" void mlp_rt_eval_predictions(MlpEval *e_arg, int64_t rank, void *out) {
  MlpEval &e = checked(e_arg, "mlp_rt_eval_predictions");
  StridedView v = view_from_descriptor(rank, out);
  int64_t rows = e.batcher->table->rows;
  if (rank != 1 || v.sizes[0] != rows || static_cast<int64_t>(e.rows.size()) != rows)
    internal_error("mlp_rt_eval_predictions: " + std::to_string(e.rows.size()) + " of " +
                   std::to_string(rows) + " rows evaluated, output of shape " + shape_text(v.sizes, rank));
  // Row i of the result is table row i, whatever order the batches came in.
  for (size_t i = 0; i < e.rows.size(); ++i) {
    int64_t at = v.offset + e.rows[i] * v.strides[0];
    if (!e.predicted.empty())
      static_cast<int64_t *>(const_cast<void *>(v.aligned))[at] = e.predicted[i];
    else
      static_cast<float *>(const_cast<void *>(v.aligned))[at] = static_cast<float>(e.values[i]);
  }
}

extern "C" int64_t mlp_rt_eval_rows(MlpEval *e) {
  return static_cast<int64_t>(checked(e, "mlp_rt_eval_rows").rows.size());
}

extern "C" double mlp_rt_eval_metric(MlpEval *e_arg, const char *name_arg) {
  MlpEval &e = checked(e_arg, "mlp_rt_eval_metric");
  std::string name(arg(name_arg));
  if (e.batcher->kind == MlpBatcher::NoTarget)
    internal_error("mlp_rt_eval_metric: " + name + " needs a target column");
  if (e.rows.empty()) die("cannot compute " + name + " on a table with no rows", 1);
  return e.batcher->kind == MlpBatcher::Classification ? classification_metric(e, name)
                                                       : regression_metric(e, name);
}

extern "C" void mlp_rt_fmt_confusion(MlpEval *e_arg) {
  MlpEval &e = checked(e_arg, "mlp_rt_fmt_confusion");
  const MlpBatcher &b = *e.batcher;
  if (b.kind != MlpBatcher::Classification)
    die("confusion needs a class target, but '" + b.targetName + "' is a regression target", 1);
  auto m = confusion(e);
  const std::vector<std::string> &labels = b.classNames;
  const size_t c = labels.size();
  // The first column holds the true labels under a corner that says which
  // way the table reads; each other column is as wide as its label or its
  // largest count, counts right-aligned under right-aligned labels.
  const std::string corner = "true \\ predicted";
  size_t first = text_width(corner);
  for (const std::string &l : labels) first = std::max(first, text_width(l));
  std::vector<size_t> width(c);
  for (size_t j = 0; j < c; ++j) {
    width[j] = text_width(labels[j]);
    for (size_t i = 0; i < c; ++i) width[j] = std::max(width[j], std::to_string(m[i][j]).size());
  }
  auto pad = [](std::string &out, size_t n) { out.append(n, ' '); };
  std::string &line = line_buffer();
  if (!line.empty() && line.back() != '\n') line += '\n';
  line += corner;
  pad(line, first - text_width(corner));
  for (size_t j = 0; j < c; ++j) {
    pad(line, 2 + width[j] - text_width(labels[j]));
    line += labels[j];
  }
  for (size_t i = 0; i < c; ++i) {
    line += '\n';
    line += labels[i];
    pad(line, first - text_width(labels[i]));
    for (size_t j = 0; j < c; ++j) {
      std::string count = std::to_string(m[i][j]);
      pad(line, 2 + width[j] - count.size());
      line += count;
    }
  }
}

/// mlp_rt_eval_predictions under a name for f32 results (regression), since
/// generated code declares each C function with one signature.
extern "C" void mlp_rt_eval_predictions_f32(MlpEval *e, int64_t rank, void *out) {
  mlp_rt_eval_predictions(e, rank, out);
}
