//===- LowerConvolution.cpp - conv2d, pooling and their gradients ---------===//
//
// Each op becomes one `linalg.generic` whose indexing maps say which input
// element meets which weight (NCHW layout, as PyTorch). The loops are ordered
// so the innermost one runs along a row of the image (ow, w): contiguous
// reads and writes that vectorize. Zero padding is an explicit `tensor.pad`.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

#include <limits>

using namespace mlir;
using namespace mlir::mlp;

namespace {

using utils::IteratorType;

/// `x` with `low` zeros added before its two spatial dimensions and `high`
/// (rows, columns) after them.
Value padSpatial(OpBuilder &b, Location loc, Value x, int64_t low,
                 int64_t high, int64_t highColumns = -1) {
  if (highColumns < 0)
    highColumns = high;
  if (low == 0 && high == 0 && highColumns == 0)
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[2] += low + high;
  shape[3] += low + highColumns;
  SmallVector<OpFoldResult> lows = {b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(low), b.getIndexAttr(low)};
  SmallVector<OpFoldResult> highs = {b.getIndexAttr(0), b.getIndexAttr(0),
                                     b.getIndexAttr(high), b.getIndexAttr(highColumns)};
  Value zero = scalarConstant(b, loc, type.getElementType(), 0);
  return b.create<tensor::PadOp>(loc, type.clone(shape), x, lows, highs, zero);
}

/// A zero-filled tensor of `type`.
Value zeros(OpBuilder &b, Location loc, RankedTensorType type) {
  Value empty = b.create<tensor::EmptyOp>(loc, type, ValueRange{});
  return b.create<linalg::FillOp>(loc, scalarConstant(b, loc, type.getElementType(), 0),
                                  empty)
      .getResult(0);
}

/// sum over the reduction dims of a * b into `init`, as one generic.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value init, ArrayRef<AffineMap> maps,
                         ArrayRef<IteratorType> iterators) {
  auto generic = b.create<linalg::GenericOp>(
      loc, init.getType(), ValueRange{lhs, rhs}, init, maps, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value product = nb.create<arith::MulFOp>(l, args[0], args[1]);
        nb.create<linalg::YieldOp>(
            l, nb.create<arith::AddFOp>(l, product, args[2]).getResult());
      });
  return generic.getResult(0);
}

struct Conv2dPattern : OpConversionPattern<Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t s = op.getStride(), d = op.getDilation(), p = op.getPadding();
    Value x = padSpatial(rewriter, loc, adaptor.getLhs(), p, p);
    // Dims (b, f, c, kh, kw, oh, ow):
    //   y[b, f, oh, ow] += x[b, c, oh*s + kh*d, ow*s + kw*d] * w[f, c, kh, kw]
    AffineExpr b_, f, c, kh, kw, oh, ow;
    bindDims(ctx, b_, f, c, kh, kw, oh, ow);
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {b_, c, oh * s + kh * d, ow * s + kw * d}, ctx),
        AffineMap::get(7, 0, {f, c, kh, kw}, ctx),
        AffineMap::get(7, 0, {b_, f, oh, ow}, ctx)};
    SmallVector<IteratorType> iterators = {
        IteratorType::parallel,  IteratorType::parallel,  IteratorType::reduction,
        IteratorType::reduction, IteratorType::reduction, IteratorType::parallel,
        IteratorType::parallel};
    Value init = zeros(rewriter, loc, op.getResult().getType());
    rewriter.replaceOp(op, multiplyAccumulate(rewriter, loc, x, adaptor.getRhs(),
                                              init, maps, iterators));
    return success();
  }
};

struct Conv2dGradFilterPattern : OpConversionPattern<Conv2dGradFilterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dGradFilterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t s = op.getStride(), d = op.getDilation(), p = op.getPadding();
    Value x = padSpatial(rewriter, loc, adaptor.getLhs(), p, p);
    // Dims (f, c, kh, kw, b, oh, ow):
    //   dw[f, c, kh, kw] += x[b, c, oh*s + kh*d, ow*s + kw*d] * g[b, f, oh, ow]
    AffineExpr f, c, kh, kw, b_, oh, ow;
    bindDims(ctx, f, c, kh, kw, b_, oh, ow);
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {b_, c, oh * s + kh * d, ow * s + kw * d}, ctx),
        AffineMap::get(7, 0, {b_, f, oh, ow}, ctx),
        AffineMap::get(7, 0, {f, c, kh, kw}, ctx)};
    SmallVector<IteratorType> iterators = {
        IteratorType::parallel,  IteratorType::parallel,  IteratorType::parallel,
        IteratorType::parallel,  IteratorType::reduction, IteratorType::reduction,
        IteratorType::reduction};
    Value init = zeros(rewriter, loc, op.getResult().getType());
    rewriter.replaceOp(op, multiplyAccumulate(rewriter, loc, x, adaptor.getRhs(),
                                              init, maps, iterators));
    return success();
  }
};

struct Conv2dGradInputPattern : OpConversionPattern<Conv2dGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t d = op.getDilation(), p = op.getPadding();
    auto w = cast<RankedTensorType>(op.getRhs().getType());
    // (A stride spreads g out first, below.)
    int64_t kh0 = d * (w.getDimSize(2) - 1), kw0 = d * (w.getDimSize(3) - 1);
    if (kh0 != kw0 || p > kh0)
      return rewriter.notifyMatchFailure(op, "needs a square kernel and "
                                             "padding <= dilation*(kernel-1)");
    // With stride 1, dx[h] = sum over kh of g[h + p - kh*d] * w[kh], g being
    // zero outside its range: pad g by d*(K-1) - p on both sides. A stride s
    // spreads g's rows s apart (zeros between) and reduces to stride 1; rows
    // of x that no output window reached get the extra zeros at the end.
    Value g = adaptor.getLhs();
    auto gType = cast<RankedTensorType>(g.getType());
    auto xType = op.getResult().getType();
    int64_t s = op.getStride();
    if (s > 1) {
      SmallVector<int64_t> spread(gType.getShape());
      spread[2] = (spread[2] - 1) * s + 1;
      spread[3] = (spread[3] - 1) * s + 1;
      SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes, strides = {
          rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
          rewriter.getIndexAttr(s), rewriter.getIndexAttr(s)};
      for (int64_t d : gType.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      g = rewriter.create<tensor::InsertSliceOp>(
          loc, g, zeros(rewriter, loc, gType.clone(spread)), offsets, sizes, strides);
      gType = cast<RankedTensorType>(g.getType());
    }
    // Rows (columns) the stride-1 formula needs beyond g's.
    int64_t extraRows = xType.getDimSize(2) + 2 * p - kh0 - gType.getDimSize(2);
    int64_t extraColumns = xType.getDimSize(3) + 2 * p - kw0 - gType.getDimSize(3);
    g = padSpatial(rewriter, loc, g, kh0 - p, kh0 - p + extraRows,
                   kw0 - p + extraColumns);
    // Dims (b, c, f, kh, kw, h, w):
    //   dx[b, c, h, w] += g[b, f, h + d(K-1) - kh*d, w + d(K-1) - kw*d] * w[f, c, kh, kw]
    AffineExpr b_, c, f, kh, kw, h, wd;
    bindDims(ctx, b_, c, f, kh, kw, h, wd);
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {b_, f, h + kh0 - kh * d, wd + kw0 - kw * d}, ctx),
        AffineMap::get(7, 0, {f, c, kh, kw}, ctx),
        AffineMap::get(7, 0, {b_, c, h, wd}, ctx)};
    SmallVector<IteratorType> iterators = {
        IteratorType::parallel,  IteratorType::parallel,  IteratorType::reduction,
        IteratorType::reduction, IteratorType::reduction, IteratorType::parallel,
        IteratorType::parallel};
    Value init = zeros(rewriter, loc, op.getResult().getType());
    rewriter.replaceOp(op, multiplyAccumulate(rewriter, loc, g, adaptor.getRhs(),
                                              init, maps, iterators));
    return success();
  }
};

struct Pool2dPattern : OpConversionPattern<Pool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t k = op.getWindow();
    bool isMax = op.getKind() == "max";
    auto type = op.getResult().getType();
    Type elem = type.getElementType();
    // Dims (b, c, oh, ow, kh, kw): y[b, c, oh, ow] = max/mean x[b, c, oh*k + kh, ow*k + kw]
    AffineExpr b_, c, oh, ow, kh, kw;
    bindDims(ctx, b_, c, oh, ow, kh, kw);
    // The window tensor only gives the loops over kh and kw their bounds
    // (as linalg's pooling ops take one).
    Value windowShape = rewriter.create<tensor::EmptyOp>(
        loc, RankedTensorType::get({k, k}, elem), ValueRange{});
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0, {b_, c, oh * k + kh, ow * k + kw}, ctx),
        AffineMap::get(6, 0, {kh, kw}, ctx),
        AffineMap::get(6, 0, {b_, c, oh, ow}, ctx)};
    SmallVector<IteratorType> iterators = {
        IteratorType::parallel,  IteratorType::parallel, IteratorType::parallel,
        IteratorType::parallel,  IteratorType::reduction, IteratorType::reduction};
    double start = isMax ? -std::numeric_limits<double>::infinity() : 0;
    Value init = rewriter.create<tensor::EmptyOp>(loc, type, ValueRange{});
    init = rewriter.create<linalg::FillOp>(loc, scalarConstant(rewriter, loc, elem, start),
                                           init)
               .getResult(0);
    Value scale = scalarConstant(rewriter, loc, elem, 1.0 / (double)(k * k));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, ValueRange{adaptor.getOperand(), windowShape}, init, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = isMax ? b.create<arith::MaximumFOp>(l, args[0], args[2]).getResult()
                          : b.create<arith::AddFOp>(
                                l, b.create<arith::MulFOp>(l, args[0], scale), args[2])
                                .getResult();
          b.create<linalg::YieldOp>(l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct Pool2dGradPattern : OpConversionPattern<Pool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t k = op.getWindow();
    bool isMax = op.getKind() == "max";
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getPooled().getType());
    Type elem = inType.getElementType();
    // The windows cover [0, OH*k) x [0, OW*k); the rest of dx is 0.
    SmallVector<int64_t> covered = {inType.getDimSize(0), inType.getDimSize(1),
                                     outType.getDimSize(2) * k,
                                     outType.getDimSize(3) * k};
    auto coveredType = inType.clone(covered);
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(4, rewriter.getIndexAttr(1));
    for (int64_t s : covered)
      sizes.push_back(rewriter.getIndexAttr(s));
    Value x = rewriter.create<tensor::ExtractSliceOp>(loc, coveredType,
                                                      adaptor.getInput(), offsets,
                                                      sizes, strides);
    AffineExpr b_, c, h, w;
    bindDims(ctx, b_, c, h, w);
    AffineMap identity = AffineMap::get(4, 0, {b_, c, h, w}, ctx);
    AffineMap window = AffineMap::get(4, 0, {b_, c, h.floorDiv(k), w.floorDiv(k)}, ctx);
    SmallVector<AffineMap> maps = {identity, window, window, identity};
    SmallVector<IteratorType> iterators(4, IteratorType::parallel);
    Value zero = scalarConstant(rewriter, loc, elem, 0);
    Value scale = scalarConstant(rewriter, loc, elem, 1.0 / (double)(k * k));
    Value init = rewriter.create<tensor::EmptyOp>(loc, coveredType, ValueRange{});
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, coveredType, ValueRange{x, adaptor.getPooled(), adaptor.getGrad()},
        init, maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v;
          if (isMax) {
            Value isMaximum = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ,
                                                      args[0], args[1]);
            v = b.create<arith::SelectOp>(l, isMaximum, args[2], zero);
          } else {
            v = b.create<arith::MulFOp>(l, args[2], scale);
          }
          b.create<linalg::YieldOp>(l, v);
        });
    Value dx = generic.getResult(0);
    if (covered != SmallVector<int64_t>(inType.getShape()))
      dx = rewriter.create<tensor::InsertSliceOp>(loc, dx, zeros(rewriter, loc, inType),
                                                  offsets, sizes, strides);
    rewriter.replaceOp(op, dx);
    return success();
  }
};

} // namespace

void mlir::mlp::populateConvolutionLowering(RewritePatternSet &patterns) {
  patterns.add<Conv2dPattern, Conv2dGradFilterPattern, Conv2dGradInputPattern,
               Pool2dPattern, Pool2dGradPattern>(patterns.getContext());
}
