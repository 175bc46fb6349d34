/// \file linear.cpp
/// linear_regression and ridge: least squares, as scikit-learn's
/// LinearRegression (lstsq: the minimum-norm solution when the inputs are
/// collinear) and Ridge (the L2-penalised normal equations). With an
/// intercept both centre x and y first, so the intercept is not penalised.

#include "runtime/fit/estimator.h"

namespace mlp::rt::fit {
namespace {

class LeastSquares : public Estimator {
public:
  LeastSquares(double alpha, bool intercept) : alpha_(alpha), intercept_(intercept) {}

  void fit(const Data &d) override {
    Eigen::RowVectorXd xMean = Eigen::RowVectorXd::Zero(d.x.cols());
    double yMean = 0;
    if (intercept_) {
      xMean = d.x.colwise().mean();
      yMean = d.y.mean();
    }
    Matrix xc = d.x.rowwise() - xMean;
    Vector yc = d.y.array() - yMean;
    if (alpha_ > 0) {
      Matrix gram = xc.transpose() * xc;
      gram.diagonal().array() += alpha_;
      coef_ = gram.ldlt().solve(xc.transpose() * yc);
    } else {
      coef_ = xc.completeOrthogonalDecomposition().solve(yc);
    }
    bias_ = yMean - xMean.dot(coef_);
  }

  Matrix predict(const Matrix &x) const override { return (x * coef_).array() + bias_; }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"coef", coef_.transpose()}, {"intercept", Matrix::Constant(1, 1, bias_)}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    coef_ = p[0].second.transpose();
    bias_ = p[1].second(0, 0);
  }

private:
  double alpha_;
  bool intercept_;
  Vector coef_;
  double bias_ = 0;
};

} // namespace

EstimatorSpec linear_regression_spec() {
  return {"linear_regression",
          Task::Regression,
          {{"fit_intercept", OptionSpec::Bool, 1, 0, "fit an intercept (centre x and y)"}},
          {},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> {
            return std::make_unique<LeastSquares>(0.0, o.at("fit_intercept") != 0);
          }};
}

EstimatorSpec ridge_spec() {
  return {"ridge",
          Task::Regression,
          {{"alpha", OptionSpec::Number, 1.0, 0, "the L2 penalty's weight"},
           {"fit_intercept", OptionSpec::Bool, 1, 0, "fit an intercept (not penalised)"}},
          {},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> {
            return std::make_unique<LeastSquares>(o.at("alpha"), o.at("fit_intercept") != 0);
          }};
}

} // namespace mlp::rt::fit
