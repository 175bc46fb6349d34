// MLIRGen for `mlpc repl`: each input is a module of its own, so the values
// earlier inputs bound come from the runtime's store (mlp_rt_repl_*), and a
// bare expression prints its value and type.
#include "frontend/MLIRGenImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlp {

using namespace mlir;
namespace ops = mlir::mlp;

/// The store's callees have one version per element type: f32, i1, ...
static std::string elementSuffix(mlir::Type tensor) {
  mlir::Type e = cast<RankedTensorType>(tensor).getElementType();
  return (isa<FloatType>(e) ? "f" : "i") + std::to_string(e.getIntOrFloatBitWidth());
}
static std::string elementSuffix(Value tensor) { return elementSuffix(tensor.getType()); }

std::optional<GenValue> MLIRGen::globalValue(int id) {
  auto it = globals.find(id);
  if (it != globals.end())
    return it->second;
  // Only main loads: a fn instance gets the values it reads as arguments.
  if (!repl || notes != &sema.mainNotes)
    return std::nullopt;
  auto stored = repl->stored.find(id);
  if (stored == repl->stored.end())
    return std::nullopt;
  // Loaded once, at the top of main, where every use can see it.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(replAnchor);
  GenValue v = loadValue(stored->second, replAnchor->getLoc());
  globals[id] = v;
  return v;
}

StoredValue MLIRGen::storeValue(const GenValue &v, Location l) {
  StoredValue s;
  s.kind = v.kind;
  auto leaf = [&](Value value, const char *function) {
    s.slot = repl->nextSlot++;
    s.type = value.getType();
    rtCall(function, {}, {i64(s.slot, l), value}, l);
  };
  switch (v.kind) {
  case GenValue::Tensor:
    leaf(v.value, ("mlp_rt_repl_store_tensor_" + elementSuffix(v.value)).c_str());
    break;
  case GenValue::Str:
    leaf(runtimeString(v, l), "mlp_rt_repl_store_str");
    break;
  case GenValue::Handle:
  case GenValue::Report:
  case GenValue::Fitted:
    leaf(v.value, "mlp_rt_repl_store_ptr");
    break;
  case GenValue::Model:
    if (v.value)  // the training history
      leaf(v.value, "mlp_rt_repl_store_ptr");
    [[fallthrough]];
  case GenValue::Tuple:
    for (const GenValue &e : v.elems)
      s.elems.push_back(storeValue(e, l));
    break;
  case GenValue::None:
    break;
  }
  return s;
}

GenValue MLIRGen::loadValue(const StoredValue &s, Location l) {
  GenValue v;
  v.kind = (GenValue::Kind)s.kind;
  auto pointer = [&] {
    return rtCall("mlp_rt_repl_load_ptr", ptrType(), {i64(s.slot, l)}, l);
  };
  switch (v.kind) {
  case GenValue::Tensor: {
    auto type = cast<RankedTensorType>(s.type);
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(b.create<arith::IndexCastOp>(
            l, b.getIndexType(),
            rtCall("mlp_rt_repl_dim", b.getI64Type(), {i64(s.slot, l), i64(d, l)}, l)));
    v.value = b.create<ops::RuntimeFillOp>(l, TypeRange{type},
                                           b.getStringAttr("mlp_rt_repl_load_tensor_" +
                                                           elementSuffix(type)),
                                           ValueRange{i64(s.slot, l)}, sizes)
                  .getResult(0);
    break;
  }
  case GenValue::Str:
    v.pieces.push_back({"", pointer(), ""});
    break;
  case GenValue::Handle:
  case GenValue::Report:
  case GenValue::Fitted:
    v.value = pointer();
    break;
  case GenValue::Model:
    if (s.slot >= 0)
      v.value = pointer();
    [[fallthrough]];
  case GenValue::Tuple:
    for (const StoredValue &e : s.elems)
      v.elems.push_back(loadValue(e, l));
    break;
  case GenValue::None:
    break;
  }
  return v;
}

void MLIRGen::storeBound() {
  const auto &stmts = sema.program.stmts;
  if (repl->firstStmt >= stmts.size())
    return;
  int first = sema.stmtGlobals.at(stmts[repl->firstStmt].get());
  Location l = module.getLoc();
  for (const auto &[id, v] : globals)
    if (id >= first && v.kind != GenValue::None)
      repl->bound[id] = storeValue(v, l);
}

void MLIRGen::showValue(const Expr &e) {
  Location l = loc(e);
  GenValue v = gen(e);
  const Type &t = typeOf(e);
  if (t.kind == Type::Unit || v.kind == GenValue::None)
    return;
  auto text = [&](const std::string &s) {
    b.create<ops::FormatTextOp>(l, b.getStringAttr(s));
  };
  // A string is built in the line buffer: take it before the line starts.
  Value string = v.kind == GenValue::Str ? runtimeString(v, l) : Value();
  std::string type = t.kind == Type::Table ? "table" : t.str();
  text((e.kind == ExprKind::Name ? e.name : std::string("-")) + " : " + type);
  switch (v.kind) {
  case GenValue::Handle:
    if (t.kind == Type::Table) {  // as `print t` shows it
      text(" =");
      b.create<ops::PrintLineOp>(l);
      rtCall("mlp_rt_fmt_table", {}, {v.value}, l);
    }
    break;
  case GenValue::Model: {  // its size and how its training ended
    int64_t count = 0;
    for (const auto &param : t.trained->params) {
      int64_t n = 1;
      for (int64_t d : param.second)
        n *= d;
      count += n;
    }
    text(" (" + std::to_string(count) + " parameters");
    if (v.value)
      rtCall("mlp_rt_fmt_history_summary", {}, {v.value}, l);
    text(")");
    break;
  }
  case GenValue::Report:
  case GenValue::Fitted:
    text(" =");
    b.create<ops::PrintLineOp>(l);
    genPrint(v, l);
    break;
  case GenValue::Str:  // text of several lines (describe) starts on the next
    rtCall("mlp_rt_fmt_after_equals", {}, {string}, l);
    break;
  default:
    text(" = ");
    genPrint(v, l);
  }
  b.create<ops::PrintLineOp>(l);
}

} // namespace mlp
