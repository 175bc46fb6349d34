//===- FuseElementwise.cpp - the mlp-fuse-elementwise pass ----------------===//
//
// Upstream's elementwise fusion patterns with a control function that keeps
// producers out of consumers that would recompute them: windowed ones
// (pooling) and ones inside a loop the producer is outside of. Plus one
// pattern of its own for a producer with several uses, which upstream's
// would compute twice.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"
#include "codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSEELEMENTWISE
#include "codegen/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;

namespace {

/// Fuse when the consumer reads each of the producer's elements once: the
/// operand's indexing map is a permutation of all the loops. A map that
/// leaves a loop out (matmul's A ignores n, a conv's output gradient ignores
/// c, kh, kw) or combines loops (a window) reads elements repeatedly, and the
/// fused producer would be recomputed each time. So would a producer
/// computed once before a loop and fused into a consumer in the loop's body:
/// both must be in the same block.
bool readsEachElementOnce(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  return producer && consumer && producer->getBlock() == consumer->getBlock() &&
         consumer.getMatchingIndexingMap(operand).isPermutation();
}

/// Upstream's pattern takes a producer with one use (the control function
/// below); this one takes a producer with several, as an optimizer's new
/// moments, which feed the parameter update and the next step. The fused
/// loop computes the producer's values once and also writes them, for its
/// other uses; upstream's would keep the producer and compute them twice.
/// The fused op takes the consumer's place, so the other uses must come
/// after it; the consumer must read the producer through one operand (the
/// fused op would read the producer's result through any other); and it
/// must be all parallel loops, so that each of the producer's elements is
/// written once.
struct FuseSharedProducer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    if (consumer.getNumReductionLoops() != 0)
      return failure();
    for (OpOperand &operand : consumer->getOpOperands()) {
      Operation *producer = operand.get().getDefiningOp();
      if (!producer || producer->hasOneUse() || !readsEachElementOnce(&operand) ||
          !linalg::areElementwiseOpsFusable(&operand) ||
          !mlp::onlyOperandOf(producer->getResults(), consumer, /*othersAfter=*/true))
        continue;
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        continue;
      // The consumer's results and the producer's used elsewhere.
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceAllUsesWith(original, replacement);
      rewriter.eraseOp(consumer);
      rewriter.eraseOp(producer);
      return success();
    }
    return failure();
  }
};

struct MlpFuseElementwisePass
    : mlir::mlp::impl::MlpFuseElementwiseBase<MlpFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, [](OpOperand *operand) {
      Operation *producer = operand->get().getDefiningOp();
      return producer && producer->hasOneUse() && readsEachElementOnce(operand);
    });
    patterns.add<FuseSharedProducer>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
