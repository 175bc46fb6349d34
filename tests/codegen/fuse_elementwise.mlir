// Elementwise producers fuse into consumers that read each element once,
// and stay out of windowed and broadcasting reads and out of loops.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-linalg -mlp-fuse-elementwise | FileCheck %s

// exp then the sum over all of it: one loop nest (summing in f64), then the
// sum back to f32.
// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK:           math.exp
// CHECK:           arith.extf
// CHECK:           arith.addf {{.*}} : f64
// CHECK:         linalg.generic
// CHECK:           arith.truncf
// CHECK-NOT:     linalg.generic
func.func @chain(%x: tensor<8xf32>) -> tensor<f32> {
  %e = mlp.exp %x : tensor<8xf32>
  %s = mlp.reduce "sum", %e, axes = [0] : tensor<8xf32> to tensor<f32>
  return %s : tensor<f32>
}

// -----

// exp before a pooling window: the window's indexing map is no permutation
// of the loops, so the exp keeps its own loop.
// CHECK-LABEL: func.func @windowed
// CHECK:         %[[E:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}ins(%[[E]], %{{.*}} :
// CHECK:           arith.maximumf
func.func @windowed(%x: tensor<1x1x6x6xf32>) -> tensor<1x1x3x3xf32> {
  %e = mlp.exp %x : tensor<1x1x6x6xf32>
  %y = mlp.pool2d "max", %e window 2 : tensor<1x1x6x6xf32> to tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// A matmul is a call to the runtime's GEMM: exp is computed into a tensor
// the call reads.
// CHECK-LABEL: func.func @matmul_operand
// CHECK:         %[[E:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:           math.exp
// CHECK:         bufferization.to_memref %[[E]]
// CHECK:         call @mlp_rt_matmul_f32
func.func @matmul_operand(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %e = mlp.exp %a : tensor<4x8xf32>
  %p = mlp.matmul %e, %b : tensor<4x8xf32>, tensor<8x16xf32> to tensor<4x16xf32>
  return %p : tensor<4x16xf32>
}

// -----

// exp computed once before the loop stays there: fused into the loop's
// consumer it would be recomputed every iteration.
// CHECK-LABEL: func.func @outside_loop
// CHECK:         %[[E:.*]] = linalg.generic
// CHECK:           math.exp
// CHECK:         scf.for
// CHECK:           linalg.generic {{.*}}ins(%{{.*}}, %[[E]] :
// CHECK-NOT:         math.exp
// CHECK:             arith.addf
func.func @outside_loop(%x: tensor<8xf32>, %n: index) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = mlp.exp %x : tensor<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<8xf32>) {
    %s = mlp.add %acc, %e : tensor<8xf32>
    scf.yield %s : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

