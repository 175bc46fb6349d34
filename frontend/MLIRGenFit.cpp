// `fit` and its models in the generated program: the estimators run in the
// runtime (runtime/fit/), so a fitted model is a handle that metrics,
// predictions, members and print pass to it.
#include "frontend/MLIRGenImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlp {

using namespace mlir;
namespace ops = mlir::mlp;

void MLIRGen::genFit(const Stmt &s) {
  Location l = loc(s.range);
  const TrainedInfo &info = *sema.trainings.at(&s);
  Value table = gen(*s.target).value;
  Value batches = rtCall("mlp_rt_batcher_new", ptrType(),
                         {table, str(info.runtimeInputs(), l), str(info.target, l),
                          str(info.runtimeLabels(), l), i64(1, l), i64(-1, l)},
                         l);
  GenValue model;
  model.kind = GenValue::Fitted;
  model.value = rtCall("mlp_rt_fit", ptrType(),
                       {str(info.estimator, l), str(info.estimatorOptions, l), batches}, l);
  rtCall("mlp_rt_batcher_free", {}, {batches}, l);
  globals[sema.stmtGlobals.at(&s)] = model;
  bindLocal(s.name(), model);
}

/// An evaluation of a fitted model on `table` (which has its target): one
/// batch of all the rows, filled by the runtime's predictions.
Value MLIRGen::fittedEvaluation(const TrainedInfo &info, Value model, Value table, Location l) {
  Value rows = rtCall("mlp_rt_table_rows", b.getI64Type(), {table}, l);
  Value batch = b.create<arith::MaxSIOp>(l, rows, i64(1, l)); // an empty table still has a batch
  Value batches = rtCall("mlp_rt_batcher_new", ptrType(),
                         {table, str(info.runtimeInputs(), l), str(info.target, l),
                          str(info.runtimeLabels(), l), batch, i64(-1, l)},
                         l);
  Value eval = rtCall("mlp_rt_eval_new", ptrType(), {batches}, l);
  rtCall("mlp_rt_fitted_eval_add", {}, {model, eval, batches}, l);
  return eval;
}

GenValue MLIRGen::genFittedPredict(const Expr &e) {
  Location l = loc(e);
  Value model = gen(*e.operands[0]).value;
  Value table = gen(*e.args[0].value).value;
  Value rows = b.create<arith::IndexCastOp>(
      l, b.getIndexType(), rtCall("mlp_rt_table_rows", b.getI64Type(), {table}, l));
  bool ints = typeOf(e).elem == ElemType::I64;
  auto fill = b.create<ops::RuntimeFillOp>(
      l, TypeRange{tensorType(typeOf(e))},
      b.getStringAttr(ints ? "mlp_rt_fitted_predict_i64" : "mlp_rt_fitted_predict_f32"),
      ValueRange{model, table}, ValueRange{rows});
  return GenValue::tensor(fill.getResult(0));
}

GenValue MLIRGen::genFittedMember(const Expr &e) {
  Location l = loc(e);
  Value model = gen(*e.operands[0]).value;
  Value v = rtCall("mlp_rt_fitted_number", b.getF64Type(), {model, str(e.name, l)}, l);
  return GenValue::tensor(
      b.create<tensor::FromElementsOp>(l, RankedTensorType::get({}, b.getF64Type()), v));
}

/// adjusted_rand, silhouette, cross_validate and grid_search.
GenValue MLIRGen::genFitBuiltin(const Expr &e, const std::string &name) {
  Location l = loc(e);
  auto f64 = [&](Value v) {
    return GenValue::tensor(
        b.create<tensor::FromElementsOp>(l, RankedTensorType::get({}, b.getF64Type()), v));
  };
  const Expr *first = positionalArg(e, 0), *second = positionalArg(e, 1);
  if (name == "adjusted_rand")
    return f64(rtCall("mlp_rt_adjusted_rand", b.getF64Type(), {tensorOf(*first), tensorOf(*second)}, l));
  Value model = gen(*first).value;
  Value table = gen(*second).value;
  if (name == "silhouette")
    return f64(rtCall("mlp_rt_fitted_silhouette", b.getF64Type(), {model, table}, l));
  auto option = [&](const char *key, int64_t otherwise) {
    const Expr *v = namedArg(e, key);
    return i64(v ? (int64_t)*constant(*v) : otherwise, l);
  };
  Value folds = option("folds", 5), seed = option("seed", -1);
  if (name == "cross_validate") {
    auto fill = b.create<ops::RuntimeFillOp>(l, TypeRange{tensorType(typeOf(e))},
                                             b.getStringAttr("mlp_rt_cross_validate"),
                                             ValueRange{model, table, folds, seed}, ValueRange{});
    return GenValue::tensor(fill.getResult(0));
  }
  GenValue best;
  best.kind = GenValue::Fitted;
  best.value = rtCall("mlp_rt_grid_search", ptrType(),
                      {model, table, str(notes->strings.at(&e), l), folds, seed}, l);
  return best;
}

/// `plot scatter(t, x: a, y: b, color: c) to "path"`.
void MLIRGen::genScatter(const Expr &e, const std::string &path, Location l) {
  Value table = gen(*positionalArg(e, 0)).value;
  llvm::SmallVector<llvm::StringRef, 3> columns;
  llvm::StringRef(notes->strings.at(&e)).split(columns, '\t');
  const Expr *color = namedArg(e, "color");
  if (color && columns[2].empty()) { // per-row labels, such as km(t)
    std::string label = color->kind == ExprKind::Call && color->operands[0]->kind == ExprKind::Name
                            ? color->operands[0]->name
                            : "label";
    rtCall("mlp_rt_plot_scatter_labels", {},
           {table, str(columns[0], l), str(columns[1], l), tensorOf(*color), str(label, l), str(path, l)}, l);
    return;
  }
  rtCall("mlp_rt_plot_scatter", {},
         {table, str(columns[0], l), str(columns[1], l), str(columns[2], l), str(path, l)}, l);
}

} // namespace mlp
