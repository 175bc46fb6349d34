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
  /// Classification: each row's log loss: -log softmax(outputs)[true class]
  /// for a net's logits; -log of the clipped probability for a fitted model.
  std::vector<double> losses;
  /// Classification (with a target): rows × classes, each row's probability
  /// of each class in double precision (softmax of a net's outputs, the
  /// sigmoid of a bce logit, a fitted model's own), for roc_auc.
  std::vector<double> probabilities;
  std::vector<bool> seen; ///< per table row: added already
};

namespace mlp::rt {
namespace {

/// A model's outputs per row must match its target: one per class (or one
/// logit for bce's two classes), one for a regression.
void check_output_width(const MlpBatcher &b, int64_t width, bool binaryLogit) {
  const int64_t classes = static_cast<int64_t>(b.classNames.size());
  if (b.kind == MlpBatcher::Classification && width != classes && !binaryLogit)
    die("the model gives " + std::to_string(width) + " outputs per row, but '" + b.targetName + "' has " +
            std::to_string(classes) + " classes",
        1);
  if (b.kind == MlpBatcher::Regression && width != 1)
    die("the model gives " + std::to_string(width) + " outputs per row, but the regression target '" +
            b.targetName + "' needs 1",
        1);
}

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
enum class Average { Macro, Weighted, Micro };

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

/// sklearn's precision/recall/f1_score(average=...) with labels=None: the
/// labels are the classes that occur among the true or predicted values
/// (unique_labels(y_true, y_pred)). Macro: the mean of their scores;
/// weighted: the scores weighted by support (true counts); micro: the score
/// of the summed counts. 0/0 counts as 0 (zero_division's default).
double averaged_score(const std::vector<std::vector<int64_t>> &m, Score s, Average how) {
  double sum = 0, weights = 0;
  int64_t classes = 0, tp = 0, predicted = 0, actual = 0;
  for (size_t k = 0; k < m.size(); ++k) {
    int64_t inPredicted = 0, inTrue = 0;
    for (size_t j = 0; j < m.size(); ++j) {
      inPredicted += m[j][k];
      inTrue += m[k][j];
    }
    if (inPredicted + inTrue == 0) continue;
    tp += m[k][k];
    predicted += inPredicted;
    actual += inTrue;
    double score = how == Average::Micro ? 0 : class_score(m, k, s);
    sum += how == Average::Weighted ? score * static_cast<double>(inTrue) : score;
    weights += static_cast<double>(inTrue);
    ++classes;
  }
  switch (how) {
  case Average::Macro: return sum / static_cast<double>(classes);
  case Average::Weighted: return weights == 0 ? 0.0 : sum / weights;
  case Average::Micro: break;
  }
  auto ratio = [](int64_t a, int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
  switch (s) {
  case Score::Precision: return ratio(tp, predicted);
  case Score::Recall: return ratio(tp, actual);
  case Score::F1: return ratio(2 * tp, predicted + actual);
  }
  return 0;
}

/// The area under the ROC curve of `scores` (row i positive when
/// positive[i]), as sklearn's roc_auc_score: the trapezoid rule over the
/// curve's points at the distinct scores, so tied scores make one diagonal
/// step (the Mann-Whitney U with average ranks, over positives × negatives).
/// Needs positives and negatives; the caller checks.
double binary_auc(const std::vector<double> &scores, const std::vector<char> &positive) {
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  // Twice the area in units of one positive × one negative: exact integers.
  int64_t tp = 0, fp = 0, area2 = 0;
  for (size_t i = 0; i < order.size();) {
    int64_t tp0 = tp, fp0 = fp;
    size_t j = i;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) positive[order[j]] ? ++tp : ++fp;
    area2 += (fp - fp0) * (tp + tp0);
    i = j;
  }
  return static_cast<double>(area2) / (2.0 * static_cast<double>(tp) * static_cast<double>(fp));
}

/// roc_auc (`label` empty: class 1 of two, else the one-vs-rest macro
/// average over every class) or roc_auc:label (that class against the rest).
double roc_auc(const MlpEval &e, const std::string &name, const std::string &label, bool perClass) {
  const MlpBatcher &b = *e.batcher;
  const size_t c = b.classNames.size(), n = e.rows.size();
  if (c < 2) die(name + " needs two or more classes, but '" + b.targetName + "' has " + std::to_string(c), 1);
  if (e.probabilities.size() != n * c) internal_error(name + ": the evaluation holds no probabilities");
  for (double p : e.probabilities)
    if (std::isnan(p)) die(name + ": the model's outputs are NaN, so its scores cannot be ranked", 1);
  std::vector<int64_t> counts(c, 0);
  for (int64_t row : e.rows) ++counts[b.classes[row]];
  // sklearn: "Only one class present in y_true. ROC AUC score is not defined".
  auto absent = [&](size_t k) {
    die(name + ": no row of '" + b.targetName + "' is '" + b.classNames[k] +
            "', and ROC AUC is undefined for a class absent from the true values",
        1);
  };
  auto one_vs_rest = [&](size_t k) {
    if (counts[k] == 0) absent(k);
    if (counts[k] == static_cast<int64_t>(n))
      die(name + ": every row of '" + b.targetName + "' is '" + b.classNames[k] +
              "', and ROC AUC needs rows of another class too",
          1);
    std::vector<double> scores(n);
    std::vector<char> positive(n);
    for (size_t i = 0; i < n; ++i) {
      scores[i] = e.probabilities[i * c + k];
      positive[i] = b.classes[e.rows[i]] == static_cast<int64_t>(k);
    }
    return binary_auc(scores, positive);
  };
  if (perClass) {
    auto it = std::find(b.classNames.begin(), b.classNames.end(), label);
    if (it == b.classNames.end())
      die(name + ": '" + label + "' is not a label of '" + b.targetName + "' (its labels: " + join(b.classNames) +
              ")",
          1);
    return one_vs_rest(static_cast<size_t>(it - b.classNames.begin()));
  }
  for (size_t k = 0; k < c; ++k)
    if (counts[k] == 0) absent(k);
  if (c == 2) return one_vs_rest(1); // roc_auc_score(y, p[:, 1])
  double sum = 0; // multi_class='ovr', average='macro'
  for (size_t k = 0; k < c; ++k) sum += one_vs_rest(k);
  return sum / static_cast<double>(c);
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
  // `base:label` (one class; the label may hold any character) or
  // `base@average`.
  size_t colon = name.find(':');
  size_t at = colon == std::string::npos ? name.find('@') : std::string::npos;
  std::string base = name.substr(0, std::min(colon, at));
  if (base == "roc_auc" && at == std::string::npos)
    return roc_auc(e, name, colon == std::string::npos ? "" : name.substr(colon + 1), colon != std::string::npos);
  Score s;
  if (base == "precision") s = Score::Precision;
  else if (base == "recall") s = Score::Recall;
  else if (base == "f1") s = Score::F1;
  else if (base == "mse" || base == "mae" || base == "r2")
    die(base + " needs a regression target, but '" + b.targetName + "' is a class", 1);
  else internal_error("unknown metric '" + name + "'");
  auto m = confusion(e);
  if (at != std::string::npos) {
    std::string how = name.substr(at + 1);
    if (how == "macro") return averaged_score(m, s, Average::Macro);
    if (how == "weighted") return averaged_score(m, s, Average::Weighted);
    if (how == "micro") return averaged_score(m, s, Average::Micro);
    internal_error("unknown metric '" + name + "'");
  }
  if (colon != std::string::npos) { // one class: precision:malignant
    std::string label = name.substr(colon + 1);
    auto it = std::find(b.classNames.begin(), b.classNames.end(), label);
    if (it == b.classNames.end())
      die(name + ": '" + label + "' is not a label of '" + b.targetName + "' (its labels: " +
              join(b.classNames) + ")",
          1);
    return class_score(m, static_cast<size_t>(it - b.classNames.begin()), s);
  }
  return averaged_score(m, s, Average::Macro);
}

/// 1 / (1 + e^-z), without overflow for large |z|.
double sigmoid(double z) {
  if (z >= 0) return 1 / (1 + std::exp(-z));
  double ez = std::exp(z);
  return ez / (1 + ez);
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
  std::string base = name.substr(0, name.find_first_of(":@"));
  if (base == "accuracy" || base == "precision" || base == "recall" || base == "f1" || base == "log_loss" ||
      base == "roc_auc")
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
  check_output_width(b, width, binaryLogit);
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
      e.probabilities.push_back(sigmoid(-z));
      e.probabilities.push_back(sigmoid(z));
    } else if (classify) {
      int64_t best = 0; // argmax, the first on ties (a NaN never wins)
      for (int64_t k = 1; k < width; ++k)
        if (out[k * colStride] > out[best * colStride]) best = k;
      e.predicted.push_back(best);
      // -log softmax(out)[truth] = logsumexp(out) - out[truth], shifted by
      // the largest output so exp cannot overflow.
      double top = out[best * colStride], sum = 0;
      for (int64_t k = 0; k < width; ++k) sum += std::exp(out[k * colStride] - top);
      if (b.kind == MlpBatcher::Classification) {
        e.losses.push_back(top + std::log(sum) - out[b.classes[row] * colStride]);
        for (int64_t k = 0; k < width; ++k) e.probabilities.push_back(std::exp(out[k * colStride] - top) / sum);
      }
    } else {
      e.values.push_back(out[0]);
    }
  }
}

void mlp::rt::eval_add_exact(MlpEval &e, const std::vector<int64_t> &rows, const std::vector<double> &outputs,
                            int64_t width) {
  const MlpBatcher &b = *e.batcher;
  const int64_t n = static_cast<int64_t>(rows.size());
  if (width < 1 || static_cast<int64_t>(outputs.size()) != n * width)
    internal_error("eval_add_exact: " + std::to_string(outputs.size()) + " outputs for " + std::to_string(n) +
                   " rows of width " + std::to_string(width));
  const bool classify = b.kind == MlpBatcher::Classification || (b.kind == MlpBatcher::NoTarget && width > 1);
  check_output_width(b, width, false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = rows[i];
    if (row < 0 || row >= b.table->rows) internal_error("eval_add_exact: row " + std::to_string(row));
    if (e.seen[row]) internal_error("eval_add_exact: row " + std::to_string(row) + " added twice");
    e.seen[row] = true;
    e.rows.push_back(row);
    const double *out = outputs.data() + i * width;
    if (!classify) {
      e.values.push_back(out[0]);
      continue;
    }
    int64_t best = 0; // argmax, the first on ties (a NaN never wins)
    for (int64_t k = 1; k < width; ++k)
      if (out[k] > out[best]) best = k;
    e.predicted.push_back(best);
    if (b.kind != MlpBatcher::Classification) continue;
    // sklearn's log_loss: each probability clipped to [eps, 1 - eps], the
    // row renormalized to sum 1, then -log of the true class's. eps is
    // 1e-15, sklearn's default up to 1.1 and what tests/fit compare with
    // (log_loss(..., eps=1e-15)); 1.2's default "auto" is the f64 epsilon,
    // 2.2e-16, which differs only where the true class's probability is
    // below 1e-15.
    constexpr double eps = 1e-15;
    double sum = 0;
    for (int64_t k = 0; k < width; ++k) sum += std::clamp(out[k], eps, 1 - eps);
    e.losses.push_back(-std::log(std::clamp(out[b.classes[row]], eps, 1 - eps) / sum));
    e.probabilities.insert(e.probabilities.end(), out, out + width);
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

const MlpBatcher &mlp::rt::eval_batcher(const MlpEval &e) { return *e.batcher; }

std::vector<std::vector<int64_t>> mlp::rt::eval_confusion(const MlpEval &e) {
  if (e.batcher->kind != MlpBatcher::Classification) internal_error("eval_confusion: not a classification");
  return confusion(e);
}

std::vector<std::pair<double, double>> mlp::rt::eval_actual_predicted(const MlpEval &e) {
  if (e.batcher->kind != MlpBatcher::Regression) internal_error("eval_actual_predicted: not a regression");
  std::vector<std::pair<double, double>> out;
  out.reserve(e.rows.size());
  for (size_t i = 0; i < e.rows.size(); ++i) out.emplace_back(e.batcher->values[e.rows[i]], e.values[i]);
  return out;
}

/// mlp_rt_eval_predictions under a name for f32 results (regression), since
/// generated code declares each C function with one signature.
extern "C" void mlp_rt_eval_predictions_f32(MlpEval *e, int64_t rank, void *out) {
  mlp_rt_eval_predictions(e, rank, out);
}
