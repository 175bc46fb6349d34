// The autodiff pass fills bodiless `mlp.grad_of` functions with reverse-mode code.
// RUN: mlp-opt %s -split-input-file -mlp-autodiff | FileCheck %s

// d/dx sum(x * x) = 2x: the seed is broadcast back over the reduced axis and
// both operands of the product receive g * (the other operand).
func.func private @square_sum(%x: tensor<3xf32>) -> tensor<f32> {
  %0 = mlp.mul %x, %x : tensor<3xf32>
  %1 = mlp.reduce "sum", %0, axes = [0] : tensor<3xf32> to tensor<f32>
  return %1 : tensor<f32>
}
func.func private @square_sum_grad(%x: tensor<3xf32>) -> tensor<3xf32>
    attributes {mlp.grad_of = @square_sum, mlp.wrt = array<i64: 0>}

// CHECK-LABEL: func.func private @square_sum_grad
// CHECK-SAME:    (%[[X:.*]]: tensor<3xf32>) -> tensor<3xf32>
// CHECK:         %[[SEED:.*]] = mlp.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[G:.*]] = mlp.broadcast %[[SEED]], dims = [] : tensor<f32> to tensor<3xf32>
// CHECK:         %[[A:.*]] = mlp.mul %[[G]], %[[X]] : tensor<3xf32>
// CHECK:         %[[B:.*]] = mlp.mul %[[G]], %[[X]] : tensor<3xf32>
// CHECK:         %[[S:.*]] = mlp.add %[[A]], %[[B]] : tensor<3xf32>
// CHECK:         return %[[S]] : tensor<3xf32>

// -----

// Only active values get adjoints: with wrt = [1], nothing flows to %a, and
// the broadcast of %b is undone by unbroadcast. mean scales by 1/count.
func.func private @affine(%a: tensor<4xf32>, %b: tensor<f32>) -> tensor<f32> {
  %0 = mlp.broadcast %b, dims = [] : tensor<f32> to tensor<4xf32>
  %1 = mlp.add %a, %0 : tensor<4xf32>
  %2 = mlp.tanh %1 : tensor<4xf32>
  %3 = mlp.reduce "mean", %2, axes = [0] : tensor<4xf32> to tensor<f32>
  return %3 : tensor<f32>
}
func.func private @affine_grad(%a: tensor<4xf32>, %b: tensor<f32>) -> tensor<f32>
    attributes {mlp.grad_of = @affine, mlp.wrt = array<i64: 1>}

// CHECK-LABEL: func.func private @affine_grad
// CHECK:         %[[T:.*]] = mlp.tanh
// CHECK:         mlp.constant dense<2.500000e-01> : tensor<4xf32>
// CHECK:         mlp.mul %[[T]], %[[T]]
// CHECK:         %[[G:.*]] = mlp.mul
// CHECK:         %[[R:.*]] = mlp.unbroadcast %[[G]], dims = [] : tensor<4xf32> to tensor<f32>
// CHECK:         return %[[R]] : tensor<f32>

// -----

// Matmul: dA = G @ B^T, dB = A^T @ G.
func.func private @mm(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<f32> {
  %0 = mlp.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> to tensor<2x4xf32>
  %1 = mlp.reduce "sum", %0, axes = [0, 1] : tensor<2x4xf32> to tensor<f32>
  return %1 : tensor<f32>
}
func.func private @mm_grad(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> (tensor<2x3xf32>, tensor<3x4xf32>)
    attributes {mlp.grad_of = @mm, mlp.wrt = array<i64: 0, 1>}

// CHECK-LABEL: func.func private @mm_grad
// CHECK-SAME:    (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK:         %[[G:.*]] = mlp.broadcast %{{.*}}, dims = [] : tensor<f32> to tensor<2x4xf32>
// CHECK:         %[[BT:.*]] = mlp.transpose %[[B]], perm = [1, 0] : tensor<3x4xf32> to tensor<4x3xf32>
// CHECK:         %[[DA:.*]] = mlp.matmul %[[G]], %[[BT]] : tensor<2x4xf32>, tensor<4x3xf32> to tensor<2x3xf32>
// CHECK:         %[[AT:.*]] = mlp.transpose %[[A]], perm = [1, 0] : tensor<2x3xf32> to tensor<3x2xf32>
// CHECK:         %[[DB:.*]] = mlp.matmul %[[AT]], %[[G]] : tensor<3x2xf32>, tensor<2x4xf32> to tensor<3x4xf32>
// CHECK:         return %[[DA]], %[[DB]]

// -----

// where/relu route the adjoint through a select on the same condition; relu
// asks its result (> 0 exactly where its input is), not its input.
func.func private @relu_sum(%x: tensor<5xf32>) -> tensor<f32> {
  %0 = mlp.relu %x : tensor<5xf32>
  %1 = mlp.reduce "sum", %0, axes = [0] : tensor<5xf32> to tensor<f32>
  return %1 : tensor<f32>
}
func.func private @relu_sum_grad(%x: tensor<5xf32>) -> tensor<5xf32>
    attributes {mlp.grad_of = @relu_sum, mlp.wrt = array<i64: 0>}

// CHECK-LABEL: func.func private @relu_sum_grad
// CHECK-SAME:    (%[[X:.*]]: tensor<5xf32>)
// CHECK:         %[[Y:.*]] = mlp.relu %[[X]]
// CHECK:         %[[ZERO:.*]] = mlp.constant dense<0.000000e+00> : tensor<5xf32>
// CHECK:         %[[POS:.*]] = mlp.cmp "gt", %[[Y]], %[[ZERO]]
// CHECK:         %[[R:.*]] = mlp.select %[[POS]], %{{.*}}, %{{.*}} : tensor<5xi1>, tensor<5xf32>
// CHECK:         return %[[R]]

// -----

// A wrt argument the result does not depend on gets zeros.
func.func private @ignores(%x: tensor<2xf32>, %y: tensor<f32>) -> tensor<f32> {
  return %y : tensor<f32>
}
func.func private @ignores_grad(%x: tensor<2xf32>, %y: tensor<f32>) -> tensor<2xf32>
    attributes {mlp.grad_of = @ignores, mlp.wrt = array<i64: 0>}

// CHECK-LABEL: func.func private @ignores_grad
// CHECK:         %[[Z:.*]] = mlp.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK:         return %[[Z]]

// -----

// argmax is piecewise constant: no adjoint flows through the integer index,
// so only the mean contributes (1/3 each).
func.func private @with_argmax(%x: tensor<3xf32>) -> tensor<f32> {
  %i = mlp.argmax %x, axis = 0 : tensor<3xf32> to tensor<i64>
  %f = mlp.cast %i : tensor<i64> to tensor<f32>
  %m = mlp.reduce "mean", %x, axes = [0] : tensor<3xf32> to tensor<f32>
  %r = mlp.add %m, %f : tensor<f32>
  return %r : tensor<f32>
}
func.func private @with_argmax_grad(%x: tensor<3xf32>) -> tensor<3xf32>
    attributes {mlp.grad_of = @with_argmax, mlp.wrt = array<i64: 0>}

// CHECK-LABEL: func.func private @with_argmax_grad
// CHECK:         mlp.constant dense<0.333333343> : tensor<3xf32>
// CHECK-NOT:     to tensor<i64>
// CHECK:         return

// -----

// With mlp.with_value the primal value comes first.
func.func private @cube(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlp.mul %x, %x : tensor<f32>
  %1 = mlp.mul %0, %x : tensor<f32>
  return %1 : tensor<f32>
}
func.func private @cube_vg(%x: tensor<f32>) -> (tensor<f32>, tensor<f32>)
    attributes {mlp.grad_of = @cube, mlp.wrt = array<i64: 0>, mlp.with_value}

// CHECK-LABEL: func.func private @cube_vg
// CHECK:         %[[SQ:.*]] = mlp.mul %{{.*}}, %{{.*}} : tensor<f32>
// CHECK:         %[[V:.*]] = mlp.mul %[[SQ]], %{{.*}} : tensor<f32>
// CHECK:         return %[[V]], %{{.*}} : tensor<f32>, tensor<f32>

// -----

// conv2d: the input's gradient is the transposed convolution, the weights'
// the correlation with the input; pooling routes g back to its windows.
func.func private @conv_pool(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>) -> tensor<f32> {
  %y = mlp.conv2d %x, %w stride 1 padding 1 dilation 1 : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32> to tensor<2x3x6x6xf32>
  %p = mlp.pool2d "max", %y window 2 : tensor<2x3x6x6xf32> to tensor<2x3x3x3xf32>
  %s = mlp.reduce "sum", %p, axes = [0, 1, 2, 3] : tensor<2x3x3x3xf32> to tensor<f32>
  return %s : tensor<f32>
}
func.func private @conv_pool_grad(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>) -> (tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>)
    attributes {mlp.grad_of = @conv_pool, mlp.wrt = array<i64: 0, 1>}

// CHECK-LABEL: func.func private @conv_pool_grad
// CHECK-SAME:    (%[[X:.*]]: tensor<2x1x6x6xf32>, %[[W:.*]]: tensor<3x1x3x3xf32>)
// CHECK:         %[[Y:.*]] = mlp.conv2d %[[X]], %[[W]] stride 1 padding 1 dilation 1
// CHECK:         %[[P:.*]] = mlp.pool2d "max", %[[Y]] window 2
// CHECK:         %[[G:.*]] = mlp.broadcast
// CHECK:         %[[GY:.*]] = mlp.pool2d_grad "max", %[[Y]], %[[P]], %[[G]] window 2
// CHECK:         %[[GX:.*]] = mlp.conv2d_grad_input %[[GY]], %[[W]] stride 1 padding 1 dilation 1 : tensor<2x3x6x6xf32>, tensor<3x1x3x3xf32> to tensor<2x1x6x6xf32>
// CHECK:         %[[GW:.*]] = mlp.conv2d_grad_filter %[[X]], %[[GY]] stride 1 padding 1 dilation 1 : tensor<2x1x6x6xf32>, tensor<2x3x6x6xf32> to tensor<3x1x3x3xf32>
// CHECK:         return %[[GX]], %[[GW]]

// -----

// erf: g * 2/sqrt(pi) * exp(-x^2).
func.func private @erf_sum(%x: tensor<3xf32>) -> tensor<f32> {
  %0 = mlp.erf %x : tensor<3xf32>
  %1 = mlp.reduce "sum", %0, axes = [0] : tensor<3xf32> to tensor<f32>
  return %1 : tensor<f32>
}
func.func private @erf_sum_grad(%x: tensor<3xf32>) -> tensor<3xf32>
    attributes {mlp.grad_of = @erf_sum, mlp.wrt = array<i64: 0>}

// CHECK-LABEL: func.func private @erf_sum_grad
// CHECK-SAME:    (%[[X:.*]]: tensor<3xf32>)
// CHECK:         mlp.constant dense<1.12837923> : tensor<3xf32>
// CHECK:         %[[SQ:.*]] = mlp.mul %[[X]], %[[X]]
// CHECK:         %[[N:.*]] = mlp.neg %[[SQ]]
// CHECK:         mlp.exp %[[N]]

// -----

// With mlp.with_value the primal may return auxiliary values after the
// differentiated scalar; they are passed through, not differentiated.
func.func private @with_aux(%x: tensor<3xf32>) -> (tensor<f32>, tensor<f32>) {
  %0 = mlp.mul %x, %x : tensor<3xf32>
  %1 = mlp.reduce "sum", %0, axes = [0] : tensor<3xf32> to tensor<f32>
  %2 = mlp.reduce "max", %x, axes = [0] : tensor<3xf32> to tensor<f32>
  return %1, %2 : tensor<f32>, tensor<f32>
}
func.func private @with_aux_vg(%x: tensor<3xf32>) -> (tensor<f32>, tensor<f32>, tensor<3xf32>)
    attributes {mlp.grad_of = @with_aux, mlp.wrt = array<i64: 0>, mlp.with_value}

// CHECK-LABEL: func.func private @with_aux_vg
// CHECK:         %[[S:.*]] = mlp.reduce "sum"
// CHECK:         %[[M:.*]] = mlp.reduce "max"
// CHECK-NOT:     mlp.cmp "eq"
// CHECK:         return %[[S]], %[[M]], %{{.*}} : tensor<f32>, tensor<f32>, tensor<3xf32>
