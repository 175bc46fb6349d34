/// \file tree.h
/// CART trees as scikit-learn grows them (its BestSplitter and depth-first
/// builder), shared by decision_tree (tree.cpp) and random_forest
/// (forest.cpp): gini for classes, squared error for values.
#ifndef MLP_RUNTIME_FIT_TREE_H
#define MLP_RUNTIME_FIT_TREE_H

#include "runtime/fit/estimator.h"
#include "runtime/pipeline.h"

namespace mlp::rt::fit {

/// A fitted tree, its nodes in preorder (the root first, a left subtree
/// before its right one), as scikit-learn numbers them.
struct Tree {
  struct Node {
    int64_t feature = -1; ///< -1 for a leaf
    double threshold = 0; ///< go left when x[feature] <= threshold
    int64_t left = -1, right = -1;
  };
  std::vector<Node> nodes;
  /// Per node: the class probabilities, or the mean (one column).
  std::vector<double> values;
  int64_t outputs = 1;

  /// The first value of the leaf that row `r` of `x` falls in.
  const double *leaf(const Matrix &x, Eigen::Index r) const {
    int64_t i = 0;
    while (nodes[i].feature >= 0)
      i = x(r, nodes[i].feature) <= nodes[i].threshold ? nodes[i].left : nodes[i].right;
    return &values[i * outputs];
  }
};

/// How to grow a tree: scikit-learn's options of the same names.
struct TreeOptions {
  int64_t maxDepth = 0; ///< 0: unlimited
  int64_t minSamplesSplit = 2;
  int64_t minSamplesLeaf = 1;
  int64_t maxFeatures = 0; ///< features tried per split; 0: all
};

/// Grows a tree on the rows of `d` with a nonzero weight (weights count a
/// row that many times: a forest's bootstrap). `seed` orders the features
/// tried at each split, which only matters between equally good splits
/// unless maxFeatures picks a random subset.
Tree grow_tree(const Data &d, bool classification, const std::vector<double> &weight, const TreeOptions &o,
               SplitMix64 rng);

/// A tree's parameters: `nodes` [n × 4] (feature, threshold, left, right;
/// feature -1 for a leaf) and `values` [n × outputs]. Children are numbered
/// from `first` (a forest stacks its trees' nodes).
std::pair<Matrix, Matrix> tree_matrices(const Tree &t, int64_t first = 0);
/// The tree of `nodes` rows [begin, end) (children numbered from `begin`)
/// and the matching rows of `values`.
Tree tree_from_matrices(const Matrix &nodes, const Matrix &values, Eigen::Index begin, Eigen::Index end);

/// A generator seeded from (seed, stream) as runtime permutations are.
inline SplitMix64 seeded(int64_t seed, uint64_t stream) {
  uint64_t s = SplitMix64{stream}.next();
  return SplitMix64{SplitMix64{static_cast<uint64_t>(seed) + s}.next()};
}
/// Uniform in [0, n).
inline int64_t uniform_int(SplitMix64 &rng, int64_t n) {
  return static_cast<int64_t>((static_cast<unsigned __int128>(rng.next()) * static_cast<uint64_t>(n)) >> 64);
}

} // namespace mlp::rt::fit

#endif // MLP_RUNTIME_FIT_TREE_H
