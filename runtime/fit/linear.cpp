/// \file linear.cpp
/// linear_regression and ridge: least squares, as scikit-learn's
/// LinearRegression (lstsq: the minimum-norm solution when the inputs are
/// collinear) and Ridge (the L2-penalised normal equations). With an
/// intercept both centre x and y first, so the intercept is not penalised.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"

#include <algorithm>

namespace mlp::rt::fit {
namespace {

class LeastSquares : public LinearModel {
public:
  LeastSquares(double alpha, bool intercept) : alpha_(alpha), intercept_(intercept) {}

  void fit(const Data &d) override {
    Eigen::RowVectorXd xMean = Eigen::RowVectorXd::Zero(d.x.cols());
    double yMean = 0;
    if (intercept_) {
      xMean = d.x.colwise().mean();
      yMean = d.y.mean();
    }
    if (alpha_ > 0) {
      // The normal equations (xcᵀxc + αI)w = xcᵀyc. Each thread centres a
      // block of rows and adds its rank update (half of the symmetric xᵀx)
      // and its share of xcᵀyc.
      const Eigen::Index n = d.x.rows(), q = d.x.cols();
      const int parts = static_cast<int>(std::min<Eigen::Index>(thread_count(), std::max<Eigen::Index>(n / 1024, 1)));
      std::vector<Matrix> grams(parts, Matrix::Zero(q, q));
      std::vector<Vector> rhs(parts, Vector::Zero(q));
      parallel_parts(parts, [&](int k) {
        Eigen::Index begin = n * k / parts, end = n * (k + 1) / parts;
        Matrix xc = d.x.middleRows(begin, end - begin).rowwise() - xMean;
        grams[k].selfadjointView<Eigen::Lower>().rankUpdate(xc.transpose());
        rhs[k] = xc.transpose() * (d.y.segment(begin, end - begin).array() - yMean).matrix();
      });
      Matrix gram = grams[0];
      Vector b = rhs[0];
      for (int k = 1; k < parts; ++k) gram += grams[k], b += rhs[k];
      gram = gram.selfadjointView<Eigen::Lower>();
      gram.diagonal().array() += alpha_;
      coef_ = gram.ldlt().solve(b);
    } else {
      Matrix xc = d.x.rowwise() - xMean;
      coef_ = xc.completeOrthogonalDecomposition().solve(Vector(d.y.array() - yMean));
    }
    bias_ = yMean - xMean.dot(coef_);
  }


private:
  double alpha_;
  bool intercept_;
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
