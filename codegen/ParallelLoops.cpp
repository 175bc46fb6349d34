//===- ParallelLoops.cpp - the mlp-lower-to-loops pass --------------------===//
//
// Lowers linalg ops on buffers to scf loops, as upstream's
// convert-linalg-to-loops does, except that a large op whose outermost loop
// is parallel gets an scf.parallel for that loop: scf-to-openmp then spreads
// its iterations over the runtime's threads (runtime/openmp.cpp), each
// thread running the inner loops, which LLVM vectorizes, on its rows.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPLOWERTOLOOPS
#include "codegen/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;

namespace {

/// Iterations (of all loops together) from which an op runs on the threads:
/// starting them costs about a microsecond, the time of a few thousand
/// simple iterations on one.
constexpr int64_t kParallelFrom = int64_t(1) << 15;

/// Static and large enough for the threads (whatever its loops' kinds).
bool largeEnough(linalg::LinalgOp op) {
  if (op.getNumLoops() == 0 || op->getParentOfType<scf::ParallelOp>())
    return false;
  int64_t total = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return false;
    total *= range;
  }
  return total >= kParallelFrom;
}

bool worthThreads(linalg::LinalgOp op) {
  return largeEnough(op) && linalg::isParallelIterator(op.getIteratorTypesArray().front()) &&
         op.getStaticLoopRanges().front() > 1;
}

/// A reduction whose outer loop is not parallel (a convolution's bias
/// gradient sums over samples and pixels, per channel) moves its first
/// parallel loop outermost, so that it can split too. Each element's sum
/// keeps its order (the reduced loops keep theirs), so results are the same.
/// Only where the innermost loop stays innermost: a dense layer's bias
/// gradient would then sum down strided columns, slower than serially.
void hoistParallelLoop(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !largeEnough(op))
    return;
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  auto parallel = llvm::find_if(kinds, linalg::isParallelIterator);
  unsigned first = parallel - kinds.begin();
  if (first == 0 || parallel == kinds.end() || first + 1 == kinds.size())
    return;
  SmallVector<unsigned> order = {first};
  for (unsigned loop = 0; loop < kinds.size(); ++loop)
    if (loop != first)
      order.push_back(loop);
  (void)linalg::interchangeGenericOp(rewriter, generic, order);
}

/// The same loop as an scf.parallel: its iterations write disjoint
/// elements (the loop of a parallel iterator on buffers carries nothing).
void makeParallel(RewriterBase &rewriter, scf::ForOp loop) {
  rewriter.setInsertionPoint(loop);
  auto parallel = rewriter.create<scf::ParallelOp>(
      loop.getLoc(), ValueRange{loop.getLowerBound()},
      ValueRange{loop.getUpperBound()}, ValueRange{loop.getStep()});
  rewriter.eraseOp(loop.getBody()->getTerminator());
  rewriter.inlineBlockBefore(loop.getBody(), parallel.getBody()->getTerminator(),
                             parallel.getInductionVars());
  rewriter.eraseOp(loop);
}

struct MlpLowerToLoopsPass
    : mlir::mlp::impl::MlpLowerToLoopsBase<MlpLowerToLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      hoistParallelLoop(rewriter, op);
      bool parallel = worthThreads(op);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops = linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op.emitOpError("cannot be lowered to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      if (parallel)
        makeParallel(rewriter, cast<scf::ForOp>(loops->front()));
    }
    // The loop bodies index through identity affine.applys: fold them, as
    // upstream's pass does.
    RewritePatternSet patterns(&getContext());
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
