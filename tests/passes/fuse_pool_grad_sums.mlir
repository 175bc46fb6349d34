// -mlp-fuse-pool-grad-sums makes a max pooling gradient and its sums onto
// the channels (the bias gradient of the convolution before the pooling)
// in one op, pool2d_grad_sums, whose kernel adds each plane as it writes it.
// RUN: mlp-opt %s -split-input-file -mlp-fuse-pool-grad-sums | FileCheck %s

// The gradient also goes on (to the convolution's own gradients): both
// results are used. Its dynamic batch is summed over too.
// CHECK-LABEL: func.func @bias_gradient
// CHECK-SAME:    (%[[X:.*]]: tensor<?x3x4x4xf32>, %[[Y:.*]]: tensor<?x3x2x2xf32>, %[[G:.*]]: tensor<?x3x2x2xf32>)
// CHECK-NEXT:    %[[D:.*]], %[[S:.*]] = mlp.pool2d_grad_sums "max_positive", %[[X]], %[[Y]], %[[G]] window 2 : tensor<?x3x4x4xf32>, tensor<?x3x2x2xf32> to tensor<?x3x4x4xf32>, tensor<3xf32>
// CHECK-NEXT:    return %[[D]], %[[S]]
func.func @bias_gradient(%x: tensor<?x3x4x4xf32>, %y: tensor<?x3x2x2xf32>, %g: tensor<?x3x2x2xf32>) -> (tensor<?x3x4x4xf32>, tensor<3xf32>) {
  %dx = mlp.pool2d_grad "max_positive", %x, %y, %g window 2 : tensor<?x3x4x4xf32>, tensor<?x3x2x2xf32> to tensor<?x3x4x4xf32>
  %db = mlp.unbroadcast %dx, dims = [1] : tensor<?x3x4x4xf32> to tensor<3xf32>
  return %dx, %db : tensor<?x3x4x4xf32>, tensor<3xf32>
}

// -----

// Plain max pooling (no relu before it), f64.
// CHECK-LABEL: func.func @max
// CHECK-NEXT:    %{{.*}}, %[[S:.*]] = mlp.pool2d_grad_sums "max", {{.*}} window 3 : tensor<2x2x6x6xf64>, tensor<2x2x2x2xf64> to tensor<2x2x6x6xf64>, tensor<2xf64>
// CHECK-NEXT:    return %[[S]]
func.func @max(%x: tensor<2x2x6x6xf64>, %y: tensor<2x2x2x2xf64>, %g: tensor<2x2x2x2xf64>) -> tensor<2xf64> {
  %dx = mlp.pool2d_grad "max", %x, %y, %g window 3 : tensor<2x2x6x6xf64>, tensor<2x2x2x2xf64> to tensor<2x2x6x6xf64>
  %db = mlp.unbroadcast %dx, dims = [1] : tensor<2x2x6x6xf64> to tensor<2xf64>
  return %db : tensor<2xf64>
}

// -----

// Not fused: average pooling; sums onto another axis; onto [N, C].
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT:     pool2d_grad_sums
// CHECK:         return
func.func @not_fused(%x: tensor<2x3x4x4xf32>, %y: tensor<2x3x2x2xf32>, %g: tensor<2x3x2x2xf32>) -> (tensor<3xf32>, tensor<4xf32>, tensor<2x3xf32>) {
  %avg = mlp.pool2d_grad "avg", %x, %y, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>
  %a = mlp.unbroadcast %avg, dims = [1] : tensor<2x3x4x4xf32> to tensor<3xf32>
  %max = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>
  %b = mlp.unbroadcast %max, dims = [3] : tensor<2x3x4x4xf32> to tensor<4xf32>
  %c = mlp.unbroadcast %max, dims = [0, 1] : tensor<2x3x4x4xf32> to tensor<2x3xf32>
  return %a, %b, %c : tensor<3xf32>, tensor<4xf32>, tensor<2x3xf32>
}
