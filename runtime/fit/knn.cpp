/// \file knn.cpp
/// knn, as scikit-learn's KNeighborsClassifier/Regressor with brute force:
/// the k training rows nearest (Euclidean) each row, ties in distance going
/// to the earlier training row; their class votes as fractions, or the mean
/// of their targets, optionally weighted by 1/distance. Fitting only keeps
/// the training rows, so they are the parameters a saved model needs.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mlp::rt::fit {
namespace {

using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class Knn : public Estimator {
public:
  Knn(const Options &o, Task task)
      : k_(static_cast<int64_t>(o.at("k"))), distance_(o.at("distance") != 0), classes_(task == Task::Classification) {}

  void fit(const Data &d) override {
    if (k_ > d.x.rows())
      die("knn: k is " + std::to_string(k_) + " but there are only " + std::to_string(d.x.rows()) +
              " rows to fit on; k must be at most the rows",
          1);
    x_ = d.x;
    // Classes one-hot, so a vote is a sum of rows (and a loaded model knows the class count).
    if (classes_) {
      y_ = Matrix::Zero(d.x.rows(), d.classCount);
      for (Eigen::Index r = 0; r < d.x.rows(); ++r) y_(r, d.classes[r]) = 1;
    } else {
      y_ = d.y;
    }
  }

  Matrix predict(const Matrix &x) const override {
    Rows rows = x;
    Eigen::Index n = x_.rows();
    Matrix out(x.rows(), y_.cols());
    int parts = static_cast<int>(std::min<Eigen::Index>(x.rows(), thread_count()));
    parallel_parts(parts, [&](int part) {
      std::vector<double> distance(n);
      std::vector<int64_t> order(n);
      for (Eigen::Index r = x.rows() * part / parts; r < x.rows() * (part + 1) / parts; ++r) {
        for (Eigen::Index i = 0; i < n; ++i) distance[i] = (x_.row(i) - rows.row(r)).squaredNorm();
        std::iota(order.begin(), order.end(), 0);
        // The k nearest; the earlier row first among equals (a stable sort's order).
        std::partial_sort(order.begin(), order.begin() + k_, order.end(), [&](int64_t a, int64_t b) {
          return distance[a] < distance[b] || (distance[a] == distance[b] && a < b);
        });
        // 1/distance weights; a row at distance 0 takes all the weight (with any others at 0).
        bool exact = distance_ && distance[order[0]] == 0;
        Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(y_.cols());
        double total = 0;
        for (int64_t j = 0; j < k_; ++j) {
          double d = distance[order[j]];
          double w = !distance_ ? 1.0 : exact ? (d == 0 ? 1.0 : 0.0) : 1.0 / std::sqrt(d);
          sum += w * y_.row(order[j]), total += w;
        }
        out.row(r) = sum / total;
      }
    });
    return out;
  }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"fit_x", x_}, {"fit_y", y_}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    x_ = p[0].second;
    y_ = p[1].second;
  }

private:
  int64_t k_;
  bool distance_, classes_;
  Rows x_;   ///< the training rows
  Matrix y_; ///< their targets: one-hot classes, or values (one column)
};

} // namespace

EstimatorSpec knn_spec() {
  return {"knn",
          Task::Either,
          {{"k", OptionSpec::Int, 5, 1, "the number of neighbours"},
           {"distance", OptionSpec::Bool, 0, 0, "weigh neighbours by 1/distance (else equally)"}},
          {},
          [](const Options &o, Task task) -> std::unique_ptr<Estimator> { return std::make_unique<Knn>(o, task); }};
}

} // namespace mlp::rt::fit
