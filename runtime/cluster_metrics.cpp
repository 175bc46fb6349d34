/// \file cluster_metrics.cpp
/// Clustering metrics (mlp_runtime.h, metrics section) with scikit-learn's
/// definitions: adjusted_rand_score of two labelings, silhouette_score of a
/// fitted model's labels on a table, and the codes that let a str column
/// serve as labels.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using namespace mlp::rt;
using namespace mlp::rt::fit;

namespace {

/// A rank-1 i64 memref's values.
std::vector<int64_t> labels_of(int64_t rank, void *descriptor, const char *what) {
  StridedView v = view_from_descriptor(rank, descriptor);
  if (rank != 1) internal_error(std::string("mlp_rt_adjusted_rand: ") + what + " has rank " + std::to_string(rank));
  const int64_t *data = static_cast<const int64_t *>(v.aligned) + v.offset;
  std::vector<int64_t> out(static_cast<size_t>(v.sizes[0]));
  for (int64_t i = 0; i < v.sizes[0]; ++i) out[i] = data[i * v.strides[0]];
  return out;
}

/// Each value's index among the sorted distinct values, and their count.
std::pair<std::vector<int64_t>, int64_t> dense(const std::vector<int64_t> &values) {
  std::vector<int64_t> distinct = values;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<int64_t> ids(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    ids[i] = std::lower_bound(distinct.begin(), distinct.end(), values[i]) - distinct.begin();
  return {ids, static_cast<int64_t>(distinct.size())};
}

} // namespace

extern "C" double mlp_rt_adjusted_rand(int64_t ar, void *a_arg, int64_t br, void *b_arg) {
  std::vector<int64_t> a = labels_of(ar, a_arg, "the first labeling");
  std::vector<int64_t> b = labels_of(br, b_arg, "the second labeling");
  if (a.size() != b.size())
    die("adjusted_rand compares two labelings of the same rows, but one has " + std::to_string(a.size()) +
            " rows and the other " + std::to_string(b.size()),
        1);
  // sklearn's pair_confusion_matrix over the contingency table n_ij: pairs
  // (ordered, so every count is doubled; the ratio does not mind) together in
  // both, in the first only, in the second only, in neither.
  const __int128 n = static_cast<__int128>(a.size());
  auto [ia, ca] = dense(a);
  auto [ib, cb] = dense(b);
  std::vector<std::pair<int64_t, int64_t>> cells(a.size());
  for (size_t i = 0; i < a.size(); ++i) cells[i] = {ia[i], ib[i]};
  std::sort(cells.begin(), cells.end());
  __int128 sumSquares = 0, rowSquares = 0, colSquares = 0;
  for (size_t i = 0; i < cells.size();) {
    size_t j = i;
    while (j < cells.size() && cells[j] == cells[i]) ++j;
    sumSquares += static_cast<__int128>(j - i) * static_cast<__int128>(j - i);
    i = j;
  }
  std::vector<int64_t> rowCount(static_cast<size_t>(ca), 0), colCount(static_cast<size_t>(cb), 0);
  for (size_t i = 0; i < a.size(); ++i) ++rowCount[ia[i]], ++colCount[ib[i]];
  for (int64_t c : rowCount) rowSquares += static_cast<__int128>(c) * c;
  for (int64_t c : colCount) colSquares += static_cast<__int128>(c) * c;
  const __int128 tp = sumSquares - n;
  const __int128 fp = colSquares - sumSquares; // together in b only (sklearn's C[0, 1])
  const __int128 fn = rowSquares - sumSquares; // together in a only (C[1, 0])
  const __int128 tn = n * n - fp - fn - sumSquares;
  if (fn == 0 && fp == 0) return 1.0; // identical partitions, or no rows
  // Products up to n^4: 128 bits hold them exactly for n below 2^31.
  const __int128 num = tp * tn - fn * fp;
  const __int128 den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return 2.0 * static_cast<double>(num) / static_cast<double>(den);
}

extern "C" double mlp_rt_fitted_silhouette(MlpFitted *m_arg, MlpTable *t_arg) {
  if (!m_arg) internal_error("mlp_rt_fitted_silhouette: null fitted model");
  const MlpFitted &m = *m_arg;
  const MlpTable &t = checked(t_arg, "mlp_rt_fitted_silhouette");
  const std::string who = std::string("silhouette of ") + m.spec->name;
  if (m.task == Task::Regression)
    die(who + ": silhouette scores clusters, but " + m.spec->name + " predicts values of '" + m.target + "'", 1);

  // The model's inputs as doubles (f32 values widened, as sklearn is given
  // them); a missing value is a user error as for predictions.
  const int64_t n = t.rows;
  Matrix x(n, m.features);
  int64_t offset = 0;
  for (const std::string &name : m.inputs) {
    const Column &c = t.column(name);
    const int64_t width = c.width();
    for (int64_t r = 0; r < n; ++r)
      for (int64_t k = 0; k < width; ++k) {
        double v = c.type == ColumnType::F32 ? c.f32[r * width + k] : static_cast<double>(c.i64[r * width + k]);
        if (std::isnan(v))
          die(t.where(r) + ": " + who + " needs every input, but '" + c.name +
                  "' is missing here (drop_na or fill_na first)",
              1);
        x(r, offset + k) = v;
      }
    offset += width;
  }
  if (offset != m.features) internal_error("mlp_rt_fitted_silhouette: the inputs do not fit the model");

  // Labels: a classifier's first most probable class, kmeans' cluster.
  std::vector<int64_t> predicted(static_cast<size_t>(n));
  if (n > 0) {
    Matrix out = m.model->predict(x);
    if (m.task == Task::Unsupervised && out.cols() != 1)
      die(who + ": silhouette scores clusters, but " + m.spec->name + " predicts " + std::to_string(out.cols()) +
              " values per row, not a label",
          1);
    for (int64_t r = 0; r < n; ++r) {
      if (m.task == Task::Classification) {
        Eigen::Index best;
        out.row(r).maxCoeff(&best);
        predicted[r] = best;
      } else {
        predicted[r] = std::llround(out(r, 0));
      }
    }
  }
  auto [label, clusters] = dense(predicted);
  // sklearn's check_number_of_labels.
  if (clusters < 2 || clusters > n - 1)
    die(who + ": the predictions hold " + std::to_string(clusters) + " cluster" + (clusters == 1 ? "" : "s") + " in " +
            std::to_string(n) + " rows; silhouette needs 2 to rows - 1 (" + std::to_string(n - 1) + ")",
        1);

  // sums(i, c): the distances from row i to the rows of cluster c, from
  // blocks of the distance matrix: |xi|^2 + |xj|^2 - 2 xi.xj (the inputs
  // centered first, so less cancels), clamped at 0, the diagonal exactly 0,
  // times the rows' one-hot cluster matrix.
  x.rowwise() -= x.colwise().mean();
  const Vector norms = x.rowwise().squaredNorm();
  Matrix onehot = Matrix::Zero(n, clusters);
  std::vector<int64_t> sizes(static_cast<size_t>(clusters), 0);
  for (int64_t r = 0; r < n; ++r) onehot(r, label[r]) = 1, ++sizes[label[r]];
  const Matrix xt = x.transpose();
  Matrix sums(n, clusters);
  // Blocks of rows with about 2^16 distances each (512 KB, so a block stays
  // in cache from its product to its sums), at least one block per thread.
  const int64_t threads = std::max(1, thread_count());
  int64_t block = std::clamp<int64_t>((int64_t{1} << 16) / n, 4, 256);
  block = std::max<int64_t>(1, std::min(block, (n + threads - 1) / threads));
  const int64_t blocks = (n + block - 1) / block;
  const Eigen::RowVectorXd normsRow = norms.transpose();
  parallel_parts(static_cast<int>(blocks), [&](int p) {
    const int64_t first = p * block, count = std::min(block, n - first);
    Matrix d = x.middleRows(first, count) * xt;
    d = ((-2.0 * d).colwise() + norms.segment(first, count)).rowwise() + normsRow;
    d = d.cwiseMax(0.0).cwiseSqrt();
    for (int64_t i = 0; i < count; ++i) d(i, first + i) = 0;
    sums.middleRows(first, count) = d * onehot;
  });

  // s(i) = (b - a) / max(a, b), a the mean distance to the rest of i's
  // cluster, b the smallest mean distance to another cluster; 0 for a
  // cluster of one (and 0/0), as sklearn's nan_to_num makes it.
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const int64_t own = label[r];
    if (sizes[own] == 1) continue;
    double a = sums(r, own) / static_cast<double>(sizes[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < clusters; ++c)
      if (c != own) b = std::min(b, sums(r, c) / static_cast<double>(sizes[c]));
    double top = std::max(a, b);
    if (top > 0) total += (b - a) / top;
  }
  return total / static_cast<double>(n);
}

extern "C" void mlp_rt_table_codes(MlpTable *t_arg, const char *column, int64_t rank, void *descriptor) {
  const MlpTable &t = checked(t_arg, "mlp_rt_table_codes");
  const Column &c = t.column(arg(column));
  if (c.type != ColumnType::Str)
    internal_error("mlp_rt_table_codes: column '" + c.name + "' is " + c.type_text() + ", not str");
  StridedView v = expect_shape(rank, descriptor, {t.rows}, "mlp_rt_table_codes's result");
  int64_t *data = static_cast<int64_t *>(const_cast<void *>(v.aligned)) + v.offset;
  for (int64_t r = 0; r < t.rows; ++r) data[r * v.strides[0]] = c.codes[r];
}
