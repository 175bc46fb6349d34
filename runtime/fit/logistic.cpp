/// \file logistic.cpp
/// logistic_regression: L2-penalised logistic regression, as scikit-learn's
/// LogisticRegression. It minimises C·Σ −log p(yᵢ|xᵢ) + ½||W||² (the
/// intercept not penalised): binary with one weight row (p = σ(w·x + b)),
/// multinomial (softmax) with one row per class for 3+ classes. Newton's
/// method with a backtracking line search on that exact objective converges
/// in a few steps to machine precision (sklearn's lbfgs stops far earlier).
///
/// Both cases share one solver: the logits of the classes are Θ·[x, 1], and
/// binary fixes the first class's logit at 0. Classes absent from the rows
/// fitted on are left out (as sklearn never sees them) and predicted with
/// probability 0: their intercept is −inf.

#include "runtime/fit/estimator.h"
#include "runtime/internal.h"

#include <cmath>

namespace mlp::rt::fit {
namespace {

class Logistic : public Estimator {
public:
  Logistic(const Options &o)
      : c_(o.at("c")), intercept_(o.at("fit_intercept") != 0), maxIter_(static_cast<int64_t>(o.at("max_iter"))) {}

  void fit(const Data &d) override {
    const int64_t k = d.classCount, p = d.x.cols();
    // The classes present, and each row's index among them.
    std::vector<bool> seen(k, false);
    for (int64_t c : d.classes) seen[c] = true;
    std::vector<int64_t> local(k, -1), present;
    for (int64_t c = 0; c < k; ++c)
      if (seen[c]) local[c] = static_cast<int64_t>(present.size()), present.push_back(c);
    std::vector<int64_t> y(d.classes.size());
    for (size_t i = 0; i < y.size(); ++i) y[i] = local[d.classes[i]];

    Problem pr{augmented(d.x), y, present.size() == 2, static_cast<int64_t>(present.size()), c_, p};
    Matrix theta = solve(pr, maxIter_);

    // Back to all k classes: binary with two classes is sklearn's one row;
    // a binary fit among 3+ classes is the softmax rows (−θ/2, θ/2).
    const bool oneRow = k == 2;
    coef_ = Matrix::Zero(oneRow ? 1 : k, p);
    bias_ = Vector::Constant(coef_.rows(), oneRow ? 0.0 : -std::numeric_limits<double>::infinity());
    auto put = [&](int64_t at, const Eigen::RowVectorXd &row) {
      coef_.row(at) = row.head(p);
      bias_[at] = intercept_ ? row[p] : 0.0;
    };
    if (oneRow) put(0, theta.row(0));
    else
      for (size_t j = 0; j < present.size(); ++j)
        put(present[j], pr.binary ? Eigen::RowVectorXd((j == 0 ? -0.5 : 0.5) * theta.row(0)) : theta.row(j));
  }

  Matrix predict(const Matrix &x) const override {
    Matrix z = (x * coef_.transpose()).rowwise() + bias_.transpose();
    if (coef_.rows() == 1) { // binary: the logits (0, w·x + b)
      Matrix two(z.rows(), 2);
      two << Matrix::Zero(z.rows(), 1), z;
      z = two;
    }
    return softmax(z);
  }

  std::vector<std::pair<std::string, Matrix>> parameters() const override {
    return {{"coef", coef_}, {"intercept", bias_.transpose()}};
  }

  void load(const std::vector<std::pair<std::string, Matrix>> &p) override {
    coef_ = p[0].second;
    bias_ = p[1].second.transpose();
  }

private:
  /// The fitting problem: x with a column of ones when there is an
  /// intercept, each row's class among the present ones, binary or softmax.
  struct Problem {
    Matrix x;
    std::vector<int64_t> y;
    bool binary;
    int64_t classes; ///< present classes
    double c;
    int64_t penalised; ///< the first columns of θ the L2 term covers
  };

  Matrix augmented(const Matrix &x) const {
    if (!intercept_) return x;
    Matrix a(x.rows(), x.cols() + 1);
    a << x, Matrix::Ones(x.rows(), 1);
    return a;
  }

  /// Row-wise softmax, shifted by the row maximum so exp cannot overflow.
  static Matrix softmax(const Matrix &z) {
    Matrix e = (z.colwise() - z.rowwise().maxCoeff()).array().exp();
    return e.array().colwise() / e.rowwise().sum().array();
  }

  /// The logits of every present class for weights θ (rows × classes).
  static Matrix logits(const Problem &pr, const Matrix &theta) {
    Matrix z = pr.x * theta.transpose();
    if (!pr.binary) return z;
    Matrix two(z.rows(), 2);
    two << Matrix::Zero(z.rows(), 1), z;
    return two;
  }

  /// The objective C·Σ log-loss + ½||W||².
  static double objective(const Problem &pr, const Matrix &theta) {
    Matrix z = logits(pr, theta);
    Vector top = z.rowwise().maxCoeff();
    Vector lse = top.array() + (z.colwise() - top).array().exp().rowwise().sum().log();
    double loss = 0;
    for (int64_t i = 0; i < z.rows(); ++i) loss += lse[i] - z(i, pr.y[i]);
    return pr.c * loss + 0.5 * theta.leftCols(pr.penalised).squaredNorm();
  }

  /// Newton's method from θ = 0, θ being m × columns (m = 1 for binary,
  /// else the classes); the Hessian is over θ flattened row by row.
  static Matrix solve(const Problem &pr, int64_t maxIter) {
    const int64_t q = pr.x.cols(), m = pr.binary ? 1 : pr.classes, first = pr.binary ? 1 : 0;
    Matrix theta = Matrix::Zero(m, q);
    double f = objective(pr, theta);
    for (int64_t it = 0; it < maxIter; ++it) {
      // The gradient: C·(p − onehot(y))ᵀ·x, plus W from the penalty.
      Matrix prob = softmax(logits(pr, theta)).rightCols(m);
      Matrix r = prob;
      for (size_t i = 0; i < pr.y.size(); ++i)
        if (pr.y[i] >= first) r(static_cast<int64_t>(i), pr.y[i] - first) -= 1;
      Matrix g = pr.c * r.transpose() * pr.x;
      g.leftCols(pr.penalised) += theta.leftCols(pr.penalised);
      // The Hessian's blocks: C·xᵀ·diag(pₐ(δₐᵦ − pᵦ))·x, plus I on W.
      // The m(m+1)/2 blocks are independent GEMMs: one thread each.
      Matrix h(m * q, m * q);
      std::vector<std::pair<int64_t, int64_t>> blocks;
      for (int64_t a = 0; a < m; ++a)
        for (int64_t b = a; b < m; ++b) blocks.emplace_back(a, b);
      parallel_parts(static_cast<int>(blocks.size()), [&](int k) {
        auto [a, b] = blocks[k];
        // The weights pₐ(δₐᵦ − pᵦ) have one sign per block (≥ 0 on the
        // diagonal, ≤ 0 off it), so each block is ±(x·√|w|)ᵀ(x·√|w|): a
        // symmetric rank update, half a GEMM's work.
        Vector w = -prob.col(a).cwiseProduct(prob.col(b));
        if (a == b) w += prob.col(a);
        Matrix scaled = pr.x.array().colwise() * w.array().abs().sqrt();
        Matrix block = Matrix::Zero(q, q);
        block.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose(), a == b ? pr.c : -pr.c);
        block = block.selfadjointView<Eigen::Lower>();
        h.block(a * q, b * q, q, q) = block;
        h.block(b * q, a * q, q, q) = block.transpose();
      });
      for (int64_t a = 0; a < m; ++a)
        h.diagonal().segment(a * q, pr.penalised).array() += 1;
      // Softmax intercepts may all shift by one constant without changing
      // the objective: this term makes the Hessian definite, and since the
      // gradient sums to 0 over them, the steps keep their sum at 0 (as
      // sklearn's, which starts there too). Scaled like the block it joins.
      if (!pr.binary && q > pr.penalised) {
        const double scale = h(q - 1, q - 1);
        for (int64_t a = 0; a < m; ++a)
          for (int64_t b = 0; b < m; ++b) h(a * q + q - 1, b * q + q - 1) += scale;
      }
      Matrix gt = g.transpose();
      Vector gv = Eigen::Map<const Vector>(gt.data(), m * q);
      Vector sv = h.ldlt().solve(-gv);
      Matrix step = Eigen::Map<const Matrix>(sv.data(), q, m).transpose();
      const double decrement = -gv.dot(sv); // twice the predicted decrease
      if (!(decrement > 0)) break;
      if (decrement <= 1e-12 * f) { // the quadratic model is exact here (f > 0: a sum of losses)
        theta += step;
        break;
      }
      double t = 1;
      for (; t > 1e-12; t /= 2) { // backtracking (Armijo) on the exact objective
        double ft = objective(pr, theta + t * step);
        if (ft <= f - 1e-4 * t * decrement) {
          theta += t * step;
          f = ft;
          break;
        }
      }
      if (t <= 1e-12) break; // no decrease left at double precision
    }
    return theta;
  }

  double c_;
  bool intercept_;
  int64_t maxIter_;
  Matrix coef_; ///< classes × features, or 1 × features for binary
  Vector bias_;
};

} // namespace

EstimatorSpec logistic_regression_spec() {
  return {"logistic_regression",
          Task::Classification,
          {{"c", OptionSpec::Number, 1.0, 1e-300, "the inverse of the L2 penalty's weight (sklearn's C), above 0"},
           {"fit_intercept", OptionSpec::Bool, 1, 0, "fit an intercept (not penalised)"},
           {"max_iter", OptionSpec::Int, 100, 1, "the most Newton steps"}},
          {},
          [](const Options &o, Task) -> std::unique_ptr<Estimator> { return std::make_unique<Logistic>(o); }};
}

} // namespace mlp::rt::fit
