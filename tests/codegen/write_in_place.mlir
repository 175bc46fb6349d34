// An elementwise op writes over an input that nothing reads afterwards,
// and bufferization then updates that buffer in place.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-linalg -canonicalize -mlp-fuse-elementwise -canonicalize -mlp-expose-buffer-reads -mlp-write-in-place | FileCheck %s
// RUN: mlp-opt %s -split-input-file -mlp-to-llvm | FileCheck %s --check-prefix=LLVM

// An SGD step in a loop: the parameters carried by the loop are read by the
// loss and last by the update, which takes them as its destination.
// CHECK-LABEL: func.func @sgd_steps
// CHECK:         scf.for {{.*}} iter_args(%[[P:.*]] = %arg0)
// CHECK:           linalg.generic {{.*}}ins(%[[P]], %{{.*}} : tensor<256xf32>, tensor<256xf32>) outs(%[[P]] : tensor<256xf32>)
// One buffer in all: the loop's copy of the caller's parameters, which the
// steps then update (without the rewrite, a new buffer every step).
// LLVM-LABEL:    llvm.func @sgd_steps
// LLVM-COUNT-1:  llvm.call @_mlir_memref_to_llvm_alloc
// LLVM-NOT:      llvm.call @_mlir_memref_to_llvm_alloc
// LLVM:          llvm.return
func.func @sgd_steps(%p0: tensor<256xf32>, %g: tensor<256xf32>, %n: index) -> tensor<256xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %lr = mlp.constant dense<0.1> : tensor<256xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%p = %p0) -> (tensor<256xf32>) {
    %step = mlp.mul %g, %lr : tensor<256xf32>
    %q = mlp.sub %p, %step : tensor<256xf32>
    scf.yield %q : tensor<256xf32>
  }
  return %r : tensor<256xf32>
}

// -----

// The parameters are read again after the exp (by the matmul): the exp
// gets a destination of its own.
// CHECK-LABEL: func.func @read_later
// CHECK:         scf.for {{.*}} iter_args(%[[P:.*]] =
// CHECK:           %[[E:.*]] = tensor.empty
// CHECK:           linalg.generic {{.*}}ins(%[[P]] : tensor<4x4xf32>) outs(%[[E]] :
// CHECK:           call @mlp_rt_matmul_f32
func.func @read_later(%p0: tensor<4x4xf32>, %n: index) -> tensor<4x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%p = %p0) -> (tensor<4x4xf32>) {
    %e = mlp.exp %p : tensor<4x4xf32>
    %m = mlp.matmul %e, %p : tensor<4x4xf32>, tensor<4x4xf32> to tensor<4x4xf32>
    scf.yield %m : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}

// -----

// A runtime call's result read again after the relu, by a call (print)
// whose read of the buffer mlp-expose-buffer-reads routes through the
// tensor again: the relu gets a destination of its own, and the product is
// printed as it was. `print relu(p); print p` printed the relu's values
// twice when the relu wrote over p.
// CHECK-LABEL: func.func @kernel_result_read_later
// CHECK:         %[[C:.*]] = memref.alloc() : memref<2x2xf32>
// CHECK:         call @mlp_rt_matmul_f32
// CHECK:         %[[P:.*]] = bufferization.to_tensor %[[C]]
// CHECK:         %[[E:.*]] = tensor.empty
// CHECK:         linalg.generic {{.*}}ins(%[[P]] : tensor<2x2xf32>) outs(%[[E]] :
// CHECK:         bufferization.to_memref %[[P]] read_only
// CHECK:         call @mlp_rt_fmt_tensor_f32
func.func @kernel_result_read_later(%a: tensor<2x3xf32>, %w: tensor<3x2xf32>) -> tensor<2x2xf32> {
  %p = mlp.matmul %a, %w : tensor<2x3xf32>, tensor<3x2xf32> to tensor<2x2xf32>
  %r = mlp.relu %p : tensor<2x2xf32>
  mlp.format %p spec "" : tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// A function's argument belongs to its caller: never written over.
// CHECK-LABEL: func.func @argument
// CHECK:         %[[E:.*]] = tensor.empty
// CHECK:         linalg.generic {{.*}}outs(%[[E]] :
func.func @argument(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = mlp.exp %x : tensor<8xf32>
  return %e : tensor<8xf32>
}
