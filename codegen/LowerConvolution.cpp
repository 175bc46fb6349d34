//===- LowerConvolution.cpp - conv2d, pooling and their gradients ---------===//
//
// Convolutions (with a fused bias and relu, too, and max pooling after
// them) and max pooling (its gradient with relu's mask too, or from the
// convolution's pooling mask) call the runtime's kernels (NCHW layout, as
// PyTorch; as loops, max pooling's 2-wide windows stayed scalar). Average
// pooling becomes one `linalg.generic` whose indexing maps say which input
// element falls in which window.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

using namespace mlir;
using namespace mlir::mlp;

namespace {

using utils::IteratorType;

/// Calls the NCHW runtime kernel `name` for `op`, whose results have
/// `types`: only their batch dimension (the first) may be dynamic, and the
/// first input gives it.
LogicalResult replaceByKernel(Operation *op, StringRef name, ArrayRef<int64_t> flags,
                              ValueRange inputs, TypeRange types,
                              ConversionPatternRewriter &rewriter) {
  SmallVector<Value> sizes;
  Value batch;
  for (Type t : types) {
    auto type = cast<RankedTensorType>(t);
    if (type.getNumDynamicDims() > (type.isDynamicDim(0) ? 1 : 0))
      return rewriter.notifyMatchFailure(op, "dynamic spatial or channel size");
    if (!type.isDynamicDim(0))
      continue;
    if (!batch)
      batch = rewriter.create<tensor::DimOp>(op->getLoc(), inputs.front(), 0);
    sizes.push_back(batch);
  }
  rewriter.replaceOp(op, callKernel(rewriter, op->getLoc(), name, flags, inputs, types, sizes));
  return success();
}

/// conv2d and its two gradients call the runtime's kernels
/// (`runtime/kernels.cpp`); stride, padding and dilation go as flags.
template <class Op>
struct ConvKernelPattern : OpConversionPattern<Op> {
  ConvKernelPattern(MLIRContext *ctx, StringRef kernel)
      : OpConversionPattern<Op>(ctx), kernel(kernel) {}
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceByKernel(op, kernel,
                           {(int64_t)op.getStride(), (int64_t)op.getPadding(),
                            (int64_t)op.getDilation()},
                           {adaptor.getLhs(), adaptor.getRhs()},
                           cast<RankedTensorType>(op.getResult().getType()), rewriter);
  }
  std::string kernel;
};

/// conv2d with its bias (and relu) calls the kernel that applies them.
struct Conv2dBiasPattern : OpConversionPattern<Conv2dBiasOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dBiasOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceByKernel(op, "mlp_rt_conv2d_bias",
                           {(int64_t)op.getStride(), (int64_t)op.getPadding(),
                            (int64_t)op.getDilation(), op.getRelu() ? 1 : 0},
                           {adaptor.getLhs(), adaptor.getRhs(), adaptor.getBias()},
                           cast<RankedTensorType>(op.getResult().getType()), rewriter);
  }
};

/// conv2d with its bias, relu and max pooling: one kernel fills the pooled
/// output and the gradient's mask.
struct Conv2dBiasPoolPattern : OpConversionPattern<Conv2dBiasPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dBiasPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceByKernel(op, "mlp_rt_conv2d_bias_pool",
                           {(int64_t)op.getStride(), (int64_t)op.getPadding(),
                            (int64_t)op.getDilation(), op.getRelu() ? 1 : 0,
                            (int64_t)op.getWindow(), op.getPositive() ? 1 : 0},
                           {adaptor.getLhs(), adaptor.getRhs(), adaptor.getBias()},
                           op->getResultTypes(), rewriter);
  }
};

/// The max pooling gradient from that mask, and its channel sums.
struct Pool2dMaskGradSumsPattern : OpConversionPattern<Pool2dMaskGradSumsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dMaskGradSumsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceByKernel(op, "mlp_rt_maxpool2d_mask_grad_sums", {(int64_t)op.getWindow()},
                           {adaptor.getMask(), adaptor.getGrad()}, op->getResultTypes(), rewriter);
  }
};

/// conv2d's filter gradient through the pooling mask, and its sums.
struct Conv2dGradFilterPooledPattern : OpConversionPattern<Conv2dGradFilterPooledOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2dGradFilterPooledOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceByKernel(op, "mlp_rt_conv2d_grad_filter_pooled",
                           {(int64_t)op.getStride(), (int64_t)op.getPadding(),
                            (int64_t)op.getDilation(), (int64_t)op.getWindow()},
                           {adaptor.getInput(), adaptor.getMask(), adaptor.getGrad()},
                           op->getResultTypes(), rewriter);
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
    auto type = op.getResult().getType();
    if (op.getKind() == "max")
      return replaceByKernel(op, "mlp_rt_maxpool2d", {k}, {adaptor.getOperand()}, type,
                             rewriter);
    Type elem = type.getElementType();
    // Dims (b, c, oh, ow, kh, kw): y[b, c, oh, ow] = mean x[b, c, oh*k + kh, ow*k + kw]
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
    Value init = zeros(rewriter, loc, type);
    Value scale = scalarConstant(rewriter, loc, elem, 1.0 / (double)(k * k));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, ValueRange{adaptor.getOperand(), windowShape}, init, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, args[0], scale), args[2]);
          b.create<linalg::YieldOp>(l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// A max pooling gradient and its channel sums: one kernel writes both.
struct Pool2dGradSumsPattern : OpConversionPattern<Pool2dGradSumsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dGradSumsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceByKernel(op, "mlp_rt_maxpool2d_grad_sums",
                           {(int64_t)op.getWindow(), op.getKind() == "max_positive" ? 1 : 0},
                           {adaptor.getInput(), adaptor.getPooled(), adaptor.getGrad()},
                           op->getResultTypes(), rewriter);
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
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto outType = cast<RankedTensorType>(op.getPooled().getType());
    int64_t positive = op.getKind() == "max_positive";
    if (op.getKind() != "avg")
      return replaceByKernel(op, "mlp_rt_maxpool2d_grad", {k, positive},
                             {adaptor.getInput(), adaptor.getPooled(), adaptor.getGrad()},
                             inType, rewriter);
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
    AffineExpr b_, c, h, w;
    bindDims(ctx, b_, c, h, w);
    AffineMap identity = AffineMap::get(4, 0, {b_, c, h, w}, ctx);
    AffineMap window = AffineMap::get(4, 0, {b_, c, h.floorDiv(k), w.floorDiv(k)}, ctx);
    SmallVector<AffineMap> maps = {window, identity};
    SmallVector<IteratorType> iterators(4, IteratorType::parallel);
    Value scale = scalarConstant(rewriter, loc, elem, 1.0 / (double)(k * k));
    Value init = rewriter.create<tensor::EmptyOp>(loc, coveredType, ValueRange{});
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, coveredType, ValueRange{adaptor.getGrad()}, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(l, b.create<arith::MulFOp>(l, args[0], scale).getResult());
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
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConvKernelPattern<Conv2dOp>>(ctx, "mlp_rt_conv2d");
  patterns.add<ConvKernelPattern<Conv2dGradFilterOp>>(ctx, "mlp_rt_conv2d_grad_filter");
  patterns.add<ConvKernelPattern<Conv2dGradInputOp>>(ctx, "mlp_rt_conv2d_grad_input");
  patterns.add<Conv2dBiasPattern, Conv2dBiasPoolPattern, Conv2dGradFilterPooledPattern, Pool2dPattern,
               Pool2dGradPattern, Pool2dGradSumsPattern, Pool2dMaskGradSumsPattern>(ctx);
}
