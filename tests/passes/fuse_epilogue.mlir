// -mlp-fuse-epilogue folds a conv2d's per-channel bias add, and a relu after
// it, into one mlp.conv2d_bias, and a matmul's per-column bias add (a dense
// layer) and its relu into one mlp.matmul_bias.
// RUN: mlp-opt %s -split-input-file -mlp-fuse-epilogue | FileCheck %s

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

// -----

// A dense layer as the frontend writes it, x W^T + b then relu: the
// transpose stays an operand (the lowering reads it as a flag).
// CHECK-LABEL: func.func @dense_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<4x3xf32>, %[[W:.*]]: tensor<5x3xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK-NEXT:    %[[T:.*]] = mlp.transpose %[[W]], perm = [1, 0]
// CHECK-NEXT:    %[[Y:.*]] = mlp.matmul_bias %[[X]], %[[T]], %[[B]] relu : tensor<4x3xf32>, tensor<3x5xf32>, tensor<5xf32> to tensor<4x5xf32>
// CHECK-NEXT:    return %[[Y]]
func.func @dense_relu(%x: tensor<4x3xf32>, %w: tensor<5x3xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %t = mlp.transpose %w, perm = [1, 0] : tensor<5x3xf32> to tensor<3x5xf32>
  %p = mlp.matmul %x, %t : tensor<4x3xf32>, tensor<3x5xf32> to tensor<4x5xf32>
  %bb = mlp.broadcast %b, dims = [1] : tensor<5xf32> to tensor<4x5xf32>
  %s = mlp.add %p, %bb : tensor<4x5xf32>
  %r = mlp.relu %s : tensor<4x5xf32>
  return %r : tensor<4x5xf32>
}

// -----

// The last layer has no relu; the bias may come first; f64 and a dynamic
// batch fuse as well.
// CHECK-LABEL: func.func @dense_bias_only
// CHECK-NEXT:    %[[Y:.*]] = mlp.matmul_bias %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x3xf64>, tensor<3x5xf64>, tensor<5xf64> to tensor<?x5xf64>
// CHECK-NEXT:    %[[E:.*]] = mlp.exp %[[Y]]
// CHECK-NEXT:    return %[[E]]
func.func @dense_bias_only(%x: tensor<?x3xf64>, %w: tensor<3x5xf64>, %b: tensor<5xf64>) -> tensor<?x5xf64> {
  %p = mlp.matmul %x, %w : tensor<?x3xf64>, tensor<3x5xf64> to tensor<?x5xf64>
  %bb = mlp.broadcast %b, dims = [1] : tensor<5xf64> to tensor<?x5xf64>
  %s = mlp.add %bb, %p : tensor<?x5xf64>
  %e = mlp.exp %s : tensor<?x5xf64>
  return %e : tensor<?x5xf64>
}

// -----

// The sum has another reader besides the relu (a backward pass reading the
// pre-activation): the bias is folded, the relu stays.
// CHECK-LABEL: func.func @dense_sum_read_twice
// CHECK:         %[[Y:.*]] = mlp.matmul_bias %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-NEXT:    %[[R:.*]] = mlp.relu %[[Y]]
// CHECK-NEXT:    return %[[R]], %[[Y]]
func.func @dense_sum_read_twice(%x: tensor<4x3xf32>, %w: tensor<3x5xf32>, %b: tensor<5xf32>) -> (tensor<4x5xf32>, tensor<4x5xf32>) {
  %p = mlp.matmul %x, %w : tensor<4x3xf32>, tensor<3x5xf32> to tensor<4x5xf32>
  %bb = mlp.broadcast %b, dims = [1] : tensor<5xf32> to tensor<4x5xf32>
  %s = mlp.add %p, %bb : tensor<4x5xf32>
  %r = mlp.relu %s : tensor<4x5xf32>
  return %r, %s : tensor<4x5xf32>, tensor<4x5xf32>
}

// -----

// Not fused: the product is read elsewhere, the addend is one value per
// row (dims = [0]), or a whole matrix.
// CHECK-LABEL: func.func @dense_not_fused
// CHECK-NOT:     mlp.matmul_bias
// CHECK:         return
func.func @dense_not_fused(%x: tensor<4x3xf32>, %w: tensor<3x5xf32>, %r: tensor<4xf32>, %m: tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %p = mlp.matmul %x, %w : tensor<4x3xf32>, tensor<3x5xf32> to tensor<4x5xf32>
  %bb = mlp.broadcast %r, dims = [0] : tensor<4xf32> to tensor<4x5xf32>
  %s = mlp.add %p, %bb : tensor<4x5xf32>
  %q = mlp.matmul %x, %w : tensor<4x3xf32>, tensor<3x5xf32> to tensor<4x5xf32>
  %t = mlp.add %q, %m : tensor<4x5xf32>
  %u = mlp.relu %p : tensor<4x5xf32>
  return %s, %t, %u, %p : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}
