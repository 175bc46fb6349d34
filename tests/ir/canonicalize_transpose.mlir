// Transposes fold away or move onto matmul operands, where the lowering
// reads them in place (see codegen/lower_to_linalg.mlir).
// RUN: mlp-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @twice
// CHECK-NEXT:    return %arg0
func.func @twice(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %t = mlp.transpose %x, perm = [1, 0] : tensor<2x3xf32> to tensor<3x2xf32>
  %u = mlp.transpose %t, perm = [1, 0] : tensor<3x2xf32> to tensor<2x3xf32>
  return %u : tensor<2x3xf32>
}

// -----

// Two permutations compose into one.
// CHECK-LABEL: func.func @composed
// CHECK-NEXT:    %[[T:.*]] = mlp.transpose %arg0, perm = [2, 0, 1] : tensor<2x3x4xf32> to tensor<4x2x3xf32>
// CHECK-NEXT:    return %[[T]]
func.func @composed(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %t = mlp.transpose %x, perm = [1, 2, 0] : tensor<2x3x4xf32> to tensor<3x4x2xf32>
  %u = mlp.transpose %t, perm = [1, 2, 0] : tensor<3x4x2xf32> to tensor<4x2x3xf32>
  return %u : tensor<4x2x3xf32>
}

// -----

// (X^T G)^T, a dense layer's weight gradient, becomes G^T X.
// CHECK-LABEL: func.func @weight_gradient
// CHECK-NEXT:    %[[GT:.*]] = mlp.transpose %arg1, perm = [1, 0] : tensor<8x5xf32> to tensor<5x8xf32>
// CHECK-NEXT:    %[[W:.*]] = mlp.matmul %[[GT]], %arg0 : tensor<5x8xf32>, tensor<8x3xf32> to tensor<5x3xf32>
// CHECK-NEXT:    return %[[W]]
func.func @weight_gradient(%x: tensor<8x3xf32>, %g: tensor<8x5xf32>) -> tensor<5x3xf32> {
  %xt = mlp.transpose %x, perm = [1, 0] : tensor<8x3xf32> to tensor<3x8xf32>
  %p = mlp.matmul %xt, %g : tensor<3x8xf32>, tensor<8x5xf32> to tensor<3x5xf32>
  %w = mlp.transpose %p, perm = [1, 0] : tensor<3x5xf32> to tensor<5x3xf32>
  return %w : tensor<5x3xf32>
}

// -----

// A product used elsewhere too stays as it is.
// CHECK-LABEL: func.func @shared_product
// CHECK:         %[[P:.*]] = mlp.matmul %arg0, %arg1
// CHECK:         mlp.transpose %[[P]]
func.func @shared_product(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<4x2xf32>) {
  %p = mlp.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> to tensor<2x4xf32>
  %t = mlp.transpose %p, perm = [1, 0] : tensor<2x4xf32> to tensor<4x2xf32>
  return %p, %t : tensor<2x4xf32>, tensor<4x2xf32>
}
