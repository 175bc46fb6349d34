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

  /// The k nearest training rows by (exact distance, row), found fast: a
  /// float matrix product ranks every training row a by |a|² - 2a·b (the
  /// distance to b less |b|², on centred rows to lose less to cancellation)
  /// to within a rounding bound; the rows within that bound of the k-th rank
  /// get their exact distance, so the result is a full exact search's.
  Matrix predict(const Matrix &x) const override {
    Eigen::Index n = x_.rows(), rows = x.rows(), features = x_.cols();
    Eigen::RowVectorXd mean = x_.colwise().mean();
    // Rows [a, |a|²] times [-2b, 1] give the ranks in one product.
    Matrix centred = x_.rowwise() - mean;
    Eigen::MatrixXf train(n, features + 1);
    train.leftCols(features) = centred.cast<float>();
    train.col(features) = centred.rowwise().squaredNorm().cast<float>();
    double reach = std::sqrt(centred.rowwise().squaredNorm().maxCoeff());
    // In floats (twice as fast as doubles) a rank is off by at most about
    // (features + 3) float eps (|a| + |b|)² / 2; two ranks compared, with
    // room to spare.
    double bound = 8 * static_cast<double>(features + 2) * std::numeric_limits<float>::epsilon();
    Matrix out(rows, y_.cols());
    constexpr Eigen::Index kBlock = 32; // test rows per product: their ranks stay in cache
    parallel_parts(static_cast<int>((rows + kBlock - 1) / kBlock), [&](int block) {
      Eigen::Index first = block * kBlock, count = std::min(kBlock, rows - first);
      Matrix centredQuery = x.middleRows(first, count).rowwise() - mean;
      Vector margin = bound * (reach + centredQuery.rowwise().norm().array()).square();
      Eigen::MatrixXf query(count, features + 1);
      query.leftCols(features) = (-2 * centredQuery).cast<float>();
      query.col(features).setOnes();
      Eigen::MatrixXf ranks(n, count);
      ranks.noalias() = train * query.transpose();
      std::vector<double> smallest; // a max-heap of the k smallest ranks so far
      std::vector<int64_t> candidates;
      std::vector<std::pair<double, int64_t>> near;
      for (Eigen::Index j = 0; j < count; ++j) {
        // One pass: rows within the margin of the heap's top are candidates
        // (the top only falls, so no row that ends within it is missed).
        const float *rank = ranks.col(j).data();
        smallest.assign(rank, rank + k_);
        std::make_heap(smallest.begin(), smallest.end());
        candidates.resize(k_);
        std::iota(candidates.begin(), candidates.end(), 0);
        for (Eigen::Index i = k_; i < n; ++i) {
          if (rank[i] < smallest.front()) {
            std::pop_heap(smallest.begin(), smallest.end());
            smallest.back() = rank[i];
            std::push_heap(smallest.begin(), smallest.end());
          }
          if (rank[i] <= smallest.front() + margin[j]) candidates.push_back(i);
        }
        near.clear();
        for (int64_t i : candidates)
          if (rank[i] <= smallest.front() + margin[j])
            near.emplace_back((x_.row(i) - x.row(first + j)).squaredNorm(), i);
        std::partial_sort(near.begin(), near.begin() + k_, near.end());
        out.row(first + j) = vote(near);
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
  /// The first k of `near` (distance², row): their class fractions or mean
  /// target, by 1/distance if asked (rows at distance 0 then take it all).
  Eigen::RowVectorXd vote(const std::vector<std::pair<double, int64_t>> &near) const {
    bool exact = distance_ && near[0].first == 0;
    Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(y_.cols());
    double total = 0;
    for (int64_t j = 0; j < k_; ++j) {
      auto [d, i] = near[j];
      double w = !distance_ ? 1.0 : exact ? (d == 0 ? 1.0 : 0.0) : 1.0 / std::sqrt(d);
      sum += w * y_.row(i), total += w;
    }
    return sum / total;
  }

  int64_t k_;
  bool distance_, classes_;
  Matrix x_; ///< the training rows
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
