// conv2d, pooling and their gradients call the runtime's kernels with their
// settings as flags (stride, padding, dilation; max or mean, window).
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

// Pooling: flags (1 = max, window).
// CHECK-LABEL: func.func @maxpool
// CHECK:         memref.alloc() : memref<1x2x2x2xf32>
// CHECK:           %[[MAX:.*]] = arith.constant 1 : i64
// CHECK:           %[[K:.*]] = arith.constant 2 : i64
// CHECK:           call @mlp_rt_pool2d_f32(%[[MAX]], %[[K]], %{{.*}}, %{{.*}})
func.func @maxpool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  %y = mlp.pool2d "max", %x window 2 : tensor<1x2x5x5xf32> to tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// The gradient kernel reads x and g (it finds each window's maximum again).
// CHECK-LABEL: func.func @avgpool_grad
// CHECK-SAME:      (%[[X:.*]]: tensor<?x2x5x5xf64>, %{{.*}}: tensor<?x2x2x2xf64>, %[[G:.*]]: tensor<?x2x2x2xf64>)
// CHECK:         memref.alloc(%{{.*}}) : memref<?x2x5x5xf64>
// CHECK:           %[[AVG:.*]] = arith.constant 0 : i64
// CHECK:           bufferization.to_memref %[[X]]
// CHECK:           bufferization.to_memref %[[G]]
// CHECK:           call @mlp_rt_pool2d_grad_f64(%[[AVG]],
func.func @avgpool_grad(%x: tensor<?x2x5x5xf64>, %y: tensor<?x2x2x2xf64>, %g: tensor<?x2x2x2xf64>) -> tensor<?x2x5x5xf64> {
  %d = mlp.pool2d_grad "avg", %x, %y, %g window 2 : tensor<?x2x5x5xf64>, tensor<?x2x2x2xf64> to tensor<?x2x5x5xf64>
  return %d : tensor<?x2x5x5xf64>
}
