//===- ExposeBufferReads.cpp - the mlp-expose-buffer-reads pass -----------===//
//
// A runtime call's result is a buffer the call fills, seen as a tensor
// through `bufferization.to_tensor %buffer restrict`. A call that reads that
// tensor later takes `bufferization.to_memref` of it, and the canonicalizer
// folds to_memref(to_tensor(%buffer)) into %buffer: the read no longer uses
// the tensor. `restrict` promises the tensor is the only way to the buffer,
// so mlp-write-in-place and one-shot bufferization then let a write to the
// tensor (an elementwise op over its last visible use, a loop carrying it)
// land in the buffer before that read: `print relu(p); print p` printed the
// relu's values twice. Here each such read goes through the tensor again.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"
#include "codegen/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPEXPOSEBUFFERREADS
#include "codegen/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;

namespace {

/// Whether `user` comes after `op`: past it in op's block, or inside an op
/// that is.
bool after(Operation *user, Operation *op) {
  Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*user);
  return ancestor && op->isBeforeInBlock(ancestor);
}

struct MlpExposeBufferReads
    : mlir::mlp::impl::MlpExposeBufferReadsBase<MlpExposeBufferReads> {
  void runOnOperation() override {
    getOperation().walk([](bufferization::ToTensorOp toTensor) {
      Value buffer = toTensor.getMemref();
      auto type = dyn_cast<MemRefType>(buffer.getType());
      if (!type)
        return;
      // A type other than the buffer's: to_memref's folder leaves it alone.
      MemRefType strided = mlp::stridedMemRefType(type);
      for (OpOperand &use : llvm::make_early_inc_range(buffer.getUses())) {
        Operation *user = use.getOwner();
        if (user == toTensor || !after(user, toTensor))
          continue;
        OpBuilder b(user);
        Value read = b.create<bufferization::ToMemrefOp>(user->getLoc(), strided,
                                                          toTensor.getResult(),
                                                          /*read_only=*/true);
        use.set(b.create<memref::CastOp>(user->getLoc(), type, read));
      }
    });
  }
};

} // namespace
