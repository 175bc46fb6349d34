/// \file forest.cpp
/// random_forest, as scikit-learn's RandomForestClassifier/Regressor: each
/// tree grows (tree.h) on a bootstrap sample of the rows, given as weights
/// (a row drawn twice weighs 2), trying a random subset of the features at
/// each split; predictions average the trees' class probabilities or
/// values. Trees grow in parallel, each from a generator seeded by (seed,
/// its index), so the forest is the same whatever the thread count.

#include "runtime/fit/tree.h"
#include "runtime/internal.h"

#include <algorithm>
#include <cmath>

namespace mlp::rt::fit {
namespace {

class RandomForest : public Estimator {
public:
  RandomForest(const Options &o, Task task)
      : classes_(task == Task::Classification), trees_(static_cast<size_t>(o.at("n_estimators"))),
        maxFeatures_(o.at("max_features")), seed_(static_cast<int64_t>(o.at("seed"))) {
    options_.maxDepth = static_cast<int64_t>(o.at("max_depth"));
    options_.minSamplesLeaf = static_cast<int64_t>(o.at("min_samples_leaf"));
  }

  void fit(const Data &d) override {
    int64_t n = d.x.rows(), features = d.x.cols();
    // scikit-learn's defaults: sqrt(features) for classes, all for values.
    int64_t tried = maxFeatures_ > 0 ? static_cast<int64_t>(maxFeatures_ * features)
                    : classes_       ? static_cast<int64_t>(std::sqrt(static_cast<double>(features)))
                                     : features;
    options_.maxFeatures = std::clamp<int64_t>(tried, 1, features);
    parallel_parts(static_cast<int>(trees_.size()), [&](int i) {
      SplitMix64 rng = seeded(seed_, static_cast<uint64_t>(i) + 1);
      std::vector<double> weight(n, 0.0);
      for (int64_t k = 0; k < n; ++k) weight[uniform_int(rng, n)] += 1;
      trees_[i] = grow_tree(d, classes_, weight, options_, rng);
    });
  }

  Matrix predict(const Matrix &x) const override {
    int64_t outputs = trees_[0].outputs, rows = x.rows();
    Matrix out = Matrix::Zero(rows, outputs);
    int parts = static_cast<int>(std::min<int64_t>(rows, thread_count()));
    parallel_parts(parts, [&](int part) {
      for (int64_t r = rows * part / parts; r < rows * (part + 1) / parts; ++r)
        for (const Tree &t : trees_) {
          const double *v = t.leaf(x, r);
          for (int64_t k = 0; k < outputs; ++k) out(r, k) += v[k];
        }
    });
    return out / static_cast<double>(trees_.size());
  }

  /// `nodes` and `values` of every tree stacked; `trees`: each one's first node.
  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    std::vector<Matrix> nodes, values;
    Matrix starts(static_cast<Eigen::Index>(trees_.size()), 1);
    Eigen::Index total = 0;
    for (size_t i = 0; i < trees_.size(); ++i) {
      starts(i, 0) = static_cast<double>(total);
      auto [n, v] = tree_matrices(trees_[i], total);
      total += n.rows();
      nodes.push_back(std::move(n)), values.push_back(std::move(v));
    }
    Matrix allNodes(total, 4), allValues(total, trees_[0].outputs);
    for (size_t i = 0; i < trees_.size(); ++i) {
      allNodes.middleRows(static_cast<Eigen::Index>(starts(i, 0)), nodes[i].rows()) = nodes[i];
      allValues.middleRows(static_cast<Eigen::Index>(starts(i, 0)), values[i].rows()) = values[i];
    }
    return {{"trees", starts}, {"nodes", allNodes}, {"values", allValues}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    const Matrix &starts = p[0].second, &nodes = p[1].second, &values = p[2].second;
    trees_.clear();
    for (Eigen::Index i = 0; i < starts.rows(); ++i) {
      auto begin = static_cast<Eigen::Index>(starts(i, 0));
      auto end = i + 1 < starts.rows() ? static_cast<Eigen::Index>(starts(i + 1, 0)) : nodes.rows();
      trees_.push_back(tree_from_matrices(nodes, values, begin, end));
    }
  }

private:
  bool classes_;
  std::vector<Tree> trees_;
  double maxFeatures_;
  int64_t seed_;
  TreeOptions options_;
};

} // namespace

EstimatorSpec random_forest_spec() {
  return {"random_forest",
          Task::Either,
          {{"n_estimators", OptionSpec::Int, 100, 1, "the number of trees"},
           {"max_depth", OptionSpec::Int, 0, 0, "the deepest a leaf may be (0: unlimited)"},
           {"max_features", OptionSpec::Number, 0, 0,
            "the fraction of the features tried per split (0: sqrt(features) for classes, all for values)"},
           {"seed", OptionSpec::Int, 0, 0, "seeds the bootstrap samples and feature subsets"},
           {"min_samples_leaf", OptionSpec::Int, 1, 1, "the fewest rows each side of a split"}},
          {},
          [](const Options &o, Task task) -> std::unique_ptr<Estimator> {
            return std::make_unique<RandomForest>(o, task);
          }};
}

} // namespace mlp::rt::fit
