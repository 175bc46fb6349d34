//===- FuseEpilogue.cpp - a product's bias and relu into its kernel -------===//
//
// relu(add(conv2d(x, w), broadcast(b, dims = [1]))) becomes one
// mlp.conv2d_bias, and relu(add(matmul(a, w), broadcast(b, dims = [1]))), a
// dense layer, one mlp.matmul_bias: the runtime's kernel adds the bias and
// applies relu to each sample's output (or band of rows) while it is in
// cache, where the separate ops would make one more pass over the whole
// output (11 MB a step for the first convolution of fashion_cnn). The
// product's and the add's results must have no other use; the relu is
// optional. Dimension 1 is the output channel of both.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <tuple>

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSEEPILOGUE
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// The bias of `add` when it adds a per-channel broadcast (one value per
/// index of dimension 1) to a Product that nothing else reads:
/// (product, bias), else (null, null).
template <class Product>
std::pair<Product, Value> productPlusBias(AddOp add) {
  for (auto [lhs, rhs] : {std::pair(add.getLhs(), add.getRhs()),
                          std::pair(add.getRhs(), add.getLhs())}) {
    auto product = lhs.template getDefiningOp<Product>();
    auto broadcast = rhs.getDefiningOp<BroadcastOp>();
    if (!product || !broadcast || !product->hasOneUse())
      continue;
    auto bias = dyn_cast<RankedTensorType>(broadcast.getOperand().getType());
    if (bias && bias.getRank() == 1 && broadcast.getDims() == ArrayRef<int64_t>{1} &&
        bias.getElementType() == product.getType().getElementType())
      return {product, broadcast.getOperand()};
  }
  return {};
}

/// The relu that alone reads `add`, if there is one.
ReluOp onlyRelu(AddOp add) {
  return add->hasOneUse() ? dyn_cast<ReluOp>(*add->user_begin()) : ReluOp();
}

/// Replaces `add` (and its relu) by `fused`, built before the last of them.
template <class Build>
void replaceEpilogue(PatternRewriter &rewriter, AddOp add, Operation *product, Build build) {
  ReluOp relu = onlyRelu(add);
  Operation *last = relu ? relu.getOperation() : add.getOperation();
  rewriter.setInsertionPoint(last);
  Value fused = build(relu ? rewriter.getUnitAttr() : UnitAttr());
  rewriter.replaceOp(last, fused);
  if (relu)
    rewriter.eraseOp(add);
  rewriter.eraseOp(product);
}

struct FuseConvBiasAndRelu : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    Conv2dOp conv;
    Value bias;
    std::tie(conv, bias) = productPlusBias<Conv2dOp>(add);
    if (!conv)
      return failure();
    replaceEpilogue(rewriter, add, conv, [&](UnitAttr relu) {
      return rewriter.create<Conv2dBiasOp>(add.getLoc(), add.getType(), conv.getLhs(),
                                           conv.getRhs(), bias, conv.getStrideAttr(),
                                           conv.getPaddingAttr(), conv.getDilationAttr(), relu);
    });
    return success();
  }
};

struct FuseMatmulBiasAndRelu : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    MatmulOp matmul;
    Value bias;
    std::tie(matmul, bias) = productPlusBias<MatmulOp>(add);
    if (!matmul)
      return failure();
    replaceEpilogue(rewriter, add, matmul, [&](UnitAttr relu) {
      return rewriter.create<MatmulBiasOp>(add.getLoc(), add.getType(), matmul.getLhs(),
                                           matmul.getRhs(), bias, relu);
    });
    return success();
  }
};

struct MlpFuseEpilogue : mlir::mlp::impl::MlpFuseEpilogueBase<MlpFuseEpilogue> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseConvBiasAndRelu, FuseMatmulBiasAndRelu>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
