// Verifier errors of the mlp ops.
// RUN: mlp-opt %s -split-input-file -verify-diagnostics

func.func @broadcast_bad_dim(%x: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{dimension 0 of size 3 cannot broadcast to 4}}
  %0 = mlp.broadcast %x, dims = [1] : tensor<3xf32> to tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @broadcast_dims_count(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{needs one dim per source dimension}}
  %0 = mlp.broadcast %x, dims = [0, 1] : tensor<3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_rank(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{result rank must be operand rank minus reduced axes}}
  %0 = mlp.reduce "sum", %x, axes = [0] : tensor<2x3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_kind(%x: tensor<3xf32>) -> tensor<f32> {
  // expected-error @+1 {{unknown reduction 'prod'}}
  %0 = mlp.reduce "prod", %x, axes = [0] : tensor<3xf32> to tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{inner dimensions differ: 3 vs 4}}
  %0 = mlp.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> to tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @cmp_predicate(%a: tensor<3xf32>) -> tensor<3xi1> {
  // expected-error @+1 {{unknown predicate 'lesser'}}
  %0 = mlp.cmp "lesser", %a, %a : tensor<3xf32> to tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @transpose_perm(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = mlp.transpose %a, perm = [0, 0] : tensor<2x2xf32> to tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{element count changes: 6 vs 5}}
  %0 = mlp.reshape %a : tensor<2x3xf32> to tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @extract_bounds(%a: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{slice out of bounds in dimension 1}}
  %0 = mlp.extract %a[] index_dims = [] starts = [0, 2] sizes = [2, 2] : tensor<2x3xf32> to tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @iota_dim() -> tensor<3xf32> {
  // expected-error @+1 {{dim 1 out of range for rank 1}}
  %0 = mlp.iota 1 : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @random_distribution() -> tensor<3xf32> {
  // expected-error @+1 {{distribution must be 'uniform' or 'normal'}}
  %0 = mlp.random "poisson" seed 0 : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @conv_bias_size(%x: tensor<2x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{bias must be a vector of one value per output channel}}
  %0 = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<3xf32> to tensor<2x4x6x6xf32>
  return %0 : tensor<2x4x6x6xf32>
}

// -----

func.func @matmul_bias_size(%a: tensor<2x3xf32>, %w: tensor<3x5xf32>, %b: tensor<4xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{bias must be a vector of one value per result column}}
  %0 = mlp.matmul_bias %a, %w, %b : tensor<2x3xf32>, tensor<3x5xf32>, tensor<4xf32> to tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @matmul_bias_pair_hidden(%x: tensor<1x3xf32>, %w1: tensor<3x4xf32>, %b1: tensor<4xf32>, %w2: tensor<5x2xf32>, %b2: tensor<2xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{inner dimensions differ: 4 vs 5}}
  %0 = mlp.matmul_bias_pair %x, %w1, %b1 relu then %w2, %b2 : tensor<1x3xf32>, tensor<3x4xf32>, tensor<4xf32>, tensor<5x2xf32>, tensor<2xf32> to tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

func.func @matmul_bias_pair_first_bias(%x: tensor<1x3xf32>, %w1: tensor<3x4xf32>, %b1: tensor<2xf32>, %w2: tensor<4x2xf32>, %b2: tensor<2xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{bias must be a vector of one value per result column}}
  %0 = mlp.matmul_bias_pair %x, %w1, %b1 then %w2, %b2 : tensor<1x3xf32>, tensor<3x4xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<2xf32> to tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

func.func @matmul_bias_pair_result(%x: tensor<1x3xf32>, %w1: tensor<3x4xf32>, %b1: tensor<4xf32>, %w2: tensor<4x2xf32>, %b2: tensor<2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{result shape must be [lhs rows, rhs columns]}}
  %0 = mlp.matmul_bias_pair %x, %w1, %b1 then %w2, %b2 : tensor<1x3xf32>, tensor<3x4xf32>, tensor<4xf32>, tensor<4x2xf32>, tensor<2xf32> to tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @matmul_bias_inner(%a: tensor<2x3xf32>, %w: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{inner dimensions differ: 3 vs 4}}
  %0 = mlp.matmul_bias %a, %w, %b : tensor<2x3xf32>, tensor<4x5xf32>, tensor<5xf32> to tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @pool_grad_kind(%x: tensor<1x1x4x4xf32>, %y: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{kind must be 'max', 'avg' or 'max_positive'}}
  %0 = mlp.pool2d_grad "min", %x, %y, %y window 2 : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @pool_grad_sums_kind(%x: tensor<1x3x4x4xf32>, %y: tensor<1x3x2x2xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{kind must be 'max' or 'max_positive'}}
  %0:2 = mlp.pool2d_grad_sums "avg", %x, %y, %y window 2 : tensor<1x3x4x4xf32>, tensor<1x3x2x2xf32> to tensor<1x3x4x4xf32>, tensor<3xf32>
  return %0#1 : tensor<3xf32>
}

// -----

func.func @pool_grad_sums_channels(%x: tensor<1x3x4x4xf32>, %y: tensor<1x3x2x2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{sums must be one value per channel of the rank-4 input}}
  %0:2 = mlp.pool2d_grad_sums "max", %x, %y, %y window 2 : tensor<1x3x4x4xf32>, tensor<1x3x2x2xf32> to tensor<1x3x4x4xf32>, tensor<4xf32>
  return %0#1 : tensor<4xf32>
}

// -----

func.func @conv_pool_mask_shape(%x: tensor<1x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error @+1 {{spatial size 5 should be 4}}
  %0:2 = mlp.conv2d_bias_pool %x, %w, %b stride 1 padding 0 dilation 1 window 2 : tensor<1x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<1x3x2x2xf32>, tensor<1x3x5x5xi8>
  return %0#0 : tensor<1x3x2x2xf32>
}

// -----

func.func @conv_pool_pooled_shape(%x: tensor<1x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{spatial size must be the input's divided by the window}}
  %0:2 = mlp.conv2d_bias_pool %x, %w, %b stride 1 padding 0 dilation 1 window 2 : tensor<1x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32> to tensor<1x3x4x4xf32>, tensor<1x3x4x4xi8>
  return %0#0 : tensor<1x3x4x4xf32>
}

// -----

func.func @conv_pool_bias(%x: tensor<1x1x6x6xf32>, %w: tensor<3x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x3x2x2xf32> {
  // expected-error @+1 {{bias must be a vector of one value per output channel}}
  %0:2 = mlp.conv2d_bias_pool %x, %w, %b stride 1 padding 0 dilation 1 window 2 : tensor<1x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<4xf32> to tensor<1x3x2x2xf32>, tensor<1x3x4x4xi8>
  return %0#0 : tensor<1x3x2x2xf32>
}

// -----

func.func @mask_grad_shape(%m: tensor<1x3x4x4xi8>, %g: tensor<1x3x2x2xf32>) -> tensor<1x3x4x5xf32> {
  // expected-error @+1 {{result must have the mask's shape and the gradient's element type}}
  %0:2 = mlp.pool2d_mask_grad_sums %m, %g window 2 : tensor<1x3x4x4xi8>, tensor<1x3x2x2xf32> to tensor<1x3x4x5xf32>, tensor<3xf32>
  return %0#0 : tensor<1x3x4x5xf32>
}

// -----

func.func @mask_grad_pooled(%m: tensor<1x3x4x4xi8>, %g: tensor<1x3x3x3xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+1 {{spatial size must be the input's divided by the window}}
  %0:2 = mlp.pool2d_mask_grad_sums %m, %g window 2 : tensor<1x3x4x4xi8>, tensor<1x3x3x3xf32> to tensor<1x3x4x4xf32>, tensor<3xf32>
  return %0#0 : tensor<1x3x4x4xf32>
}

// -----

func.func @mask_grad_sums(%m: tensor<1x3x4x4xi8>, %g: tensor<1x3x2x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{sums must be one value per channel of the rank-4 mask}}
  %0:2 = mlp.pool2d_mask_grad_sums %m, %g window 2 : tensor<1x3x4x4xi8>, tensor<1x3x2x2xf32> to tensor<1x3x4x4xf32>, tensor<2xf32>
  return %0#1 : tensor<2xf32>
}

// -----

func.func @filter_pooled_shape(%x: tensor<1x1x6x6xf32>, %m: tensor<1x3x4x4xi8>, %g: tensor<1x3x2x2xf32>) -> tensor<3x1x2x2xf32> {
  // expected-error @+1 {{spatial size 4 should be 5}}
  %0:2 = mlp.conv2d_grad_filter_pooled %x, %m, %g stride 1 padding 0 dilation 1 window 2 : tensor<1x1x6x6xf32>, tensor<1x3x4x4xi8>, tensor<1x3x2x2xf32> to tensor<3x1x2x2xf32>, tensor<3xf32>
  return %0#0 : tensor<3x1x2x2xf32>
}

// -----

func.func @filter_pooled_sums(%x: tensor<1x1x6x6xf32>, %m: tensor<1x3x4x4xi8>, %g: tensor<1x3x2x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{sums must be one value per channel of the rank-4 mask}}
  %0:2 = mlp.conv2d_grad_filter_pooled %x, %m, %g stride 1 padding 0 dilation 1 window 2 : tensor<1x1x6x6xf32>, tensor<1x3x4x4xi8>, tensor<1x3x2x2xf32> to tensor<3x1x3x3xf32>, tensor<2xf32>
  return %0#1 : tensor<2xf32>
}

// -----

func.func @filter_pooled_type(%x: tensor<1x1x6x6xf32>, %m: tensor<1x3x4x4xi8>, %g: tensor<1x3x2x2xf32>) -> tensor<3x1x3x3xf64> {
  // expected-error @+1 {{result must have the gradient's element type}}
  %0:2 = mlp.conv2d_grad_filter_pooled %x, %m, %g stride 1 padding 0 dilation 1 window 2 : tensor<1x1x6x6xf32>, tensor<1x3x4x4xi8>, tensor<1x3x2x2xf32> to tensor<3x1x3x3xf64>, tensor<3xf32>
  return %0#0 : tensor<3x1x3x3xf64>
}
