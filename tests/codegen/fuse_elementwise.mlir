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
// CHECK:           arith.addf
func.func @windowed(%x: tensor<1x1x6x6xf32>) -> tensor<1x1x3x3xf32> {
  %e = mlp.exp %x : tensor<1x1x6x6xf32>
  %y = mlp.pool2d "avg", %e window 2 : tensor<1x1x6x6xf32> to tensor<1x1x3x3xf32>
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


// -----

// An optimizer step: the new moment m feeds the update and is returned as
// well. One loop computes both and writes both; m is computed once.
// CHECK-LABEL: func.func @shared_producer
// CHECK:         %[[F:.*]]:2 = linalg.generic
// CHECK-COUNT-1:   arith.mulf
// CHECK:           arith.subf
// CHECK:           linalg.yield
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[F]]#{{[01]}}, %[[F]]#{{[01]}}
func.func @shared_producer(%p: tensor<8xf32>, %g: tensor<8xf32>, %m0: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %m = mlp.mul %m0, %g : tensor<8xf32>
  %p1 = mlp.sub %p, %m : tensor<8xf32>
  return %p1, %m : tensor<8xf32>, tensor<8xf32>
}

// -----

// The exp is also read before its elementwise consumer, by a matmul: the
// fused loop, at the consumer's place, would come too late for it, so the
// exp keeps its own loop, which both read.
// CHECK-LABEL: func.func @shared_producer_used_before
// CHECK:         %[[E:.*]] = linalg.generic
// CHECK:           math.exp
// CHECK:         call @mlp_rt_matmul_f32
// CHECK:         linalg.generic {{.*}}ins(%[[E]]
// CHECK-NOT:       math.exp
// CHECK:           arith.addf
func.func @shared_producer_used_before(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x8xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>) {
  %e = mlp.exp %a : tensor<4x8xf32>
  %p = mlp.matmul %e, %b : tensor<4x8xf32>, tensor<8x16xf32> to tensor<4x16xf32>
  %s = mlp.add %e, %c : tensor<4x8xf32>
  return %p, %s : tensor<4x16xf32>, tensor<4x8xf32>
}

// -----

// A sum reads the exp, which is also returned: a reduction does not take a
// producer with other uses (its elements would be written inside the
// reduction), so the exp keeps its own loop.
// CHECK-LABEL: func.func @shared_producer_reduced
// CHECK:         %[[E:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}ins(%[[E]]
// CHECK-NOT:       math.exp
func.func @shared_producer_reduced(%x: tensor<8xf32>) -> (tensor<f32>, tensor<8xf32>) {
  %e = mlp.exp %x : tensor<8xf32>
  %s = mlp.reduce "sum", %e, axes = [0] : tensor<8xf32> to tensor<f32>
  return %s, %e : tensor<f32>, tensor<8xf32>
}

// -----

// The exp feeds two elementwise consumers and the second also reads the
// first: all three become one loop that computes exp once.
// CHECK-LABEL: func.func @shared_producer_chain
// CHECK:         %[[F:.*]]:2 = linalg.generic
// CHECK-COUNT-1:   math.exp
// CHECK:           arith.subf
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
func.func @shared_producer_chain(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = mlp.exp %x : tensor<8xf32>
  %a = mlp.sub %e, %x : tensor<8xf32>
  %b = mlp.add %a, %e : tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

// The consumer reads the shared producer twice, once transposed (m +
// m^T): fusing one operand would leave the other reading the fused op's
// own result, so the mul keeps its own loop, which the sum reads twice.
// CHECK-LABEL: func.func @shared_producer_read_twice
// CHECK:         %[[M:.*]] = linalg.generic
// CHECK:           arith.mulf
// CHECK:         linalg.generic {{.*}}ins(%[[M]], %[[M]] :
// CHECK-NOT:       arith.mulf
// CHECK:           arith.addf
#id = affine_map<(i, j) -> (i, j)>
#tr = affine_map<(i, j) -> (j, i)>
func.func @shared_producer_read_twice(%x: tensor<8x8xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %e0 = tensor.empty() : tensor<8x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x8xf32>) outs(%e0 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %e1 = tensor.empty() : tensor<8x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %m : tensor<8x8xf32>, tensor<8x8xf32>) outs(%e1 : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %m, %s : tensor<8x8xf32>, tensor<8x8xf32>
}
