//===- LowerConvolution.cpp - conv2d, pooling and their gradients ---------===//
//
// Convolution and pooling, forward and backward, call the runtime's kernels
// (runtime/kernels.cpp; NCHW layout, as PyTorch), which split the batch over
// the runtime's threads.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

using namespace mlir;
using namespace mlir::mlp;

namespace {


/// Replaces a pooling op by a call of `kernel` with flags (is max, window).
/// Only the batch size may be dynamic; it is the first input's.
LogicalResult replaceWithKernel(Operation *op, ConversionPatternRewriter &rewriter,
                                StringRef kernel, StringRef kind, int64_t window,
                                ValueRange inputs) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> sizes;
  if (type.getNumDynamicDims() > (type.isDynamicDim(0) ? 1 : 0))
    return rewriter.notifyMatchFailure(op, "dynamic spatial or channel size");
  if (type.isDynamicDim(0))
    sizes.push_back(rewriter.create<tensor::DimOp>(op->getLoc(), inputs[0], 0));
  rewriter.replaceOp(op, callKernel(rewriter, op->getLoc(), kernel,
                                    {kind == "max" ? 1 : 0, window}, inputs, type, sizes));
  return success();
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

/// pool2d and its gradient call the runtime's kernels too: a window's few
/// elements make poor vector loops, and the kernels split planes over threads.
struct PoolPattern : OpConversionPattern<Pool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return replaceWithKernel(op, rewriter, "mlp_rt_pool2d", op.getKind(),
                             op.getWindow(), {adaptor.getOperand()});
  }
};

struct PoolGradPattern : OpConversionPattern<Pool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The kernel finds each window's maximum again; `pooled` is not needed.
    return replaceWithKernel(op, rewriter, "mlp_rt_pool2d_grad", op.getKind(),
                             op.getWindow(), {adaptor.getInput(), adaptor.getGrad()});
  }
};

} // namespace

void mlir::mlp::populateConvolutionLowering(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConvKernelPattern<Conv2dOp>>(ctx, "mlp_rt_conv2d");
  patterns.add<ConvKernelPattern<Conv2dGradFilterOp>>(ctx, "mlp_rt_conv2d_grad_filter");
  patterns.add<ConvKernelPattern<Conv2dGradInputOp>>(ctx, "mlp_rt_conv2d_grad_input");
  patterns.add<PoolPattern, PoolGradPattern>(ctx);
}
