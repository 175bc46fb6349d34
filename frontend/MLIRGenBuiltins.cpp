// MLIRGen for builtin functions. SemaBuiltins.cpp checked the arguments and
// recorded the result type and compile-time constants used here.
#include "frontend/MLIRGenImpl.h"

#include <cmath>

namespace mlp {

using namespace mlir;
namespace ops = mlir::mlp;

/// GELU, exact as PyTorch's default: 0.5 x (1 + erf(x / sqrt(2))).
Value MLIRGen::gelu(Value x, Location l) {
  auto type = cast<RankedTensorType>(x.getType());
  auto c = [&](double v) {
    return b.create<ops::ConstantOp>(
        l, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), v)));
  };
  Value scaled = b.create<ops::MulOp>(l, type, x, c(M_SQRT1_2));
  Value e = b.create<ops::ErfOp>(l, type, scaled);
  Value onePlus = b.create<ops::AddOp>(l, type, c(1.0), e);
  return b.create<ops::MulOp>(l, type, b.create<ops::MulOp>(l, type, c(0.5), x),
                              onePlus);
}

/// x where x > 0, slope * x elsewhere.
Value MLIRGen::leakyRelu(Value x, double slope, Location l) {
  auto type = cast<RankedTensorType>(x.getType());
  Value zero = b.create<ops::ConstantOp>(
      l, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0)));
  Value s = b.create<ops::ConstantOp>(
      l, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), slope)));
  Value positive = b.create<ops::CmpOp>(l, type.clone(b.getI1Type()),
                                        b.getStringAttr("gt"), x, zero);
  return b.create<ops::SelectOp>(l, type, positive, x,
                                 b.create<ops::MulOp>(l, type, s, x));
}

GenValue MLIRGen::genBuiltin(const Expr &e, const std::string &name) {
  Location l = loc(e);
  const Type &result = typeOf(e);
  auto positional = [&](size_t i) { return positionalArg(e, i); };
  auto named = [&](const char *n) { return namedArg(e, n); };
  auto axisOf = [&](const Expr *x, int rank) -> int64_t {
    int64_t a = (int64_t)*constant(*x);
    return a < 0 ? a + rank : a;
  };
  auto tensor = [&](Value v) { return GenValue::tensor(v); };
  auto typed = [&](const Type &t) { return tensorType(t); };
  /// `x` with elements of `elem` (same shape).
  auto withElem = [&](Value x, const Type &t, ElemType elem) {
    Type u = t;
    u.elem = elem;
    return coerce(x, u, l);
  };
  /// Reduce `x` of type `t` over `axes` (ascending).
  auto reduce = [&](const char *kind, Value x, const Type &t,
                    const std::vector<int64_t> &axes) {
    Type r = t;
    for (auto a = axes.rbegin(); a != axes.rend(); ++a)
      r.dims.erase(r.dims.begin() + *a);
    return std::make_pair(
        b.create<ops::ReduceOp>(l, typed(r), b.getStringAttr(kind), x, axes)
            .getResult(),
        r);
  };
  /// Spread a reduced value back over the reduced axes.
  auto spread = [&](Value r, const Type &full, const std::vector<int64_t> &axes) {
    SmallVector<int64_t> kept;
    for (int64_t d = 0; d < full.rank(); ++d)
      if (std::find(axes.begin(), axes.end(), d) == axes.end())
        kept.push_back(d);
    return b.create<ops::BroadcastOp>(l, typed(full), r, kept).getResult();
  };

  static const std::map<std::string, int> unaryOps = {
      {"exp", 0}, {"log", 1}, {"sqrt", 2}, {"abs", 3},
      {"tanh", 4}, {"sigmoid", 5}, {"relu", 6}, {"erf", 7}, {"gelu", 8}};
  if (auto u = unaryOps.find(name); u != unaryOps.end()) {
    Value x = coerce(tensorOf(*positional(0)), result, l);
    mlir::Type t = x.getType();
    switch (u->second) {
    case 0: return tensor(b.create<ops::ExpOp>(l, t, x));
    case 1: return tensor(b.create<ops::LogOp>(l, t, x));
    case 2: return tensor(b.create<ops::SqrtOp>(l, t, x));
    case 3: return tensor(b.create<ops::AbsOp>(l, t, x));
    case 4: return tensor(b.create<ops::TanhOp>(l, t, x));
    case 5: return tensor(b.create<ops::SigmoidOp>(l, t, x));
    case 6: return tensor(b.create<ops::ReluOp>(l, t, x));
    case 7: return tensor(b.create<ops::ErfOp>(l, t, x));
    default: return tensor(gelu(x, l));
    }
  }
  if (name == "f32" || name == "f64" || name == "i32" || name == "i64")
    return tensor(coerce(tensorOf(*positional(0)), result, l));

  if (name == "sum" || name == "mean" || name == "max" || name == "min" ||
      name == "var" || name == "std" || name == "argmax" ||
      name == "softmax" || name == "log_softmax") {
    const Expr &arg = *positional(0);
    Type t = typeOf(arg);
    Value x = tensorOf(arg);
    const Expr *axisExpr = named("axis");
    std::vector<int64_t> axes;
    if (axisExpr)
      axes.push_back(axisOf(axisExpr, t.rank()));
    else if (name == "softmax" || name == "log_softmax")
      axes.push_back(t.rank() - 1);
    else
      for (int64_t d = 0; d < t.rank(); ++d)
        axes.push_back(d);

    if (name == "argmax") {
      if (!axisExpr && t.rank() > 1) {
        // Over all elements: flatten first.
        Type flat = t;
        Dim n;
        n.size = 1;
        for (const Dim &d : t.dims)
          n.size *= d.size;
        flat.dims = {n};
        x = b.create<ops::ReshapeOp>(l, typed(flat), x);
        axes = {0};
      }
      return tensor(
          b.create<ops::ArgmaxOp>(l, typed(result), x, axes[0]).getResult());
    }
    if (t.rank() == 0)
      return tensor(coerce(x, result, l));
    ElemType elem = result.elem;
    if (name == "mean" || name == "var" || name == "std" ||
        name == "softmax" || name == "log_softmax" || t.elem == ElemType::Bool) {
      x = withElem(x, t, elem);
      t.elem = elem;
    }
    if (name == "sum" || name == "mean" || name == "max" || name == "min")
      return tensor(reduce(name.c_str(), x, t, axes).first);
    if (name == "var" || name == "std") {
      // Population variance (NumPy's default ddof=0).
      Value m = spread(reduce("mean", x, t, axes).first, t, axes);
      Value d = b.create<ops::SubOp>(l, x.getType(), x, m);
      Value sq = b.create<ops::MulOp>(l, x.getType(), d, d);
      Value v = reduce("mean", sq, t, axes).first;
      if (name == "std")
        v = b.create<ops::SqrtOp>(l, v.getType(), v);
      return tensor(v);
    }
    // softmax / log_softmax, shifted by the max for stability.
    Value m = spread(reduce("max", x, t, axes).first, t, axes);
    Value shifted = b.create<ops::SubOp>(l, x.getType(), x, m);
    Value ex = b.create<ops::ExpOp>(l, x.getType(), shifted);
    auto [s, st] = reduce("sum", ex, t, axes);
    if (name == "softmax")
      return tensor(b.create<ops::DivOp>(l, x.getType(), ex, spread(s, t, axes)));
    Value logSum = b.create<ops::LogOp>(l, s.getType(), s);
    return tensor(
        b.create<ops::SubOp>(l, x.getType(), shifted, spread(logSum, t, axes)));
  }

  if (name == "zeros" || name == "ones")
    return tensor(splat(result, name == "ones" ? 1.0 : 0.0, l));
  if (name == "full") {
    const Expr &v = *positional(1);
    if (auto c = constant(v))
      return tensor(splat(result, *c, l));
    return tensor(coerce(tensorOf(v), result, l));
  }
  if (name == "randn" || name == "rand") {
    const Expr *seed = named("seed");
    int64_t s = seed ? (int64_t)*constant(*seed) : 0;
    return tensor(b.create<ops::RandomOp>(
        l, typed(result), b.getStringAttr(name == "randn" ? "normal" : "uniform"),
        s));
  }
  if (name == "arange") {
    std::vector<double> v;
    for (size_t i = 0; positional(i); ++i)
      v.push_back(*constant(*positional(i)));
    double start = v.size() == 1 ? 0 : v[0];
    double step = v.size() == 3 ? v[2] : 1;
    RankedTensorType t = typed(result);
    SmallVector<Attribute> values;
    for (int64_t i = 0; i < t.getDimSize(0); ++i) {
      double x = start + step * (double)i;
      values.push_back(result.elem == ElemType::I64
                           ? (Attribute)b.getI64IntegerAttr((int64_t)x)
                           : (Attribute)b.getF32FloatAttr((float)x));
    }
    return tensor(
        b.create<ops::ConstantOp>(l, DenseElementsAttr::get(t, values)));
  }
  if (name == "linspace") {
    RankedTensorType t = typed(result);
    int64_t n = t.getDimSize(0);
    auto c0 = constant(*positional(0)), c1 = constant(*positional(1));
    if (c0 && c1) {
      // Computed in double like NumPy, then rounded once to f32.
      SmallVector<float> values;
      for (int64_t i = 0; i < n; ++i)
        values.push_back(n == 1 ? (float)*c0
                                : (float)(*c0 + (*c1 - *c0) * (double)i /
                                                    (double)(n - 1)));
      return tensor(b.create<ops::ConstantOp>(
          l, DenseElementsAttr::get(t, ArrayRef<float>(values))));
    }
    Type scalar = Type::scalar(ElemType::F32);
    Value start = coerce(tensorOf(*positional(0)), scalar, l);
    Value stop = coerce(tensorOf(*positional(1)), scalar, l);
    Value width = b.create<ops::SubOp>(l, start.getType(), stop, start);
    Value step = b.create<ops::DivOp>(l, start.getType(), width,
                                      splat(scalar, n > 1 ? n - 1 : 1, l));
    Value iota = b.create<ops::IotaOp>(l, t, 0);
    Value scaled = b.create<ops::MulOp>(l, t, iota, coerce(step, result, l));
    return tensor(b.create<ops::AddOp>(l, t, scaled, coerce(start, result, l)));
  }

  if (name == "where") {
    Type condType = result;
    condType.elem = ElemType::Bool;
    Value c = tensorOf(*positional(0)), x = tensorOf(*positional(1)),
          y = tensorOf(*positional(2));
    // Any argument of the result's rank carries run-time sizes.
    Value like;
    for (Value v : {c, x, y})
      if (cast<RankedTensorType>(v.getType()).getRank() == result.rank())
        like = v;
    c = coerce(c, condType, l, like);
    x = coerce(x, result, l, like);
    y = coerce(y, result, l, like);
    return tensor(b.create<ops::SelectOp>(l, x.getType(), c, x, y));
  }

  if (name == "transpose") {
    const Expr &arg = *positional(0);
    int rank = typeOf(arg).rank();
    SmallVector<int64_t> perm;
    if (const Expr *p = positional(1)) {
      if (p->kind == ExprKind::List)
        for (const ExprPtr &d : p->operands)
          perm.push_back((int64_t)*constant(*d));
      else
        perm.push_back((int64_t)*constant(*p));
    } else {
      for (int i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    }
    return tensor(
        b.create<ops::TransposeOp>(l, typed(result), tensorOf(arg), perm));
  }
  if (name == "reshape" || name == "flatten")
    return tensor(
        b.create<ops::ReshapeOp>(l, typed(result), tensorOf(*positional(0))));
  if (name == "concat" || name == "stack") {
    const Expr &list = *positional(0);
    int64_t axis = named("axis") ? axisOf(named("axis"), result.rank()) : 0;
    SmallVector<Value> parts;
    for (const ExprPtr &x : list.operands) {
      Type t = typeOf(*x);
      t.elem = result.elem;
      Value v = coerce(tensorOf(*x), t, l);
      if (name == "stack") {
        Dim one;
        one.size = 1;
        t.dims.insert(t.dims.begin() + axis, one);
        v = b.create<ops::ReshapeOp>(l, typed(t), v);
      }
      parts.push_back(v);
    }
    return tensor(b.create<ops::ConcatOp>(l, typed(result), parts, axis));
  }
  if (name == "leaky_relu") {
    const Expr *slope = named("slope");
    return tensor(leakyRelu(coerce(tensorOf(*positional(0)), result, l),
                            slope ? *constant(*slope) : 0.01, l));
  }
  if (name == "conv2d") {
    int64_t opts[3] = {1, 0, 1};
    const char *optNames[3] = {"stride", "padding", "dilation"};
    for (int i = 0; i < 3; ++i)
      if (const Expr *o = named(optNames[i]))
        opts[i] = (int64_t)*constant(*o);
    return tensor(b.create<ops::Conv2dOp>(l, typed(result), tensorOf(*positional(0)),
                                          tensorOf(*positional(1)), opts[0], opts[1],
                                          opts[2]));
  }
  if (name == "maxpool" || name == "avgpool")
    return tensor(b.create<ops::Pool2dOp>(
        l, typed(result), b.getStringAttr(name == "maxpool" ? "max" : "avg"),
        tensorOf(*positional(0)), (int64_t)*constant(*positional(1))));
  // `grad(f)` is a compile-time function value; calling it emits the code.
  return GenValue();
}

} // namespace mlp
