//===- Autodiff.cpp - reverse-mode differentiation as a pass --------------===//
//
// For each bodiless `func.func @g attributes {mlp.grad_of = @f, mlp.wrt = ...}`:
//   1. Replay @f's body into @g (the forward sweep), remembering the ops.
//   2. Mark the values that depend on a `wrt` argument (activity analysis).
//   3. Seed the adjoint of @f's scalar result with 1.
//   4. Walk the replayed ops backwards; for each op whose result has an
//      adjoint, emit its vector-Jacobian product and accumulate it into the
//      adjoints of its active operands.
//   5. Return the adjoints of the `wrt` arguments (zeros where none flowed),
//      preceded by @f's results when @g has `mlp.with_value` (the first is
//      differentiated, the others are auxiliary values).
// Everything happens at compile time: no tape exists at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPAUTODIFF
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// Emits the adjoint computations of one gradient function.
class GradientBuilder {
public:
  GradientBuilder(OpBuilder &b) : b(b) {}

  /// Builds @grad's body from @primal. Emits an error and fails on ops that
  /// cannot be differentiated.
  LogicalResult build(func::FuncOp primal, func::FuncOp grad,
                      ArrayRef<int64_t> wrt);

private:
  OpBuilder &b;
  Location loc = b.getUnknownLoc();
  DenseMap<Value, Value> adjoint;
  DenseSet<Value> active;

  Type typeOf(Value v) { return v.getType(); }
  RankedTensorType tensorOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  /// A tensor of `type` filled with `value`.
  Value splat(Type type, double value) {
    auto t = cast<RankedTensorType>(type);
    auto attr = DenseElementsAttr::get(
        t, FloatAttr::get(t.getElementType(), value));
    return b.create<ConstantOp>(loc, attr);
  }
  template <typename OpT> Value binary(Value x, Value y) {
    return b.create<OpT>(loc, x.getType(), x, y);
  }
  template <typename OpT> Value unary(Value x) {
    return b.create<OpT>(loc, x.getType(), x);
  }
  Value cmp(StringRef pred, Value x, Value y) {
    auto t = tensorOf(x).clone(b.getI1Type());
    return b.create<CmpOp>(loc, t, b.getStringAttr(pred), x, y);
  }
  Value select(Value c, Value x, Value y) {
    return b.create<SelectOp>(loc, x.getType(), c, x, y);
  }
  Value zerosLike(Value v) { return splat(v.getType(), 0.0); }

  /// Adds `contribution` to the adjoint of `v` when `v` is active.
  void accumulate(Value v, Value contribution) {
    if (!active.contains(v))
      return;
    auto it = adjoint.find(v);
    if (it == adjoint.end())
      adjoint[v] = contribution;
    else
      it->second = binary<AddOp>(it->second, contribution);
  }

  LogicalResult backprop(Operation *op, Value g);
  LogicalResult backpropReduce(ReduceOp op, Value g);
};

LogicalResult GradientBuilder::build(func::FuncOp primal, func::FuncOp grad,
                                     ArrayRef<int64_t> wrt) {
  if (primal.isExternal() || !primal.getBody().hasOneBlock())
    return grad.emitError("cannot differentiate '")
           << primal.getSymName() << "': it has no single-block body";
  Block &body = primal.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  // One result, or (with mlp.with_value) the differentiated scalar followed
  // by auxiliary values that are returned as they are (batch statistics).
  if (ret.getNumOperands() != 1 &&
      !(grad->hasAttr("mlp.with_value") && ret.getNumOperands() > 1))
    return grad.emitError("grad needs '")
           << primal.getSymName() << "' to return one scalar";
  auto resultType = dyn_cast<RankedTensorType>(ret.getOperand(0).getType());
  if (!resultType || resultType.getRank() != 0 ||
      !isa<FloatType>(resultType.getElementType()))
    return grad.emitError("grad needs '")
           << primal.getSymName() << "' to return a float scalar";

  // 1. Forward sweep: replay the primal body.
  Block *entry = grad.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping map;
  for (auto [from, to] : llvm::zip(body.getArguments(), entry->getArguments()))
    map.map(from, to);
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator()) {
    if (op.getNumRegions() != 0 || isa<func::CallOp>(op))
      return op.emitError("grad cannot differentiate through '")
             << op.getName() << "' yet (loops, conditionals and calls that "
             << "were not inlined)";
    forward.push_back(b.clone(op, map));
  }

  // 2. Activity: float values reachable from a wrt argument. Integer and
  //    bool values (argmax, comparisons) are piecewise constant: their
  //    derivative is zero, so no adjoint flows through them.
  auto isFloat = [](Value v) {
    return isa<FloatType>(cast<ShapedType>(v.getType()).getElementType());
  };
  for (int64_t i : wrt)
    active.insert(entry->getArgument(i));
  for (Operation *op : forward)
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return active.contains(v); }))
      for (Value r : op->getResults())
        if (isFloat(r))
          active.insert(r);

  // 3. Seed, 4. reverse sweep.
  loc = ret.getLoc();
  Value result = map.lookup(ret.getOperand(0));
  if (active.contains(result))
    adjoint[result] = splat(result.getType(), 1.0);
  for (Operation *op : llvm::reverse(forward)) {
    if (op->getNumResults() != 1)
      continue;
    auto it = adjoint.find(op->getResult(0));
    if (it == adjoint.end())
      continue;
    loc = op->getLoc();
    if (failed(backprop(op, it->second)))
      return failure();
  }

  // 5. Return the wrt adjoints, after the primal value when asked for
  //    (`mlp.with_value`: one call gives the loss and its gradients).
  SmallVector<Value> grads;
  if (grad->hasAttr("mlp.with_value"))
    for (Value v : ret.getOperands())
      grads.push_back(map.lookup(v));
  for (int64_t i : wrt) {
    Value arg = entry->getArgument(i);
    auto it = adjoint.find(arg);
    grads.push_back(it != adjoint.end() ? it->second : zerosLike(arg));
  }
  b.create<func::ReturnOp>(ret.getLoc(), grads);
  return success();
}

/// Emits the vector-Jacobian product of `op` for result adjoint `g`.
LogicalResult GradientBuilder::backprop(Operation *op, Value g) {
  Value r = op->getResult(0);
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AddOp o) {
        accumulate(o.getLhs(), g);
        accumulate(o.getRhs(), g);
        return success();
      })
      .Case([&](SubOp o) {
        accumulate(o.getLhs(), g);
        accumulate(o.getRhs(), unary<NegOp>(g));
        return success();
      })
      .Case([&](MulOp o) {
        accumulate(o.getLhs(), binary<MulOp>(g, o.getRhs()));
        accumulate(o.getRhs(), binary<MulOp>(g, o.getLhs()));
        return success();
      })
      .Case([&](DivOp o) {
        // d(a/b)/db = -(a/b)/b
        accumulate(o.getLhs(), binary<DivOp>(g, o.getRhs()));
        accumulate(o.getRhs(),
                   unary<NegOp>(binary<DivOp>(binary<MulOp>(g, r), o.getRhs())));
        return success();
      })
      .Case([&](PowOp o) {
        Value a = o.getLhs(), n = o.getRhs();
        if (active.contains(a)) {
          Value nm1 = binary<SubOp>(n, splat(n.getType(), 1.0));
          accumulate(a, binary<MulOp>(g, binary<MulOp>(n, binary<PowOp>(a, nm1))));
        }
        if (active.contains(n))
          accumulate(n, binary<MulOp>(g, binary<MulOp>(r, unary<LogOp>(a))));
        return success();
      })
      .Case([&](MaxOp o) {
        Value lhsWins = cmp("ge", o.getLhs(), o.getRhs());
        accumulate(o.getLhs(), select(lhsWins, g, zerosLike(g)));
        accumulate(o.getRhs(), select(lhsWins, zerosLike(g), g));
        return success();
      })
      .Case([&](MinOp o) {
        Value lhsWins = cmp("le", o.getLhs(), o.getRhs());
        accumulate(o.getLhs(), select(lhsWins, g, zerosLike(g)));
        accumulate(o.getRhs(), select(lhsWins, zerosLike(g), g));
        return success();
      })
      .Case([&](NegOp o) {
        accumulate(o.getOperand(), unary<NegOp>(g));
        return success();
      })
      .Case([&](ExpOp o) {
        accumulate(o.getOperand(), binary<MulOp>(g, r));
        return success();
      })
      .Case([&](LogOp o) {
        accumulate(o.getOperand(), binary<DivOp>(g, o.getOperand()));
        return success();
      })
      .Case([&](SqrtOp o) {
        accumulate(o.getOperand(),
                   binary<DivOp>(g, binary<MulOp>(splat(r.getType(), 2.0), r)));
        return success();
      })
      .Case([&](AbsOp o) {
        Value x = o.getOperand();
        accumulate(x, select(cmp("lt", x, zerosLike(x)), unary<NegOp>(g), g));
        return success();
      })
      .Case([&](TanhOp o) {
        Value oneMinusR2 =
            binary<SubOp>(splat(r.getType(), 1.0), binary<MulOp>(r, r));
        accumulate(o.getOperand(), binary<MulOp>(g, oneMinusR2));
        return success();
      })
      .Case([&](ErfOp o) {
        // d erf(x) / dx = 2 / sqrt(pi) * exp(-x^2)
        Value x = o.getOperand();
        Value d = binary<MulOp>(splat(x.getType(), 1.1283791670955126),
                                unary<ExpOp>(unary<NegOp>(binary<MulOp>(x, x))));
        accumulate(x, binary<MulOp>(g, d));
        return success();
      })
      .Case([&](SigmoidOp o) {
        Value d = binary<MulOp>(r, binary<SubOp>(splat(r.getType(), 1.0), r));
        accumulate(o.getOperand(), binary<MulOp>(g, d));
        return success();
      })
      .Case([&](ReluOp o) {
        // relu(x) > 0 exactly where x > 0: asking the result lets the
        // forward pass drop its input once it is computed.
        accumulate(o.getOperand(), select(cmp("gt", r, zerosLike(r)), g, zerosLike(g)));
        return success();
      })
      .Case([&](SelectOp o) {
        accumulate(o.getOnTrue(), select(o.getCond(), g, zerosLike(g)));
        accumulate(o.getOnFalse(), select(o.getCond(), zerosLike(g), g));
        return success();
      })
      .Case([&](CastOp o) {
        Value x = o.getOperand();
        if (active.contains(x))
          accumulate(x, b.create<CastOp>(loc, x.getType(), g));
        return success();
      })
      .Case([&](BroadcastOp o) {
        Value x = o.getOperand();
        accumulate(x, b.create<UnbroadcastOp>(loc, x.getType(), g, o.getDims()));
        return success();
      })
      .Case([&](UnbroadcastOp o) {
        Value x = o.getOperand();
        accumulate(x, b.create<BroadcastOp>(loc, x.getType(), g, o.getDims()));
        return success();
      })
      .Case([&](ReduceOp o) { return backpropReduce(o, g); })
      .Case([&](MatmulOp o) {
        auto transposed = [&](Value m) {
          auto t = tensorOf(m);
          auto tt = RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)},
                                          t.getElementType());
          return b.create<TransposeOp>(loc, tt, m, ArrayRef<int64_t>{1, 0})
              .getResult();
        };
        Value a = o.getLhs(), bm = o.getRhs();
        if (active.contains(a))
          accumulate(a, b.create<MatmulOp>(loc, a.getType(), g, transposed(bm)));
        if (active.contains(bm))
          accumulate(bm, b.create<MatmulOp>(loc, bm.getType(), transposed(a), g));
        return success();
      })
      .Case([&](TransposeOp o) {
        ArrayRef<int64_t> perm = o.getPerm();
        SmallVector<int64_t> inverse(perm.size());
        for (auto [i, p] : llvm::enumerate(perm))
          inverse[p] = i;
        Value x = o.getOperand();
        accumulate(x, b.create<TransposeOp>(loc, x.getType(), g, inverse));
        return success();
      })
      .Case([&](ReshapeOp o) {
        Value x = o.getOperand();
        accumulate(x, b.create<ReshapeOp>(loc, x.getType(), g));
        return success();
      })
      .Case([&](ConcatOp o) {
        // Each input's adjoint is its slice of g along the axis.
        auto gt = tensorOf(g);
        int64_t offset = 0, axis = o.getAxis();
        for (Value in : o.getInputs()) {
          auto it = tensorOf(in);
          SmallVector<int64_t> starts(gt.getRank(), 0);
          SmallVector<int64_t> sizes(it.getShape());
          starts[axis] = offset;
          offset += it.getDimSize(axis);
          if (active.contains(in))
            accumulate(in, b.create<ExtractOp>(loc, in.getType(), g, ValueRange{},
                                               ArrayRef<int64_t>{}, starts,
                                               sizes));
        }
        return success();
      })
      .Case([&](Conv2dOp o) {
        Value x = o.getLhs(), w = o.getRhs();
        if (active.contains(x))
          accumulate(x, b.create<Conv2dGradInputOp>(
                            loc, x.getType(), g, w, o.getStride(), o.getPadding(),
                            o.getDilation()));
        if (active.contains(w))
          accumulate(w, b.create<Conv2dGradFilterOp>(
                            loc, w.getType(), x, g, o.getStride(), o.getPadding(),
                            o.getDilation()));
        return success();
      })
      .Case([&](Pool2dOp o) {
        Value x = o.getOperand();
        accumulate(x, b.create<Pool2dGradOp>(loc, x.getType(), o.getKind(), x, r, g,
                                             o.getWindow()));
        return success();
      })
      .Default([&](Operation *other) {
        return other->emitError("grad cannot differentiate through '")
               << other->getName() << "'";
      });
}

/// Spreads g back over the reduced axes: evenly for sum and mean, onto the
/// extreme elements for max and min (every tied element gets the gradient).
LogicalResult GradientBuilder::backpropReduce(ReduceOp o, Value g) {
  Value x = o.getOperand();
  auto xt = tensorOf(x);
  SmallVector<int64_t> kept;
  int64_t count = 1;
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    if (llvm::is_contained(o.getAxes(), d))
      count *= xt.getDimSize(d);
    else
      kept.push_back(d);
  }
  Value spread = b.create<BroadcastOp>(loc, x.getType(), g, kept);
  StringRef kind = o.getKind();
  if (kind == "sum") {
    accumulate(x, spread);
  } else if (kind == "mean") {
    accumulate(x, binary<MulOp>(spread, splat(x.getType(), 1.0 / count)));
  } else {
    Value extreme = b.create<BroadcastOp>(loc, x.getType(), o.getResult(), kept);
    accumulate(x, select(cmp("eq", x, extreme), spread, zerosLike(spread)));
  }
  return success();
}

/// Fills in every bodiless function that asks to be a gradient.
struct MlpAutodiffPass : mlp::impl::MlpAutodiffBase<MlpAutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto grad : llvm::to_vector(module.getOps<func::FuncOp>())) {
      auto of = grad->getAttrOfType<FlatSymbolRefAttr>("mlp.grad_of");
      if (!of || !grad.isExternal())
        continue;
      auto primal = symbols.lookup<func::FuncOp>(of.getValue());
      auto wrt = grad->getAttrOfType<DenseI64ArrayAttr>("mlp.wrt");
      if (!primal || !wrt) {
        grad.emitError("mlp.grad_of needs an existing function and mlp.wrt");
        return signalPassFailure();
      }
      OpBuilder builder(grad.getContext());
      GradientBuilder gb(builder);
      if (failed(gb.build(primal, grad, wrt.asArrayRef())))
        return signalPassFailure();
      grad.setPrivate();
    }
  }
};

} // namespace
