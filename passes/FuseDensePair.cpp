//===- FuseDensePair.cpp - two dense layers on one row into one kernel ----===//
//
// matmul_bias(matmul_bias(x, w1, b1), w2, b2), where x is one row and the
// first layer's output feeds nothing else, becomes one mlp.matmul_bias_pair.
// On one row a layer is a pass over its weights, split between the cores;
// the second layer alone is too small to be worth a second handoff, so it
// used to run on one core. The pair's kernel gives each thread its band of
// the first layer and that band's share of the second, after one handoff.
// Pairs are taken in program order, so a chain of three layers pairs the
// first two (the larger weights) and leaves the third.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPFUSEDENSEPAIR
#include "passes/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// The layer reading `first`'s output when the pair can fuse: f32 (where the
/// runtime has the split kernel), one row, and the output read by nothing else.
MatmulBiasOp secondLayer(MatmulBiasOp first) {
  auto x = cast<RankedTensorType>(first.getLhs().getType());
  if (!x.getElementType().isF32() || x.getDimSize(0) != 1 || !first->hasOneUse())
    return {};
  auto second = dyn_cast<MatmulBiasOp>(*first->user_begin());
  return second && second.getLhs() == first.getResult() ? second : MatmulBiasOp();
}

struct MlpFuseDensePair : mlir::mlp::impl::MlpFuseDensePairBase<MlpFuseDensePair> {
  void runOnOperation() override {
    SmallVector<MatmulBiasOp> layers;
    getOperation()->walk([&](MatmulBiasOp op) { layers.push_back(op); });
    llvm::SmallPtrSet<Operation *, 8> fused;
    for (MatmulBiasOp first : layers) {
      if (fused.contains(first))
        continue;
      MatmulBiasOp second = secondLayer(first);
      if (!second)
        continue;
      OpBuilder b(second);
      auto pair = b.create<MatmulBiasPairOp>(
          second.getLoc(), second.getType(), first.getLhs(), first.getRhs(), first.getBias(),
          first.getReluAttr(), second.getRhs(), second.getBias(), second.getReluAttr());
      second.replaceAllUsesWith(pair.getResult());
      fused.insert(second);
      second.erase();
      first.erase();
    }
  }
};

} // namespace
