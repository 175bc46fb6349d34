// conv2d and pooling lower to one linalg.generic each, innermost loop along
// an image row; padding is an explicit tensor.pad.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-linalg | FileCheck %s

// CHECK-DAG:   #[[X:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d2, d5 + d3 * 2, d6 + d4 * 2)>
// CHECK-DAG:   #[[W:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d2, d3, d4)>
// CHECK-DAG:   #[[Y:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d5, d6)>
// CHECK-LABEL: func.func @conv
// CHECK:         %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:         linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]} ins(%[[PAD]], %{{.*}} : tensor<1x2x10x10xf32>, tensor<4x2x3x3xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @conv(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %y = mlp.conv2d %x, %w stride 1 padding 1 dilation 2 : tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32> to tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

// CHECK-DAG:   #[[IN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG:   #[[WIN:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-LABEL: func.func @maxpool
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #{{map[0-9]*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK:           arith.maximumf
func.func @maxpool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  %y = mlp.pool2d "max", %x window 2 : tensor<1x2x5x5xf32> to tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// The gradient of a 5x5 pooled by 2 covers 4x4; the last row and column get 0.
// CHECK-DAG:   #[[WIN:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 2, d3 floordiv 2)>
// CHECK-LABEL: func.func @maxpool_grad
// CHECK:         %[[COVERED:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1]
// CHECK:         linalg.generic {indexing_maps = [#{{map[0-9]*}}, #[[WIN]], #[[WIN]], #{{map[0-9]*}}]
// CHECK:           arith.cmpf oeq
// CHECK:           arith.select
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x4xf32> into tensor<1x2x5x5xf32>
func.func @maxpool_grad(%x: tensor<1x2x5x5xf32>, %y: tensor<1x2x2x2xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x2x5x5xf32> {
  %d = mlp.pool2d_grad "max", %x, %y, %g window 2 : tensor<1x2x5x5xf32>, tensor<1x2x2x2xf32> to tensor<1x2x5x5xf32>
  return %d : tensor<1x2x5x5xf32>
}
