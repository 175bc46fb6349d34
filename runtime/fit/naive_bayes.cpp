/// \file naive_bayes.cpp
/// naive_bayes: Gaussian naive Bayes, as scikit-learn's GaussianNB. Per
/// class, each feature is a normal with the class's mean and variance (plus
/// var_smoothing times the largest variance of any feature, so none is 0);
/// the priors are the class frequencies. Probabilities come from the joint
/// log-likelihoods, normalised with log-sum-exp.

#include "runtime/fit/estimator.h"

#include <cmath>

namespace mlp::rt::fit {
namespace {

class NaiveBayes : public Estimator {
public:
  explicit NaiveBayes(double smoothing) : smoothing_(smoothing) {}

  void fit(const Data &d) override {
    const int64_t k = d.classCount, p = d.x.cols(), n = d.x.rows();
    // epsilon: var_smoothing × the largest variance over the features of all
    // of x. If every input is constant that is 0, but then every class has
    // the same density whatever the variance: 1 keeps the densities finite.
    const Eigen::RowVectorXd mean = d.x.colwise().mean();
    const double maxVar = (d.x.rowwise() - mean).colwise().squaredNorm().maxCoeff() / static_cast<double>(n);
    const double epsilon = maxVar > 0 ? smoothing_ * maxVar : 1.0;
    // Per class: the count, the mean, then the variance about it.
    theta_ = Matrix::Zero(k, p);
    var_ = Matrix::Zero(k, p);
    prior_ = Vector::Zero(k);
    for (int64_t i = 0; i < n; ++i) {
      theta_.row(d.classes[i]) += d.x.row(i);
      prior_[d.classes[i]] += 1;
    }
    // A class absent from the rows keeps mean 0 and prior 0: probability 0.
    const Vector count = prior_.cwiseMax(1.0);
    theta_ = theta_.array().colwise() / count.array();
    for (int64_t i = 0; i < n; ++i)
      var_.row(d.classes[i]) += (d.x.row(i) - theta_.row(d.classes[i])).cwiseAbs2();
    var_ = var_.array().colwise() / count.array();
    var_.array() += epsilon;
    prior_ /= static_cast<double>(n);
  }

  Matrix predict(const Matrix &x) const override {
    const int64_t k = theta_.rows();
    Matrix joint(x.rows(), k);
    for (int64_t c = 0; c < k; ++c) {
      // log prior − ½ Σ log(2π var) − ½ Σ (x − θ)² / var
      const double constant = std::log(prior_[c]) - 0.5 * (2 * EIGEN_PI * var_.row(c).array()).log().sum();
      Eigen::ArrayXXd square = (x.rowwise() - theta_.row(c)).array().square();
      joint.col(c) = (constant - 0.5 * (square.rowwise() / var_.row(c).array()).rowwise().sum()).matrix();
    }
    Vector top = joint.rowwise().maxCoeff();
    Matrix e = (joint.colwise() - top).array().exp();
    return e.array().colwise() / e.rowwise().sum().array();
  }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"theta", theta_}, {"var", var_}, {"class_prior", prior_.transpose()}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    theta_ = p[0].second;
    var_ = p[1].second;
    prior_ = p[2].second.transpose();
  }

private:
  double smoothing_;
  Matrix theta_; ///< classes × features: the means
  Matrix var_;   ///< classes × features: the variances, smoothed
  Vector prior_; ///< per class
};

} // namespace

EstimatorSpec naive_bayes_spec() {
  return {"naive_bayes",
          Task::Classification,
          {{"var_smoothing", OptionSpec::Number, 1e-9, 0,
            "added to the variances, as a fraction of the largest variance of any input"}},
          {},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> {
            return std::make_unique<NaiveBayes>(o.at("var_smoothing"));
          }};
}

} // namespace mlp::rt::fit
