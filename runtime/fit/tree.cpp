/// \file tree.cpp
/// decision_tree, and the CART builder random_forest shares (tree.h), as
/// scikit-learn's DecisionTreeClassifier/Regressor grow trees: at each node
/// the best split over the features, tried in a random order, and the
/// midpoints between their sorted distinct values; gini impurity for classes,
/// squared error for values; nodes split depth first, left before right.

#include "runtime/fit/tree.h"

#include <algorithm>
#include <cmath>

namespace mlp::rt::fit {
namespace {

/// scikit-learn's FEATURE_THRESHOLD: values closer than this are one value.
constexpr double kSame = 1e-7;
/// A node this pure is a leaf (scikit-learn's EPSILON).
constexpr double kPure = std::numeric_limits<double>::epsilon();

class Builder {
public:
  Builder(const Data &d, bool classification, const std::vector<double> &weight, const TreeOptions &o,
          SplitMix64 rng)
      : d_(d), weight_(weight), o_(o), rng_(rng), classes_(classification),
        outputs_(classification ? d.classCount : 1), features_(d.x.cols()) {
    for (Eigen::Index r = 0; r < d.x.rows(); ++r)
      if (weight[r] > 0) samples_.push_back(r);
    for (int64_t f = 0; f < d.x.cols(); ++f) features_[f] = f;
    if (o_.maxFeatures <= 0 || o_.maxFeatures > d.x.cols()) o_.maxFeatures = d.x.cols();
  }

  Tree build() {
    tree_.outputs = outputs_;
    // Depth first, as scikit-learn: pop a node, push its right then its left
    // child, so nodes come out in preorder.
    struct Pending { int64_t start, end, depth, parent; bool left; };
    std::vector<Pending> stack{{0, static_cast<int64_t>(samples_.size()), 0, -1, false}};
    std::vector<double> sums(outputs_);
    while (!stack.empty()) {
      Pending p = stack.back();
      stack.pop_back();
      int64_t id = static_cast<int64_t>(tree_.nodes.size());
      tree_.nodes.emplace_back();
      if (p.parent >= 0) (p.left ? tree_.nodes[p.parent].left : tree_.nodes[p.parent].right) = id;

      // The node's weighted class counts (or sums of y and y²), its value and impurity.
      std::fill(sums.begin(), sums.end(), 0.0);
      double total = 0, squares = 0;
      for (int64_t i = p.start; i < p.end; ++i) {
        int64_t s = samples_[i];
        double w = weight_[s];
        total += w;
        if (classes_) sums[d_.classes[s]] += w;
        else sums[0] += w * d_.y[s], squares += w * d_.y[s] * d_.y[s];
      }
      for (double v : sums) tree_.values.push_back(v / total);
      double impurity;
      if (classes_) {
        double sq = 0;
        for (double c : sums) sq += c * c;
        impurity = 1.0 - sq / (total * total);
      } else {
        impurity = squares / total - (sums[0] / total) * (sums[0] / total);
      }

      int64_t n = p.end - p.start;
      bool leaf = (o_.maxDepth > 0 && p.depth >= o_.maxDepth) || n < o_.minSamplesSplit ||
                  n < 2 * o_.minSamplesLeaf || impurity <= kPure;
      if (leaf) continue;
      Split s = bestSplit(p.start, p.end, sums, total);
      if (s.feature < 0) continue; // every feature constant, or no split leaves enough rows each side
      auto mid = std::partition(samples_.begin() + p.start, samples_.begin() + p.end,
                                [&](int64_t r) { return d_.x(r, s.feature) <= s.threshold; });
      tree_.nodes[id].feature = s.feature;
      tree_.nodes[id].threshold = s.threshold;
      int64_t pos = mid - samples_.begin();
      stack.push_back({pos, p.end, p.depth + 1, id, false});
      stack.push_back({p.start, pos, p.depth + 1, id, true});
    }
    return std::move(tree_);
  }

private:
  struct Split {
    int64_t feature = -1;
    double threshold = 0;
  };

  /// The best split of samples [start, end): the features in a random order
  /// (at least maxFeatures of them, and one that is not constant if any),
  /// each sorted once; the first best wins, as in scikit-learn.
  Split bestSplit(int64_t start, int64_t end, const std::vector<double> &sums, double total) {
    Split best;
    double bestProxy = -std::numeric_limits<double>::infinity();
    int64_t n = end - start, remaining = static_cast<int64_t>(features_.size()), visited = 0, constant = 0;
    std::vector<double> left(outputs_);
    while (remaining > 0 && (visited < o_.maxFeatures || visited <= constant)) {
      int64_t j = uniform_int(rng_, remaining);
      std::swap(features_[j], features_[--remaining]);
      int64_t f = features_[remaining];
      ++visited;
      auto column = d_.x.col(f);
      sorted_.resize(n);
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (int64_t i = 0; i < n; ++i) {
        int64_t s = samples_[start + i];
        sorted_[i] = {column[s], s};
        lo = std::min(lo, column[s]), hi = std::max(hi, column[s]);
      }
      if (hi <= lo + kSame) {
        ++constant;
        continue;
      }
      std::sort(sorted_.begin(), sorted_.end(), [](const auto &a, const auto &b) { return a.first < b.first; });

      // Move rows left one by one; score a split at each change of value.
      std::fill(left.begin(), left.end(), 0.0);
      double wLeft = 0;
      for (int64_t i = 0; i + 1 < n; ++i) {
        int64_t s = sorted_[i].second;
        double w = weight_[s];
        wLeft += w;
        if (classes_) left[d_.classes[s]] += w;
        else left[0] += w * d_.y[s];
        if (sorted_[i + 1].first <= sorted_[i].first + kSame) continue;
        int64_t pos = i + 1;
        if (pos < o_.minSamplesLeaf || n - pos < o_.minSamplesLeaf) continue;
        double proxy = this->proxy(left, sums, wLeft, total - wLeft);
        if (proxy > bestProxy) {
          bestProxy = proxy;
          best.feature = f;
          double a = sorted_[i].first, b = sorted_[i + 1].first;
          best.threshold = a / 2.0 + b / 2.0;
          if (best.threshold == b || std::isinf(best.threshold)) best.threshold = a;
        }
      }
    }
    return best;
  }

  /// scikit-learn's proxy_impurity_improvement, term for term so that equal
  /// splits compare equal: larger is better.
  double proxy(const std::vector<double> &left, const std::vector<double> &sums, double wLeft, double wRight) const {
    if (!classes_) {
      double l = left[0], r = sums[0] - left[0];
      return l * l / wLeft + r * r / wRight;
    }
    double sqLeft = 0, sqRight = 0;
    for (int64_t c = 0; c < outputs_; ++c) {
      double r = sums[c] - left[c];
      sqLeft += left[c] * left[c];
      sqRight += r * r;
    }
    double giniLeft = 1.0 - sqLeft / (wLeft * wLeft), giniRight = 1.0 - sqRight / (wRight * wRight);
    return -wRight * giniRight - wLeft * giniLeft;
  }

  const Data &d_;
  const std::vector<double> &weight_;
  TreeOptions o_;
  SplitMix64 rng_;
  bool classes_;
  int64_t outputs_;
  std::vector<int64_t> samples_;  ///< rows with weight; each node owns a range
  std::vector<int64_t> features_; ///< drawn from the back, scikit-learn's way
  std::vector<std::pair<double, int64_t>> sorted_; ///< one feature's (value, row) in a node
  Tree tree_;
};

class DecisionTree : public Estimator {
public:
  DecisionTree(const Options &o, Task task) : classes_(task == Task::Classification), seed_(o.at("seed")) {
    options_.maxDepth = static_cast<int64_t>(o.at("max_depth"));
    options_.minSamplesSplit = static_cast<int64_t>(o.at("min_samples_split"));
    options_.minSamplesLeaf = static_cast<int64_t>(o.at("min_samples_leaf"));
  }

  void fit(const Data &d) override {
    tree_ = grow_tree(d, classes_, std::vector<double>(d.x.rows(), 1.0), options_, seeded(seed_, 0));
  }

  Matrix predict(const Matrix &x) const override {
    Matrix out(x.rows(), tree_.outputs);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const double *v = tree_.leaf(x, r);
      for (int64_t k = 0; k < tree_.outputs; ++k) out(r, k) = v[k];
    }
    return out;
  }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    auto [nodes, values] = tree_matrices(tree_);
    return {{"nodes", nodes}, {"values", values}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    tree_ = tree_from_matrices(p[0].second, p[1].second, 0, p[0].second.rows());
  }

private:
  bool classes_;
  int64_t seed_;
  TreeOptions options_;
  Tree tree_;
};

} // namespace

Tree grow_tree(const Data &d, bool classification, const std::vector<double> &weight, const TreeOptions &o,
               SplitMix64 rng) {
  return Builder(d, classification, weight, o, rng).build();
}

std::pair<Matrix, Matrix> tree_matrices(const Tree &t, int64_t first) {
  auto n = static_cast<Eigen::Index>(t.nodes.size());
  Matrix nodes(n, 4), values(n, t.outputs);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Tree::Node &node = t.nodes[i];
    int64_t shift = node.feature >= 0 ? first : 0; // a leaf's -1 children stay -1
    nodes.row(i) << static_cast<double>(node.feature), node.threshold, static_cast<double>(node.left + shift),
        static_cast<double>(node.right + shift);
    for (int64_t k = 0; k < t.outputs; ++k) values(i, k) = t.values[i * t.outputs + k];
  }
  return {nodes, values};
}

Tree tree_from_matrices(const Matrix &nodes, const Matrix &values, Eigen::Index begin, Eigen::Index end) {
  Tree t;
  t.outputs = values.cols();
  for (Eigen::Index i = begin; i < end; ++i) {
    Tree::Node node;
    node.feature = static_cast<int64_t>(nodes(i, 0));
    node.threshold = nodes(i, 1);
    int64_t shift = node.feature >= 0 ? begin : 0;
    node.left = static_cast<int64_t>(nodes(i, 2)) - shift;
    node.right = static_cast<int64_t>(nodes(i, 3)) - shift;
    t.nodes.push_back(node);
    for (int64_t k = 0; k < t.outputs; ++k) t.values.push_back(values(i, k));
  }
  return t;
}

EstimatorSpec decision_tree_spec() {
  return {"decision_tree",
          Task::Either,
          {{"max_depth", OptionSpec::Int, 0, 0, "the deepest a leaf may be (0: unlimited)"},
           {"min_samples_split", OptionSpec::Int, 2, 2, "the fewest rows a node needs to split"},
           {"min_samples_leaf", OptionSpec::Int, 1, 1, "the fewest rows each side of a split"},
           {"seed", OptionSpec::Int, 0, 0, "orders the features tried (breaks ties between equal splits)"}},
          {},
          [](const Options &o, Task task) -> std::unique_ptr<Estimator> {
            return std::make_unique<DecisionTree>(o, task);
          }};
}

} // namespace mlp::rt::fit
