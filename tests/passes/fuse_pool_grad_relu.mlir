// -mlp-fuse-pool-grad-relu folds relu's gradient mask into the max pooling
// gradient that it masks: pool2d_grad "max_positive".
// RUN: mlp-opt %s -split-input-file -mlp-fuse-pool-grad-relu | FileCheck %s

// The backward pass of relu |> maxpool(2), as autodiff writes it.
// CHECK-LABEL: func.func @relu_pool
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4x4xf32>, %[[Y:.*]]: tensor<2x3x2x2xf32>, %[[G:.*]]: tensor<2x3x2x2xf32>)
// CHECK-NEXT:    %[[D:.*]] = mlp.pool2d_grad "max_positive", %[[X]], %[[Y]], %[[G]] window 2
// CHECK-NEXT:    return %[[D]]
func.func @relu_pool(%x: tensor<2x3x4x4xf32>, %y: tensor<2x3x2x2xf32>, %g: tensor<2x3x2x2xf32>) -> tensor<2x3x4x4xf32> {
  %zero = mlp.constant dense<0.0> : tensor<2x3x4x4xf32>
  %dp = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>
  %pos = mlp.cmp "gt", %x, %zero : tensor<2x3x4x4xf32> to tensor<2x3x4x4xi1>
  %dx = mlp.select %pos, %dp, %zero : tensor<2x3x4x4xi1>, tensor<2x3x4x4xf32>
  return %dx : tensor<2x3x4x4xf32>
}

// -----

// Not fused: the pooling gradient is read elsewhere too; the mask compares
// another tensor than the pooling's input; the mask keeps values >= 0; the
// masked-out value is not 0, or is -0 (the kernel writes +0); average pooling.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT:     max_positive
// CHECK:         return
func.func @not_fused(%x: tensor<1x1x4x4xf32>, %z: tensor<1x1x4x4xf32>, %y: tensor<1x1x2x2xf32>, %g: tensor<1x1x2x2xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %zero = mlp.constant dense<0.0> : tensor<1x1x4x4xf32>
  %one = mlp.constant dense<1.0> : tensor<1x1x4x4xf32>
  %shared = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %pos = mlp.cmp "gt", %x, %zero : tensor<1x1x4x4xf32> to tensor<1x1x4x4xi1>
  %a = mlp.select %pos, %shared, %zero : tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>
  %dp1 = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %other = mlp.cmp "gt", %z, %zero : tensor<1x1x4x4xf32> to tensor<1x1x4x4xi1>
  %b = mlp.select %other, %dp1, %zero : tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>
  %dp2 = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %ge = mlp.cmp "ge", %x, %zero : tensor<1x1x4x4xf32> to tensor<1x1x4x4xi1>
  %c = mlp.select %ge, %dp2, %zero : tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>
  %dp3 = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %d = mlp.select %pos, %dp3, %one : tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>
  %dp4 = mlp.pool2d_grad "avg", %x, %y, %g window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %e = mlp.select %pos, %dp4, %zero : tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>
  %negzero = mlp.constant dense<-0.0> : tensor<1x1x4x4xf32>
  %dp5 = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %f = mlp.select %pos, %dp5, %negzero : tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>
  return %a, %shared, %b, %c, %d, %e, %f : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}
