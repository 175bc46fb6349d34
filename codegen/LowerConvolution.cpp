//===- LowerConvolution.cpp - conv2d, pooling and their gradients ---------===//
//
// Convolutions call the runtime's kernels (NCHW layout, as PyTorch). Pooling
// becomes one `linalg.generic` whose indexing maps say which input element
// falls in which window.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

#include <limits>

using namespace mlir;
using namespace mlir::mlp;

namespace {

using utils::IteratorType;

/// A zero-filled tensor of `type`.
Value zeros(OpBuilder &b, Location loc, RankedTensorType type) {
  Value empty = b.create<tensor::EmptyOp>(loc, type, ValueRange{});
  return b.create<linalg::FillOp>(loc, scalarConstant(b, loc, type.getElementType(), 0),
                                  empty)
      .getResult(0);
}

/// conv2d and its two gradients call the runtime's im2col + GEMM kernels
/// (`runtime/kernels.cpp`); stride, padding and dilation go as flags.
template <class Op>
struct ConvKernelPattern : OpConversionPattern<Op> {
  ConvKernelPattern(MLIRContext *ctx, StringRef kernel)
      : OpConversionPattern<Op>(ctx), kernel(kernel) {}
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getResult().getType());
    // Only the batch dimension (of x, and of the result) may be dynamic.
    SmallVector<Value> sizes;
    if (type.getNumDynamicDims() > (type.isDynamicDim(0) ? 1 : 0))
      return rewriter.notifyMatchFailure(op, "dynamic spatial or channel size");
    if (type.isDynamicDim(0))
      sizes.push_back(rewriter.create<tensor::DimOp>(op.getLoc(), adaptor.getLhs(), 0));
    rewriter.replaceOp(
        op, callKernel(rewriter, op.getLoc(), kernel,
                       {(int64_t)op.getStride(), (int64_t)op.getPadding(),
                        (int64_t)op.getDilation()},
                       {adaptor.getLhs(), adaptor.getRhs()}, type, sizes));
    return success();
  }
  std::string kernel;
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
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConvKernelPattern<Conv2dOp>>(ctx, "mlp_rt_conv2d");
  patterns.add<ConvKernelPattern<Conv2dGradFilterOp>>(ctx, "mlp_rt_conv2d_grad_filter");
  patterns.add<ConvKernelPattern<Conv2dGradInputOp>>(ctx, "mlp_rt_conv2d_grad_input");
  patterns.add<Pool2dPattern, Pool2dGradPattern>(ctx);
}
