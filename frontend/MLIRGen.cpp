// MLIRGen: statements, operators, control flow, fn instances and grads.
#include "frontend/MLIRGenImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>

namespace mlp {

using namespace mlir;

void loadFrontendDialects(MLIRContext &context) {
  context.loadDialect<mlir::mlp::MlpDialect, func::FuncDialect,
                      arith::ArithDialect, scf::SCFDialect,
                      tensor::TensorDialect>();
}

OwningOpRef<ModuleOp> generateMLIR(MLIRContext &context, const Sema &sema,
                                   ReplInput *repl) {
  loadFrontendDialects(context);
  MLIRGen gen(context, sema);
  gen.repl = repl;
  return gen.generate();
}

/// The byte offset of a line/column position in `source`.
static size_t offsetOf(const std::string &source, SrcPos p) {
  size_t offset = 0;
  for (int line = 1; line < p.line && offset < source.size(); ++offset)
    if (source[offset] == '\n')
      ++line;
  return std::min(source.size(), offset + std::max(0, p.col - 1));
}

OwningOpRef<ModuleOp> MLIRGen::generate() {
  const Program &program = sema.program;
  OwningOpRef<ModuleOp> owned =
      ModuleOp::create(FileLineColLoc::get(&context, program.path, 1, 1));
  module = *owned;
  b.setInsertionPointToEnd(module.getBody());
  auto main = b.create<func::FuncOp>(module.getLoc(), "mlp_main",
                                     b.getFunctionType({}, {}));
  b.setInsertionPointToStart(main.addEntryBlock());
  notes = &sema.mainNotes;
  scopes.emplace_back();
  if (repl) {
    // The values earlier inputs bound are loaded here, before this anchor.
    replAnchor = b.create<arith::ConstantIndexOp>(module.getLoc(), 0);
  }
  for (size_t i = repl ? repl->firstStmt : 0; i < program.stmts.size(); ++i)
    genStmt(*program.stmts[i], /*topLevel=*/true);
  if (repl) {
    storeBound();
    replAnchor->erase();
  }
  b.create<func::ReturnOp>(module.getLoc());
  module->setAttr("mlp.params", b.getArrayAttr(paramDecls));
  return owned;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

Location MLIRGen::loc(SrcRange r) {
  int line = r.begin.line - (repl ? repl->lineBase : 0);
  return FileLineColLoc::get(&context, sema.program.path, line, r.begin.col);
}

mlir::Type MLIRGen::elementType(ElemType e) {
  switch (e) {
  case ElemType::F32:
    return b.getF32Type();
  case ElemType::F64:
    return b.getF64Type();
  case ElemType::I32:
    return b.getI32Type();
  case ElemType::I64:
    return b.getI64Type();
  case ElemType::Bool:
    return b.getI1Type();
  case ElemType::Str:
    break;
  }
  llvm_unreachable("strings have no tensor element type");
}

RankedTensorType MLIRGen::tensorType(const Type &t) {
  SmallVector<int64_t> shape;
  if (batchPrefix > 0 && !t.dims.empty())
    shape.push_back(batchPrefix);  // a forward runs on whole batches
  for (const Dim &d : t.dims)
    shape.push_back(d.known() ? d.size : ShapedType::kDynamic);
  return RankedTensorType::get(shape, elementType(t.elem));
}

Value MLIRGen::splat(const Type &type, double value, Location l) {
  RankedTensorType t = tensorType(type);
  mlir::Type e = t.getElementType();
  Attribute scalar = isa<FloatType>(e)
                         ? (Attribute)b.getFloatAttr(e, value)
                         : (Attribute)b.getIntegerAttr(e, (int64_t)value);
  return b.create<mlir::mlp::ConstantOp>(l, DenseElementsAttr::get(t, scalar));
}

Value MLIRGen::coerce(Value v, const Type &target, Location l, Value like) {
  auto from = cast<RankedTensorType>(v.getType());
  RankedTensorType to = tensorType(target);
  auto literal = literals.find(v);
  if (literal != literals.end() && from.getElementType() != to.getElementType()) {
    // A number literal takes the type its use needs, from its exact value:
    // 0.1 as f64 is 0.1, not the f32 nearest to it.
    Type scalar = target;
    scalar.dims.clear();
    v = splat(scalar, literal->second, l);
    from = cast<RankedTensorType>(v.getType());
  } else if (from.getElementType() != to.getElementType()) {
    v = b.create<mlir::mlp::CastOp>(l, from.clone(to.getElementType()), v);
  }
  if (from.getShape() == to.getShape())
    return v;
  // NumPy broadcasting: align dimensions to the right.
  SmallVector<int64_t> dims;
  int64_t shift = to.getRank() - from.getRank();
  for (int64_t i = 0; i < from.getRank(); ++i)
    dims.push_back(i + shift);
  // Sizes known only at run time come from `v` itself or from `like`, a
  // value of the target's shape (the other operand of a binary op).
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < to.getRank(); ++d) {
    if (!to.isDynamicDim(d))
      continue;
    int64_t i = d - shift;
    if (i >= 0 && from.isDynamicDim(i))
      sizes.push_back(b.create<tensor::DimOp>(l, v, i));
    else if (like && cast<RankedTensorType>(like.getType()).getRank() == to.getRank())
      sizes.push_back(b.create<tensor::DimOp>(l, like, d));
  }
  if (sizes.size() != (size_t)to.getNumDynamicDims())
    sizes.clear();  // the operand provides every size itself
  return b.create<mlir::mlp::BroadcastOp>(l, to, v, dims, sizes);
}

std::optional<double> MLIRGen::constant(const Expr &e) const {
  auto it = notes->constants.find(&e);
  if (it == notes->constants.end())
    return std::nullopt;
  return it->second;
}

Value MLIRGen::tensorOf(const Expr &e) {
  GenValue v = gen(e);
  assert(v.kind == GenValue::Tensor && "Sema guarantees a tensor here");
  return v.value;
}

void MLIRGen::flatten(const GenValue &v, std::vector<Value> &out) {
  if (v.kind == GenValue::Tensor)
    out.push_back(v.value);
  for (const GenValue &e : v.elems)
    flatten(e, out);
}

GenValue MLIRGen::unflatten(const Type &t, ValueRange values, size_t &pos) {
  if (t.kind != Type::Tuple)
    return GenValue::tensor(values[pos++]);
  GenValue g;
  g.kind = GenValue::Tuple;
  for (const Type &e : t.elems)
    g.elems.push_back(unflatten(e, values, pos));
  return g;
}

Value MLIRGen::runtimeString(const GenValue &v, Location l) {
  bool constantText = std::all_of(v.pieces.begin(), v.pieces.end(),
                                  [](const StrPiece &p) { return !p.value; });
  if (constantText) {
    std::string text;
    for (const StrPiece &p : v.pieces)
      text += p.text;
    return str(text, l);
  }
  genPrint(v, l);  // build the text in the runtime's line buffer, then take it
  return rtCall("mlp_rt_take_line", ptrType(), {}, l);
}

Value MLIRGen::scalarToIndex(Value v, Location l) {
  Value x = b.create<tensor::ExtractOp>(l, v, ValueRange{});
  if (!x.getType().isInteger(64))
    x = b.create<arith::ExtSIOp>(l, b.getI64Type(), x);
  return b.create<arith::IndexCastOp>(l, b.getIndexType(), x);
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void MLIRGen::genStmt(const Stmt &s, bool topLevel) {
  Location l = loc(s.range);
  int firstGlobal = -1;
  if (topLevel)
    firstGlobal = sema.stmtGlobals.at(&s);
  auto bindName = [&](size_t k, GenValue v) {
    if (topLevel)
      globals[firstGlobal + (int)k] = v;
    bindLocal(s.names[k], std::move(v));
  };
  switch (s.kind) {
  case StmtKind::Let: {
    GenValue v = gen(*s.value);
    if (s.names.size() == 1) {
      // `let x: f64 = 1`: Sema allowed the number; convert it here.
      if (v.kind == GenValue::Tensor && s.type)
        if (auto elem = elemTypeNamed(s.type->name)) {
          Type t = typeOf(*s.value);
          t.elem = *elem;
          v.value = coerce(v.value, t, l);
        }
      bindName(0, v);
    } else {
      for (size_t k = 0; k < s.names.size(); ++k)
        bindName(k, v.elems[k]);
    }
    return;
  }
  case StmtKind::Param: {
    const Global &g = sema.globals[firstGlobal];
    const std::string &src = sema.program.source;
    size_t begin = offsetOf(src, s.value->range.begin);
    size_t end = offsetOf(src, s.value->range.end);
    std::string text = src.substr(begin, end - begin);
    // Sema allows a negated literal: `- 0.5` is the flag default "-0.5".
    text.erase(std::remove_if(text.begin(), text.end(),
                              [](char c) { return c == ' ' || c == '\t'; }),
               text.end());
    // Declared on the module too: a param nobody reads is still a flag.
    if (g.type.elem == ElemType::Str) {
      // A run-time string: one piece of text the runtime gives.
      paramDecls.push_back(
          b.getStrArrayAttr({s.name(), elemName(g.type.elem), *g.string}));
      GenValue str;
      str.kind = GenValue::Str;
      str.pieces.push_back(
          {"", rtCall("mlp_rt_param_str", ptrType(), {this->str(s.name(), l)}, l), ""});
      bindName(0, str);
      return;
    }
    SmallVector<StringRef> decl = {s.name(), elemName(g.type.elem), text};
    auto minimum = sema.paramMinimums.find(firstGlobal);
    if (minimum != sema.paramMinimums.end()) {
      decl.push_back(minimum->second.first);
      decl.push_back(minimum->second.second);
    }
    paramDecls.push_back(b.getStrArrayAttr(decl));
    Value v = b.create<mlir::mlp::ParamOp>(l, tensorType(g.type),
                                           b.getStringAttr(s.name()),
                                           b.getStringAttr(text));
    bindName(0, GenValue::tensor(v));
    return;
  }
  case StmtKind::Print: {
    GenValue v = gen(*s.value);
    if (typeOf(*s.value).kind == Type::Table)  // as pandas prints a DataFrame
      rtCall("mlp_rt_fmt_table", {}, {v.value}, l);
    else
      genPrint(v, l);
    b.create<mlir::mlp::PrintLineOp>(l);
    return;
  }
  case StmtKind::Expr:
    if (topLevel && repl && repl->show)
      return showValue(*s.value);
    gen(*s.value);
    return;
  case StmtKind::Fn:
  case StmtKind::Model:
    return;  // emitted on first use, once per instance
  case StmtKind::Data:
    if (!s.isTransform)  // a transform is generated where it is applied
      bindName(0, gen(*s.value));
    return;
  case StmtKind::Train:
    return genTrain(s);
  case StmtKind::Fit:
    return genFit(s);
  case StmtKind::Plot:
    return genPlot(s);
  case StmtKind::Save:
    return genSave(s);
  default:
    llvm_unreachable("Sema rejects other statements");
  }
}

void MLIRGen::genPrint(const GenValue &v, Location l) {
  switch (v.kind) {
  case GenValue::Tensor:
    b.create<mlir::mlp::FormatOp>(l, v.value, b.getStringAttr(""));
    return;
  case GenValue::Str:
    for (const StrPiece &p : v.pieces) {
      if (p.value && isa<LLVM::LLVMPointerType>(p.value.getType()))
        rtCall("mlp_rt_fmt_str", {}, {p.value}, l);  // a run-time string
      else if (p.value)
        b.create<mlir::mlp::FormatOp>(l, p.value, b.getStringAttr(p.spec));
      else if (!p.text.empty())
        b.create<mlir::mlp::FormatTextOp>(l, b.getStringAttr(p.text));
    }
    return;
  case GenValue::Tuple:
    b.create<mlir::mlp::FormatTextOp>(l, b.getStringAttr("("));
    for (size_t i = 0; i < v.elems.size(); ++i) {
      if (i)
        b.create<mlir::mlp::FormatTextOp>(l, b.getStringAttr(", "));
      genPrint(v.elems[i], l);
    }
    b.create<mlir::mlp::FormatTextOp>(l, b.getStringAttr(")"));
    return;
  case GenValue::Report:
    rtCall("mlp_rt_fmt_confusion", {}, {v.value}, l);
    return;
  case GenValue::Fitted:
    rtCall("mlp_rt_fmt_fitted", {}, {v.value}, l);
    return;
  case GenValue::None:
  case GenValue::Handle:
  case GenValue::Model:
    return;  // Sema rejects printing these
  }
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

GenValue MLIRGen::gen(const Expr &e) {
  Location l = loc(e);
  switch (e.kind) {
  case ExprKind::Number: {
    Value v = splat(typeOf(e), e.number, l);
    literals[v] = e.number;
    return GenValue::tensor(v);
  }
  case ExprKind::Bool:
    return GenValue::tensor(splat(typeOf(e), e.boolean ? 1 : 0, l));
  case ExprKind::String: {
    if (typeOf(e).elem == ElemType::I64) // a str column's label, as its code (Sema)
      return GenValue::tensor(splat(typeOf(e), notes->constants.at(&e), l));
    GenValue g;
    g.kind = GenValue::Str;
    for (const StringPart &p : e.parts) {
      if (!p.isExpr) {
        g.pieces.push_back({p.text, Value(), ""});
        continue;
      }
      GenValue inner = gen(*p.expr);
      if (inner.kind == GenValue::Str) {
        for (const StrPiece &q : inner.pieces)
          g.pieces.push_back(q);
      } else if (inner.kind == GenValue::Tensor) {
        g.pieces.push_back({"", inner.value, p.spec});
      } else {
        std::vector<Value> flat;
        flatten(inner, flat);
        g.pieces.push_back({"(", Value(), ""});
        for (size_t i = 0; i < flat.size(); ++i) {
          if (i)
            g.pieces.push_back({", ", Value(), ""});
          g.pieces.push_back({"", flat[i], p.spec});
        }
        g.pieces.push_back({")", Value(), ""});
      }
    }
    return g;
  }
  case ExprKind::Name: {
    auto global = notes->globals.find(&e);
    if (global != notes->globals.end()) {
      if (std::optional<GenValue> v = globalValue(global->second))
        return *v;
      const Global &g = sema.globals[global->second];
      // A compile-time global read from inside a fn.
      if (g.constant)
        return GenValue::tensor(splat(g.type, *g.constant, l));
      if (g.string) {
        GenValue s;
        s.kind = GenValue::Str;
        s.pieces.push_back({*g.string, Value(), ""});
        return s;
      }
      return GenValue();
    }
    for (auto scope = scopes.rbegin(); scope != scopes.rend(); ++scope) {
      auto it = scope->find(e.name);
      if (it != scope->end())
        return it->second;
    }
    return GenValue();  // a fn name: used only as a callee
  }
  case ExprKind::Unary: {
    Value x = tensorOf(*e.operands[0]);
    x = coerce(x, typeOf(e), l);
    if (e.name == "not")
      return GenValue::tensor(b.create<mlir::mlp::NotOp>(l, x.getType(), x));
    return GenValue::tensor(b.create<mlir::mlp::NegOp>(l, x.getType(), x));
  }
  case ExprKind::Binary:
    return genBinary(e);
  case ExprKind::Call:
    return genCall(e);
  case ExprKind::Index:
    return genIndex(e);
  case ExprKind::Tuple: {
    GenValue g;
    g.kind = GenValue::Tuple;
    for (const ExprPtr &x : e.operands)
      g.elems.push_back(gen(*x));
    return g;
  }
  case ExprKind::If:
    return genIf(e);
  case ExprKind::For:
    return genFor(e);
  case ExprKind::Block: {
    scopes.emplace_back();
    for (const StmtPtr &s : e.stmts)
      genStmt(*s, false);
    GenValue v = e.result ? gen(*e.result) : GenValue();
    scopes.pop_back();
    return v;
  }
  case ExprKind::Member:
    return genMember(e);
  case ExprKind::Load:
    return genLoad(e);
  default:
    llvm_unreachable("Sema rejects this expression");
  }
}

GenValue MLIRGen::genBinary(const Expr &e) {
  Location l = loc(e);
  const std::string &op = e.name;
  const Type &result = typeOf(e);
  const Type &ta = typeOf(*e.operands[0]);
  const Type &tb = typeOf(*e.operands[1]);
  Value a = tensorOf(*e.operands[0]);
  Value c = tensorOf(*e.operands[1]);

  if (op == "@") {
    // Vectors become 1-row / 1-column matrices, and the result is reshaped.
    auto asMatrix = [&](Value v, const Type &t, bool isLeft) {
      Type m = Type::tensor(result.elem, {});
      if (t.rank() == 2) {
        m.dims = t.dims;
      } else {
        Dim one;
        one.size = 1;
        m.dims = isLeft ? std::vector<Dim>{one, t.dims[0]}
                        : std::vector<Dim>{t.dims[0], one};
      }
      Type sameShape = t;
      sameShape.elem = result.elem;
      v = coerce(v, sameShape, l);
      if (t.rank() != 2)
        v = b.create<mlir::mlp::ReshapeOp>(l, tensorType(m), v);
      return std::make_pair(v, m);
    };
    auto [lhs, ml] = asMatrix(a, ta, true);
    auto [rhs, mr] = asMatrix(c, tb, false);
    Type product = Type::tensor(result.elem, {ml.dims[0], mr.dims[1]});
    Value p = b.create<mlir::mlp::MatmulOp>(l, tensorType(product), lhs, rhs);
    if (result.rank() != 2)
      p = b.create<mlir::mlp::ReshapeOp>(l, tensorType(result), p);
    return GenValue::tensor(p);
  }

  bool comparison = op == "<" || op == "<=" || op == ">" || op == ">=" ||
                    op == "==" || op == "!=";
  Type operand = result;
  if (comparison)
    operand.elem = promote(ta.elem, tb.elem);
  Value a0 = a;
  a = coerce(a, operand, l, c);
  c = coerce(c, operand, l, a0);
  mlir::Type type = a.getType();
  Value r;
  if (comparison) {
    static const std::map<std::string, const char *> preds = {
        {"<", "lt"}, {"<=", "le"}, {">", "gt"},
        {">=", "ge"}, {"==", "eq"}, {"!=", "ne"}};
    r = b.create<mlir::mlp::CmpOp>(l, tensorType(result),
                                   b.getStringAttr(preds.at(op)), a, c);
  } else if (op == "+") {
    r = b.create<mlir::mlp::AddOp>(l, type, a, c);
  } else if (op == "-") {
    r = b.create<mlir::mlp::SubOp>(l, type, a, c);
  } else if (op == "*") {
    r = b.create<mlir::mlp::MulOp>(l, type, a, c);
  } else if (op == "/") {
    r = b.create<mlir::mlp::DivOp>(l, type, a, c);
  } else if (op == "^") {
    r = b.create<mlir::mlp::PowOp>(l, type, a, c);
  } else if (op == "and") {
    r = b.create<mlir::mlp::AndOp>(l, type, a, c);
  } else {
    r = b.create<mlir::mlp::OrOp>(l, type, a, c);
  }
  return GenValue::tensor(r);
}

GenValue MLIRGen::genIndex(const Expr &e) {
  Location l = loc(e);
  Value base = tensorOf(*e.operands[0]);
  const Type &bt = typeOf(*e.operands[0]);
  SmallVector<Value> indices;
  SmallVector<int64_t> indexDims, starts, sizes;
  for (int64_t axis = 0; axis < bt.rank(); ++axis) {
    int64_t size = bt.dims[axis].size;
    if (axis >= (int64_t)e.indices.size()) {
      starts.push_back(0);
      sizes.push_back(size);
      continue;
    }
    const IndexItem &item = e.indices[axis];
    if (!item.isSlice) {
      Value i = tensorOf(*item.index);
      indices.push_back(coerce(i, Type::scalar(ElemType::I64), l));
      indexDims.push_back(axis);
      continue;
    }
    auto bound = [&](const ExprPtr &x, int64_t dflt) {
      if (!x)
        return dflt;
      int64_t v = (int64_t)*constant(*x);
      if (v < 0)
        v += size;
      return std::clamp<int64_t>(v, 0, size);
    };
    int64_t start = bound(item.start, 0), stop = bound(item.stop, size);
    starts.push_back(start);
    sizes.push_back(std::max<int64_t>(0, stop - start));
  }
  Value r = b.create<mlir::mlp::ExtractOp>(l, tensorType(typeOf(e)), base,
                                           indices, indexDims, starts, sizes);
  return GenValue::tensor(r);
}

GenValue MLIRGen::genIf(const Expr &e) {
  Location l = loc(e);
  const Type &t = typeOf(e);
  Value cond = b.create<tensor::ExtractOp>(l, tensorOf(*e.operands[0]),
                                           ValueRange{});
  std::vector<Value> probe;
  SmallVector<mlir::Type> resultTypes;
  std::function<void(const Type &)> collect = [&](const Type &x) {
    if (x.kind == Type::Tuple)
      for (const Type &y : x.elems)
        collect(y);
    else
      resultTypes.push_back(tensorType(x));
  };
  collect(t);
  auto ifOp = b.create<scf::IfOp>(l, resultTypes, cond, /*withElse=*/true);
  auto branch = [&](Region &region, const Expr &value) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&region.front());
    GenValue v = gen(value);
    std::vector<Value> flat;
    flatten(v, flat);
    // Coerce each leaf to the common type (e.g. an i64 branch to f32).
    size_t k = 0;
    std::function<void(const Type &)> fix = [&](const Type &x) {
      if (x.kind == Type::Tuple) {
        for (const Type &y : x.elems)
          fix(y);
        return;
      }
      flat[k] = coerce(flat[k], x, l);
      ++k;
    };
    fix(t);
    b.create<scf::YieldOp>(l, flat);
  };
  branch(ifOp.getThenRegion(), *e.operands[1]);
  branch(ifOp.getElseRegion(), *e.operands[2]);
  size_t pos = 0;
  return unflatten(t, ifOp.getResults(), pos);
}

GenValue MLIRGen::genFor(const Expr &e) {
  Location l = loc(e);
  const Expr &range = *e.operands[0];
  Value lo = scalarToIndex(tensorOf(*range.operands[0]), l);
  Value hi = scalarToIndex(tensorOf(*range.operands[1]), l);
  Value one = b.create<arith::ConstantIndexOp>(l, 1);
  const Type &stateType = typeOf(e);
  std::vector<Type> stateTypes =
      stateType.kind == Type::Tuple ? stateType.elems
      : stateType.kind == Type::Unit ? std::vector<Type>{}
                                     : std::vector<Type>{stateType};
  SmallVector<Value> inits;
  for (size_t i = 0; i < e.states.size(); ++i)
    inits.push_back(coerce(tensorOf(*e.states[i].init), stateTypes[i], l));

  auto loop = b.create<scf::ForOp>(l, lo, hi, one, inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    scopes.emplace_back();
    Value iv = b.create<arith::IndexCastOp>(l, b.getI64Type(),
                                            loop.getInductionVar());
    Value ivTensor = b.create<tensor::FromElementsOp>(
        l, RankedTensorType::get({}, b.getI64Type()), iv);
    bindLocal(e.loopVar, GenValue::tensor(ivTensor));
    for (size_t i = 0; i < e.states.size(); ++i)
      bindLocal(e.states[i].name, GenValue::tensor(loop.getRegionIterArg(i)));
    for (const StmtPtr &s : e.stmts)
      genStmt(*s, false);
    SmallVector<Value> next;
    if (e.result) {
      GenValue v = gen(*e.result);
      std::vector<Value> flat;
      flatten(v, flat);
      for (size_t i = 0; i < flat.size() && i < stateTypes.size(); ++i)
        next.push_back(coerce(flat[i], stateTypes[i], l));
    }
    b.create<scf::YieldOp>(l, next);
    scopes.pop_back();
  }
  if (stateTypes.empty())
    return GenValue();
  size_t pos = 0;
  return unflatten(stateType, loop.getResults(), pos);
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

GenValue MLIRGen::genCall(const Expr &e) {
  if (auto t = notes->transformCalls.find(&e); t != notes->transformCalls.end())
    return genTransformCall(e, *t->second.first, t->second.second);
  if (typeOf(*e.operands[0]).kind == Type::Trained)
    return genPredict(e);
  auto it = notes->calls.find(&e);
  if (it == notes->calls.end())
    return isPipelineBuiltin(e.operands[0]->name)
               ? genTableBuiltin(e, e.operands[0]->name)
               : genBuiltin(e, e.operands[0]->name);
  const CallTarget &target = it->second;
  if (target.kind == CallTarget::Builtin)
    return genBuiltin(e, target.builtin);
  if (target.kind == CallTarget::Layer)
    return genLayerCall(e, target.instance);

  Location l = loc(e);
  const FnInstance &inst = sema.instances[target.instance];
  SmallVector<Value> args;
  for (size_t i = 0; i < target.paramArgs.size(); ++i)
    args.push_back(coerce(tensorOf(*target.paramArgs[i]), inst.paramTypes[i], l));
  for (int g : inst.captures) {
    std::vector<Value> flat;
    flatten(*globalValue(g), flat);
    args.append(flat.begin(), flat.end());
  }
  func::FuncOp callee = target.kind == CallTarget::Fn
                            ? instanceFunction(target.instance)
                            : gradFunction(target.instance, target.wrt);
  auto call = b.create<func::CallOp>(l, callee, args);
  size_t pos = 0;
  return unflatten(typeOf(e), call.getResults(), pos);
}

func::FuncOp MLIRGen::instanceFunction(int index) {
  auto found = instanceFns.find(index);
  if (found != instanceFns.end())
    return found->second;
  const FnInstance &inst = sema.instances[index];
  const Stmt &fn = *inst.fn;
  Location l = loc(fn.range);

  SmallVector<mlir::Type> argTypes, resultTypes;
  for (const Type &t : inst.paramTypes)
    argTypes.push_back(tensorType(t));
  for (int g : inst.captures)
    argTypes.push_back(tensorType(sema.globals[g].type));
  std::vector<Type> results =
      inst.result.kind == Type::Tuple ? inst.result.elems
                                      : std::vector<Type>{inst.result};
  for (const Type &t : results)
    resultTypes.push_back(tensorType(t));

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto func = b.create<func::FuncOp>(l, inst.symbol,
                                     b.getFunctionType(argTypes, resultTypes));
  func.setPrivate();
  instanceFns[index] = func;

  // Generate the body in the instance's own context.
  const Annotations *savedNotes = notes;
  auto savedScopes = std::move(scopes);
  auto savedGlobals = std::move(globals);
  notes = &inst.notes;
  scopes.clear();
  scopes.emplace_back();
  globals.clear();
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (size_t i = 0; i < fn.params.size(); ++i)
    bindLocal(fn.params[i].name, GenValue::tensor(entry->getArgument(i)));
  for (size_t k = 0; k < inst.captures.size(); ++k)
    globals[inst.captures[k]] =
        GenValue::tensor(entry->getArgument(fn.params.size() + k));
  GenValue v = gen(*fn.body);
  std::vector<Value> flat;
  flatten(v, flat);
  for (size_t i = 0; i < flat.size(); ++i)
    flat[i] = coerce(flat[i], results[i], l);
  b.create<func::ReturnOp>(l, flat);

  notes = savedNotes;
  scopes = std::move(savedScopes);
  globals = std::move(savedGlobals);
  return func;
}

func::FuncOp MLIRGen::gradFunction(int index, const std::vector<int> &wrt) {
  func::FuncOp primal = instanceFunction(index);
  std::string name = primal.getSymName().str() + "_grad";
  for (int w : wrt)
    name += "_" + std::to_string(w);
  auto found = gradFns.find(name);
  if (found != gradFns.end())
    return found->second;
  SmallVector<mlir::Type> results;
  for (int w : wrt)
    results.push_back(primal.getArgumentTypes()[w]);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto grad = b.create<func::FuncOp>(
      primal.getLoc(), name,
      b.getFunctionType(primal.getArgumentTypes(), results));
  grad.setPrivate();
  grad->setAttr("mlp.grad_of", SymbolRefAttr::get(primal.getSymNameAttr()));
  SmallVector<int64_t> wrt64(wrt.begin(), wrt.end());
  grad->setAttr("mlp.wrt", b.getDenseI64ArrayAttr(wrt64));
  gradFns[name] = grad;
  return grad;
}

} // namespace mlp
