//===- FuseConvEpilogue.cpp - a conv2d's bias and relu into its kernel ----===//
//
// relu(add(conv2d(x, w), broadcast(b, dims = [1]))) becomes one
// mlp.conv2d_bias: the runtime's convolution adds the bias and applies relu
// to each sample's output while it is in cache, where the separate ops would
// make one more pass over the whole batch's output (11 MB a step for the
// first convolution of fashion_cnn). The conv2d's and the add's results must
// have no other use; the relu is optional.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSECONVEPILOGUE
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// The bias of `add` when it adds a per-channel broadcast to a conv2d that
/// nothing else reads: (conv, bias), else (null, null).
std::pair<Conv2dOp, Value> convPlusBias(AddOp add) {
  for (auto [lhs, rhs] : {std::pair(add.getLhs(), add.getRhs()),
                          std::pair(add.getRhs(), add.getLhs())}) {
    auto conv = lhs.getDefiningOp<Conv2dOp>();
    auto broadcast = rhs.getDefiningOp<BroadcastOp>();
    if (!conv || !broadcast || !conv->hasOneUse())
      continue;
    auto bias = dyn_cast<RankedTensorType>(broadcast.getOperand().getType());
    if (bias && bias.getRank() == 1 && broadcast.getDims() == ArrayRef<int64_t>{1} &&
        bias.getElementType() == conv.getType().getElementType())
      return {conv, broadcast.getOperand()};
  }
  return {};
}

struct FuseBiasAndRelu : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    auto [conv, bias] = convPlusBias(add);
    if (!conv)
      return failure();
    // With relu: the add must feed nothing else.
    Operation *last = add;
    ReluOp relu;
    if (add->hasOneUse() && (relu = dyn_cast<ReluOp>(*add->user_begin())))
      last = relu;
    rewriter.setInsertionPoint(last);
    auto fused = rewriter.create<Conv2dBiasOp>(
        add.getLoc(), add.getType(), conv.getLhs(), conv.getRhs(), bias, conv.getStrideAttr(),
        conv.getPaddingAttr(), conv.getDilationAttr(),
        relu ? rewriter.getUnitAttr() : UnitAttr());
    rewriter.replaceOp(last, fused.getResult());
    if (relu)
      rewriter.eraseOp(add);
    rewriter.eraseOp(conv);
    return success();
  }
};

struct MlpFuseConvEpilogue : mlir::mlp::impl::MlpFuseConvEpilogueBase<MlpFuseConvEpilogue> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseBiasAndRelu>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
