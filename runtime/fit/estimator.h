/// \file estimator.h
/// The classical estimators behind `fit` (scikit-learn's, with its
/// definitions and defaults), as C++ classes over Eigen matrices. fit.cpp
/// turns tables into matrices, calls them, and gives generated code the C
/// ABI of mlp_runtime.h; each estimator lives in a file of its own here.
#ifndef MLP_RUNTIME_FIT_ESTIMATOR_H
#define MLP_RUNTIME_FIT_ESTIMATOR_H

#include "runtime/fit/catalog.h"

#include <Eigen/Dense>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct MlpBatcher;

namespace mlp::rt::fit {

using Matrix = Eigen::MatrixXd; ///< column-major doubles: what Eigen's solvers prefer
using Vector = Eigen::VectorXd;

/// The rows an estimator is fitted on or applied to.
struct Data {
  Matrix x;                     ///< rows × features
  Vector y;                     ///< Regression: the target
  std::vector<int64_t> classes; ///< Classification: each row's class, 0..classCount-1
  int64_t classCount = 0;       ///< Classification: classes the target may hold
};


/// What `fit` produces. fit() is called once; the rest may be called any
/// number of times after it.
class Estimator {
public:
  virtual ~Estimator() = default;
  /// Fits on `d`. Bad data the compiler could not see (a single class, k
  /// larger than the rows) is a user error: die() with a clear message.
  virtual void fit(const Data &d) = 0;
  /// Per row of x: Regression: one column, the value. Classification: one
  /// column per class, the probabilities (rows sum to 1; the prediction is
  /// the first largest). Unsupervised: kmeans the cluster, pca the
  /// components (one column each).
  virtual Matrix predict(const Matrix &x) const = 0;
  /// The learned parameters by name, as saved to a file (safetensors), and
  /// shown by print: `coef` [outputs × features], `intercept`, ...
  virtual std::vector<std::pair<std::string, Matrix>> parameters() const = 0;
  /// Restores parameters() from a file; the names and shapes were checked.
  virtual void load(const std::vector<std::pair<std::string, Matrix>> &parameters) = 0;
  /// A learned number by name (`km.inertia`); NaN if there is none.
  virtual double number(const std::string &name) const { return std::numeric_limits<double>::quiet_NaN(); }
};

/// The rows × features matrix of the batcher's inputs over its whole table,
/// as mlp_rt_fit fits on (fit.cpp; model_selection.cpp uses it too). A
/// missing value is a user error naming `who` and the row.
Matrix batcher_inputs(const MlpBatcher &b, const char *who);

/// A model predicting x·coef + intercept (linear_regression, ridge, lasso):
/// its prediction, parameters and loading, for the solvers to share.
class LinearModel : public Estimator {
public:
  Matrix predict(const Matrix &x) const override { return (x * coef_).array() + bias_; }
  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"coef", coef_.transpose()}, {"intercept", Matrix::Constant(1, 1, bias_)}};
  }
  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    coef_ = p[0].second.transpose();
    bias_ = p[1].second(0, 0);
  }

protected:
  Vector coef_;
  double bias_ = 0;
};

} // namespace mlp::rt::fit

/// What mlp_rt_fit returns (mlp_runtime.h): the estimator, and what it was
/// fitted on.
struct MlpFitted {
  const mlp::rt::fit::EstimatorSpec *spec = nullptr;
  mlp::rt::fit::Task task = mlp::rt::fit::Task::Regression;
  mlp::rt::fit::Options options;
  std::unique_ptr<mlp::rt::fit::Estimator> model;
  std::vector<std::string> inputs; ///< input columns, in order
  int64_t features = 0;
  std::string target;              ///< "" when unsupervised
  std::vector<std::string> classes; ///< Classification: the class labels
  int64_t rows = 0;                ///< rows it was fitted on
};

#endif // MLP_RUNTIME_FIT_ESTIMATOR_H
