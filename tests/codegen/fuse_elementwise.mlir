// Elementwise producers fuse into consumers that read each element once,
// and stay out of windowed and broadcasting reads.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-linalg -mlp-fuse-elementwise | FileCheck %s

// exp then the sum over all of it: one loop nest.
// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
func.func @chain(%x: tensor<8xf32>) -> tensor<f32> {
  %e = mlp.exp %x : tensor<8xf32>
  %s = mlp.reduce "sum", %e, axes = [0] : tensor<8xf32> to tensor<f32>
  return %s : tensor<f32>
}

// -----

// relu before a convolution: the window would read each relu output 9
// times, so the relu keeps its own loop.
// CHECK-LABEL: func.func @windowed
// CHECK:         %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}}ins(%[[R]], %{{.*}} :
func.func @windowed(%x: tensor<1x1x6x6xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %r = mlp.relu %x : tensor<1x1x6x6xf32>
  %y = mlp.conv2d %r, %w stride 1 padding 0 dilation 1 : tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32> to tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A matmul reads each element of A once per column of B: exp stays out.
// CHECK-LABEL: func.func @matmul_operand
// CHECK:         %[[E:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[E]], %{{.*}} :
func.func @matmul_operand(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %e = mlp.exp %a : tensor<4x8xf32>
  %p = mlp.matmul %e, %b : tensor<4x8xf32>, tensor<8x16xf32> to tensor<4x16xf32>
  return %p : tensor<4x16xf32>
}
