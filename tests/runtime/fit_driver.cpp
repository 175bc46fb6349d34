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
#include "runtime/csv.h"
#include "runtime/fit/estimator.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <cstdio>
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
  MlpFitted *m = mlp_rt_fit(estimator, options, b);

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
  if (floats) mlp_rt_fitted_predict_f32(m, test, width > 1 ? 2 : 1, &d);
  else mlp_rt_fitted_predict_i64(m, test, 1, &d);
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
  }
  return 0;
}
