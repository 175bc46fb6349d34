/// \file model_selection.cpp
/// Cross-validation and grid search over `fit`'s estimators, as
/// scikit-learn's KFold, cross_val_score and GridSearchCV: k consecutive
/// folds of the rows (in split's seeded order), a fresh estimator fitted on
/// all but one fold and scored on it (r2 or accuracy, as estimator.score),
/// and for a grid the options with the best mean score, refitted on every
/// row.
///
/// Like sklearn's KFold, each fold's training and test rows keep the table's
/// order (fitting is order-sensitive for some estimators: ties in knn's
/// distances, tree splits). The fits run in parallel, each with its own
/// estimator and result slot, so the scores do not depend on the thread
/// count.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

using namespace mlp::rt;
using namespace mlp::rt::fit;

namespace {

MlpFitted &checked(MlpFitted *m, const char *function) {
  if (!m) internal_error(std::string(function) + ": null fitted model");
  if (!m->spec || !m->model) internal_error(std::string(function) + ": a fitted model without an estimator");
  return *m;
}

/// Unsupervised models cannot be scored: a user error.
void require_target(const MlpFitted &m) {
  if (m.task == Task::Unsupervised)
    die(std::string("cross-validation scores a model's predictions against its target, but ") + m.spec->name +
            " is unsupervised (it has no target)",
        1);
}

/// Every row of `t` as m's estimator fits on them: its inputs, and its
/// target as classes (m's labels) or values.
Data data_of(const MlpFitted &m, MlpTable &t) {
  const char *name = m.spec->name;
  std::string labels;
  if (m.task == Task::Classification) {
    if (t.column(m.target).tensor()) { // one-hot classes
      labels = "#" + std::to_string(m.classes.size());
    } else {
      for (const std::string &label : m.classes)
        if (label.find(',') != std::string::npos)
          die("cross-validation of " + std::string(name) + ": the class label '" + label + "' of '" + m.target +
                  "' holds a comma, which the runtime's label lists cannot hold",
              1);
      labels = join(m.classes, ",");
    }
  }
  MlpBatcher *b = mlp_rt_batcher_new(&t, join(m.inputs, ",").c_str(), m.target.c_str(), labels.c_str(),
                                     std::max<int64_t>(t.rows, 1), -1);
  Data d;
  d.x = batcher_inputs(*b, name);
  if (m.task == Task::Regression) {
    d.y.resize(t.rows);
    for (int64_t r = 0; r < t.rows; ++r) d.y[r] = b->values[r];
  } else {
    d.classes = b->classes;
    d.classCount = static_cast<int64_t>(b->classNames.size());
  }
  mlp_rt_batcher_free(b);
  return d;
}

/// The rows `rows` of `d`, in that order.
Data subset(const Data &d, const std::vector<int64_t> &rows) {
  Data out;
  const auto n = static_cast<Eigen::Index>(rows.size());
  out.x.resize(n, d.x.cols());
  for (Eigen::Index i = 0; i < n; ++i) out.x.row(i) = d.x.row(rows[i]);
  if (d.y.size() > 0) {
    out.y.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) out.y[i] = d.y[rows[i]];
  }
  if (!d.classes.empty())
    for (int64_t r : rows) out.classes.push_back(d.classes[r]);
  out.classCount = d.classCount;
  return out;
}

/// estimator.score: accuracy (the prediction is the first largest
/// probability) or r2 (sklearn's r2_score: NaN for fewer than 2 rows; a
/// constant target gives 1 for a perfect fit, else 0).
double score(const Estimator &e, const Data &test, Task task) {
  Matrix out = e.predict(test.x);
  const Eigen::Index n = out.rows();
  if (task == Task::Classification) {
    int64_t correct = 0;
    for (Eigen::Index r = 0; r < n; ++r) {
      Eigen::Index best;
      out.row(r).maxCoeff(&best);
      correct += best == test.classes[r];
    }
    return static_cast<double>(correct) / static_cast<double>(n);
  }
  if (n < 2) return std::nan("");
  double mean = test.y.mean(), res = 0, tot = 0;
  for (Eigen::Index r = 0; r < n; ++r) {
    res += (test.y[r] - out(r, 0)) * (test.y[r] - out(r, 0));
    tot += (test.y[r] - mean) * (test.y[r] - mean);
  }
  if (tot == 0) return res == 0 ? 1.0 : 0.0;
  return 1.0 - res / tot;
}

/// The fold of each row: the rows in split's order (seed < 0: the table's),
/// cut into `folds` consecutive runs, the first rows % folds one row longer.
std::vector<int64_t> fold_of_rows(int64_t rows, int64_t folds, int64_t seed) {
  if (folds < 2) die("cross-validation needs at least 2 folds, got " + std::to_string(folds), 1);
  if (folds > rows)
    die("cross-validation with " + std::to_string(folds) + " folds needs at least " + std::to_string(folds) +
            " rows, but the table has " + std::to_string(rows),
        1);
  std::vector<int64_t> order = permutation(rows, seed, 0), fold(static_cast<size_t>(rows));
  int64_t at = 0;
  for (int64_t f = 0; f < folds; ++f)
    for (int64_t i = 0; i < rows / folds + (f < rows % folds ? 1 : 0); ++i) fold[order[at++]] = f;
  return fold;
}

/// The scores of every (options, fold): element c * folds + f is options
/// `grid[c]` fitted on all rows but fold f's and scored on fold f.
std::vector<double> cv_scores(const MlpFitted &m, const Data &all, const std::vector<int64_t> &foldOf,
                              int64_t folds, const std::vector<Options> &grid) {
  std::vector<std::vector<int64_t>> train(folds), test(folds);
  for (int64_t r = 0; r < static_cast<int64_t>(foldOf.size()); ++r)
    for (int64_t f = 0; f < folds; ++f) (f == foldOf[r] ? test : train)[f].push_back(r);
  if (m.task == Task::Classification) // as mlp_rt_fit, but per fold
    for (int64_t f = 0; f < folds; ++f) {
      int64_t first = all.classes[train[f][0]];
      bool single = std::all_of(train[f].begin(), train[f].end(), [&](int64_t r) { return all.classes[r] == first; });
      if (single)
        die("cross-validation of " + std::string(m.spec->name) + ": fold " + std::to_string(f + 1) + " of " +
                std::to_string(folds) + " leaves a single class (" + m.classes[first] + ") of '" + m.target +
                "' to fit on; a classifier needs two or more (shuffle the rows with a seed, or use fewer folds)",
            1);
    }
  std::vector<double> scores(grid.size() * folds);
  auto run = [&](size_t c, int64_t f) {
    std::unique_ptr<Estimator> e = m.spec->make(grid[c], m.task);
    e->fit(subset(all, train[f]));
    scores[c * folds + f] = score(*e, subset(all, test[f]), m.task);
  };
  // Fold 1 fits on the fewest rows: fitted first, alone on this thread, so a
  // user error of the estimator's own (knn's k above the rows) comes from it,
  // the same every run, and not from a pool thread.
  for (size_t c = 0; c < grid.size(); ++c) run(c, 0);
  const int64_t rest = folds - 1;
  parallel_parts(static_cast<int>(grid.size() * rest), [&](int i) { run(i / rest, 1 + i % rest); });
  return scores;
}

/// The option combinations of `grid` (`alpha=0.1|1;fit_intercept=1|0`) over
/// m's options, the first option varying slowest. The compiler checked the
/// names and values: anything else is an internal error.
std::vector<Options> combinations(const MlpFitted &m, std::string_view grid) {
  std::vector<std::pair<std::string, std::vector<double>>> axes;
  while (!grid.empty()) {
    size_t semicolon = grid.find(';');
    std::string_view item = grid.substr(0, semicolon);
    grid = semicolon == std::string_view::npos ? std::string_view() : grid.substr(semicolon + 1);
    size_t eq = item.find('=');
    std::string name(item.substr(0, eq));
    bool known = m.options.count(name) > 0;
    for (const auto &axis : axes) known = known && axis.first != name;
    if (eq == std::string_view::npos || !known)
      internal_error("mlp_rt_grid_search: bad grid item '" + std::string(item) + "' for " + m.spec->name);
    std::vector<double> values;
    std::string_view rest = item.substr(eq + 1);
    for (;;) {
      size_t bar = rest.find('|');
      std::string text(rest.substr(0, bar));
      char *end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0')
        internal_error("mlp_rt_grid_search: bad value '" + text + "' for option '" + name + "'");
      values.push_back(v);
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    axes.emplace_back(name, std::move(values));
  }
  std::vector<Options> out;
  std::vector<size_t> index(axes.size(), 0);
  for (;;) {
    Options o = m.options;
    for (size_t a = 0; a < axes.size(); ++a) o[axes[a].first] = axes[a].second[index[a]];
    out.push_back(std::move(o));
    size_t a = axes.size();
    while (a > 0 && ++index[a - 1] == axes[a - 1].second.size()) index[--a] = 0; // odometer, last fastest
    if (a == 0) return out;
  }
}

} // namespace

extern "C" void mlp_rt_cross_validate(MlpFitted *m_arg, MlpTable *t, int64_t folds, int64_t seed, int64_t rank,
                                      void *descriptor) {
  const MlpFitted &m = checked(m_arg, "mlp_rt_cross_validate");
  if (!t) internal_error("mlp_rt_cross_validate: null table");
  require_target(m);
  std::vector<int64_t> foldOf = fold_of_rows(t->rows, folds, seed);
  StridedView v = expect_shape(rank, descriptor, {folds}, "the cross-validation scores");
  Data all = data_of(m, *t);
  std::vector<double> scores = cv_scores(m, all, foldOf, folds, {m.options});
  double *out = static_cast<double *>(const_cast<void *>(v.aligned)) + v.offset;
  for (int64_t f = 0; f < folds; ++f) out[f * v.strides[0]] = scores[f];
}

extern "C" MlpFitted *mlp_rt_grid_search(MlpFitted *m_arg, MlpTable *t, const char *grid, int64_t folds,
                                         int64_t seed) {
  const MlpFitted &m = checked(m_arg, "mlp_rt_grid_search");
  if (!t) internal_error("mlp_rt_grid_search: null table");
  std::vector<Options> options = combinations(m, arg(grid));
  require_target(m);
  std::vector<int64_t> foldOf = fold_of_rows(t->rows, folds, seed);
  Data all = data_of(m, *t);
  std::vector<double> scores = cv_scores(m, all, foldOf, folds, options);
  // The best mean score, the first on ties; NaN (r2 of one-row folds) ranks last.
  size_t best = 0;
  double bestMean = std::nan("");
  for (size_t c = 0; c < options.size(); ++c) {
    double sum = 0;
    for (int64_t f = 0; f < folds; ++f) sum += scores[c * folds + f];
    double mean = sum / static_cast<double>(folds);
    if (!std::isnan(mean) && (std::isnan(bestMean) || mean > bestMean)) best = c, bestMean = mean;
  }
  auto out = std::make_unique<MlpFitted>();
  out->spec = m.spec;
  out->task = m.task;
  out->options = options[best];
  out->inputs = m.inputs;
  out->features = m.features;
  out->target = m.target;
  out->classes = m.classes;
  out->rows = t->rows;
  out->model = m.spec->make(out->options, m.task);
  out->model->fit(all);
  return keep_alive(std::move(out));
}
