/// \file catalog.h
/// The estimators `fit` knows, their options and defaults: one table that
/// the compiler checks a program against and the runtime fits with. Plain
/// C++ (no Eigen), so the compiler can include it.
#ifndef MLP_RUNTIME_FIT_CATALOG_H
#define MLP_RUNTIME_FIT_CATALOG_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlp::rt::fit {

class Estimator;

/// What an estimator learns from.
enum class Task {
  Regression,     ///< a numeric target
  Classification, ///< a class target
  Either,         ///< either one, decided by the target's type (knn, decision_tree)
  Unsupervised,   ///< no target (kmeans, pca)
};

/// One option of an estimator: `alpha: 1.0`. Values are doubles (ints and
/// bools as 0/1); the compiler checks names, kinds and ranges before this
/// sees them.
struct OptionSpec {
  const char *name;
  enum Kind { Number, Int, Bool } kind;
  double value; ///< the default (scikit-learn's)
  double min;   ///< the smallest value allowed
  const char *help; ///< one line, for messages
};

/// The options an estimator was given, defaults filled in.
using Options = std::map<std::string, double>;

/// An estimator's kind: its name, task, options and how to make one.
struct EstimatorSpec {
  const char *name;
  Task task;
  std::vector<OptionSpec> options;
  /// Learned numbers `model.name` reads (kmeans: inertia).
  std::vector<const char *> numbers;
  std::unique_ptr<Estimator> (*make)(const Options &options, Task task);
};

/// Every estimator, in the order the reference lists them.
const std::vector<EstimatorSpec> &estimators();
/// The spec called `name`, or null.
const EstimatorSpec *find_estimator(const std::string &name);

// The estimators' specs, one per file.
EstimatorSpec linear_regression_spec();
EstimatorSpec ridge_spec();
EstimatorSpec lasso_spec();
EstimatorSpec logistic_regression_spec();
EstimatorSpec naive_bayes_spec();
EstimatorSpec pca_spec();
EstimatorSpec kmeans_spec();
EstimatorSpec knn_spec();
EstimatorSpec decision_tree_spec();
EstimatorSpec random_forest_spec();

/// What a fitted model's file says about it (its safetensors __metadata__,
/// written by mlp_rt_fitted_save), read by the compiler when it compiles a
/// program that loads the file, as it reads CSV headers.
struct FittedHeader {
  std::string estimator; ///< a name of the catalog
  std::string options;   ///< `alpha=1,fit_intercept=1`: every option, defaults included
  std::string task;      ///< "regression", "classification" or "unsupervised"
  std::string target;    ///< "" when unsupervised
  std::vector<std::string> inputs; ///< input columns, in order
  std::vector<std::string> labels; ///< classification: the class labels, in class order
  int64_t features = 0; ///< the inputs' widths summed
  int64_t outputs = 0;  ///< columns of a prediction: 1, the classes (probabilities), or pca's components
};
/// Reads the metadata of a file mlp_rt_fitted_save wrote (its header alone,
/// not the parameters); false with `error` (one line naming the path) when
/// it cannot be read or is not such a file: not safetensors, no "format":
/// "mlpc-fitted", a field missing or malformed, an estimator not in the
/// catalog or a task it cannot have.
bool readFittedHeader(const std::string &path, FittedHeader &out, std::string &error);
/// The header as one line of text, the form mlp_rt_fitted_load's
/// `expect_header` takes: a compact JSON object of the metadata's fields
/// (every value a string, labels a JSON array in a string, as in the file).
std::string fittedHeaderText(const FittedHeader &h);

} // namespace mlp::rt::fit

#endif // MLP_RUNTIME_FIT_CATALOG_H
