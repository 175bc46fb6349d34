//===- FuseConvPool.cpp - max pooling into the convolution before it ------===//
//
// conv2d_bias |> maxpool(k) writes the convolution's whole output, which the
// pooling reads back and its gradient reads once more:
//   x  = conv2d_bias(in, w, b)                 (fashion_cnn's first: 11 MB)
//   y  = pool2d "max"(x)
//   dx, db = pool2d_grad_sums "max_positive"(x, y, g)
// When the pooling and its gradients are x's only readers, one kernel makes
// y and a mask of where each window's gradient goes (one byte an element of
// x) from each sample's output while it is in cache, and the gradient reads
// the mask instead of x and y:
//   y, m   = conv2d_bias_pool(in, w, b) window k positive
//   dx, db = pool2d_mask_grad_sums(m, g)
// Plain pool2d_grad (no sums) becomes pool2d_mask_grad_sums too, its sums
// unused. Where that gradient's only reader is the filter gradient (the
// first convolution's, whose input gradient is not needed), it is made
// sample by sample inside the filter gradient's kernel instead:
//   dw, db = conv2d_grad_filter_pooled(in, m, g)
// Runs after mlp-fuse-pool-grad-sums.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSECONVPOOL
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// A max pooling gradient of `pool` over its input x: pool2d_grad or
/// pool2d_grad_sums of kind max or max_positive, given x and pool's result
/// and pool's window.
struct PoolGrad {
  Operation *op;
  StringRef kind;
  Value grad;
};

std::optional<PoolGrad> poolGrad(Operation *user, Value x, Pool2dOp pool) {
  auto match = [&](auto op) -> std::optional<PoolGrad> {
    if (op.getInput() != x || op.getPooled() != pool.getResult() || op.getWindow() != pool.getWindow() ||
        (op.getKind() != "max" && op.getKind() != "max_positive"))
      return std::nullopt;
    return PoolGrad{op, op.getKind(), op.getGrad()};
  };
  if (auto op = dyn_cast<Pool2dGradOp>(user)) return match(op);
  if (auto op = dyn_cast<Pool2dGradSumsOp>(user)) return match(op);
  return std::nullopt;
}

struct FuseConvPool : OpRewritePattern<Pool2dOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Pool2dOp pool, PatternRewriter &rewriter) const override {
    auto conv = pool.getOperand().getDefiningOp<Conv2dBiasOp>();
    if (pool.getKind() != "max" || !conv)
      return failure();
    Value x = conv.getResult();
    auto xType = cast<RankedTensorType>(x.getType());
    if (xType.isDynamicDim(1))
      return failure();
    // x's readers: this pooling and its gradients, all of one kind.
    SmallVector<PoolGrad> grads;
    for (Operation *user : x.getUsers()) {
      if (user == pool.getOperation())
        continue;
      std::optional<PoolGrad> grad = poolGrad(user, x, pool);
      if (!grad || (!grads.empty() && grad->kind != grads.front().kind))
        return failure();
      grads.push_back(*grad);
    }
    bool positive = !grads.empty() && grads.front().kind == "max_positive";
    auto maskType = RankedTensorType::get(xType.getShape(), rewriter.getI8Type());
    auto sumsType = RankedTensorType::get({xType.getDimSize(1)}, xType.getElementType());
    // Where the convolution was: its operands are defined by then.
    rewriter.setInsertionPoint(conv);
    auto fused = rewriter.create<Conv2dBiasPoolOp>(
        rewriter.getFusedLoc({conv.getLoc(), pool.getLoc()}), TypeRange{pool.getType(), maskType},
        conv.getLhs(), conv.getRhs(), conv.getBias(), conv.getStrideAttr(), conv.getPaddingAttr(),
        conv.getDilationAttr(), conv.getReluAttr(), pool.getWindowAttr(),
        positive ? rewriter.getUnitAttr() : UnitAttr());
    for (const PoolGrad &grad : grads) {
      rewriter.setInsertionPoint(grad.op);
      auto masked = rewriter.create<Pool2dMaskGradSumsOp>(grad.op->getLoc(), TypeRange{xType, sumsType},
                                                          fused.getMask(), grad.grad, pool.getWindowAttr());
      rewriter.replaceOp(grad.op, masked->getResults().take_front(grad.op->getNumResults()));
    }
    rewriter.replaceOp(pool, fused.getPooled());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct FuseFilterGradient : OpRewritePattern<Conv2dGradFilterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2dGradFilterOp filter, PatternRewriter &rewriter) const override {
    auto masked = filter.getRhs().getDefiningOp<Pool2dMaskGradSumsOp>();
    if (!masked || !masked.getResult().hasOneUse())
      return failure();
    // Made where the pooling gradient was, before any reader of its sums,
    // which the convolution's input must dominate.
    Value input = filter.getLhs();
    if (!DominanceInfo(masked->getParentOfType<FunctionOpInterface>()).properlyDominates(input, masked))
      return failure();
    rewriter.setInsertionPoint(masked);
    auto fused = rewriter.create<Conv2dGradFilterPooledOp>(
        rewriter.getFusedLoc({masked.getLoc(), filter.getLoc()}),
        TypeRange{filter.getType(), masked.getSums().getType()}, input, masked.getMask(), masked.getGrad(),
        filter.getStrideAttr(), filter.getPaddingAttr(), filter.getDilationAttr(), masked.getWindowAttr());
    rewriter.replaceOp(filter, fused.getResult());
    rewriter.replaceAllUsesWith(masked.getSums(), fused.getSums());
    rewriter.eraseOp(masked);
    return success();
  }
};

struct MlpFuseConvPool : mlir::mlp::impl::MlpFuseConvPoolBase<MlpFuseConvPool> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseConvPool, FuseFilterGradient>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
