//===- FuseElementwise.cpp - the mlp-fuse-elementwise pass ----------------===//
//
// Upstream's elementwise fusion patterns with a control function that keeps
// producers out of consumers that would recompute them: windowed ones
// (pooling) and ones inside a loop the producer is outside of.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSEELEMENTWISE
#include "codegen/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;

namespace {

/// Fuse when the producer has one use and the consumer reads each of its
/// elements once: the operand's indexing map is a permutation of all the
/// loops. A map that leaves a loop out (matmul's A ignores n, a conv's
/// output gradient ignores c, kh, kw) or combines loops (a window) reads
/// elements repeatedly, and the fused producer would be recomputed each time.
/// So would a producer computed once before a loop and fused into a
/// consumer in the loop's body: both must be in the same block.
bool readsEachElementOnce(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  if (!producer || !producer->hasOneUse() || !consumer ||
      producer->getBlock() != consumer->getBlock())
    return false;
  return consumer.getMatchingIndexingMap(operand).isPermutation();
}

struct MlpFuseElementwisePass
    : mlir::mlp::impl::MlpFuseElementwiseBase<MlpFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, readsEachElementOnce);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
