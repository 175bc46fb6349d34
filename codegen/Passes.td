//===- Passes.td - lowering passes of mlpc -----------------*- tablegen -*-===//
#ifndef MLP_CODEGEN_PASSES
#define MLP_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def MlpLowerToLinalg : Pass<"mlp-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower mlp ops to linalg/tensor/arith/math and runtime calls";
  let description = [{
    Tensor ops become `linalg.generic` (elementwise, broadcast, reductions),
    named linalg ops (matmul, transpose, fill) and `tensor` slicing. Printing
    and parameters become `func.call`s into the C runtime (runtime/mlp_runtime.h),
    with string constants as `llvm.mlir.global`s. The function `mlp_main` first
    declares every parameter of the module's `mlp.params` attribute
    ([name, type, default] each) to the runtime and parses the command line.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::func::FuncDialect", "mlir::linalg::LinalgDialect",
    "mlir::LLVM::LLVMDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect"
  ];
}

def MlpFuseElementwise : Pass<"mlp-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuse elementwise linalg.generics, but not into windowed reads";
  let description = [{
    Upstream's elementwise fusion, with one rule: a producer is fused into a
    consumer only when the consumer reads each of its elements once (the
    operand's indexing map is a permutation of all the loops). A matmul, a
    broadcast, a convolution or a pooling window reads elements many times;
    fusing, say, a relu into one would recompute the relu that many times.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def MlpExposeBufferReads : Pass<"mlp-expose-buffer-reads", "mlir::ModuleOp"> {
  let summary = "Reads of a runtime call's result buffer go through its tensor again";
  let description = [{
    A runtime call writes its result into a buffer that
    `bufferization.to_tensor ... restrict` turns into a tensor, and a later
    call reads that tensor through `bufferization.to_memref`, which the
    canonicalizer folds into the buffer itself. The tensor then shows no
    read there, and in-place decisions (mlp-write-in-place, one-shot
    bufferization of a loop that carries the tensor) would overwrite the
    buffer before that read. Each read of the buffer after its to_tensor
    becomes a to_memref of the tensor again (with a strided layout, which
    does not fold back). Run after the last canonicalization before
    bufferization.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def MlpWriteInPlace : Pass<"mlp-write-in-place", "mlir::ModuleOp"> {
  let summary = "Elementwise ops write over an input read for the last time";
  let description = [{
    A `linalg.generic` of parallel loops whose destination is a fresh
    `tensor.empty` takes as destination an input of the same type, read
    through the same indexing map, that no later op reads (not a function's
    argument). One-shot bufferization then updates that buffer in place:
    an optimizer step overwrites the parameters and moments the training
    loop carries instead of allocating new ones.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def MlpLowerToLoops : Pass<"mlp-lower-to-loops", "mlir::func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to loops, large ones' outer loop parallel";
  let description = [{
    As convert-linalg-to-loops, except that an op of at least 2^15 iterations
    whose outermost loop is a parallel iterator gets an `scf.parallel` for
    that loop (the inner ones stay `scf.for`). scf-to-openmp turns it into an
    OpenMP worksharing loop, which the runtime runs on its thread pool. Only
    the outer loop: each thread then runs whole rows, whose inner loops LLVM
    vectorizes, and a row reduction stays in one thread (results do not
    depend on the thread count). A large reduction whose outer loop is not
    parallel (a convolution's bias gradient) first moves its first parallel
    loop outermost, keeping the others' order, unless that loop is the
    innermost.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"];
}

#endif // MLP_CODEGEN_PASSES
