// -mlp-fuse-dense-pair fuses two dense layers on one f32 row, the first's
// output read only by the second, into one mlp.matmul_bias_pair.
// RUN: mlp-opt %s -split-input-file -mlp-fuse-dense-pair | FileCheck %s

// Three layers in a chain, as a model's forward pass on one sample: the
// first two pair (the larger weights), the third stays; the transposes stay
// operands and each relu stays with its layer.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%[[X:.*]]: tensor<1x8xf32>, %[[W1:.*]]: tensor<6x8xf32>, %[[B1:.*]]: tensor<6xf32>, %[[W2:.*]]: tensor<4x6xf32>, %[[B2:.*]]: tensor<4xf32>, %[[W3:.*]]: tensor<2x4xf32>, %[[B3:.*]]: tensor<2xf32>)
// CHECK:         %[[T1:.*]] = mlp.transpose %[[W1]]
// CHECK:         %[[T2:.*]] = mlp.transpose %[[W2]]
// CHECK:         %[[H:.*]] = mlp.matmul_bias_pair %[[X]], %[[T1]], %[[B1]] relu then %[[T2]], %[[B2]] : tensor<1x8xf32>, tensor<8x6xf32>, tensor<6xf32>, tensor<6x4xf32>, tensor<4xf32> to tensor<1x4xf32>
// CHECK:         %[[T3:.*]] = mlp.transpose %[[W3]]
// CHECK-NEXT:    %[[Y:.*]] = mlp.matmul_bias %[[H]], %[[T3]], %[[B3]] relu
// CHECK-NEXT:    return %[[Y]]
func.func @chain(%x: tensor<1x8xf32>, %w1: tensor<6x8xf32>, %b1: tensor<6xf32>, %w2: tensor<4x6xf32>, %b2: tensor<4xf32>, %w3: tensor<2x4xf32>, %b3: tensor<2xf32>) -> tensor<1x2xf32> {
  %t1 = mlp.transpose %w1, perm = [1, 0] : tensor<6x8xf32> to tensor<8x6xf32>
  %h1 = mlp.matmul_bias %x, %t1, %b1 relu : tensor<1x8xf32>, tensor<8x6xf32>, tensor<6xf32> to tensor<1x6xf32>
  %t2 = mlp.transpose %w2, perm = [1, 0] : tensor<4x6xf32> to tensor<6x4xf32>
  %h2 = mlp.matmul_bias %h1, %t2, %b2 : tensor<1x6xf32>, tensor<6x4xf32>, tensor<4xf32> to tensor<1x4xf32>
  %t3 = mlp.transpose %w3, perm = [1, 0] : tensor<2x4xf32> to tensor<4x2xf32>
  %y = mlp.matmul_bias %h2, %t3, %b3 relu : tensor<1x4xf32>, tensor<4x2xf32>, tensor<2xf32> to tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Not fused: a batch of rows (the layers are GEMMs, split by rows already),
// a first layer read elsewhere too (as training's backward pass reads it),
// f64 (no split kernel), a dynamic row count, and a layer whose output is
// the second's weights rather than its input.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT:     mlp.matmul_bias_pair
// CHECK:         return
func.func @not_fused(%x: tensor<2x8xf32>, %r: tensor<1x8xf32>, %d: tensor<1x8xf64>, %dyn: tensor<?x8xf32>,
                     %w1: tensor<8x6xf32>, %b1: tensor<6xf32>, %w2: tensor<6x4xf32>, %b2: tensor<4xf32>,
                     %v1: tensor<8x6xf64>, %c1: tensor<6xf64>, %v2: tensor<6x4xf64>, %c2: tensor<4xf64>,
                     %s: tensor<1x1xf32>, %sb: tensor<6xf32>)
    -> (tensor<2x4xf32>, tensor<1x4xf32>, tensor<1x6xf32>, tensor<1x4xf64>, tensor<?x4xf32>, tensor<1x6xf32>) {
  %a1 = mlp.matmul_bias %x, %w1, %b1 relu : tensor<2x8xf32>, tensor<8x6xf32>, tensor<6xf32> to tensor<2x6xf32>
  %a2 = mlp.matmul_bias %a1, %w2, %b2 : tensor<2x6xf32>, tensor<6x4xf32>, tensor<4xf32> to tensor<2x4xf32>
  %e1 = mlp.matmul_bias %r, %w1, %b1 relu : tensor<1x8xf32>, tensor<8x6xf32>, tensor<6xf32> to tensor<1x6xf32>
  %e2 = mlp.matmul_bias %e1, %w2, %b2 : tensor<1x6xf32>, tensor<6x4xf32>, tensor<4xf32> to tensor<1x4xf32>
  %f1 = mlp.matmul_bias %d, %v1, %c1 relu : tensor<1x8xf64>, tensor<8x6xf64>, tensor<6xf64> to tensor<1x6xf64>
  %f2 = mlp.matmul_bias %f1, %v2, %c2 : tensor<1x6xf64>, tensor<6x4xf64>, tensor<4xf64> to tensor<1x4xf64>
  %g1 = mlp.matmul_bias %dyn, %w1, %b1 relu : tensor<?x8xf32>, tensor<8x6xf32>, tensor<6xf32> to tensor<?x6xf32>
  %g2 = mlp.matmul_bias %g1, %w2, %b2 : tensor<?x6xf32>, tensor<6x4xf32>, tensor<4xf32> to tensor<?x4xf32>
  %k1 = mlp.matmul_bias %r, %w1, %b1 : tensor<1x8xf32>, tensor<8x6xf32>, tensor<6xf32> to tensor<1x6xf32>
  %k2 = mlp.matmul_bias %s, %k1, %sb : tensor<1x1xf32>, tensor<1x6xf32>, tensor<6xf32> to tensor<1x6xf32>
  return %a2, %e2, %e1, %f2, %g2, %k2 : tensor<2x4xf32>, tensor<1x4xf32>, tensor<1x6xf32>, tensor<1x4xf64>, tensor<?x4xf32>, tensor<1x6xf32>
}
