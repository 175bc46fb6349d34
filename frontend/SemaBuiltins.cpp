// Sema for builtin functions: argument checking and result types.
// MLIRGenBuiltins.cpp emits the same builtins; both read the result type and
// the compile-time constants recorded here.
#include "frontend/Sema.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace mlp {

namespace {
const std::set<std::string> kUnary = {"exp",  "log",     "sqrt", "abs",
                                      "tanh", "sigmoid", "relu", "erf", "gelu"};
const std::set<std::string> kReductions = {"sum", "mean", "max",
                                           "min", "var",  "std"};
const std::set<std::string> kCasts = {"f32", "f64", "i32", "i64"};
const std::set<std::string> kOther = {
    "zeros",   "ones",    "full",    "randn",       "rand",    "arange",
    "linspace", "where",  "argmax",  "softmax",     "log_softmax",
    "transpose", "reshape", "flatten", "concat",    "stack",   "grad",
    "conv2d",    "maxpool", "avgpool", "leaky_relu"};
/// Builtins of later parts of the language: they are known names, so using
/// one says "not supported yet" rather than "unknown name".
const std::set<std::string> kLater = {
    "dense",     "dropout",
    "batchnorm", "layernorm", "embedding", "lstm",    "gru",       "attention"};
/// Tables and metrics (SemaPipeline.cpp).
const std::set<std::string> kPipeline = {
    "csv", "json", "idx", "mutate", "standardize", "split", "text", "describe", "write_csv", "group_by", "join", "parse_dates", "window", "tokenize",
    "agg", "filter", "rename", "select", "drop", "drop_na", "fill_na", "onehot",
    "label_encode", "minmax", "head", "shuffle", "sort", "accuracy", "precision", "recall", "f1",
    "confusion", "mse", "mae", "r2", "log_loss", "roc_auc", "adjusted_rand", "silhouette",
    "cross_validate", "grid_search"};
} // namespace

bool isPipelineBuiltin(const std::string &name) { return kPipeline.count(name) > 0; }

const std::vector<std::string> &builtinNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto *set :
         {&kUnary, &kReductions, &kCasts, &kOther, &kLater, &kPipeline})
      v.insert(v.end(), set->begin(), set->end());
    return v;
  }();
  return names;
}

Type Sema::checkBuiltin(const Expr &e, const std::string &name) {
  if (kLater.count(name))
    unsupported(e.operands[0]->range, "'" + name + "'");
  if (kPipeline.count(name))
    return checkTableBuiltin(e, name);

  auto positional = [&](size_t i) { return positionalArg(e, i); };
  auto named = [&](const char *n) { return namedArg(e, n); };
  // Rejects extra positional arguments and unknown names.
  auto expectArgs = [&](size_t minPositional, size_t maxPositional,
                        std::set<std::string> names) {
    size_t count = 0;
    for (const Arg &a : e.args) {
      if (a.name.empty()) {
        ++count;
        continue;
      }
      if (!names.count(a.name))
        diags.error(a.nameRange, "'" + name + "' has no parameter '" + a.name +
                                     "'");
    }
    if (count < minPositional || count > maxPositional) {
      std::string n = minPositional == maxPositional
                          ? std::to_string(minPositional)
                          : std::to_string(minPositional) + " to " +
                                std::to_string(maxPositional);
      error(e, "'" + name + "' takes " + n + " positional argument" +
                   (maxPositional == 1 ? "" : "s") + ", got " +
                   std::to_string(count));
    }
  };
  auto tensorArg = [&](const Expr *x, const char *what) {
    Type t = check(*x);
    if (!t.isTensor() || t.elem == ElemType::Str)
      error(*x, "'" + name + "' needs " + what + ", got " + t.str());
    return t;
  };
  // An axis argument in [-rank, rank), normalized to [0, rank).
  auto axisArg = [&](const Expr *x, int rank) -> int64_t {
    int64_t a = constInt(*x, "an axis");
    if (a < -rank || a >= rank)
      error(*x, "axis " + std::to_string(a) + " is out of range for a tensor "
                "of rank " + std::to_string(rank));
    return a < 0 ? a + rank : a;
  };
  auto dimsOf = [](const std::vector<int64_t> &shape) {
    std::vector<Dim> dims;
    for (int64_t s : shape) {
      Dim d;
      d.size = s;
      dims.push_back(d);
    }
    return dims;
  };

  if (kUnary.count(name)) {
    expectArgs(1, 1, {});
    Type t = tensorArg(positional(0), "a number or tensor");
    if (!isNumeric(t.elem))
      error(*positional(0), "'" + name + "' needs numbers, got " + t.str());
    bool keepsInts = name == "abs" || name == "relu";  // others give floats
    if (!keepsInts && !isFloatElem(t.elem))
      t.elem = ElemType::F32;
    return record(e, t);
  }

  if (kCasts.count(name)) {
    expectArgs(1, 1, {});
    Type t = tensorArg(positional(0), "a number or tensor");
    t.elem = name == "f32"   ? ElemType::F32
             : name == "f64" ? ElemType::F64
             : name == "i32" ? ElemType::I32
                             : ElemType::I64;
    if (auto c = constant(*positional(0)))
      ctx->notes->constants[&e] =
          isFloatElem(t.elem) ? *c : std::trunc(*c);
    return record(e, t);
  }

  if (kReductions.count(name) || name == "argmax" || name == "softmax" ||
      name == "log_softmax") {
    expectArgs(1, 1, {"axis"});
    Type t = tensorArg(positional(0), "a tensor");
    // sum and mean of bools count trues, as in NumPy.
    bool countsBools = t.elem == ElemType::Bool && (name == "sum" || name == "mean");
    if (!isNumeric(t.elem) && !countsBools)
      error(*positional(0), "'" + name + "' needs numbers, got " + t.str());
    if (t.rank() == 0 && name != "sum" && name != "mean" && name != "max" &&
        name != "min")
      error(*positional(0), "'" + name + "' needs a tensor, got " + t.str());
    const Expr *axis = named("axis");
    if (name == "softmax" || name == "log_softmax") {
      if (axis)
        axisArg(axis, t.rank());
      if (!isFloatElem(t.elem))
        t.elem = ElemType::F32;
      return record(e, t);
    }
    Type r = t;
    if (axis) {
      int64_t a = axisArg(axis, t.rank());
      r.dims.erase(r.dims.begin() + a);
    } else {
      r.dims.clear();
    }
    if (name == "argmax" || (name == "sum" && countsBools))
      r.elem = ElemType::I64;
    else if ((name == "mean" || name == "var" || name == "std") &&
             !isFloatElem(r.elem))
      r.elem = ElemType::F32;
    return record(e, r);
  }

  if (name == "zeros" || name == "ones" || name == "randn" || name == "rand") {
    bool random = name == "randn" || name == "rand";
    expectArgs(1, 1, random ? std::set<std::string>{"seed"}
                            : std::set<std::string>{});
    std::vector<int64_t> shape = constShape(*positional(0), "a shape");
    if (const Expr *seed = named("seed"))
      constInt(*seed, "a seed");
    return record(e, Type::tensor(ElemType::F32, dimsOf(shape)));
  }
  if (name == "full") {
    expectArgs(2, 2, {});
    std::vector<int64_t> shape = constShape(*positional(0), "a shape");
    Type v = tensorArg(positional(1), "a fill value");
    if (!v.isScalar())
      error(*positional(1), "'full' needs a scalar fill value, got " + v.str());
    return record(e, Type::tensor(v.elem, dimsOf(shape)));
  }
  if (name == "arange") {
    expectArgs(1, 3, {});
    double start = 0, stop, step = 1;
    bool allInts = true;
    std::vector<double> v;
    for (size_t i = 0; positional(i); ++i) {
      const Expr *x = positional(i);
      check(*x);
      auto c = constant(*x);
      if (!c)
        error(*x, "arange's bounds must be known at compile time");
      allInts = allInts && std::floor(*c) == *c &&
                ctx->notes->types[x].elem != ElemType::F32;
      v.push_back(*c);
    }
    if (v.size() == 1) {
      stop = v[0];
    } else {
      start = v[0];
      stop = v[1];
      if (v.size() == 3)
        step = v[2];
    }
    if (step == 0)
      error(e, "arange's step must not be 0");
    // Folded bounds may be inf or nan (arange(1.0, 4/0, 1.0)): casting such
    // a count to int64_t would be undefined.
    double count = std::ceil((stop - start) / step);
    if (!(count <= 9007199254740992.0))
      error(e, "arange gives too many elements");
    int64_t n = count > 0 ? (int64_t)count : 0;
    return record(e, Type::tensor(allInts ? ElemType::I64 : ElemType::F32,
                                  dimsOf({n})));
  }
  if (name == "linspace") {
    expectArgs(3, 3, {});
    for (int i = 0; i < 2; ++i) {
      Type t = tensorArg(positional(i), "scalar bounds");
      if (!t.isScalar() || !isNumeric(t.elem))
        error(*positional(i), "linspace needs scalar bounds, got " + t.str());
    }
    int64_t n = constInt(*positional(2), "the number of points");
    if (n < 1)
      error(*positional(2), "linspace needs at least 1 point");
    return record(e, Type::tensor(ElemType::F32, dimsOf({n})));
  }

  if (name == "where") {
    expectArgs(3, 3, {});
    Type c = tensorArg(positional(0), "a bool condition");
    if (c.elem != ElemType::Bool)
      error(*positional(0), "where's condition must be bool, got " + c.str());
    Type a = tensorArg(positional(1), "values");
    Type b = tensorArg(positional(2), "values");
    if ((a.elem == ElemType::Bool) != (b.elem == ElemType::Bool))
      error(e, "where's branches differ: " + a.str() + " vs " + b.str());
    Type ab = broadcast(a, b, e);
    Type r = broadcast(c, ab, e);
    r.elem = ab.elem;
    return record(e, r);
  }

  if (name == "transpose") {
    expectArgs(1, 2, {});
    Type t = tensorArg(positional(0), "a tensor");
    std::vector<int64_t> perm;
    if (const Expr *p = positional(1)) {
      perm = constShape(*p, "a permutation");
      std::vector<int64_t> sorted = perm;
      std::sort(sorted.begin(), sorted.end());
      for (size_t i = 0; i < sorted.size(); ++i)
        if (sorted[i] != (int64_t)i || (int)perm.size() != t.rank())
          error(*p, "not a permutation of the " + std::to_string(t.rank()) +
                        " dimensions of " + t.str());
    } else {
      for (int i = t.rank() - 1; i >= 0; --i)
        perm.push_back(i);
    }
    Type r = t;
    for (size_t i = 0; i < perm.size(); ++i)
      r.dims[i] = t.dims[perm[i]];
    return record(e, r);
  }
  if (name == "reshape" || name == "flatten") {
    expectArgs(name == "flatten" ? 1 : 2, name == "flatten" ? 1 : 2, {});
    Type t = tensorArg(positional(0), "a tensor");
    int64_t count = 1;
    for (const Dim &d : t.dims)
      count *= d.size;
    std::vector<int64_t> shape = {count};
    if (name == "reshape") {
      const Expr *s = positional(1);
      std::vector<Dim> none;
      // -1 in a shape means "whatever is left"; constShape rejects negatives,
      // so read it here.
      shape.clear();
      int inferred = -1;
      const std::vector<ExprPtr> *items = s->kind == ExprKind::List
                                              ? &s->operands
                                              : nullptr;
      if (!items)
        error(*s, "reshape needs a shape list such as [2, 3]");
      int64_t known = 1;
      for (size_t i = 0; i < items->size(); ++i) {
        int64_t d = constInt(*(*items)[i], "a shape");
        if (d == -1) {
          if (inferred >= 0)
            error(*(*items)[i], "only one dimension may be -1");
          inferred = (int)i;
        } else if (d < 0) {
          error(*(*items)[i], "a shape dimension must be >= 0 or -1");
        } else {
          known *= d;
        }
        shape.push_back(d);
      }
      record(*s, Type::unit());
      if (inferred >= 0) {
        if (known == 0 || count % known)
          error(*s, "cannot reshape " + t.str() + " (" + std::to_string(count) +
                        " elements): the shape does not divide it");
        shape[inferred] = count / known;
        known *= shape[inferred];
      }
      if (known != count)
        error(*s, "cannot reshape " + t.str() + " (" + std::to_string(count) +
                      " elements) into " + std::to_string(known) + " elements");
    }
    return record(e, Type::tensor(t.elem, dimsOf(shape)));
  }
  if (name == "concat" || name == "stack") {
    expectArgs(1, 1, {"axis"});
    const Expr *list = positional(0);
    if (list->kind != ExprKind::List || list->operands.empty())
      error(*list, "'" + name + "' needs a list of tensors such as [a, b]");
    std::vector<Type> parts;
    for (const ExprPtr &x : list->operands)
      parts.push_back(tensorArg(x.get(), "tensors"));
    record(*list, Type::unit());
    Type first = parts[0];
    int rank = first.rank() + (name == "stack" ? 1 : 0);
    if (rank == 0)
      error(*list, "cannot concatenate scalars: use stack");
    int64_t axis = named("axis") ? axisArg(named("axis"), rank) : 0;
    Type r = first;
    for (size_t i = 1; i < parts.size(); ++i) {
      const Type &p = parts[i];
      bool same = p.rank() == first.rank() && p.elem == first.elem;
      for (int d = 0; same && d < first.rank(); ++d)
        same = name == "concat" && d == axis ? true : p.dims[d] == first.dims[d];
      if (!same)
        error(*list->operands[i],
              "'" + name + "' needs matching tensors: " + first.str() +
                  " and " + p.str() +
                  (name == "concat" ? " differ outside axis " + std::to_string(axis)
                                    : std::string(" differ")));
    }
    if (name == "concat") {
      int64_t total = 0;
      for (const Type &p : parts)
        total += p.dims[axis].size;
      r.dims[axis].size = total;
    } else {
      Dim d;
      d.size = (int64_t)parts.size();
      r.dims.insert(r.dims.begin() + axis, d);
    }
    return record(e, r);
  }

  if (name == "leaky_relu") {
    expectArgs(1, 1, {"slope"});
    Type t = tensorArg(positional(0), "a number or tensor");
    if (!isNumeric(t.elem))
      error(*positional(0), "leaky_relu needs numbers, got " + t.str());
    if (const Expr *slope = named("slope")) {
      check(*slope);
      if (!constant(*slope))
        error(*slope, "slope must be a number known at compile time");
    }
    if (!isFloatElem(t.elem))
      t.elem = ElemType::F32;
    return record(e, t);
  }
  if (name == "conv2d") {
    // conv2d(x [B,C,H,W], w [F,C,KH,KW], stride:, padding:, dilation:)
    expectArgs(2, 2, {"stride", "padding", "dilation"});
    Type x = tensorArg(positional(0), "an input f32[B, C, H, W]");
    Type w = tensorArg(positional(1), "weights f32[F, C, KH, KW]");
    if (x.rank() != 4 || !isFloatElem(x.elem))
      error(*positional(0), "conv2d needs an input f32[B, C, H, W], got " + x.str());
    if (w.rank() != 4 || !isFloatElem(w.elem))
      error(*positional(1), "conv2d needs weights f32[F, C, KH, KW], got " + w.str());
    if (x.dims[1].size != w.dims[1].size)
      error(e, "conv2d: the input has " + std::to_string(x.dims[1].size) +
                   " channels but the weights expect " +
                   std::to_string(w.dims[1].size));
    int64_t opts[3] = {1, 0, 1};
    const char *optNames[3] = {"stride", "padding", "dilation"};
    for (int i = 0; i < 3; ++i)
      if (const Expr *o = named(optNames[i])) {
        opts[i] = constInt(*o, optNames[i]);
        if (opts[i] < (i == 1 ? 0 : 1))
          error(*o, std::string(optNames[i]) + " must be at least " +
                        (i == 1 ? "0" : "1"));
      }
    Type r = x;
    r.dims[1] = w.dims[0];
    for (int d = 2; d < 4; ++d) {
      int64_t size = (x.dims[d].size + 2 * opts[1] - opts[2] * (w.dims[d].size - 1) -
                      1) / opts[0] + 1;
      if (size < 1)
        error(e, "conv2d: the kernel is larger than the padded input");
      r.dims[d].size = size;
    }
    return record(e, r);
  }
  if (name == "maxpool" || name == "avgpool") {
    expectArgs(2, 2, {});
    Type x = tensorArg(positional(0), "an input f32[B, C, H, W]");
    if (x.rank() != 4 || !isFloatElem(x.elem))
      error(*positional(0), name + " needs an input f32[B, C, H, W], got " + x.str());
    int64_t k = constInt(*positional(1), "the window");
    if (k < 1 || k > x.dims[2].size || k > x.dims[3].size)
      error(*positional(1), "the window must be between 1 and the image size");
    Type r = x;
    r.dims[2].size /= k;
    r.dims[3].size /= k;
    return record(e, r);
  }

  if (name == "grad") {
    expectArgs(1, 1, {"wrt"});
    FnRef ref = gradRef(e);
    Type t;
    t.kind = Type::Function;
    t.name = "grad(" + ref.fn->name() + ")";
    return record(e, t);
  }
  error(e, "unknown builtin '" + name + "'");
}

/// The function value `grad(f)` or `grad(f, wrt: x)` stands for.
FnRef Sema::gradRef(const Expr &call) {
  const Expr *target = nullptr;
  const Arg *wrt = nullptr;
  for (const Arg &a : call.args) {
    if (a.name.empty())
      target = a.value.get();
    else if (a.name == "wrt")
      wrt = &a;
  }
  if (!target)
    error(call, "grad needs a function, as in grad(f) or grad(f, wrt: x)");
  std::optional<FnRef> f = functionValue(*target);
  if (!f)
    error(*target, "grad needs the name of a fn");
  if (f->isGrad)
    unsupported(target->range, "a gradient of a gradient");
  record(*target, Type::unit());
  FnRef ref;
  ref.fn = f->fn;
  ref.isGrad = true;
  const Stmt &fn = *f->fn;
  if (wrt) {
    if (wrt->value->kind != ExprKind::Name)
      error(*wrt->value, "wrt names a parameter of '" + fn.name() + "'");
    const std::string &p = wrt->value->name;
    auto it = std::find_if(fn.params.begin(), fn.params.end(),
                           [&](const Param &x) { return x.name == p; });
    if (it == fn.params.end())
      error(*wrt->value, "'" + fn.name() + "' has no parameter '" + p + "'");
    record(*wrt->value, Type::unit());
    ref.wrt.push_back((int)(it - fn.params.begin()));
  } else {
    for (size_t i = 0; i < fn.params.size(); ++i)
      ref.wrt.push_back((int)i);
  }
  return ref;
}

} // namespace mlp
