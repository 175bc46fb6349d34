// conv2d and its gradients call the runtime's kernels with stride, padding
// and dilation as flags; so does max pooling, with its window; average
// pooling lowers to one linalg.generic.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @conv
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x4x6x6xf32>
// CHECK:           %[[S:.*]] = arith.constant 1 : i64
// CHECK:           %[[P:.*]] = arith.constant 1 : i64
// CHECK:           %[[D:.*]] = arith.constant 2 : i64
// CHECK:           call @mlp_rt_conv2d_f32(%[[S]], %[[P]], %[[D]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK:         bufferization.to_tensor %[[Y]] restrict writable
func.func @conv(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %y = mlp.conv2d %x, %w stride 1 padding 1 dilation 2 : tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32> to tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// conv2d with its bias and relu: the bias is an input, relu a flag.
// CHECK-LABEL: func.func @conv_bias
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x4x6x6xf32>
// CHECK:           %[[S:.*]] = arith.constant 1 : i64
// CHECK:           %[[P:.*]] = arith.constant 0 : i64
// CHECK:           %[[D:.*]] = arith.constant 1 : i64
// CHECK:           %[[RELU:.*]] = arith.constant 1 : i64
// CHECK:           call @mlp_rt_conv2d_bias_f32(%[[S]], %[[P]], %[[D]], %[[RELU]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
func.func @conv_bias(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %y = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu : tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>, tensor<4xf32> to tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// A dynamic batch size sizes the result buffer.
// CHECK-LABEL: func.func @conv_grads
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:         memref.alloc(%[[N]]) : memref<?x2x8x8xf64>
// CHECK:           call @mlp_rt_conv2d_grad_input_f64(
// CHECK:         memref.alloc() : memref<4x2x3x3xf64>
// CHECK:           call @mlp_rt_conv2d_grad_filter_f64(
func.func @conv_grads(%x: tensor<?x2x8x8xf64>, %w: tensor<4x2x3x3xf64>, %g: tensor<?x4x3x3xf64>) -> (tensor<?x2x8x8xf64>, tensor<4x2x3x3xf64>) {
  %dx = mlp.conv2d_grad_input %g, %w stride 2 padding 0 dilation 1 : tensor<?x4x3x3xf64>, tensor<4x2x3x3xf64> to tensor<?x2x8x8xf64>
  %dw = mlp.conv2d_grad_filter %x, %g stride 2 padding 0 dilation 1 : tensor<?x2x8x8xf64>, tensor<?x4x3x3xf64> to tensor<4x2x3x3xf64>
  return %dx, %dw : tensor<?x2x8x8xf64>, tensor<4x2x3x3xf64>
}

// -----

// Max pooling and its gradient call the runtime's kernels, the window as a flag.
// CHECK-LABEL: func.func @maxpool
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x2x2x2xf32>
// CHECK:           %[[K:.*]] = arith.constant 2 : i64
// CHECK:           call @mlp_rt_maxpool2d_f32(%[[K]], %{{.*}}, %{{.*}})
// CHECK:         bufferization.to_tensor %[[Y]] restrict writable
func.func @maxpool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  %y = mlp.pool2d "max", %x window 2 : tensor<1x2x5x5xf32> to tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// The gradient's flags: the window, then whether relu's mask applies
// (max_positive).
// CHECK-LABEL: func.func @maxpool_grad
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:         memref.alloc(%[[N]]) : memref<?x2x5x5xf64>
// CHECK-DAG:       %[[K:.*]] = arith.constant 2 : i64
// CHECK-DAG:       %[[NO:.*]] = arith.constant 0 : i64
// CHECK:           call @mlp_rt_maxpool2d_grad_f64(%[[K]], %[[NO]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
func.func @maxpool_grad(%x: tensor<?x2x5x5xf64>, %y: tensor<?x2x2x2xf64>, %g: tensor<?x2x2x2xf64>) -> tensor<?x2x5x5xf64> {
  %d = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<?x2x5x5xf64>, tensor<?x2x2x2xf64> to tensor<?x2x5x5xf64>
  return %d : tensor<?x2x5x5xf64>
}

// -----

// CHECK-LABEL: func.func @maxpool_grad_positive
// CHECK-DAG:       %[[K:.*]] = arith.constant 3 : i64
// CHECK-DAG:       %[[YES:.*]] = arith.constant 1 : i64
// CHECK:           call @mlp_rt_maxpool2d_grad_f32(%[[K]], %[[YES]],
func.func @maxpool_grad_positive(%x: tensor<1x2x6x6xf32>, %y: tensor<1x2x2x2xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x2x6x6xf32> {
  %d = mlp.pool2d_grad "max_positive", %x, %y, %g window 3 : tensor<1x2x6x6xf32>, tensor<1x2x2x2xf32> to tensor<1x2x6x6xf32>
  return %d : tensor<1x2x6x6xf32>
}

// -----

// A max pooling gradient with its channel sums: one call fills both buffers.
// CHECK-LABEL: func.func @maxpool_grad_sums
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:         memref.alloc(%[[N]]) : memref<?x2x6x6xf32>
// CHECK:         memref.alloc() : memref<2xf32>
// CHECK-DAG:       %[[K:.*]] = arith.constant 3 : i64
// CHECK-DAG:       %[[YES:.*]] = arith.constant 1 : i64
// CHECK:           call @mlp_rt_maxpool2d_grad_sums_f32(%[[K]], %[[YES]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
func.func @maxpool_grad_sums(%x: tensor<?x2x6x6xf32>, %y: tensor<?x2x2x2xf32>, %g: tensor<?x2x2x2xf32>) -> (tensor<?x2x6x6xf32>, tensor<2xf32>) {
  %d:2 = mlp.pool2d_grad_sums "max_positive", %x, %y, %g window 3 : tensor<?x2x6x6xf32>, tensor<?x2x2x2xf32> to tensor<?x2x6x6xf32>, tensor<2xf32>
  return %d#0, %d#1 : tensor<?x2x6x6xf32>, tensor<2xf32>
}

// -----

// A convolution with its max pooling: one call fills the pooled output and
// the mask (i8), both of the dynamic batch, which the mask's gradient then
// reads, filling the gradient and its sums.
// CHECK-LABEL: func.func @conv_pool
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:         memref.alloc(%[[N]]) : memref<?x3x2x2xf32>
// CHECK:         memref.alloc(%[[N]]) : memref<?x3x4x4xi8>
// CHECK:           call @mlp_rt_conv2d_bias_pool_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i64, i64, i64, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xi8>) -> ()
// CHECK:         memref.alloc(%{{.*}}) : memref<?x3x4x4xf32>
// CHECK:         memref.alloc() : memref<3xf32>
// CHECK:           call @mlp_rt_maxpool2d_mask_grad_sums_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, memref<*xi8>, memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
func.func @conv_pool(%x: tensor<?x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>, %g: tensor<?x3x2x2xf32>) -> (tensor<?x3x2x2xf32>, tensor<?x3x4x4xf32>, tensor<3xf32>) {
  %p, %m = mlp.conv2d_bias_pool %x, %w, %b stride 1 padding 0 dilation 1 relu window 2 positive : tensor<?x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<?x3x2x2xf32>, tensor<?x3x4x4xi8>
  %d:2 = mlp.pool2d_mask_grad_sums %m, %g window 2 : tensor<?x3x4x4xi8>, tensor<?x3x2x2xf32> to tensor<?x3x4x4xf32>, tensor<3xf32>
  return %p, %d#0, %d#1 : tensor<?x3x2x2xf32>, tensor<?x3x4x4xf32>, tensor<3xf32>
}

// -----

// The filter gradient through the pooling mask: one call fills the
// gradient and the sums; stride, padding, dilation and window as flags.
// CHECK-LABEL: func.func @filter_grad_pooled
// CHECK:         memref.alloc() : memref<3x1x3x3xf32>
// CHECK:         memref.alloc() : memref<3xf32>
// CHECK:           %[[S:.*]] = arith.constant 1 : i64
// CHECK-NEXT:      %[[P:.*]] = arith.constant 0 : i64
// CHECK-NEXT:      %[[D:.*]] = arith.constant 1 : i64
// CHECK-NEXT:      %[[K:.*]] = arith.constant 2 : i64
// CHECK:           call @mlp_rt_conv2d_grad_filter_pooled_f32(%[[S]], %[[P]], %[[D]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i64, memref<*xf32>, memref<*xi8>, memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
func.func @filter_grad_pooled(%x: tensor<?x1x6x6xf32>, %m: tensor<?x3x4x4xi8>, %g: tensor<?x3x2x2xf32>) -> (tensor<3x1x3x3xf32>, tensor<3xf32>) {
  %d:2 = mlp.conv2d_grad_filter_pooled %x, %m, %g stride 1 padding 0 dilation 1 window 2 : tensor<?x1x6x6xf32>, tensor<?x3x4x4xi8>, tensor<?x3x2x2xf32> to tensor<3x1x3x3xf32>, tensor<3xf32>
  return %d#0, %d#1 : tensor<3x1x3x3xf32>, tensor<3xf32>
}

// -----

// Average pooling is one linalg.generic: a window's mean.
// CHECK-DAG:   #[[IN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG:   #[[WIN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-LABEL: func.func @avgpool
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #{{map[0-9]*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @avgpool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  %y = mlp.pool2d "avg", %x window 2 : tensor<1x2x5x5xf32> to tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// The gradient of a 5x5 pooled by 2 covers 4x4; the last row and column get 0.
// CHECK-DAG:   #[[WIN:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 2, d3 floordiv 2)>
// CHECK-LABEL: func.func @avgpool_grad
// CHECK:         linalg.generic {indexing_maps = [#[[WIN]], #{{map[0-9]*}}]
// CHECK:           arith.mulf
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x4xf32> into tensor<1x2x5x5xf32>
func.func @avgpool_grad(%x: tensor<1x2x5x5xf32>, %y: tensor<1x2x2x2xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x2x5x5xf32> {
  %d = mlp.pool2d_grad "avg", %x, %y, %g window 2 : tensor<1x2x5x5xf32>, tensor<1x2x2x2xf32> to tensor<1x2x5x5xf32>
  return %d : tensor<1x2x5x5xf32>
}
