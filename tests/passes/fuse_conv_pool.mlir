// -mlp-fuse-conv-pool pools a convolution's output in its kernel when the
// pooling and its gradients are the output's only readers: conv2d_bias_pool
// makes the pooled output and the gradient's mask, and the gradients read
// the mask (pool2d_mask_grad_sums) instead of the output.
// RUN: mlp-opt %s -split-input-file -mlp-fuse-conv-pool | FileCheck %s

// A training step's block: relu's mask folded into the pooling gradient
// (max_positive), with its sums (the bias gradient). A dynamic batch.
// CHECK-LABEL: func.func @training
// CHECK-SAME:    (%[[X:.*]]: tensor<?x1x6x6xf32>, %[[W:.*]]: tensor<3x1x3x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[G:.*]]: tensor<?x3x2x2xf32>)
// CHECK-NEXT:    %[[P:.*]], %[[M:.*]] = mlp.conv2d_bias_pool %[[X]], %[[W]], %[[B]] stride 1 padding 0 dilation 1 relu window 2 positive : tensor<?x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<?x3x2x2xf32>, tensor<?x3x4x4xi8>
// CHECK-NEXT:    %[[D:.*]], %[[S:.*]] = mlp.pool2d_mask_grad_sums %[[M]], %[[G]] window 2 : tensor<?x3x4x4xi8>, tensor<?x3x2x2xf32> to tensor<?x3x4x4xf32>, tensor<3xf32>
// CHECK-NEXT:    return %[[P]], %[[D]], %[[S]]
func.func @training(%x: tensor<?x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>, %g: tensor<?x3x2x2xf32>) -> (tensor<?x3x2x2xf32>, tensor<?x3x4x4xf32>, tensor<3xf32>) {
  %y = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<?x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<?x3x4x4xf32>
  %p = mlp.pool2d "max", %y window 2 : tensor<?x3x4x4xf32> to tensor<?x3x2x2xf32>
  %d:2 = mlp.pool2d_grad_sums "max_positive", %y, %p, %g window 2 : tensor<?x3x4x4xf32>, tensor<?x3x2x2xf32> to tensor<?x3x4x4xf32>, tensor<3xf32>
  return %p, %d#0, %d#1 : tensor<?x3x2x2xf32>, tensor<?x3x4x4xf32>, tensor<3xf32>
}

// -----

// Without relu, a plain max pooling gradient (no sums: they go unused), a
// window that leaves a row and a column over, f64.
// CHECK-LABEL: func.func @plain_gradient
// CHECK-NEXT:    %[[P:.*]], %[[M:.*]] = mlp.conv2d_bias_pool {{.*}} stride 1 padding 1 dilation 1 window 3 : tensor<2x4x5x5xf64>, tensor<2x4x3x3xf64>, tensor<2xf64> to tensor<2x2x1x1xf64>, tensor<2x2x5x5xi8>
// CHECK-NEXT:    %[[D:.*]], %{{.*}} = mlp.pool2d_mask_grad_sums %[[M]], %{{.*}} window 3 : tensor<2x2x5x5xi8>, tensor<2x2x1x1xf64> to tensor<2x2x5x5xf64>, tensor<2xf64>
// CHECK-NEXT:    return %[[P]], %[[D]]
func.func @plain_gradient(%x: tensor<2x4x5x5xf64>, %w: tensor<2x4x3x3xf64>, %b: tensor<2xf64>, %g: tensor<2x2x1x1xf64>) -> (tensor<2x2x1x1xf64>, tensor<2x2x5x5xf64>) {
  %y = mlp.conv2d_bias %x, %w, %b stride 1 padding 1 dilation 1 : tensor<2x4x5x5xf64>, tensor<2x4x3x3xf64>, tensor<2xf64> to tensor<2x2x5x5xf64>
  %p = mlp.pool2d "max", %y window 3 : tensor<2x2x5x5xf64> to tensor<2x2x1x1xf64>
  %dx = mlp.pool2d_grad "max", %y, %p, %g window 3 : tensor<2x2x5x5xf64>, tensor<2x2x1x1xf64> to tensor<2x2x5x5xf64>
  return %p, %dx : tensor<2x2x1x1xf64>, tensor<2x2x5x5xf64>
}

// -----

// Inference: the pooling is the only reader; the mask goes unused.
// CHECK-LABEL: func.func @inference
// CHECK-NEXT:    %[[P:.*]], %{{.*}} = mlp.conv2d_bias_pool {{.*}} relu window 2 : {{.*}} to tensor<2x3x2x2xf32>, tensor<2x3x4x4xi8>
// CHECK-NEXT:    return %[[P]]
func.func @inference(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>) -> tensor<2x3x2x2xf32> {
  %y = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<2x3x4x4xf32>
  %p = mlp.pool2d "max", %y window 2 : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  return %p : tensor<2x3x2x2xf32>
}

// -----

// Not fused: the convolution's output read by something else too (here
// returned), average pooling, a gradient of another pooling of the same
// output, and two pooling gradients of different kinds.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT:     conv2d_bias_pool
// CHECK-NOT:     pool2d_mask_grad_sums
// CHECK:         return
func.func @not_fused(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>, %g: tensor<2x3x2x2xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) {
  %y1 = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<2x3x4x4xf32>
  %p1 = mlp.pool2d "max", %y1 window 2 : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  %y2 = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<2x3x4x4xf32>
  %p2 = mlp.pool2d "avg", %y2 window 2 : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  %y3 = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<2x3x4x4xf32>
  %p3 = mlp.pool2d "max", %y3 window 2 : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  %other = mlp.pool2d "max", %y3 window 2 {tag} : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  %d3 = mlp.pool2d_grad "max", %y3, %other, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>
  %y4 = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<2x3x4x4xf32>
  %p4 = mlp.pool2d "max", %y4 window 2 : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  %d4a = mlp.pool2d_grad "max", %y4, %p4, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>
  %d4b = mlp.pool2d_grad "max_positive", %y4, %p4, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>
  return %y1, %p2, %p3, %d3, %d4a, %d4b : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>
}

// -----

// A first convolution: its pooling gradient goes only to its filter
// gradient, which makes it sample by sample (conv2d_grad_filter_pooled),
// the sums with it. A second one's gradient also goes to its input
// gradient: made whole.
// CHECK-LABEL: func.func @filter_gradient
// CHECK-SAME:    (%[[X:.*]]: tensor<2x1x6x6xf32>, %[[W:.*]]: tensor<3x1x3x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[G:.*]]: tensor<2x3x2x2xf32>, %[[W2:.*]]: tensor<3x3x3x3xf32>)
// CHECK:         %[[P:.*]], %[[M:.*]] = mlp.conv2d_bias_pool %[[X]], %[[W]], %[[B]]
// CHECK:         %[[DW:.*]], %[[DB:.*]] = mlp.conv2d_grad_filter_pooled %[[X]], %[[M]], %[[G]] stride 1 padding 0 dilation 1 window 2 : tensor<2x1x6x6xf32>, tensor<2x3x4x4xi8>, tensor<2x3x2x2xf32> to tensor<3x1x3x3xf32>, tensor<3xf32>
// CHECK:         %[[P2:.*]], %[[M2:.*]] = mlp.conv2d_bias_pool %[[P]], %[[W2]], %[[B]]
// CHECK:         %[[D2:.*]], %{{.*}} = mlp.pool2d_mask_grad_sums %[[M2]]
// CHECK:         mlp.conv2d_grad_input %[[D2]]
// CHECK:         mlp.conv2d_grad_filter %{{.*}}, %[[D2]]
// CHECK-NOT:     pool2d_mask_grad_sums
// CHECK:         return %[[DW]], %[[DB]]
func.func @filter_gradient(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>, %g: tensor<2x3x2x2xf32>, %w2: tensor<3x3x3x3xf32>) -> (tensor<3x1x3x3xf32>, tensor<3xf32>, tensor<2x3x2x2xf32>, tensor<3x3x3x3xf32>) {
  %y = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<2x3x4x4xf32>
  %p = mlp.pool2d "max", %y window 2 : tensor<2x3x4x4xf32> to tensor<2x3x2x2xf32>
  %d:2 = mlp.pool2d_grad_sums "max_positive", %y, %p, %g window 2 : tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32> to tensor<2x3x4x4xf32>, tensor<3xf32>
  %dw = mlp.conv2d_grad_filter %x, %d#0 stride 1 padding 0 dilation 1 : tensor<2x1x6x6xf32>, tensor<2x3x4x4xf32> to tensor<3x1x3x3xf32>
  %y2 = mlp.conv2d_bias %p, %w2, %b stride 1 padding 1 dilation 1 relu : tensor<2x3x2x2xf32>, tensor<3x3x3x3xf32>, tensor<3xf32> to tensor<2x3x2x2xf32>
  %p2 = mlp.pool2d "max", %y2 window 1 : tensor<2x3x2x2xf32> to tensor<2x3x2x2xf32>
  %d2:2 = mlp.pool2d_grad_sums "max_positive", %y2, %p2, %g window 1 : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32> to tensor<2x3x2x2xf32>, tensor<3xf32>
  %dx2 = mlp.conv2d_grad_input %d2#0, %w2 stride 1 padding 1 dilation 1 : tensor<2x3x2x2xf32>, tensor<3x3x3x3xf32> to tensor<2x3x2x2xf32>
  %dw2 = mlp.conv2d_grad_filter %p, %d2#0 stride 1 padding 1 dilation 1 : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32> to tensor<3x3x3x3xf32>
  return %dw, %d#1, %dx2, %dw2 : tensor<3x1x3x3xf32>, tensor<3xf32>, tensor<2x3x2x2xf32>, tensor<3x3x3x3xf32>
}
