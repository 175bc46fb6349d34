//===- FusePoolGradSums.cpp - a conv's bias gradient into max pooling's ---===//
//
// The backward pass of conv2d_bias |> maxpool(k) sums the pooling gradient
// over samples and pixels for the bias:
//   dx = pool2d_grad "max"(x, y, g)      (or "max_positive", after relu)
//   db = unbroadcast(dx) dims [1]
// which reads dx back from memory once more after the kernel wrote it: for
// fashion_cnn's first block, 11 MB a step. pool2d_grad_sums makes both,
// adding each plane of dx while it is in cache.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSEPOOLGRADSUMS
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

struct FuseChannelSums : OpRewritePattern<UnbroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(UnbroadcastOp sums, PatternRewriter &rewriter) const override {
    auto grad = sums.getOperand().getDefiningOp<Pool2dGradOp>();
    if (!grad || (grad.getKind() != "max" && grad.getKind() != "max_positive"))
      return failure();
    auto dx = cast<RankedTensorType>(grad.getType());
    auto small = cast<RankedTensorType>(sums.getType());
    if (dx.getRank() != 4 || small.getRank() != 1 || sums.getDims() != ArrayRef<int64_t>{1} ||
        small.isDynamicDim(0) || small.getDimSize(0) != dx.getDimSize(1))
      return failure();
    // Where the gradient is made: every operand is defined by then.
    rewriter.setInsertionPoint(grad);
    auto fused = rewriter.create<Pool2dGradSumsOp>(grad.getLoc(), TypeRange{dx, small}, grad.getKindAttr(),
                                                   grad.getInput(), grad.getPooled(), grad.getGrad(),
                                                   grad.getWindowAttr());
    rewriter.replaceOp(sums, fused.getSums());
    rewriter.replaceOp(grad, fused.getResult());
    return success();
  }
};

struct MlpFusePoolGradSums : mlir::mlp::impl::MlpFusePoolGradSumsBase<MlpFusePoolGradSums> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseChannelSums>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
