// mlprt-fit-driver: fits one estimator of the runtime's catalog on a CSV file
// and prints what it learned and predicts, for the tests that compare each
// estimator with scikit-learn (tests/fit/). No compiler involved.
//
//   mlprt-fit-driver ESTIMATOR OPTIONS TRAIN.csv TEST.csv INPUTS TARGET LABELS
//
// OPTIONS is `name=value,...` ("" for the defaults); INPUTS a comma list of
// numeric columns; TARGET a column or "" (unsupervised); LABELS as for
// mlp_rt_batcher_new ("" regression, "a,b" class labels, "#C" integer
// classes). It prints `param NAME r c v v v ...` per learned parameter,
// `number NAME v` for each learned number, then `predict v v ...` for the
// rows of TEST.csv (class indices, clusters or values; pca: row-major), and,
// with a target, `metric NAME v` for accuracy/log_loss or mse/r2 on TEST.
// Classification adds `metric NAME v` for precision, recall and f1 (macro,
// @weighted, @micro, and :LABEL per class), roc_auc when every class occurs
// in TEST and roc_auc:LABEL for each class that occurs with others, then
// `proba v v ...`: the model's probabilities on TEST, row-major
// (tests/fit/metrics_vs_sklearn.test).
//
// MLP_FIT_DRIVER_TIME=1 adds `time fit S predict S` (bench/fit_vs_sklearn.py).
// Optional, after those lines (tests/fit/cross_validate_vs_sklearn.test):
//   MLP_FIT_DRIVER_CV=K        prints `cv v ... v`: the K scores of
//                              mlp_rt_cross_validate on TRAIN
//   MLP_FIT_DRIVER_GRID=G      prints `best NAME=v ...`: the options named in
//                              the grid G (`alpha=0.1|1;fit_intercept=1|0`)
//                              of mlp_rt_grid_search's model on TRAIN, with K
//                              folds (5 without MLP_FIT_DRIVER_CV)
//   MLP_FIT_DRIVER_SEED=S      their seed (default -1: table order)
//   MLP_FIT_DRIVER_THREADS=N   the runtime's threads (default 1)
#include "runtime/csv.h"
#include "runtime/fit/estimator.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

/// The table schema text of a CSV file, as the compiler would infer it.
std::string schema_of(const std::string &path) {
  mlp::CsvSchema s;
  std::string error;
  if (!mlp::inferCsvSchema(path, mlp::CsvOptions(), s, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    std::exit(1);
  }
  std::string out;
  for (const mlp::CsvColumn &c : s.columns)
    out += (out.empty() ? "" : ",") + c.name + ":" + mlp::csvTypeName(c.type);
  return out;
}

struct Descriptor {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

struct Descriptor1 {
  void *allocated, *aligned;
  int64_t offset, size, stride;
};

/// An environment variable, or null when unset or empty.
const char *env(const char *name) {
  const char *v = std::getenv(name);
  return v && *v ? v : nullptr;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s ESTIMATOR OPTIONS TRAIN.csv TEST.csv INPUTS TARGET LABELS\n", argv[0]);
    return 2;
  }
  const char *estimator = argv[1], *options = argv[2], *inputs = argv[5], *target = argv[6], *labels = argv[7];
  mlp_rt_init(1, argv);
  MlpTable *train = mlp_rt_csv_read(argv[3], schema_of(argv[3]).c_str());
  MlpTable *test = mlp_rt_csv_read(argv[4], schema_of(argv[4]).c_str());
  MlpBatcher *b = mlp_rt_batcher_new(train, inputs, target, labels, 1, -1);
  // Every core, as a compiled program uses (mlp_rt_init leaves one).
  mlp::rt::set_thread_count(mlp::rt::available_cores());
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto fitStart = now();
  MlpFitted *m = mlp_rt_fit(estimator, options, b);
  std::chrono::duration<double> fitSeconds = now() - fitStart;

  const mlp::rt::fit::EstimatorSpec *spec = mlp::rt::fit::find_estimator(estimator);
  for (const auto &[name, value] : m->model->parameters()) {
    std::printf("param %s %lld %lld", name.c_str(), (long long)value.rows(), (long long)value.cols());
    for (Eigen::Index r = 0; r < value.rows(); ++r)
      for (Eigen::Index c = 0; c < value.cols(); ++c) std::printf(" %.17g", value(r, c));
    std::printf("\n");
  }
  for (const char *name : spec->numbers) std::printf("number %s %.17g\n", name, mlp_rt_fitted_number(m, name));

  // Predictions: f32 values, i64 classes/clusters, or pca's f32 [rows, k].
  int64_t rows = mlp_rt_table_rows(test);
  MlpBatcher *tb = std::string(target).empty() ? nullptr : mlp_rt_batcher_new(test, inputs, target, labels, rows > 0 ? rows : 1, -1);
  bool regression = tb && std::string(labels).empty();
  int64_t width = m->task == mlp::rt::fit::Task::Unsupervised && std::string(estimator) == "pca"
                      ? static_cast<int64_t>(m->options.at("n_components"))
                      : 1;
  std::vector<float> values(static_cast<size_t>(rows * width));
  std::vector<int64_t> classes(static_cast<size_t>(rows));
  bool floats = regression || width > 1;
  Descriptor d{nullptr, floats ? (void *)values.data() : (void *)classes.data(), 0, {rows, width}, {width, 1}};
  auto predictStart = now();
  if (floats) mlp_rt_fitted_predict_f32(m, test, width > 1 ? 2 : 1, &d);
  else mlp_rt_fitted_predict_i64(m, test, 1, &d);
  std::chrono::duration<double> predictSeconds = now() - predictStart;
  if (env("MLP_FIT_DRIVER_TIME")) // for bench/fit_vs_sklearn.py
    std::printf("time fit %.6f predict %.6f\n", fitSeconds.count(), predictSeconds.count());
  std::printf("predict");
  for (int64_t i = 0; i < rows * (floats ? width : 1); ++i)
    floats ? std::printf(" %.9g", values[i]) : std::printf(" %lld", (long long)classes[i]);
  std::printf("\n");

  if (tb) {
    MlpEval *e = mlp_rt_eval_new(tb);
    mlp_rt_fitted_eval_add(m, e, tb);
    for (const char *name : regression ? std::vector<const char *>{"mse", "r2"}
                                       : std::vector<const char *>{"accuracy", "log_loss"})
      std::printf("metric %s %.17g\n", name, mlp_rt_eval_metric(e, name));
    if (!regression) {
      std::vector<std::string> names;
      for (const char *base : {"precision", "recall", "f1"}) {
        for (const char *average : {"", "@weighted", "@micro"}) names.push_back(std::string(base) + average);
        for (const std::string &label : tb->classNames) names.push_back(std::string(base) + ":" + label);
      }
      // roc_auc needs every class among the true values, roc_auc:LABEL that
      // class and another.
      std::vector<int64_t> counts(tb->classNames.size(), 0);
      for (int64_t c : tb->classes) ++counts[c];
      if (std::find(counts.begin(), counts.end(), 0) == counts.end()) names.push_back("roc_auc");
      for (size_t k = 0; k < counts.size(); ++k)
        if (counts[k] > 0 && counts[k] < rows) names.push_back("roc_auc:" + tb->classNames[k]);
      for (const std::string &name : names)
        std::printf("metric %s %.17g\n", name.c_str(), mlp_rt_eval_metric(e, name.c_str()));
      Eigen::MatrixXd x(rows, m->features); // the inputs, as fit.cpp reads them
      for (int64_t r = 0, at = 0; r < rows; ++r, at = 0)
        for (const mlp::rt::Column *c : tb->inputs)
          for (int64_t k = 0; k < c->width(); ++k)
            x(r, at++) = c->type == mlp::rt::ColumnType::F32 ? c->f32[r * c->width() + k]
                                                             : static_cast<double>(c->i64[r * c->width() + k]);
      Eigen::MatrixXd p = m->model->predict(x);
      std::printf("proba");
      for (Eigen::Index r = 0; r < p.rows(); ++r)
        for (Eigen::Index k = 0; k < p.cols(); ++k) std::printf(" %.17g", p(r, k));
      std::printf("\n");
    }
  }

  const char *cv = env("MLP_FIT_DRIVER_CV"), *grid = env("MLP_FIT_DRIVER_GRID");
  const char *seedText = env("MLP_FIT_DRIVER_SEED");
  int64_t folds = cv ? std::atoll(cv) : 5, seed = seedText ? std::atoll(seedText) : -1;
  if (const char *threads = env("MLP_FIT_DRIVER_THREADS")) mlp::rt::set_thread_count(std::atoi(threads));
  if (cv) {
    std::vector<double> scores(static_cast<size_t>(folds));
    Descriptor1 d{nullptr, scores.data(), 0, folds, 1};
    mlp_rt_cross_validate(m, train, folds, seed, 1, &d);
    std::printf("cv");
    for (double v : scores) std::printf(" %.17g", v);
    std::printf("\n");
  }
  if (grid) {
    MlpFitted *best = mlp_rt_grid_search(m, train, grid, folds, seed);
    std::printf("best");
    std::string items = grid; // `name=v|v;name=v|v`
    for (size_t at = 0; at < items.size();) {
      size_t end = std::min(items.find(';', at), items.size());
      std::string name = items.substr(at, items.find('=', at) - at);
      std::printf(" %s=%.17g", name.c_str(), best->options.at(name));
      at = end + 1;
    }
    std::printf("\n");
  }
  return 0;
}
