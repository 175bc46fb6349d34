/// \file pca.cpp
/// pca: principal component analysis, as scikit-learn's PCA with its exact
/// ("full") SVD. The components are the first right singular vectors of the
/// centred x, signed as sklearn's svd_flip signs them; the explained
/// variances are the squared singular values over rows − 1. predict
/// projects: (x − mean)·componentsᵀ.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"

#include <Eigen/SVD>

namespace mlp::rt::fit {
namespace {

class Pca : public Estimator {
public:
  explicit Pca(int64_t k) : k_(k) {}

  void fit(const Data &d) override {
    const int64_t n = d.x.rows(), p = d.x.cols();
    if (k_ > std::min(n, p))
      die("pca: n_components is " + std::to_string(k_) + ", but it can be at most the smaller of the rows (" +
              std::to_string(n) + ") and the inputs (" + std::to_string(p) + ")",
          1);
    if (n < 2) die("pca: needs at least 2 rows to fit on (the variances divide by rows - 1)", 1);
    mean_ = d.x.colwise().mean();
    const Matrix xc = d.x.rowwise() - mean_;
    Eigen::BDCSVD<Matrix> svd(xc, Eigen::ComputeThinU | Eigen::ComputeThinV);
    components_ = svd.matrixV().leftCols(k_).transpose();
    // svd_flip: the largest |entry| of each column of U is made positive
    // (the first such entry, as numpy's argmax), and V's row with it.
    for (int64_t j = 0; j < k_; ++j) {
      Eigen::Index at;
      svd.matrixU().col(j).cwiseAbs().maxCoeff(&at);
      if (svd.matrixU()(at, j) < 0) components_.row(j) *= -1;
    }
    const Vector s = svd.singularValues();
    const Vector variance = s.array().square() / static_cast<double>(n - 1);
    variance_ = variance.head(k_).transpose();
    const double total = variance.sum();
    ratio_ = total > 0 ? Eigen::RowVectorXd(variance_ / total) : Eigen::RowVectorXd::Zero(k_);
  }

  Matrix predict(const Matrix &x) const override { return (x.rowwise() - mean_) * components_.transpose(); }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"components", components_},
            {"mean", mean_},
            {"explained_variance", variance_},
            {"explained_variance_ratio", ratio_}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    components_ = p[0].second;
    mean_ = p[1].second;
    variance_ = p[2].second;
    ratio_ = p[3].second;
  }

private:
  int64_t k_;
  Matrix components_;         ///< k × features
  Eigen::RowVectorXd mean_;   ///< per feature
  Eigen::RowVectorXd variance_, ratio_; ///< per component
};

} // namespace

EstimatorSpec pca_spec() {
  return {"pca",
          Task::Unsupervised,
          {{"n_components", OptionSpec::Int, 2, 1, "the components to keep"}},
          {},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> {
            return std::make_unique<Pca>(static_cast<int64_t>(o.at("n_components")));
          }};
}

} // namespace mlp::rt::fit
