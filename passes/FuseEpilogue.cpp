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

/// The fused op of each product: its operands, the bias and the relu flag.
Value fusedOp(PatternRewriter &rewriter, AddOp add, Conv2dOp conv, Value bias, UnitAttr relu) {
  return rewriter.create<Conv2dBiasOp>(add.getLoc(), add.getType(), conv.getLhs(), conv.getRhs(),
                                       bias, conv.getStrideAttr(), conv.getPaddingAttr(),
                                       conv.getDilationAttr(), relu);
}
Value fusedOp(PatternRewriter &rewriter, AddOp add, MatmulOp matmul, Value bias, UnitAttr relu) {
  return rewriter.create<MatmulBiasOp>(add.getLoc(), add.getType(), matmul.getLhs(),
                                       matmul.getRhs(), bias, relu);
}

template <class Product>
struct FuseBiasAndRelu : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    auto [product, bias] = productPlusBias<Product>(add);
    if (!product)
      return failure();
    // With relu: the add must feed nothing else.
    ReluOp relu = add->hasOneUse() ? dyn_cast<ReluOp>(*add->user_begin()) : ReluOp();
    Operation *last = relu ? relu.getOperation() : add.getOperation();
    rewriter.setInsertionPoint(last);
    rewriter.replaceOp(last, fusedOp(rewriter, add, product, bias,
                                     relu ? rewriter.getUnitAttr() : UnitAttr()));
    if (relu)
      rewriter.eraseOp(add);
    rewriter.eraseOp(product);
    return success();
  }
};

struct MlpFuseEpilogue : mlir::mlp::impl::MlpFuseEpilogueBase<MlpFuseEpilogue> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseBiasAndRelu<Conv2dOp>, FuseBiasAndRelu<MatmulOp>>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
