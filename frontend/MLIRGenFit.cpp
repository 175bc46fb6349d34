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

} // namespace mlp
