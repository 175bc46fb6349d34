/// \file lasso.cpp
/// lasso: L1-penalised least squares, as scikit-learn's Lasso. It minimises
/// (1/(2n))·||y − Xw − b||² + alpha·||w||₁ by cyclic coordinate descent on
/// centred data (so the intercept is not penalised), and stops as sklearn's
/// cd_fast does: once the largest coefficient change of a sweep is small
/// relative to the largest coefficient, when the duality gap is below
/// tol·||y||².

#include "runtime/fit/estimator.h"

#include <cmath>

namespace mlp::rt::fit {
namespace {

class Lasso : public LinearModel {
public:
  Lasso(const Options &o)
      : alpha_(o.at("alpha")), intercept_(o.at("fit_intercept") != 0),
        maxIter_(static_cast<int64_t>(o.at("max_iter"))), tol_(o.at("tol")) {}

  void fit(const Data &d) override {
    const int64_t n = d.x.rows(), p = d.x.cols();
    Eigen::RowVectorXd xMean = Eigen::RowVectorXd::Zero(p);
    double yMean = 0;
    if (intercept_) {
      xMean = d.x.colwise().mean();
      yMean = d.y.mean();
    }
    const Matrix x = d.x.rowwise() - xMean;
    const Vector y = d.y.array() - yMean;
    // sklearn scales the objective by n: the threshold is alpha·n.
    const double alpha = alpha_ * static_cast<double>(n);
    const Vector norms = x.colwise().squaredNorm().transpose();
    const double gapTol = tol_ * y.squaredNorm();
    coef_ = Vector::Zero(p);
    Vector r = y; // the residual y − Xw, kept up to date
    nIter_ = maxIter_;
    for (int64_t it = 0; it < maxIter_; ++it) {
      double wMax = 0, dwMax = 0;
      for (int64_t j = 0; j < p; ++j) {
        if (norms[j] == 0) continue; // a constant column stays at 0
        const double old = coef_[j];
        if (old != 0) r += old * x.col(j);
        const double rho = x.col(j).dot(r);
        // Soft-thresholding: the exact minimum along coordinate j.
        coef_[j] = std::copysign(std::max(std::abs(rho) - alpha, 0.0), rho) / norms[j];
        if (coef_[j] != 0) r -= coef_[j] * x.col(j);
        dwMax = std::max(dwMax, std::abs(coef_[j] - old));
        wMax = std::max(wMax, std::abs(coef_[j]));
      }
      if (wMax == 0 || dwMax / wMax < tol_ || it == maxIter_ - 1) {
        // The duality gap, with the residual scaled into the dual feasible set.
        const double dualNorm = (x.transpose() * r).cwiseAbs().maxCoeff();
        const double r2 = r.squaredNorm();
        double scale = 1, gap = r2;
        if (dualNorm > alpha) {
          scale = alpha / dualNorm;
          gap = 0.5 * (r2 + r2 * scale * scale);
        }
        gap += alpha * coef_.lpNorm<1>() - scale * r.dot(y);
        if (gap < gapTol) {
          nIter_ = it + 1;
          break;
        }
      }
    }
    bias_ = intercept_ ? yMean - xMean.dot(coef_) : 0.0;
  }


  double number(const std::string &name) const override {
    return name == "n_iter" ? static_cast<double>(nIter_) : Estimator::number(name);
  }

private:
  double alpha_;
  bool intercept_;
  int64_t maxIter_;
  double tol_;
  int64_t nIter_ = 0;
};

} // namespace

EstimatorSpec lasso_spec() {
  return {"lasso",
          Task::Regression,
          {{"alpha", OptionSpec::Number, 1.0, 0, "the L1 penalty's weight"},
           {"fit_intercept", OptionSpec::Bool, 1, 0, "fit an intercept (not penalised)"},
           {"max_iter", OptionSpec::Int, 1000, 1, "the most coordinate-descent sweeps"},
           {"tol", OptionSpec::Number, 1e-4, 0, "stop when the duality gap is below tol·||y||²"}},
          {"n_iter"},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> { return std::make_unique<Lasso>(o); }};
}

} // namespace mlp::rt::fit
