//===- FusePoolGradRelu.cpp - relu's gradient mask into max pooling's ----===//
//
// The backward pass of relu |> maxpool(k) is
//   dp = pool2d_grad "max"(x, y, g)    x the relu's result, y the pooled
//   dx = select(cmp "gt"(x, 0), dp, 0)
// Both read x, and dp is written only to be read once: for fashion_cnn's
// first block, 11 MB written and read twice more a step. The kernel of
// pool2d_grad "max_positive" applies the mask as it writes.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSEPOOLGRADRELU
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

struct FuseReluMask : OpRewritePattern<SelectOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectOp select, PatternRewriter &rewriter) const override {
    auto grad = select.getOnTrue().getDefiningOp<Pool2dGradOp>();
    auto cmp = select.getCond().getDefiningOp<CmpOp>();
    if (!grad || grad.getKind() != "max" || !grad->hasOneUse() || !cmp ||
        cmp.getPredicate() != "gt" || cmp.getLhs() != grad.getInput() ||
        !matchPattern(cmp.getRhs(), m_AnyZeroFloat()) ||
        // The kernel writes +0 where the mask is off.
        !matchPattern(select.getOnFalse(), m_PosZeroFloat()))
      return failure();
    rewriter.replaceOpWithNewOp<Pool2dGradOp>(select, select.getType(), rewriter.getStringAttr("max_positive"),
                                              grad.getInput(), grad.getPooled(), grad.getGrad(),
                                              grad.getWindowAttr());
    rewriter.eraseOp(grad);
    return success();
  }
};

struct MlpFusePoolGradRelu : mlir::mlp::impl::MlpFusePoolGradReluBase<MlpFusePoolGradRelu> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseReluMask>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
