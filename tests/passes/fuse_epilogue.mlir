// -mlp-fuse-conv-epilogue folds a conv2d's per-channel bias add, and a relu
// after it, into one mlp.conv2d_bias.
// RUN: mlp-opt %s -split-input-file -mlp-fuse-conv-epilogue | FileCheck %s

// CHECK-LABEL: func.func @bias_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<2x1x8x8xf32>, %[[W:.*]]: tensor<4x1x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT:    %[[Y:.*]] = mlp.conv2d_bias %[[X]], %[[W]], %[[B]] stride 1 padding 1 dilation 2 relu
// CHECK-NEXT:    return %[[Y]]
func.func @bias_relu(%x: tensor<2x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x6x6xf32> {
  %c = mlp.conv2d %x, %w stride 1 padding 1 dilation 2 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x4x6x6xf32>
  %bb = mlp.broadcast %b, dims = [1] : tensor<4xf32> to tensor<2x4x6x6xf32>
  %s = mlp.add %bb, %c : tensor<2x4x6x6xf32>
  %r = mlp.relu %s : tensor<2x4x6x6xf32>
  return %r : tensor<2x4x6x6xf32>
}

// -----

// The sum is read by something besides the relu: the bias is folded, the
// relu stays.
// CHECK-LABEL: func.func @bias_only
// CHECK:         %[[Y:.*]] = mlp.conv2d_bias %{{.*}}, %{{.*}}, %{{.*}} stride 1 padding 0 dilation 1 :
// CHECK:         mlp.relu %[[Y]]
// CHECK:         mlp.exp %[[Y]]
func.func @bias_only(%x: tensor<2x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> (tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>) {
  %c = mlp.conv2d %x, %w stride 1 padding 0 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x4x6x6xf32>
  %bb = mlp.broadcast %b, dims = [1] : tensor<4xf32> to tensor<2x4x6x6xf32>
  %s = mlp.add %c, %bb : tensor<2x4x6x6xf32>
  %r = mlp.relu %s : tensor<2x4x6x6xf32>
  %e = mlp.exp %s : tensor<2x4x6x6xf32>
  return %r, %e : tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>
}

// -----

// Not fused: the convolution's own result is read elsewhere, or what is
// added is not one value per channel.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT:     mlp.conv2d_bias
// CHECK:         return
func.func @not_fused(%x: tensor<2x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>, %p: tensor<6xf32>) -> (tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>) {
  %c = mlp.conv2d %x, %w stride 1 padding 0 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x4x6x6xf32>
  %bb = mlp.broadcast %b, dims = [1] : tensor<4xf32> to tensor<2x4x6x6xf32>
  %s = mlp.add %c, %bb : tensor<2x4x6x6xf32>
  %c2 = mlp.conv2d %x, %w stride 1 padding 0 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x4x6x6xf32>
  %pp = mlp.broadcast %p, dims = [3] : tensor<6xf32> to tensor<2x4x6x6xf32>
  %t = mlp.add %c2, %pp : tensor<2x4x6x6xf32>
  return %s, %c, %t : tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>
}
