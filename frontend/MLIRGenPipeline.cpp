// MLIRGen for pipelines: table ops, `train` (the compiled training loop),
// metrics, `plot`, `save` and `load`.
//
// Training compiles to:
//   1. the model's forward function and its loss on one padded batch,
//   2. a value-and-gradient function the autodiff pass fills in,
//   3. in the program itself, an epoch loop around a batch loop: the runtime
//      fills each batch (shuffled per epoch), the generated code computes
//      loss and gradients and updates parameters and optimizer state, which
//      are the loops' carried values.
// Every compiled shape is static: the last, partial batch is padded and its
// padding rows masked out of the loss.
#include "frontend/MLIRGenImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

namespace mlp {

using namespace mlir;
namespace ops = mlir::mlp;

//===----------------------------------------------------------------------===//
// Small builders
//===----------------------------------------------------------------------===//

mlir::Type MLIRGen::ptrType() { return LLVM::LLVMPointerType::get(&context); }

Value MLIRGen::str(StringRef text, Location l) {
  return b.create<ops::StrOp>(l, ptrType(), b.getStringAttr(text));
}

Value MLIRGen::i64(int64_t v, Location l) {
  return b.create<arith::ConstantIntOp>(l, v, 64);
}

Value MLIRGen::indexToI64(Value index, Location l) {
  return b.create<arith::IndexCastOp>(l, b.getI64Type(), index);
}

scf::ForOp MLIRGen::countedLoop(Value count, ValueRange inits, Location l,
                                Value from) {
  if (count.getType().isInteger(64))
    count = b.create<arith::IndexCastOp>(l, b.getIndexType(), count);
  if (!from)
    from = b.create<arith::ConstantIndexOp>(l, 0);
  Value one = b.create<arith::ConstantIndexOp>(l, 1);
  return b.create<scf::ForOp>(l, from, count, one, inits);
}

Value MLIRGen::builtinFlag(StringRef name, Location l) {
  if (builtinFlags.insert(name.str()).second)
    paramDecls.push_back(b.getStrArrayAttr({name, "bool", "false"}));
  return rtCall("mlp_rt_param_bool", b.getI32Type(), {str(name, l)}, l);
}

Value MLIRGen::rtCall(StringRef callee, TypeRange results, ValueRange args,
                      Location l) {
  auto call = b.create<ops::RuntimeCallOp>(l, results, b.getStringAttr(callee),
                                           args);
  return call.getNumResults() ? call.getResult(0) : Value();
}

/// A scalar tensor<f32> as an f64 value for the runtime.
Value MLIRGen::scalarToF64(Value t, Location l) {
  Value x = b.create<tensor::ExtractOp>(l, t, ValueRange{});
  if (!x.getType().isF64())
    x = b.create<arith::ExtFOp>(l, b.getF64Type(), x);
  return x;
}

namespace {

/// Builds mlp ops on static tensors with their result types spelled out.
struct OpBuilderHelper {
  OpBuilder &b;
  Location l;

  RankedTensorType t(ArrayRef<int64_t> shape, mlir::Type elem = {}) {
    return RankedTensorType::get(shape, elem ? elem : b.getF32Type());
  }
  Value splat(RankedTensorType type, double v) {
    Attribute a = isa<FloatType>(type.getElementType())
                      ? (Attribute)b.getFloatAttr(type.getElementType(), v)
                      : (Attribute)b.getIntegerAttr(type.getElementType(), (int64_t)v);
    return b.create<ops::ConstantOp>(l, DenseElementsAttr::get(type, a));
  }
  Value add(Value x, Value y) { return b.create<ops::AddOp>(l, x.getType(), x, y); }
  Value sub(Value x, Value y) { return b.create<ops::SubOp>(l, x.getType(), x, y); }
  Value mul(Value x, Value y) { return b.create<ops::MulOp>(l, x.getType(), x, y); }
  Value div(Value x, Value y) { return b.create<ops::DivOp>(l, x.getType(), x, y); }
  Value sqrt(Value x) { return b.create<ops::SqrtOp>(l, x.getType(), x); }
  Value exp(Value x) { return b.create<ops::ExpOp>(l, x.getType(), x); }
  Value log(Value x) { return b.create<ops::LogOp>(l, x.getType(), x); }
  Value pow(Value x, Value y) { return b.create<ops::PowOp>(l, x.getType(), x, y); }
  /// A scalar (rank 0) broadcast to `like`'s shape.
  Value spread(Value scalar, Value like) {
    if (scalar.getType() == like.getType())
      return scalar;
    return b.create<ops::BroadcastOp>(l, like.getType(), scalar,
                                      ArrayRef<int64_t>{});
  }
  /// Sum over `axes`, removing them.
  Value sum(Value x, ArrayRef<int64_t> axes, const char *kind = "sum") {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (!llvm::is_contained(axes, d))
        shape.push_back(type.getDimSize(d));
    return b.create<ops::ReduceOp>(l, type.clone(shape), b.getStringAttr(kind),
                                   x, axes);
  }
  /// A [B] vector broadcast along a new last axis to [B, C].
  Value rows(Value v, RankedTensorType to) {
    return b.create<ops::BroadcastOp>(l, to, v, ArrayRef<int64_t>{0});
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Model functions
//===----------------------------------------------------------------------===//

/// Parameter types of a model, in order.
static SmallVector<mlir::Type> paramTypes(OpBuilder &b, const TrainedInfo &info) {
  SmallVector<mlir::Type> types;
  for (const auto &p : info.params)
    types.push_back(RankedTensorType::get(p.second, b.getF32Type()));
  return types;
}

/// The model on one batch: (params..., x [B, features]) -> [B, outputs].
/// The training variant takes the step count too, for dropout's masks;
/// evaluation runs without dropout.
func::FuncOp MLIRGen::forwardFunction(const TrainedInfo &info, bool training,
                                      int64_t batch) {
  if (batch == 0)
    batch = info.batch;
  auto &cache = training ? trainForwardFns : forwardFns;
  auto found = cache.find({&info, batch});
  if (found != cache.end())
    return found->second;
  Location l = module.getLoc();
  int64_t inputs = info.features;
  SmallVector<mlir::Type> args = paramTypes(b, info);
  args.push_back(RankedTensorType::get({batch, inputs}, b.getF32Type()));
  if (training) {
    args.push_back(RankedTensorType::get({batch}, b.getF32Type()));  // mask
    args.push_back(RankedTensorType::get({}, b.getI64Type()));       // step
  }
  SmallVector<mlir::Type> resultTypes = {
      RankedTensorType::get({batch, info.outputs}, b.getF32Type())};
  // Training also gives each batchnorm's batch mean and (unbiased) variance.
  if (training)
    for (const Layer &layer : info.layers)
      if (layer.kind == Layer::BatchNorm)
        resultTypes.append(2, RankedTensorType::get({layer.out}, b.getF32Type()));

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  std::string name = info.model + (training ? "_train_forward_" : "_forward_") +
                     std::to_string(cache.size());
  auto fn = b.create<func::FuncOp>(l, name, b.getFunctionType(args, resultTypes));
  fn.setPrivate();
  cache[{&info, batch}] = fn;
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);

  Value step = training ? entry->getArguments().back() : Value();
  Value x = entry->getArgument(info.params.size());
  ValueRange params = entry->getArguments().take_front(info.params.size());
  auto savedStats = std::make_pair(rowMask, batchStats);
  rowMask = training ? entry->getArgument(info.params.size() + 1) : Value();
  batchStats.clear();
  if (info.forward) {
    // A model with forward: its expression, computed on the whole batch
    // (tensorType adds the batch dimension to every per-example type).
    x = reshapeBatch(x, info.inputShape, l);
    scopes.emplace_back();
    bindLocal(info.forwardInput, GenValue::tensor(x));
    auto saved = std::make_tuple(batchPrefix, graph, graphParams, graphStep,
                                 graphTraining);
    batchPrefix = batch;
    graph = &info;
    graphParams = params;
    graphStep = step;
    graphTraining = training;
    x = tensorOf(*info.forward);
    std::tie(batchPrefix, graph, graphParams, graphStep, graphTraining) = saved;
    scopes.pop_back();
  } else {
    size_t param = 0;
    for (const Layer &layer : info.layers) {
      size_t count = layerParams(layer);
      x = applyLayer(info, layer, x, params.slice(param, count), step, training, l);
      param += count;
    }
  }
  x = reshapeBatch(x, {info.outputs}, l);
  SmallVector<Value> results = {x};
  results.append(batchStats.begin(), batchStats.end());
  b.create<func::ReturnOp>(l, results);
  std::tie(rowMask, batchStats) = savedStats;
  return fn;
}

size_t MLIRGen::layerParams(const Layer &layer) {
  if (layer.kind == Layer::BatchNorm)
    return 4;  // weight, bias, running mean, running variance
  if (layer.kind == Layer::Embedding)
    return 1;  // the vectors, [vocabulary, size]
  return layer.kind == Layer::Dense || layer.kind == Layer::Conv2d ||
                 layer.kind == Layer::LayerNorm
             ? 2
             : 0;
}

/// `x` ([batch] + some shape) as [batch] + `example`.
Value MLIRGen::reshapeBatch(Value x, const std::vector<int64_t> &example,
                            Location l) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape = {type.getDimSize(0)};
  shape.append(example.begin(), example.end());
  if (type.getShape() == ArrayRef<int64_t>(shape))
    return x;
  return b.create<ops::ReshapeOp>(l, type.clone(shape), x);
}

/// One layer on a batch: x is [batch] + the layer's input shape (or flat).
Value MLIRGen::applyLayer(const TrainedInfo &info, const Layer &layer, Value x,
                          ValueRange params, Value step, bool training,
                          Location l) {
  OpBuilderHelper h{b, l};
  int64_t batch = cast<RankedTensorType>(x.getType()).getDimSize(0);
  auto batched = [&](const std::vector<int64_t> &example) {
    SmallVector<int64_t> shape = {batch};
    shape.append(example.begin(), example.end());
    return h.t(shape);
  };
  switch (layer.kind) {
  case Layer::Dense: {
    // x [B, in] @ W^T [in, out] + b, with W stored [out, in] as in PyTorch.
    x = reshapeBatch(x, layer.inShape, l);
    Value wt = b.create<ops::TransposeOp>(l, h.t({layer.in, layer.out}), params[0],
                                          ArrayRef<int64_t>{1, 0});
    auto outType = h.t({batch, layer.out});
    Value y = b.create<ops::MatmulOp>(l, outType, x, wt);
    return h.add(y, b.create<ops::BroadcastOp>(l, outType, params[1],
                                               ArrayRef<int64_t>{1}));
  }
  case Layer::Conv2d: {
    x = reshapeBatch(x, layer.inShape, l);
    auto outType = batched(layer.outShape);
    Value y = b.create<ops::Conv2dOp>(l, outType, x, params[0], layer.stride,
                                      layer.padding, layer.dilation);
    return h.add(y, b.create<ops::BroadcastOp>(l, outType, params[1],
                                               ArrayRef<int64_t>{1}));
  }
  case Layer::MaxPool:
  case Layer::AvgPool:
    x = reshapeBatch(x, layer.inShape, l);
    return b.create<ops::Pool2dOp>(
        l, batched(layer.outShape),
        b.getStringAttr(layer.kind == Layer::MaxPool ? "max" : "avg"), x,
        layer.window);
  case Layer::Dropout: {
    if (!training || layer.rate == 0)
      return x;
    // Inverted dropout: keep with probability 1 - rate, scaled by
    // 1 / (1 - rate); a fresh mask per step (seeded by the step count).
    auto type = cast<RankedTensorType>(x.getType());
    Value u = b.create<ops::RandomOp>(l, type, b.getStringAttr("uniform"),
                                      b.getI64IntegerAttr(info.seed * 7919 + layer.index),
                                      step);
    Value keep = b.create<ops::CmpOp>(l, type.clone(b.getI1Type()),
                                      b.getStringAttr("ge"), u,
                                      h.splat(type, layer.rate));
    Value scale = b.create<ops::SelectOp>(l, type, keep,
                                          h.splat(type, 1.0 / (1.0 - layer.rate)),
                                          h.splat(type, 0));
    return h.mul(x, scale);
  }
  case Layer::BatchNorm: {
    // Per channel (features, or image channels over all positions):
    // training normalizes with the batch's statistics over its real rows
    // (the mask leaves padding out) and reports them for the running
    // averages; evaluation uses the running averages. eps = 1e-5.
    x = reshapeBatch(x, layer.inShape, l);
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> axes = {0};
    for (int64_t d = 2; d < type.getRank(); ++d)
      axes.push_back(d);
    auto channels = h.t({layer.out});
    auto spread = [&](Value perChannel) {  // [C] to x's shape
      return b.create<ops::BroadcastOp>(l, type, perChannel, ArrayRef<int64_t>{1})
          .getResult();
    };
    Value mean, var;
    if (training) {
      Value rowMask3 = b.create<ops::BroadcastOp>(l, type, rowMask, ArrayRef<int64_t>{0});
      double perRow = 1;
      for (int64_t d = 2; d < type.getRank(); ++d)
        perRow *= (double)type.getDimSize(d);
      Value count = h.mul(h.sum(rowMask, {0}), h.splat(h.t({}), perRow));
      Value countC = b.create<ops::BroadcastOp>(l, channels, count, ArrayRef<int64_t>{});
      mean = h.div(h.sum(h.mul(x, rowMask3), axes), countC);
      Value centered = h.mul(h.sub(x, spread(mean)), rowMask3);
      Value squares = h.sum(h.mul(centered, centered), axes);
      var = h.div(squares, countC);
      Value unbiased = h.div(squares, h.sub(countC, h.splat(channels, 1)));
      batchStats.push_back(mean);
      batchStats.push_back(unbiased);
    } else {
      mean = params[2];
      var = params[3];
    }
    Value inv = h.div(h.splat(channels, 1), h.sqrt(h.add(var, h.splat(channels, 1e-5))));
    Value y = h.mul(h.sub(x, spread(mean)), spread(h.mul(inv, params[0])));
    return h.add(y, spread(params[1]));
  }
  case Layer::Embedding: {
    // One-hot rows [B*T, vocabulary] @ W [vocabulary, size]: a lookup whose
    // gradient (one-hot^T @ dy) adds into each used row. The batcher checked
    // every index lies in [0, vocabulary).
    int64_t positions = layer.inShape[0];
    auto flat = h.t({batch * positions, layer.in});
    Value indices = b.create<ops::ReshapeOp>(l, h.t({batch * positions}), x);
    Value ids = b.create<ops::IotaOp>(l, flat, 1);
    Value hot = b.create<ops::CmpOp>(
        l, flat.clone(b.getI1Type()), b.getStringAttr("eq"), ids,
        b.create<ops::BroadcastOp>(l, flat, indices, ArrayRef<int64_t>{0}));
    Value vectors = b.create<ops::MatmulOp>(
        l, h.t({batch * positions, layer.out}),
        b.create<ops::CastOp>(l, flat, hot), params[0]);
    return b.create<ops::ReshapeOp>(l, batched(layer.outShape), vectors);
  }
  case Layer::LayerNorm: {
    // (x - mean) / sqrt(var + 1e-5) * weight + bias over each example's
    // features, as PyTorch's LayerNorm.
    x = reshapeBatch(x, layer.inShape, l);
    auto type = cast<RankedTensorType>(x.getType());
    Value centered = h.sub(x, h.rows(h.sum(x, {1}, "mean"), type));
    Value var = h.sum(h.mul(centered, centered), {1}, "mean");
    Value inv = h.div(h.splat(h.t({batch}), 1),
                      h.sqrt(h.add(var, h.splat(h.t({batch}), 1e-5))));
    x = h.mul(centered, h.rows(inv, type));
    return h.add(h.mul(x, b.create<ops::BroadcastOp>(l, type, params[0],
                                                     ArrayRef<int64_t>{1})),
                 b.create<ops::BroadcastOp>(l, type, params[1],
                                            ArrayRef<int64_t>{1}));
  }
  case Layer::Relu:
    return b.create<ops::ReluOp>(l, x.getType(), x);
  case Layer::LeakyRelu:
    return leakyRelu(x, layer.rate, l);
  case Layer::Gelu:
    return gelu(x, l);
  case Layer::Tanh:
    return b.create<ops::TanhOp>(l, x.getType(), x);
  case Layer::Sigmoid:
    return b.create<ops::SigmoidOp>(l, x.getType(), x);
  case Layer::Softmax: {
    auto type = cast<RankedTensorType>(x.getType());
    Value e = h.exp(h.sub(x, h.rows(h.sum(x, {1}, "max"), type)));
    return h.div(e, h.rows(h.sum(e, {1}), type));
  }
  case Layer::LogSoftmax: {
    auto type = cast<RankedTensorType>(x.getType());
    Value z = h.sub(x, h.rows(h.sum(x, {1}, "max"), type));
    return h.sub(z, h.rows(h.log(h.sum(h.exp(z), {1})), type));
  }
  case Layer::Flatten:
    return layer.index < 0 ? x : reshapeBatch(x, layer.outShape, l);
  }
  return x;
}

/// `fc1(x)` inside a forward: the named layer on the batch.
GenValue MLIRGen::genLayerCall(const Expr &e, int k) {
  const TrainedInfo &info = *graph;
  size_t first = 0;
  for (int i = 0; i < k; ++i)
    first += layerParams(info.layers[i]);
  const Layer &layer = info.layers[k];
  Value x = tensorOf(*e.args[0].value);
  return GenValue::tensor(applyLayer(info, layer, x,
                                     graphParams.slice(first, layerParams(layer)),
                                     graphStep, graphTraining, loc(e)));
}


/// Mean loss over the real rows of one padded batch.
func::FuncOp MLIRGen::lossFunction(const TrainedInfo &info) {
  auto found = lossFns.find(&info);
  if (found != lossFns.end())
    return found->second;
  func::FuncOp forward = forwardFunction(info, /*training=*/true);
  Location l = module.getLoc();
  int64_t batch = info.batch;
  // (params..., x, y, mask, step): the forward's arguments but the step,
  // then the targets and mask, then the step.
  SmallVector<mlir::Type> args(forward.getArgumentTypes().drop_back(2));
  mlir::Type targetElem =
      info.classification ? (mlir::Type)b.getI64Type() : (mlir::Type)b.getF32Type();
  args.push_back(RankedTensorType::get({batch}, targetElem));
  args.push_back(RankedTensorType::get({batch}, b.getF32Type()));
  args.push_back(RankedTensorType::get({}, b.getI64Type()));
  // The loss, then the forward's batch statistics and, when the training
  // table's metrics are asked for, its outputs (auxiliary results).
  SmallVector<mlir::Type> results = {RankedTensorType::get({}, b.getF32Type())};
  for (mlir::Type t : forward.getResultTypes().drop_front())
    results.push_back(t);
  if (!info.metrics.empty())
    results.push_back(forward.getResultTypes().front());

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto fn = b.create<func::FuncOp>(
      l, forward.getSymName().str() + "_loss", b.getFunctionType(args, results));
  fn.setPrivate();
  lossFns[&info] = fn;
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  OpBuilderHelper h{b, l};

  size_t n = entry->getNumArguments();
  Value y = entry->getArgument(n - 3), mask = entry->getArgument(n - 2);
  SmallVector<Value> forwardArgs(entry->getArguments().drop_back(3));
  forwardArgs.push_back(mask);
  forwardArgs.push_back(entry->getArgument(n - 1));
  auto forwardCall = b.create<func::CallOp>(l, forward, forwardArgs);
  Value out = forwardCall.getResult(0);
  // Returns the loss followed by the batch statistics and the outputs.
  auto finish = [&](Value loss) {
    SmallVector<Value> values = {loss};
    for (Value v : forwardCall.getResults().drop_front())
      values.push_back(v);
    if (!info.metrics.empty())
      values.push_back(out);
    b.create<func::ReturnOp>(l, values);
  };
  auto outType = cast<RankedTensorType>(out.getType());
  if (info.loss == "fn") {
    // The user's fn sees full batches (the batcher wraps around), so its
    // value is the loss as it is; the mask is all ones.
    const FnInstance &inst = sema.instances[info.lossInstance];
    SmallVector<Value> args = {
        info.classification ? out
                            : Value(b.create<ops::ReshapeOp>(l, h.t({batch}), out)),
        y};
    for (size_t i = 2; i < inst.fn->params.size(); ++i)
      args.push_back(splat(inst.paramTypes[i],
                           sema.mainNotes.constants.at(
                               inst.fn->params[i].defaultValue.get()),
                           l));
    finish(b.create<func::CallOp>(l, instanceFunction(info.lossInstance), args)
               .getResult(0));
    return fn;
  }
  Value perRow;
  if (info.loss == "cross_entropy") {
    // log(sum(exp(z))) - z[y], shifted by the row max for stability.
    Value m = h.rows(h.sum(out, {1}, "max"), outType);
    Value z = h.sub(out, m);
    Value lse = h.log(h.sum(h.exp(z), {1}));
    Value classes = b.create<ops::IotaOp>(l, outType.clone(b.getI64Type()), 1);
    Value targets = b.create<ops::BroadcastOp>(l, outType.clone(b.getI64Type()), y,
                                               ArrayRef<int64_t>{0});
    Value isTarget = b.create<ops::CmpOp>(l, outType.clone(b.getI1Type()),
                                          b.getStringAttr("eq"), classes, targets);
    Value oneHot = b.create<ops::CastOp>(l, outType, isTarget);
    perRow = h.sub(lse, h.sum(h.mul(z, oneHot), {1}));
  } else if (info.loss == "bce") {
    // Binary cross-entropy of a logit z, as PyTorch's BCEWithLogitsLoss:
    // max(z, 0) - z*y + log(1 + exp(-|z|)).
    Value z = b.create<ops::ReshapeOp>(l, h.t({batch}), out);
    Value target = b.create<ops::CastOp>(l, h.t({batch}), y);
    Value softplus = h.log(h.add(h.splat(h.t({batch}), 1),
                                 h.exp(b.create<ops::NegOp>(
                                     l, z.getType(),
                                     b.create<ops::AbsOp>(l, z.getType(), z)))));
    perRow = h.add(h.sub(b.create<ops::ReluOp>(l, z.getType(), z),
                         h.mul(z, target)),
                   softplus);
  } else {
    // Regression on (prediction - target): mse d^2, mae |d|, huber (delta
    // 1, PyTorch's HuberLoss) 0.5 d^2 inside |d| < 1, |d| - 0.5 outside.
    Value pred = b.create<ops::ReshapeOp>(l, h.t({batch}), out);
    Value d = h.sub(pred, y);
    Value a = b.create<ops::AbsOp>(l, d.getType(), d);
    if (info.loss == "mae") {
      perRow = a;
    } else if (info.loss == "huber") {
      auto vec = h.t({batch});
      Value inside = b.create<ops::CmpOp>(l, vec.clone(b.getI1Type()),
                                          b.getStringAttr("lt"), a, h.splat(vec, 1));
      perRow = b.create<ops::SelectOp>(l, vec, inside,
                                       h.mul(h.splat(vec, 0.5), h.mul(d, d)),
                                       h.sub(a, h.splat(vec, 0.5)));
    } else {
      perRow = h.mul(d, d);
    }
  }
  Value total = h.sum(h.mul(perRow, mask), {0});
  finish(h.div(total, h.sum(mask, {0})));
  return fn;
}

func::FuncOp MLIRGen::valueAndGradFunction(const TrainedInfo &info) {
  auto found = vgFns.find(&info);
  if (found != vgFns.end())
    return found->second;
  func::FuncOp loss = lossFunction(info);
  SmallVector<mlir::Type> results(loss.getResultTypes());
  SmallVector<int64_t> wrt;
  for (size_t i = 0; i < info.params.size(); ++i)
    if (info.trainable[i]) {
      results.push_back(loss.getArgumentTypes()[i]);
      wrt.push_back((int64_t)i);
    }
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto fn = b.create<func::FuncOp>(
      loss.getLoc(), loss.getSymName().str() + "_value_and_grad",
      b.getFunctionType(loss.getArgumentTypes(), results));
  fn.setPrivate();
  fn->setAttr("mlp.grad_of", SymbolRefAttr::get(loss.getSymNameAttr()));
  fn->setAttr("mlp.wrt", b.getDenseI64ArrayAttr(wrt));
  fn->setAttr("mlp.with_value", b.getUnitAttr());
  vgFns[&info] = fn;
  return fn;
}

//===----------------------------------------------------------------------===//
// Batches and evaluation
//===----------------------------------------------------------------------===//

Value MLIRGen::batcher(const TrainedInfo &info, Value table, bool shuffled,
                       Location l, bool withTarget) {
  int64_t seed = shuffled && info.shuffle ? info.seed : -1;
  Value batches = rtCall("mlp_rt_batcher_new", ptrType(),
                         {table, str(info.runtimeInputs(), l),
                          str(withTarget ? info.target : "", l),
                          str(withTarget ? info.runtimeLabels() : "", l),
                          i64(info.batch, l), i64(seed, l)},
                         l);
  if (info.layers.front().kind == Layer::Embedding)
    rtCall("mlp_rt_batcher_check_indices", {},
           {batches, i64(info.layers.front().in, l)}, l);
  return batches;
}

SmallVector<Value> MLIRGen::fillBatch(const TrainedInfo &info, Value batcher,
                                      Value index, Location l) {
  int64_t batch = info.batch;
  SmallVector<mlir::Type> types = {
      RankedTensorType::get({batch, info.features}, b.getF32Type()),
      RankedTensorType::get({batch}, info.classification
                                         ? (mlir::Type)b.getI64Type()
                                         : (mlir::Type)b.getF32Type()),
      RankedTensorType::get({batch}, b.getF32Type())};
  auto fill = b.create<ops::RuntimeFillOp>(
      l, types,
      info.classification ? "mlp_rt_batcher_fill" : "mlp_rt_batcher_fill_values",
      ValueRange{batcher, index});
  return SmallVector<Value>(fill.getResults());
}

Value MLIRGen::evaluate(const TrainedInfo &info, ValueRange params,
                        Value evalBatcher, Location l) {
  func::FuncOp forward = forwardFunction(info);
  Value eval = rtCall("mlp_rt_eval_new", ptrType(), {evalBatcher}, l);
  auto loop = countedLoop(
      rtCall("mlp_rt_batcher_batches", b.getI64Type(), {evalBatcher}, l), {}, l);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value j = indexToI64(loop.getInductionVar(), l);
    SmallVector<Value> batch = fillBatch(info, evalBatcher, j, l);
    SmallVector<Value> args(params.begin(), params.end());
    args.push_back(batch[0]);
    Value out = b.create<func::CallOp>(l, forward, args).getResult(0);
    rtCall("mlp_rt_eval_add", {}, {eval, j, out}, l);
  }
  return eval;
}

//===----------------------------------------------------------------------===//
// train
//===----------------------------------------------------------------------===//

/// Parameters read from a safetensors file, checked against their shapes.
SmallVector<Value> MLIRGen::readParams(const TrainedInfo &info,
                                       const std::string &path, Location l) {
  Value file = rtCall("mlp_rt_st_open", ptrType(), {str(path, l)}, l);
  SmallVector<Value> params;
  for (const auto &[name, shape] : info.params) {
    auto type = RankedTensorType::get(shape, b.getF32Type());
    params.push_back(b.create<ops::RuntimeFillOp>(
                          l, TypeRange{type}, "mlp_rt_st_read_f32",
                          ValueRange{file, str(name, l)})
                         .getResult(0));
  }
  return params;
}

/// Tensors of optimizer state per parameter: velocity (sgd with momentum),
/// first and second moments (adam, adamw), squared average (rmsprop).
int MLIRGen::optimizerBuffers(const TrainedInfo &info) {
  if (info.optimizer == "adam" || info.optimizer == "adamw")
    return 2;
  if (info.optimizer == "rmsprop" || info.momentum > 0)
    return 1;
  return 0;
}

/// One optimizer step with PyTorch's update rules. `state` is the
/// parameters followed by the optimizer buffers, in optimizerBuffers'
/// order; returns the same list, updated.
SmallVector<Value> MLIRGen::optimizerStep(const TrainedInfo &info,
                                          ValueRange state, ValueRange grads,
                                          Value step, Value lr, Location l) {
  OpBuilderHelper h{b, l};
  size_t n = grads.size();
  auto scalar = h.t({});
  SmallVector<Value> g(grads.begin(), grads.end());
  // Clip the gradients' global L2 norm (clip_grad_norm_: factor
  // max_norm / (norm + 1e-6), at most 1).
  if (info.clip > 0) {
    Value total = h.splat(scalar, 0);
    for (Value x : g) {
      auto type = cast<RankedTensorType>(x.getType());
      SmallVector<int64_t> all;
      for (int64_t d = 0; d < type.getRank(); ++d)
        all.push_back(d);
      total = h.add(total, h.sum(h.mul(x, x), all));
    }
    Value norm = h.add(h.sqrt(total), h.splat(scalar, 1e-6));
    Value factor = b.create<ops::MinOp>(l, scalar, h.splat(scalar, 1),
                                        h.div(h.splat(scalar, info.clip), norm));
    for (Value &x : g)
      x = h.mul(x, h.spread(factor, x));
  }
  SmallVector<Value> params, first, second;
  for (size_t i = 0; i < n; ++i) {
    Value p = state[i], gi = g[i];
    auto type = cast<RankedTensorType>(p.getType());
    auto times = [&](Value x, double c) { return h.mul(x, h.splat(type, c)); };
    // L2 weight decay adds wd * p to the gradient; AdamW's is decoupled.
    if (info.weightDecay > 0 && info.optimizer != "adamw")
      gi = h.add(gi, times(p, info.weightDecay));
    if (info.optimizer == "adam" || info.optimizer == "adamw") {
      const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
      if (info.optimizer == "adamw")
        p = h.sub(p, h.mul(h.spread(lr, p), times(p, info.weightDecay)));
      Value m = h.add(times(state[n + i], b1), times(gi, 1 - b1));
      Value v = h.add(times(state[2 * n + i], b2), times(h.mul(gi, gi), 1 - b2));
      Value bc1 = h.sub(h.splat(scalar, 1), h.pow(h.splat(scalar, b1), step));
      Value bc2 = h.sub(h.splat(scalar, 1), h.pow(h.splat(scalar, b2), step));
      // sqrt(v) / sqrt(bc2) as PyTorch, but times the scalar's reciprocal:
      // one division per element fewer (they are the update's slowest part).
      Value invSqrtBc2 = h.div(h.splat(scalar, 1), h.sqrt(bc2));
      Value denom = h.add(h.mul(h.sqrt(v), h.spread(invSqrtBc2, v)),
                          h.splat(type, eps));
      p = h.sub(p, h.mul(h.spread(h.div(lr, bc1), p), h.div(m, denom)));
      first.push_back(m);
      second.push_back(v);
    } else if (info.optimizer == "rmsprop") {
      Value sq = h.add(times(state[n + i], info.alpha),
                       times(h.mul(gi, gi), 1 - info.alpha));
      p = h.sub(p, h.mul(h.spread(lr, p),
                         h.div(gi, h.add(h.sqrt(sq), h.splat(type, 1e-8)))));
      first.push_back(sq);
    } else if (info.momentum > 0) {
      Value buf = h.add(times(state[n + i], info.momentum), gi);
      Value direction = info.nesterov ? h.add(gi, times(buf, info.momentum)) : buf;
      p = h.sub(p, h.mul(h.spread(lr, p), direction));
      first.push_back(buf);
    } else {
      p = h.sub(p, h.mul(h.spread(lr, p), gi));
    }
    params.push_back(p);
  }
  params.append(first);
  params.append(second);
  return params;
}

void MLIRGen::genTrain(const Stmt &s) {
  const TrainedInfo &info = *sema.trainings.at(&s);
  Location l = loc(s.range);
  OpBuilderHelper h{b, l};
  size_t numParams = info.params.size();

  // 1. Initial parameters: PyTorch's nn.Linear default, U(-1/sqrt(in),
  //    1/sqrt(in)) for weights and biases, from the seeded generator.
  SmallVector<Value> params;
  if (!info.init.empty()) {
    params = readParams(info, info.init, l);
  } else {
    size_t p = 0;
    for (const Layer &layer : info.layers) {
      if (layer.kind == Layer::LayerNorm || layer.kind == Layer::BatchNorm) {
        // PyTorch's norms start as the identity: weight 1, bias 0 (and
        // batchnorm's running mean 0, running variance 1).
        params.push_back(h.splat(h.t(info.params[p++].second), 1));
        params.push_back(h.splat(h.t(info.params[p++].second), 0));
        if (layer.kind == Layer::BatchNorm) {
          params.push_back(h.splat(h.t(info.params[p++].second), 0));
          params.push_back(h.splat(h.t(info.params[p++].second), 1));
        }
        continue;
      }
      if (layer.kind == Layer::Embedding) {
        // N(0, 1), as PyTorch's nn.Embedding.
        params.push_back(b.create<ops::RandomOp>(
            l, h.t(info.params[p].second), b.getStringAttr("normal"),
            info.seed * 1000003 + (int64_t)p));
        ++p;
        continue;
      }
      if (layer.kind != Layer::Dense && layer.kind != Layer::Conv2d)
        continue;
      // The fans: inputs and outputs of a dense unit, times the kernel
      // area for a convolution.
      double area = layer.kind == Layer::Conv2d
                        ? (double)(layer.kernel * layer.kernel)
                        : 1.0;
      double fanIn = (double)layer.in * area, fanOut = (double)layer.out * area;
      double bound = 1.0 / std::sqrt(fanIn);
      for (int k = 0; k < 2; ++k, ++p) {
        auto type = h.t(info.params[p].second);
        int64_t seed = info.seed * 1000003 + (int64_t)p;
        // The weight's init, as torch.nn.init (gain sqrt(2) for kaiming's
        // ReLU); the bias keeps PyTorch's default.
        double scale = bound;
        bool normal = false;
        if (k == 0 && !layer.init.empty()) {
          normal = layer.init.find("normal") != std::string::npos;
          double gain = layer.init.rfind("kaiming", 0) == 0 ? std::sqrt(2.0) : 1.0;
          double std = layer.init.rfind("xavier", 0) == 0
                           ? gain * std::sqrt(2.0 / (fanIn + fanOut))
                           : gain / std::sqrt(fanIn);
          scale = normal ? std : std * std::sqrt(3.0);  // uniform: bound
        }
        if (normal) {
          Value z = b.create<ops::RandomOp>(l, type, b.getStringAttr("normal"), seed);
          params.push_back(h.mul(z, h.splat(type, scale)));
          continue;
        }
        Value u = b.create<ops::RandomOp>(l, type, b.getStringAttr("uniform"), seed);
        params.push_back(h.sub(h.mul(u, h.splat(type, 2 * scale)),
                               h.splat(type, scale)));
      }
    }
  }
  // 2. Optimizer state: buffers per parameter (see optimizerBuffers), then
  //    the step count.
  // Buffers exist for the trained parameters only.
  SmallVector<size_t> trained;
  for (size_t i = 0; i < numParams; ++i)
    if (info.trainable[i])
      trained.push_back(i);
  SmallVector<Value> state(params.begin(), params.end());
  for (int k = 0; k < optimizerBuffers(info); ++k)
    for (size_t i : trained)
      state.push_back(h.splat(cast<RankedTensorType>(params[i].getType()), 0));
  auto scalar = h.t({});
  state.push_back(h.splat(scalar, 0));  // step count

  Value lr = coerce(tensorOf(*info.lr), Type::scalar(ElemType::F32), l);
  Value epochs = scalarToIndex(tensorOf(*info.epochs), l);
  Value table = gen(*info.table).value;
  Value train = batcher(info, table, /*shuffled=*/true, l);
  if (info.loss == "fn")
    rtCall("mlp_rt_batcher_wrap", {}, {train}, l);
  Value validate, validateEval;
  if (info.validate) {
    validate = gen(*info.validate).value;
    validateEval = batcher(info, validate, false, l);
  }
  Value batches = b.create<arith::IndexCastOp>(
      l, b.getIndexType(), rtCall("mlp_rt_batcher_batches", b.getI64Type(), {train}, l));
  Value epochCount = b.create<arith::IndexCastOp>(l, b.getI64Type(), epochs);
  Value history = rtCall("mlp_rt_history_new", ptrType(),
                         {str(info.model, l), epochCount}, l);
  // --keep_nan: go on training when the loss is not a number.
  Value keepNan = builtinFlag("keep_nan", l);
  func::FuncOp vg = valueAndGradFunction(info);
  Value checkpointDir, firstEpoch;
  if (info.checkpoint) {
    checkpointDir = runtimeString(gen(*info.checkpoint), l);
    firstEpoch = resumeTraining(s, checkpointDir, history, epochCount, state, l);
  }

  // 3. The epoch loop around the batch loop.
  auto epochLoop = countedLoop(epochs, state, l, firstEpoch);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(epochLoop.getBody());
    Value epoch = indexToI64(epochLoop.getInductionVar(), l);
    // Early stopping: once the runtime says stop, the remaining epochs pass
    // the state through unchanged.
    scf::IfOp stopIf;
    if (info.earlyStop > 0) {
      Value stop = rtCall("mlp_rt_history_should_stop", b.getI32Type(),
                          {history, i64(info.earlyStop, l)}, l);
      stop = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, stop,
                                     b.create<arith::ConstantIntOp>(l, 0, 32));
      ValueRange carried = epochLoop.getRegionIterArgs();
      stopIf = b.create<scf::IfOp>(l, TypeRange(carried), stop, /*withElse=*/true);
      b.setInsertionPointToStart(&stopIf.getThenRegion().front());
      b.create<scf::YieldOp>(l, carried);
      b.setInsertionPointToStart(&stopIf.getElseRegion().front());
    }
    rtCall("mlp_rt_batcher_shuffle", {}, {train, epoch}, l);
    Value epochLr = lr;
    if (!info.schedule.empty()) {
      auto f64 = [&](double v) {
        return b.create<arith::ConstantOp>(l, b.getF64FloatAttr(v)).getResult();
      };
      Value factor = rtCall("mlp_rt_schedule_factor", b.getF64Type(),
                            {str(info.schedule, l), epoch, epochCount,
                             f64(info.scheduleEvery), f64(info.scheduleGamma),
                             f64(info.scheduleWarmup)},
                            l);
      factor = b.create<arith::TruncFOp>(l, b.getF32Type(), factor);
      epochLr = h.mul(lr, b.create<tensor::FromElementsOp>(l, scalar, factor));
    }
    SmallVector<Value> inner(epochLoop.getRegionIterArgs());
    inner.push_back(h.splat(scalar, 0));  // sum of loss * rows
    inner.push_back(h.splat(scalar, 0));  // rows
    // The training table's metrics come from the outputs of the training
    // steps themselves, as Keras reports them (and as the epoch's loss is
    // the mean of its steps'): no second pass over the table.
    Value trainEval = info.metrics.empty()
                          ? Value()
                          : rtCall("mlp_rt_eval_new", ptrType(), {train}, l);
    auto batchLoop = countedLoop(batches, inner, l);
    {
      OpBuilder::InsertionGuard guard2(b);
      b.setInsertionPointToStart(batchLoop.getBody());
      ValueRange carried = batchLoop.getRegionIterArgs();
      Value index = indexToI64(batchLoop.getInductionVar(), l);
      SmallVector<Value> batch = fillBatch(info, train, index, l);
      SmallVector<Value> args(carried.take_front(numParams));
      args.append(batch.begin(), batch.end());
      Value stepCount = b.create<ops::CastOp>(l, RankedTensorType::get({}, b.getI64Type()),
                                              carried[carried.size() - 3]);
      args.push_back(stepCount);
      auto call = b.create<func::CallOp>(l, vg, args);
      Value loss = call.getResult(0);
      ValueRange stats = call.getResults().slice(1, 2 * info.statLayers);
      size_t outputs = 1 + 2 * info.statLayers;
      if (trainEval)
        rtCall("mlp_rt_eval_add", {}, {trainEval, index, call.getResult(outputs++)}, l);
      ValueRange grads = call.getResults().drop_front(outputs);
      Value rows = h.sum(batch[2], {0});
      rtCall("mlp_rt_check_loss", {},
             {scalarToF64(loss, l), str(info.model, l), epoch, index, keepNan}, l);
      Value rowCount = b.create<arith::FPToSIOp>(
          l, b.getI64Type(), b.create<tensor::ExtractOp>(l, rows, ValueRange{}));
      rtCall("mlp_rt_history_batch_done", {},
             {history, epoch, index, indexToI64(batches, l), scalarToF64(loss, l),
              rowCount},
             l);
      Value step = h.add(carried[carried.size() - 3], h.splat(scalar, 1));
      // The optimizer updates the trained parameters and their buffers...
      SmallVector<Value> optimized;
      for (size_t i : trained)
        optimized.push_back(carried[i]);
      optimized.append(carried.begin() + numParams,
                       carried.begin() + numParams +
                           trained.size() * optimizerBuffers(info));
      SmallVector<Value> updated =
          optimizerStep(info, optimized, grads, step, epochLr, l);
      // ...and batchnorm's running statistics move toward the batch's
      // (PyTorch's momentum 0.1: new = 0.9 old + 0.1 batch).
      SmallVector<Value> next;
      size_t nextTrained = 0, nextStat = 0;
      for (size_t i = 0; i < numParams; ++i) {
        if (info.trainable[i]) {
          next.push_back(updated[nextTrained++]);
          continue;
        }
        auto type = cast<RankedTensorType>(carried[i].getType());
        next.push_back(h.add(h.mul(carried[i], h.splat(type, 0.9)),
                             h.mul(stats[nextStat++], h.splat(type, 0.1))));
      }
      next.append(updated.begin() + trained.size(), updated.end());
      next.push_back(step);
      next.push_back(h.add(carried[carried.size() - 2], h.mul(loss, rows)));
      next.push_back(h.add(carried[carried.size() - 1], rows));
      b.create<scf::YieldOp>(l, next);
    }
    ValueRange done = batchLoop.getResults();
    Value epochLoss = h.div(done[done.size() - 2], done[done.size() - 1]);
    rtCall("mlp_rt_history_record", {},
           {history, epoch, str("loss", l), scalarToF64(epochLoss, l)}, l);
    ValueRange trained = done.take_front(numParams);
    for (const std::string &m : info.metrics) {
      Value v = rtCall("mlp_rt_eval_metric", b.getF64Type(), {trainEval, str(m, l)}, l);
      rtCall("mlp_rt_history_record", {}, {history, epoch, str(m, l), v}, l);
    }
    if (trainEval)
      rtCall("mlp_rt_eval_free", {}, {trainEval}, l);
    if (validate) {
      Value eval = evaluate(info, trained, validateEval, l);
      std::vector<std::string> names = {info.classification ? "log_loss" : "mse"};
      names.insert(names.end(), info.metrics.begin(), info.metrics.end());
      for (size_t k = 0; k < names.size(); ++k) {
        Value v = rtCall("mlp_rt_eval_metric", b.getF64Type(),
                         {eval, str(names[k], l)}, l);
        std::string series = k == 0 ? "val_loss" : "val_" + names[k];
        rtCall("mlp_rt_history_record", {}, {history, epoch, str(series, l), v}, l);
      }
      rtCall("mlp_rt_eval_free", {}, {eval}, l);
    }
    rtCall("mlp_rt_history_epoch_done", {}, {history, epoch}, l);
    if (info.checkpoint)
      saveCheckpoint(s, info, checkpointDir, history, epoch, epochCount, done.drop_back(2), l);
    b.create<scf::YieldOp>(l, done.drop_back(2));
    if (stopIf) {
      b.setInsertionPointAfter(stopIf);
      b.create<scf::YieldOp>(l, stopIf.getResults());
    }
  }

  GenValue net;
  net.kind = GenValue::Model;
  for (size_t i = 0; i < numParams; ++i)
    net.elems.push_back(GenValue::tensor(epochLoop.getResult(i)));
  net.value = history;
  globals[sema.stmtGlobals.at(&s)] = net;
  bindLocal(s.name(), net);
}

//===----------------------------------------------------------------------===//
// Tables, metrics, plot, save, load
//===----------------------------------------------------------------------===//

static SmallVector<Value> paramValues(const GenValue &net) {
  SmallVector<Value> out;
  for (const GenValue &p : net.elems)
    out.push_back(p.value);
  return out;
}

/// `t |> prep`: the transform's steps with `_` bound to t; the steps that
/// learn statistics learn them in the first application and reuse them after.
GenValue MLIRGen::genTransformCall(const Expr &e, const Stmt &transform, bool first) {
  GenValue input = gen(*e.args[0].value);
  scopes.emplace_back();
  bindLocal("_", input);
  int saved = transformLearning;
  transformLearning = first ? 1 : 0;
  GenValue result = gen(*transform.value);
  transformLearning = saved;
  scopes.pop_back();
  return result;
}

int64_t MLIRGen::learnedSlot(const Expr &step) {
  // The end: steps of one `|>` chain all begin where the chain does.
  return (int64_t)step.range.end.line << 20 | step.range.end.col;
}

/// A step of a reusable transform that learns from its table (standardize,
/// minmax, fill_na): its statistics live in a runtime slot of its own, set by
/// the first application and read by the others.
Value MLIRGen::learnedStep(const char *function, const Expr &e, Location l) {
  Value table = gen(*positionalArg(e, 0)).value;
  int64_t slot = learnedSlot(e);
  return rtCall(function, ptrType(),
                {table, str(notes->strings.at(&e), l), i64(slot, l),
                 b.create<arith::ConstantIntOp>(l, transformLearning, 32)},
                l);
}

GenValue MLIRGen::genTableBuiltin(const Expr &e, const std::string &name) {
  if (name == "adjusted_rand" || name == "silhouette" || name == "cross_validate" ||
      name == "grid_search")
    return genFitBuiltin(e, name);
  Location l = loc(e);
  auto handle = [](Value v) {
    GenValue g;
    g.kind = GenValue::Handle;
    g.value = v;
    return g;
  };
  auto positional = [&](size_t i) { return positionalArg(e, i); };
  const Type &type = typeOf(e);
  if (name == "csv") {
    const Expr *sep = namedArg(e, "sep");  // a one-character literal (Sema)
    const Expr *onError = namedArg(e, "on_error");
    const Expr *header = namedArg(e, "header");  // a bool literal (Sema)
    return handle(b.create<ops::CsvReadOp>(
        l, ptrType(), b.getStringAttr(notes->strings.at(&e)),
        b.getStringAttr(type.table->runtimeSchema()),
        b.getI32IntegerAttr(sep ? sep->parts[0].text[0] : ','),
        b.getBoolAttr(onError && onError->parts[0].text == "skip"),
        b.getBoolAttr(!header || header->boolean)));
  }
  if (name == "idx") {
    Value paths[2];
    const char *keys[2] = {"images", "labels"};
    for (int k = 0; k < 2; ++k)
      paths[k] = runtimeString(gen(*namedArg(e, keys[k])), l);
    return handle(b.create<ops::IdxReadOp>(l, ptrType(), paths[0], paths[1],
                                           b.getStringAttr(notes->strings.at(&e))));
  }
  if (name == "mutate")
    return handle(genMutate(e));
  if (name == "write_csv") {
    rtCall("mlp_rt_table_write_csv", {},
           {gen(*positional(0)).value, runtimeString(gen(*positional(1)), l)}, l);
    return GenValue();
  }
  if (name == "json")
    return handle(rtCall("mlp_rt_json_read", ptrType(),
                         {str(notes->strings.at(&e), l), str(type.table->runtimeSchema(), l)}, l));
  if (name == "text")
    return handle(rtCall("mlp_rt_text_read", ptrType(), {str(notes->strings.at(&e), l)}, l));
  if (name == "describe") {
    GenValue text;
    text.kind = GenValue::Str;
    text.pieces.push_back(
        {"", rtCall("mlp_rt_table_describe", ptrType(), {gen(*positional(0)).value}, l), ""});
    return text;
  }
  if (name == "filter") {
    // The condition per row as a 0/1 column, then the rows where it is 1.
    Value table = gen(*positional(0)).value;
    Value keep = rtCall("mlp_rt_column_new", ptrType(),
                        {table, str("keep", l), str("i64", l), str("", l)}, l);
    fillPerRow(table, keep, *positional(1), Type::scalar(ElemType::I64), "i64", l);
    return handle(rtCall("mlp_rt_table_filter", ptrType(), {table, keep}, l));
  }
  if (isDataStep(name)) {
    Value table = gen(*positional(0)).value;
    const std::string &spec = notes->strings.at(&e);
    if (name == "select" || name == "drop")
      return handle(rtCall("mlp_rt_table_select", ptrType(), {table, str(spec, l)}, l));
    if (name == "drop_na")
      return handle(rtCall("mlp_rt_table_drop_na", ptrType(), {table, str(spec, l)}, l));
    if (name == "fill_na" && transformLearning >= 0)
      return handle(learnedStep("mlp_rt_table_fill_na_slot", e, l));
    if (name == "fill_na")
      return handle(rtCall("mlp_rt_table_fill_na", ptrType(), {table, str(spec, l)}, l));
    if (name == "minmax" && transformLearning >= 0)
      return handle(learnedStep("mlp_rt_table_minmax_slot", e, l));
    if (name == "minmax")
      return handle(rtCall("mlp_rt_table_minmax", ptrType(), {table, str(spec, l)}, l));
    if (name == "rename")
      return handle(rtCall("mlp_rt_table_rename", ptrType(), {table, str(spec, l)}, l));
    if (name == "tokenize") {
      const auto &[column, vocabulary] = notes->stepLabels.at(&e).front();
      size_t tab = spec.find('\t');
      Value chars = b.create<arith::ConstantIntOp>(l, spec.substr(0, tab) == "1", 32);
      return handle(rtCall("mlp_rt_table_tokenize", ptrType(),
                           {table, str(column, l), chars, i64(std::stoll(spec.substr(tab + 1)), l),
                            str(vocabulary, l)},
                           l));
    }
    if (name == "parse_dates" || name == "window") {
      llvm::SmallVector<llvm::StringRef> f;
      llvm::StringRef(spec).split(f, '\t');
      if (name == "parse_dates")
        return handle(rtCall("mlp_rt_table_parse_dates", ptrType(),
                             {table, str(f[0].str(), l), str(f[1].str(), l)}, l));
      return handle(rtCall("mlp_rt_table_window", ptrType(),
                           {table, str(f[0].str(), l), i64(std::stoll(f[1].str()), l),
                            i64(std::stoll(f[2].str()), l), str(f[3].str(), l)},
                           l));
    }
    if (name == "join") {
      size_t tab = spec.find('\t');
      Value other = gen(*positional(1)).value;
      Value keepAll = b.create<arith::ConstantIntOp>(l, spec.substr(tab + 1) == "1", 32);
      return handle(rtCall("mlp_rt_table_join", ptrType(),
                           {table, other, str(spec.substr(0, tab), l), keepAll}, l));
    }
    if (name == "group_by")  // only names the keys; agg does the work
      return handle(table);
    if (name == "agg") {
      const std::string &keys = notes->strings.at(positional(0));
      return handle(rtCall("mlp_rt_table_agg", ptrType(), {table, str(keys, l), str(spec, l)}, l));
    }
    if (name == "head")
      return handle(rtCall("mlp_rt_table_head", ptrType(), {table, i64(std::stoll(spec), l)}, l));
    if (name == "shuffle")
      return handle(rtCall("mlp_rt_table_shuffle", ptrType(), {table, i64(std::stoll(spec), l)}, l));
    if (name == "sort") {
      size_t tab = spec.find('\t');
      Value descending = b.create<arith::ConstantIntOp>(l, spec.substr(tab + 1) == "1", 32);
      return handle(rtCall("mlp_rt_table_sort", ptrType(),
                           {table, str(spec.substr(0, tab), l), descending}, l));
    }
    const char *fn = name == "onehot" ? "mlp_rt_table_onehot" : "mlp_rt_table_label_encode";
    for (const auto &[column, labels] : notes->stepLabels.at(&e))
      table = rtCall(fn, ptrType(), {table, str(column, l), str(labels, l)}, l);
    return handle(table);
  }
  if (name == "standardize" && transformLearning >= 0)
    return handle(learnedStep("mlp_rt_table_standardize_slot", e, l));
  if (name == "standardize")
    return handle(b.create<ops::StandardizeOp>(
        l, ptrType(), gen(*positional(0)).value,
        b.getStringAttr(notes->strings.at(&e))));
  if (name == "split") {
    const Expr *seedArg = namedArg(e, "seed");
    int64_t seed = seedArg ? (int64_t)*constant(*seedArg) : 0;
    auto split = b.create<ops::SplitOp>(
        l, ptrType(), ptrType(), gen(*positional(0)).value,
        b.getF64FloatAttr(*constant(*positional(1))), b.getI64IntegerAttr(seed));
    GenValue pair;
    pair.kind = GenValue::Tuple;
    pair.elems = {handle(split.getFirst()), handle(split.getSecond())};
    return pair;
  }

  // Metrics: evaluate the model on the table, then ask the runtime.
  const TrainedInfo &info = *typeOf(*positional(0)).trained;
  GenValue net = gen(*positional(0));
  Value table = gen(*positional(1)).value;
  Value eval = info.estimator.empty()
                   ? evaluate(info, paramValues(net), batcher(info, table, false, l), l)
                   : fittedEvaluation(info, net.value, table, l);
  if (name == "confusion" || name == "predicted") {
    GenValue report;
    report.kind = GenValue::Report;
    report.value = eval;
    return report;
  }
  Value v = rtCall("mlp_rt_eval_metric", b.getF64Type(),
                   {eval, str(notes->strings.at(&e), l)}, l);
  rtCall("mlp_rt_eval_free", {}, {eval}, l);
  return GenValue::tensor(b.create<tensor::FromElementsOp>(
      l, RankedTensorType::get({}, b.getF64Type()), v));
}

void MLIRGen::genPlot(const Stmt &s) {
  Location l = loc(s.range);
  const std::string &path = s.target->parts[0].text;
  if (s.value->kind == ExprKind::Call) {
    const std::string &kind = s.value->operands[0]->name;
    if (kind == "scatter")
      return genScatter(*s.value, path, l);
    if (kind == "histogram") {
      llvm::SmallVector<llvm::StringRef, 2> columns;
      llvm::StringRef(notes->strings.at(s.value.get())).split(columns, '\t');
      const Expr *bins = namedArg(*s.value, "bins");
      rtCall("mlp_rt_plot_histogram", {},
             {gen(*positionalArg(*s.value, 0)).value, str(columns[0], l),
              i64(bins ? (int64_t)*constant(*bins) : 0, l), str(columns[1], l), str(path, l)},
             l);
      return;
    }
    // confusion(model, t) or predicted(model, t): the evaluation, drawn.
    Value eval = genTableBuiltin(*s.value, kind).value;
    rtCall(kind == "confusion" ? "mlp_rt_plot_confusion" : "mlp_rt_plot_predicted", {}, {eval, str(path, l)}, l);
    rtCall("mlp_rt_eval_free", {}, {eval}, l);
    return;
  }
  Value history = gen(*s.value).value;
  rtCall("mlp_rt_plot_history", {}, {history, str(s.target->parts[0].text, l)}, l);
}

/// `checkpoint = dir` with --resume: the state the checkpoint holds replaces
/// `state`, and the history its epochs; training starts at the epoch after
/// them (returned as an index; 0 without a checkpoint).
Value MLIRGen::resumeTraining(const Stmt &s, Value dir, Value history, Value epochCount,
                              SmallVector<Value> &state, Location l) {
  Value resume = builtinFlag("resume", l);
  Value file = rtCall("mlp_rt_checkpoint_open", ptrType(),
                      {dir, str(s.name(), l), history, resume, i64((int64_t)state.size(), l)}, l);
  Value done = rtCall("mlp_rt_checkpoint_epochs", b.getI64Type(), {file}, l);
  Value found = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sgt, done, i64(0, l));
  SmallVector<mlir::Type> types;
  for (Value v : state)
    types.push_back(v.getType());
  auto ifOp = b.create<scf::IfOp>(l, types, found, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    SmallVector<Value> loaded;
    for (size_t k = 0; k < state.size(); ++k)
      loaded.push_back(b.create<ops::RuntimeFillOp>(
                            l, TypeRange{types[k]}, b.getStringAttr("mlp_rt_st_read_f32"),
                            ValueRange{file, str("state." + std::to_string(k), l)}, ValueRange{})
                           .getResult(0));
    rtCall("mlp_rt_checkpoint_close", {}, {file}, l);
    b.create<scf::YieldOp>(l, loaded);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    b.create<scf::YieldOp>(l, state);
  }
  state.assign(ifOp.getResults().begin(), ifOp.getResults().end());
  Value first = b.create<arith::MinSIOp>(l, done, epochCount);
  return b.create<arith::IndexCastOp>(l, b.getIndexType(), first);
}

/// After `epoch`: the training state (parameters, optimizer buffers, step
/// count) and the history go to the checkpoint every N epochs and after the
/// last one.
void MLIRGen::saveCheckpoint(const Stmt &s, const TrainedInfo &info, Value dir, Value history,
                             Value epoch, Value epochCount, ValueRange state, Location l) {
  Value done = b.create<arith::AddIOp>(l, epoch, i64(1, l));
  Value due = b.create<arith::CmpIOp>(
      l, arith::CmpIPredicate::eq,
      b.create<arith::RemSIOp>(l, done, i64(info.checkpointEvery, l)), i64(0, l));
  Value last = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, done, epochCount);
  auto ifOp = b.create<scf::IfOp>(l, TypeRange{}, b.create<arith::OrIOp>(l, due, last),
                                  /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  Value file = rtCall("mlp_rt_st_new", ptrType(), {}, l);
  for (size_t k = 0; k < state.size(); ++k)
    rtCall("mlp_rt_st_add_f32", {}, {file, str("state." + std::to_string(k), l), state[k]}, l);
  rtCall("mlp_rt_checkpoint_save", {}, {file, dir, str(s.name(), l), history, done}, l);
}

/// The slots of a transform's learning steps, in order, as the runtime's
/// transform files list them ("3,4").
std::string MLIRGen::transformSlots(const Stmt &transform) {
  std::vector<int64_t> slots;
  for (const Expr *x = transform.value.get(); x && x->kind == ExprKind::Call; x = positionalArg(*x, 0)) {
    const std::string &step = x->operands[0]->name;
    if (step == "standardize" || step == "minmax" || step == "fill_na")
      slots.insert(slots.begin(), learnedSlot(*x));
  }
  std::string out;
  for (int64_t slot : slots)
    out += (out.empty() ? "" : ",") + std::to_string(slot);
  return out;
}

void MLIRGen::genSave(const Stmt &s) {
  Location l = loc(s.range);
  if (auto transform = notes->transformFiles.find(s.value.get()); transform != notes->transformFiles.end()) {
    rtCall("mlp_rt_transform_save", {},
           {str(s.target->parts[0].text, l), str(notes->strings.at(s.value.get()), l),
            str(transformSlots(*transform->second), l)},
           l);
    return;
  }
  const TrainedInfo &info = *typeOf(*s.value).trained;
  GenValue net = gen(*s.value);
  if (!info.estimator.empty()) {
    rtCall("mlp_rt_fitted_save", {}, {net.value, str(s.target->parts[0].text, l)}, l);
    return;
  }
  Value file = rtCall("mlp_rt_st_new", ptrType(), {}, l);
  for (size_t i = 0; i < info.params.size(); ++i)
    rtCall("mlp_rt_st_add_f32", {},
           {file, str(info.params[i].first, l), net.elems[i].value}, l);
  rtCall("mlp_rt_st_write", {}, {file, str(s.target->parts[0].text, l)}, l);
}

GenValue MLIRGen::genLoad(const Expr &e) {
  if (auto transform = notes->transformFiles.find(&e); transform != notes->transformFiles.end()) {
    rtCall("mlp_rt_transform_load", {},
           {str(e.operands[1]->parts[0].text, loc(e)), str(notes->strings.at(&e), loc(e)),
            str(transformSlots(*transform->second), loc(e))},
           loc(e));
    return GenValue();
  }
  const TrainedInfo &info = *typeOf(e).trained;
  if (!info.estimator.empty()) {
    GenValue model;
    model.kind = GenValue::Fitted;
    model.value = rtCall("mlp_rt_fitted_load", ptrType(),
                         {str(e.operands[1]->parts[0].text, loc(e)), str(notes->strings.at(&e), loc(e))},
                         loc(e));
    return model;
  }
  GenValue net;
  net.kind = GenValue::Model;
  for (Value p : readParams(info, e.operands[1]->parts[0].text, loc(e)))
    net.elems.push_back(GenValue::tensor(p));
  return net;
}

/// The generated loop of mutate and filter: for each row of `table`, the
/// row's values of the columns `value` reads, `value` computed from them,
/// and the result stored in row r of the column being built.
void MLIRGen::fillPerRow(Value table, Value column, const Expr &value, const Type &outType,
                         const std::string &suffix, Location l) {
  const TableSchema *schema = notes->rowSchemas.at(&value).get();
  auto loop = countedLoop(rtCall("mlp_rt_table_rows", b.getI64Type(), {table}, l),
                          {}, l);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value row = indexToI64(loop.getInductionVar(), l);
    scopes.emplace_back();
    // The columns the expression reads, as this row's values.
    llvm::SmallVector<llvm::StringRef> used;
    llvm::StringRef(notes->strings.at(&value)).split(used, ',', -1, false);
    for (llvm::StringRef name : used) {
      const Column &c = *schema->find(name.str());
      std::vector<Dim> dims;
      for (int64_t d : c.shape) {
        Dim dim;
        dim.size = d;
        dims.push_back(dim);
      }
      // A str column's value is its code (compared with labels' codes).
      bool intColumn = c.elem == ElemType::I64 || c.elem == ElemType::Str;
      Type valueType = Type::tensor(intColumn ? ElemType::I64 : c.elem, dims);
      Value v = b.create<ops::RuntimeFillOp>(
                     l, TypeRange{tensorType(valueType)},
                     intColumn ? "mlp_rt_table_get_row_i64" : "mlp_rt_table_get_row_f32",
                     ValueRange{table, str(name, l), row})
                    .getResult(0);
      bindLocal(name.str(), GenValue::tensor(v));
    }
    Value v = coerce(tensorOf(value), outType, l);
    rtCall(std::string("mlp_rt_column_set_row_") + suffix, {}, {column, row, v}, l);
    scopes.pop_back();
  }
}

/// mutate: a generated loop over the rows computes each new column from the
/// row's values, which the runtime hands out and collects.
Value MLIRGen::genMutate(const Expr &e) {
  Location l = loc(e);
  const Expr *source = positionalArg(e, 0);
  Value table = gen(*source).value;
  // A table that a source or an earlier mutate made for this one alone is
  // freed once replaced: `idx(...) |> mutate(image = image / 255.0)` keeps
  // one copy of the images, not two. (Columns left as they were are shared
  // with the new table and live on.)
  bool temporary = source->kind == ExprKind::Call &&
                   llvm::is_contained({"csv", "json", "idx", "mutate"}, source->operands[0]->name);
  for (const Arg &a : e.args) {
    if (a.name.empty())
      continue;
    const Type &rowType = typeOf(*a.value);
    bool isFloat = isFloatElem(rowType.elem);
    std::vector<int64_t> shape;
    for (const Dim &d : rowType.dims)
      shape.push_back(d.size);
    Type outType = rowType;
    outType.elem = isFloat ? ElemType::F32 : ElemType::I64;
    const char *suffix = isFloat ? "f32" : "i64";
    Value column = rtCall(temporary ? "mlp_rt_column_overwrite" : "mlp_rt_column_new", ptrType(),
                          {table, str(a.name, l), str(suffix, l),
                           str(TrainedInfo::shapeText(shape), l)},
                          l);
    fillPerRow(table, column, *a.value, outType, suffix, l);
    Value replaced = table;
    table = rtCall("mlp_rt_table_with_column", ptrType(), {table, column}, l);
    if (temporary)
      rtCall("mlp_rt_table_free", {}, {replaced}, l);
    temporary = true;
  }
  return table;
}

GenValue MLIRGen::genPredict(const Expr &e) {
  Location l = loc(e);
  const TrainedInfo &info = *typeOf(*e.operands[0]).trained;
  if (!info.estimator.empty())
    return genFittedPredict(e);
  GenValue net = gen(*e.operands[0]);
  if (typeOf(*e.args[0].value).kind == Type::Tensor) {
    // net(x): one call of the eval-mode forward, made for x's row count.
    Type xType = typeOf(*e.args[0].value);
    xType.elem = ElemType::F32;
    Value x = coerce(tensorOf(*e.args[0].value), xType, l);
    int64_t rows = cast<RankedTensorType>(x.getType()).getDimSize(0);
    x = reshapeBatch(x, {info.features}, l);
    SmallVector<Value> args = paramValues(net);
    args.push_back(x);
    return GenValue::tensor(
        b.create<func::CallOp>(l, forwardFunction(info, /*training=*/false, rows), args)
            .getResult(0));
  }
  Value table = gen(*e.args[0].value).value;
  Value batches = batcher(info, table, /*shuffled=*/false, l, /*withTarget=*/false);
  Value eval = evaluate(info, paramValues(net), batches, l);
  Value rows = b.create<arith::IndexCastOp>(
      l, b.getIndexType(), rtCall("mlp_rt_eval_rows", b.getI64Type(), {eval}, l));
  auto fill = b.create<ops::RuntimeFillOp>(
      l, TypeRange{tensorType(typeOf(e))},
      b.getStringAttr(info.classification ? "mlp_rt_eval_predictions"
                                          : "mlp_rt_eval_predictions_f32"),
      ValueRange{eval}, ValueRange{rows});
  rtCall("mlp_rt_eval_free", {}, {eval}, l);
  return GenValue::tensor(fill.getResult(0));
}

GenValue MLIRGen::genMember(const Expr &e) {
  if (typeOf(*e.operands[0]).kind == Type::Table) {
    Location l = loc(e);
    Value table = gen(*e.operands[0]).value;
    Value rows = b.create<arith::IndexCastOp>(
        l, b.getIndexType(), rtCall("mlp_rt_table_rows", b.getI64Type(), {table}, l));
    bool ints = typeOf(e).elem == ElemType::I64;
    auto codes = notes->strings.find(&e); // a str column's codes (adjusted_rand)
    auto fill = b.create<ops::RuntimeFillOp>(
        l, TypeRange{tensorType(typeOf(e))},
        b.getStringAttr(codes != notes->strings.end() ? "mlp_rt_table_codes"
                        : ints                       ? "mlp_rt_table_column_i64"
                                                     : "mlp_rt_table_column_f32"),
        ValueRange{table, str(e.name, l)}, ValueRange{rows});
    return GenValue::tensor(fill.getResult(0));
  }
  if (!typeOf(*e.operands[0]).trained->estimator.empty())
    return genFittedMember(e);
  GenValue net = gen(*e.operands[0]);
  GenValue history;
  history.kind = GenValue::Handle;
  history.value = net.value;
  return history;
}

} // namespace mlp
