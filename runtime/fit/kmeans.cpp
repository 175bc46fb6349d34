/// \file kmeans.cpp
/// kmeans, as scikit-learn's KMeans (algorithm "lloyd"): greedy k-means++
/// starts, Lloyd iterations until the labels stop changing or the centres
/// move less than tol (relative to the mean feature variance), and the best
/// of n_init runs by inertia. Runs go in parallel, each seeded by (seed, its
/// index), so the result does not depend on the thread count.

#include "runtime/fit/tree.h" // seeded()
#include "runtime/internal.h"

#include <algorithm>
#include <cmath>

namespace mlp::rt::fit {
namespace {

using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

double distance2(const Rows &a, Eigen::Index i, const Rows &b, Eigen::Index j) {
  return (a.row(i) - b.row(j)).squaredNorm();
}

/// The centre nearest row i (the first of equals), and its squared distance.
std::pair<int64_t, double> nearest(const Rows &x, Eigen::Index i, const Rows &centers) {
  std::pair<int64_t, double> best{0, distance2(x, i, centers, 0)};
  for (Eigen::Index c = 1; c < centers.rows(); ++c)
    if (double d = distance2(x, i, centers, c); d < best.second) best = {c, d};
  return best;
}

double uniform01(SplitMix64 &rng) { return static_cast<double>(rng.next() >> 11) * 0x1.0p-53; }

struct Run {
  Rows centers;
  double inertia = 0;
  int64_t iterations = 0;
};

class KMeans : public Estimator {
public:
  explicit KMeans(const Options &o)
      : k_(static_cast<int64_t>(o.at("k"))), seed_(static_cast<int64_t>(o.at("seed"))),
        runs_(static_cast<int>(o.at("n_init"))), maxIter_(static_cast<int64_t>(o.at("max_iter"))),
        tol_(o.at("tol")) {}

  void fit(const Data &d) override {
    if (k_ > d.x.rows())
      die("kmeans: k is " + std::to_string(k_) + " but there are only " + std::to_string(d.x.rows()) +
              " rows to fit on; k must be at most the rows",
          1);
    // Centred, as scikit-learn does, so |c|² - 2x·c loses little to cancellation.
    Eigen::RowVectorXd mean = d.x.colwise().mean();
    Rows x = d.x.rowwise() - mean;
    // scikit-learn's tol is relative: times the mean of the features' variances.
    double tol = x.array().square().colwise().mean().mean() * tol_;
    std::vector<Run> runs(runs_);
    parallel_parts(runs_, [&](int i) { runs[i] = lloyd(x, plusplus(x, seeded(seed_, i)), tol); });
    best_ = runs[0];
    for (const Run &r : runs)
      if (r.inertia < best_.inertia) best_ = r;
    best_.centers.rowwise() += mean;
  }

  Matrix predict(const Matrix &x) const override {
    Rows rows = x;
    Matrix out(x.rows(), 1);
    for (Eigen::Index i = 0; i < x.rows(); ++i) out(i, 0) = static_cast<double>(nearest(rows, i, best_.centers).first);
    return out;
  }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"cluster_centers", best_.centers}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    best_ = Run{p[0].second, std::numeric_limits<double>::quiet_NaN(), 0};
  }

  double number(const std::string &name) const override {
    if (name == "inertia") return best_.inertia;
    if (name == "n_iter") return static_cast<double>(best_.iterations);
    return Estimator::number(name);
  }

private:
  /// Greedy k-means++: each new centre is the best (by the sum of squared
  /// distances it leaves) of 2 + ln k rows drawn with probability
  /// proportional to their squared distance from the centres so far.
  Rows plusplus(const Rows &x, SplitMix64 rng) const {
    Eigen::Index n = x.rows();
    int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k_)));
    Rows centers(k_, x.cols());
    centers.row(0) = x.row(uniform_int(rng, n));
    std::vector<double> closest(n), cumulative(n), candidate(n), bestCandidate(n);
    double potential = 0;
    for (Eigen::Index i = 0; i < n; ++i) potential += closest[i] = distance2(x, i, centers, 0);
    for (int64_t c = 1; c < k_; ++c) {
      double sum = 0;
      for (Eigen::Index i = 0; i < n; ++i) cumulative[i] = sum += closest[i];
      double bestPotential = std::numeric_limits<double>::infinity();
      Eigen::Index bestRow = 0;
      for (int64_t t = 0; t < trials; ++t) {
        double target = uniform01(rng) * potential;
        Eigen::Index row = std::min<Eigen::Index>(
            std::lower_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin(), n - 1);
        double p = 0;
        for (Eigen::Index i = 0; i < n; ++i)
          p += candidate[i] = std::min(closest[i], (x.row(i) - x.row(row)).squaredNorm());
        if (p < bestPotential) bestPotential = p, bestRow = row, bestCandidate.swap(candidate);
      }
      centers.row(c) = x.row(bestRow);
      closest.swap(bestCandidate);
      potential = bestPotential;
    }
    return centers;
  }

  /// Lloyd's iterations from `centers`, as scikit-learn's _kmeans_single_lloyd.
  Run lloyd(const Rows &x, Rows centers, double tol) const {
    Eigen::Index n = x.rows();
    std::vector<int64_t> labels(n), previous(n, -1);
    std::vector<double> distance(n);
    constexpr Eigen::Index kChunk = 256; // rows per product, still in cache when summed
    Rows sums(k_, x.cols()), dots(kChunk, k_);
    Eigen::VectorXd counts(k_);
    Run run;
    bool converged = false;
    while (run.iterations < maxIter_ && !converged) {
      ++run.iterations;
      // Each row's nearest centre by |c|² - 2x·c (its distance less |x|²),
      // from matrix products over chunks of rows, as scikit-learn does.
      Eigen::RowVectorXd norms = centers.rowwise().squaredNorm();
      sums.setZero(), counts.setZero();
      for (Eigen::Index start = 0; start < n; start += kChunk) {
        Eigen::Index rows = std::min(kChunk, n - start);
        dots.topRows(rows).noalias() = x.middleRows(start, rows) * centers.transpose();
        for (Eigen::Index i = start; i < start + rows; ++i) {
          Eigen::Index best;
          (norms - 2 * dots.row(i - start)).minCoeff(&best);
          labels[i] = best;
          sums.row(best) += x.row(i), counts[best] += 1;
        }
      }
      // An empty cluster takes the row farthest from its centre, as scikit-learn does.
      if (counts.minCoeff() == 0)
        for (Eigen::Index i = 0; i < n; ++i) distance[i] = distance2(x, i, centers, labels[i]);
      for (int64_t c = 0; c < k_; ++c) {
        if (counts[c] > 0) continue;
        auto far = std::max_element(distance.begin(), distance.end()) - distance.begin();
        sums.row(labels[far]) -= x.row(far), counts[labels[far]] -= 1;
        sums.row(c) = x.row(far), counts[c] = 1;
        distance[far] = -1; // taken
      }
      for (int64_t c = 0; c < k_; ++c)
        if (counts[c] > 0) sums.row(c) /= counts[c];
      double shift = (sums - centers).squaredNorm();
      centers.swap(sums);
      converged = labels == previous || shift <= tol;
      previous.swap(labels);
    }
    // The inertia of the final centres, each row at its nearest.
    run.inertia = 0;
    for (Eigen::Index i = 0; i < n; ++i) run.inertia += nearest(x, i, centers).second;
    run.centers = std::move(centers);
    return run;
  }

  int64_t k_, seed_;
  int runs_;
  int64_t maxIter_;
  double tol_;
  Run best_;
};

} // namespace

EstimatorSpec kmeans_spec() {
  return {"kmeans",
          Task::Unsupervised,
          {{"k", OptionSpec::Int, 8, 1, "the number of clusters"},
           {"seed", OptionSpec::Int, 0, 0, "seeds the k-means++ starts"},
           {"n_init", OptionSpec::Int, 10, 1, "runs from different starts; the best by inertia is kept"},
           {"max_iter", OptionSpec::Int, 300, 1, "the most Lloyd iterations of a run"},
           {"tol", OptionSpec::Number, 1e-4, 0, "stop when the centres move less (relative to the data's variance)"}},
          {"inertia", "n_iter"},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> { return std::make_unique<KMeans>(o); }};
}

} // namespace mlp::rt::fit
