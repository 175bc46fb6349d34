//===- WriteInPlace.cpp - the mlp-write-in-place pass ---------------------===//
//
// An elementwise op that computes a new version of a tensor read for the last
// time (an optimizer's parameters and moments, an activation's gradient)
// writes its result over that tensor instead of a new one: the op's empty
// destination becomes the input, and bufferization then updates the buffer
// in place. A training step then reuses its parameters' buffers rather than
// allocating new ones, and touches half the memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"
#include "codegen/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPWRITEINPLACE
#include "codegen/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;

namespace {

/// `op` reads `value` through one operand and every other use comes
/// before `op`; and `value` is not a function's argument (the caller's
/// tensor).
bool lastReadBy(Value value, Operation *op) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    if (isa<FunctionOpInterface>(arg.getOwner()->getParentOp()))
      return false;
  return mlp::onlyOperandOf(value, op, /*othersAfter=*/false);
}

/// The value of a loop that `result` replaces: the iteration argument of
/// the scf.for whose yield passes `result` in its place; null if none.
Value replacedLoopValue(Value result) {
  for (OpOperand &use : result.getUses())
    if (auto yield = dyn_cast<scf::YieldOp>(use.getOwner()))
      if (auto loop = dyn_cast<scf::ForOp>(yield->getParentOp()))
        return loop.getRegionIterArgs()[use.getOperandNumber()];
  return nullptr;
}

bool isLoopValue(Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  return arg && isa<scf::ForOp>(arg.getOwner()->getParentOp());
}

/// linalg.generic (all parallel) whose destination is a fresh empty tensor
/// it does not read: the destination becomes an input of the same type,
/// read through the same indexing map, that nothing reads afterwards. A
/// result that a loop carries takes the value it replaces (the parameters'
/// update, the parameters); any other, an input the loop does not carry:
/// over another loop value the loop would need a copy to keep its values
/// apart.
struct WriteOverDeadInput : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0)
      return failure();
    for (OpOperand &init : op.getDpsInitsMutable()) {
      if (!init.get().getDefiningOp<tensor::EmptyOp>() || op.payloadUsesValueFromOperand(&init))
        continue;
      Value replaced = replacedLoopValue(op.getTiedOpResult(&init));
      for (OpOperand *input : op.getDpsInputOperands()) {
        Value value = input->get();
        if (value.getType() != init.get().getType() ||
            op.getMatchingIndexingMap(input) != op.getMatchingIndexingMap(&init) ||
            (replaced ? value != replaced : isLoopValue(value)) || !lastReadBy(value, op))
          continue;
        rewriter.modifyOpInPlace(op, [&] { init.set(value); });
        return success();
      }
    }
    return failure();
  }
};

struct MlpWriteInPlacePass
    : mlir::mlp::impl::MlpWriteInPlaceBase<MlpWriteInPlacePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<WriteOverDeadInput>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
