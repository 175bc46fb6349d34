/// \file fit.cpp
/// The C ABI of `fit` (mlp_runtime.h): tables to matrices, the estimator
/// catalog, predictions, evaluation through MlpEval (so every metric a
/// trained net has, a fitted model has too) and printing.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <cmath>
#include <cstdio>

using namespace mlp::rt;
using namespace mlp::rt::fit;

namespace mlp::rt::fit {

const std::vector<EstimatorSpec> &estimators() {
  static const std::vector<EstimatorSpec> all = {linear_regression_spec(),   ridge_spec(),       lasso_spec(),
                                                  logistic_regression_spec(), naive_bayes_spec(), pca_spec(),
                                                  kmeans_spec(),              knn_spec(),         decision_tree_spec(),
                                                  random_forest_spec()};
  return all;
}

const EstimatorSpec *find_estimator(const std::string &name) {
  for (const EstimatorSpec &s : estimators())
    if (name == s.name) return &s;
  return nullptr;
}

} // namespace mlp::rt::fit

namespace {

MlpFitted &checked(MlpFitted *m, const char *function) {
  if (!m) internal_error(std::string(function) + ": null fitted model");
  return *m;
}

/// The rows × features matrix of `columns` of `t`. A missing value is a user
/// error naming its row: scikit-learn refuses NaN inputs too.
Matrix input_matrix(const MlpTable &t, const std::vector<const Column *> &columns, int64_t features,
                    const char *what) {
  Matrix x(t.rows, features);
  int64_t offset = 0;
  for (const Column *c : columns) {
    const int64_t width = c->width();
    for (int64_t r = 0; r < t.rows; ++r)
      for (int64_t k = 0; k < width; ++k) {
        double v = c->type == ColumnType::F32 ? c->f32[r * width + k] : static_cast<double>(c->i64[r * width + k]);
        if (std::isnan(v))
          die(t.where(r) + ": " + what + " needs every input, but '" + c->name +
                  "' is missing here (drop_na or fill_na first)",
              1);
        x(r, offset + k) = v;
      }
    offset += width;
  }
  return x;
}

/// The model's inputs in `t`, by name (the compiler checked they are there).
Matrix inputs_of(const MlpFitted &m, const MlpTable &t) {
  std::vector<const Column *> columns;
  for (const std::string &name : m.inputs) columns.push_back(&t.column(name));
  return input_matrix(t, columns, m.features, m.spec->name);
}

/// Options text `alpha=0.5,k=3` over the spec's defaults.
Options parse_options(const EstimatorSpec &spec, std::string_view text) {
  Options o;
  for (const OptionSpec &opt : spec.options) o[opt.name] = opt.value;
  for (const std::string &item : split_list(text)) {
    size_t eq = item.find('=');
    std::string name = item.substr(0, eq);
    if (eq == std::string::npos || !o.count(name))
      internal_error(std::string(spec.name) + ": bad option '" + item + "'");
    o[name] = std::strtod(item.c_str() + eq + 1, nullptr);
  }
  return o;
}

} // namespace

Matrix mlp::rt::fit::batcher_inputs(const MlpBatcher &b, const char *who) {
  return input_matrix(*b.table, b.inputs, b.features, who);
}

extern "C" MlpFitted *mlp_rt_fit(const char *estimator, const char *options, MlpBatcher *b_arg) {
  if (!b_arg) internal_error("mlp_rt_fit: null batcher");
  const MlpBatcher &b = *b_arg;
  const EstimatorSpec *spec = find_estimator(std::string(arg(estimator)));
  if (!spec) internal_error("mlp_rt_fit: unknown estimator '" + std::string(arg(estimator)) + "'");
  auto m = std::make_unique<MlpFitted>();
  m->spec = spec;
  m->options = parse_options(*spec, arg(options));
  m->task = b.kind == MlpBatcher::Classification ? Task::Classification
            : b.kind == MlpBatcher::Regression   ? Task::Regression
                                                 : Task::Unsupervised;
  for (const Column *c : b.inputs) m->inputs.push_back(c->name);
  m->features = b.features;
  m->target = b.targetName;
  m->classes = b.classNames;
  const MlpTable &t = *b.table;
  m->rows = t.rows;
  if (t.rows == 0) die(std::string(spec->name) + ": the table to fit on has no rows", 1);

  Data d;
  d.x = input_matrix(t, b.inputs, b.features, spec->name);
  if (m->task == Task::Regression) {
    d.y.resize(t.rows);
    for (int64_t r = 0; r < t.rows; ++r) {
      d.y[r] = b.values[r];
      if (std::isnan(d.y[r]))
        die(t.where(r) + ": " + spec->name + " needs every target, but '" + b.targetName + "' is missing here", 1);
    }
  } else if (m->task == Task::Classification) {
    d.classes = b.classes;
    d.classCount = static_cast<int64_t>(b.classNames.size());
    std::vector<bool> seen(d.classCount, false);
    int64_t distinct = 0;
    for (int64_t c : d.classes) distinct += !seen[c], seen[c] = true;
    if (distinct < 2)
      die(std::string(spec->name) + ": '" + b.targetName + "' holds a single class (" + b.classNames[d.classes[0]] +
              ") in the rows to fit on; a classifier needs two or more",
          1);
  }
  m->model = spec->make(m->options, m->task);
  m->model->fit(d);
  return keep_alive(std::move(m));
}

namespace {

/// Predictions as the C ABI hands them out: one value per row.
template <class T> void predict_into(MlpFitted *m_arg, MlpTable *t_arg, int64_t rank, void *descriptor,
                                     const char *function) {
  MlpFitted &m = checked(m_arg, function);
  if (!t_arg) internal_error(std::string(function) + ": null table");
  Matrix out = m.model->predict(inputs_of(m, *t_arg));
  StridedView v = view_from_descriptor(rank, descriptor);
  bool classes = m.task == Task::Classification;
  int64_t width = classes ? 1 : out.cols();
  if (v.sizes[0] != out.rows() || (rank == 2 ? v.sizes[1] : 1) != width)
    internal_error(std::string(function) + ": the result has the wrong shape");
  T *data = static_cast<T *>(const_cast<void *>(v.aligned)) + v.offset;
  for (int64_t r = 0; r < out.rows(); ++r) {
    if (classes) {
      Eigen::Index best;
      out.row(r).maxCoeff(&best);
      data[r * v.strides[0]] = static_cast<T>(best);
      continue;
    }
    for (int64_t k = 0; k < width; ++k)
      data[r * v.strides[0] + (rank == 2 ? k * v.strides[1] : 0)] = static_cast<T>(out(r, k));
  }
}

} // namespace

extern "C" void mlp_rt_fitted_predict_i64(MlpFitted *m, MlpTable *t, int64_t rank, void *descriptor) {
  predict_into<int64_t>(m, t, rank, descriptor, "mlp_rt_fitted_predict_i64");
}

extern "C" void mlp_rt_fitted_predict_f32(MlpFitted *m, MlpTable *t, int64_t rank, void *descriptor) {
  predict_into<float>(m, t, rank, descriptor, "mlp_rt_fitted_predict_f32");
}

extern "C" void mlp_rt_fitted_eval_add(MlpFitted *m_arg, MlpEval *e, MlpBatcher *b_arg) {
  MlpFitted &m = checked(m_arg, "mlp_rt_fitted_eval_add");
  if (!b_arg || !e) internal_error("mlp_rt_fitted_eval_add: null evaluation");
  const MlpBatcher &b = *b_arg;
  const MlpTable &t = *b.table;
  if (b.batch < t.rows) internal_error("mlp_rt_fitted_eval_add: the batch must hold every row");
  Matrix out = m.model->predict(inputs_of(m, t));
  // The probabilities (classification) or values go to the evaluation in
  // double precision, in the batcher's row order, so the metrics are
  // scikit-learn's on the very same numbers.
  std::vector<int64_t> rows(b.order.begin(), b.order.begin() + t.rows);
  std::vector<double> values(static_cast<size_t>(t.rows * out.cols()));
  for (int64_t i = 0; i < t.rows; ++i)
    for (int64_t k = 0; k < out.cols(); ++k) values[i * out.cols() + k] = out(rows[i], k);
  eval_add_exact(*e, rows, values, out.cols());
}

extern "C" double mlp_rt_fitted_number(MlpFitted *m_arg, const char *name) {
  MlpFitted &m = checked(m_arg, "mlp_rt_fitted_number");
  return m.model->number(std::string(arg(name)));
}

extern "C" void mlp_rt_fmt_fitted(MlpFitted *m_arg) {
  MlpFitted &m = checked(m_arg, "mlp_rt_fmt_fitted");
  std::string &line = line_buffer();
  line += m.spec->name;
  line += "(";
  bool first = true;
  for (const OptionSpec &o : m.spec->options) {
    char value[40];
    double v = m.options[o.name];
    std::snprintf(value, sizeof value, "%g", v);
    line += (first ? "" : ", ") + std::string(o.name) + ": " +
            (o.kind == OptionSpec::Bool ? (v != 0 ? "true" : "false") : value);
    first = false;
  }
  line += ") fitted on " + std::to_string(m.rows) + " rows: " + join(m.inputs) +
          (m.target.empty() ? "" : " -> " + m.target);
  for (const auto &[name, value] : m.model->parameters()) {
    line += "\n  " + name + " ";
    // A tree's nodes or knn's training rows are too many to read: their shape.
    if (value.size() > 64) {
      line += "[" + std::to_string(value.rows()) + " x " + std::to_string(value.cols()) + "]";
      continue;
    }
    for (Eigen::Index r = 0; r < value.rows(); ++r) {
      line += r == 0 ? "[" : ", ";
      for (Eigen::Index k = 0; k < value.cols(); ++k) {
        line += k == 0 ? (value.rows() > 1 ? "[" : "") : ", ";
        append_f64(line, value(r, k), ".4f");
      }
      if (value.rows() > 1) line += "]";
    }
    line += "]";
  }
}
