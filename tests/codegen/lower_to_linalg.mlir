// Lowering of mlp ops to linalg, tensor and runtime calls.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-linalg | FileCheck %s

// Elementwise ops: one linalg.generic with identity maps.
// CHECK-LABEL: func.func @elementwise
// CHECK:         linalg.generic {indexing_maps = [#[[ID:map[0-9]*]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]}
// CHECK:           arith.addf
// CHECK-NOT:     mlp.
func.func @elementwise(%x: tensor<7xf32>, %y: tensor<7xf32>) -> tensor<7xf32> {
  %0 = mlp.add %x, %y : tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// A new leading dimension: the input map drops it.
// CHECK-DAG:   #[[IN:map[0-9]*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[OUT:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @broadcast_new_dim
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel"]}
func.func @broadcast_new_dim(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = mlp.broadcast %x, dims = [1] : tensor<3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A stretched size-1 dimension reads position 0.
// CHECK-DAG:   #[[IN:map[0-9]*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @broadcast_stretch
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #{{map[0-9]*}}]
func.func @broadcast_stretch(%x: tensor<1x3xf32>) -> tensor<2x3xf32> {
  %0 = mlp.broadcast %x, dims = [0, 1] : tensor<1x3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Unbroadcast sums the added dimension into a zero-filled result.
// CHECK-LABEL: func.func @unbroadcast
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} {{.*}} outs(%[[INIT]] : tensor<3xf32>)
// CHECK:           arith.addf
func.func @unbroadcast(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %0 = mlp.unbroadcast %x, dims = [1] : tensor<2x3xf32> to tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A bias gradient of an image batch ([N, C, H, W] onto [C]) is the
// runtime's kernel, in f32 and f64, with a dynamic batch too.
// CHECK-LABEL: func.func @bias_gradient
// CHECK:         memref.alloc() : memref<16xf32>
// CHECK:           call @mlp_rt_channel_sums_f32(%{{.*}}, %{{.*}}) : (memref<*xf32>, memref<*xf32>) -> ()
// CHECK:         memref.alloc() : memref<3xf64>
// CHECK:           call @mlp_rt_channel_sums_f64(
// CHECK-NOT:     linalg.generic
func.func @bias_gradient(%x: tensor<?x16x16x16xf32>, %y: tensor<2x3x4x5xf64>) -> (tensor<16xf32>, tensor<3xf64>) {
  %0 = mlp.unbroadcast %x, dims = [1] : tensor<?x16x16x16xf32> to tensor<16xf32>
  %1 = mlp.unbroadcast %y, dims = [1] : tensor<2x3x4x5xf64> to tensor<3xf64>
  return %0, %1 : tensor<16xf32>, tensor<3xf64>
}

// -----

// Onto another dimension, onto a channel stretched from 1, or in integers,
// it sums in one linalg.generic.
// CHECK-LABEL: func.func @unbroadcast_one_step
// CHECK-NOT:     call @mlp_rt_channel_sums
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     call @mlp_rt_channel_sums
func.func @unbroadcast_one_step(%x: tensor<2x3x4x5xf32>, %y: tensor<64x8x12x12xf32>, %z: tensor<2x3x4x5xi64>) -> (tensor<1xf32>, tensor<12xf32>, tensor<3xi64>) {
  %0 = mlp.unbroadcast %x, dims = [1] : tensor<2x3x4x5xf32> to tensor<1xf32>
  %1 = mlp.unbroadcast %y, dims = [3] : tensor<64x8x12x12xf32> to tensor<12xf32>
  %2 = mlp.unbroadcast %z, dims = [1] : tensor<2x3x4x5xi64> to tensor<3xi64>
  return %0, %1, %2 : tensor<1xf32>, tensor<12xf32>, tensor<3xi64>
}

// -----

// mean = sum over the axis (in f64: an f32 running sum stops growing past
// 2^24 steps), then a division by the axis length, back in f32.
// CHECK-LABEL: func.func @mean_rows
// CHECK:         linalg.fill ins(%{{.*}} : f64)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.extf
// CHECK:           arith.addf {{.*}} : f64
// CHECK:         tensor.dim %{{.*}}, %c1
// CHECK:         linalg.generic
// CHECK:           arith.divf {{.*}} : f64
// CHECK:           arith.truncf
func.func @mean_rows(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = mlp.reduce "mean", %x, axes = [1] : tensor<2x3xf32> to tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// max starts from -inf.
// CHECK-LABEL: func.func @max_all
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         arith.maximumf
func.func @max_all(%x: tensor<2x3xf32>) -> tensor<f32> {
  %0 = mlp.reduce "max", %x, axes = [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %0 : tensor<f32>
}

// -----

// matmul calls the runtime's GEMM with a fresh result buffer; a transposed
// operand (as in matmul's gradients) is a flag, not a copy: 1 = A^T, 2 = B^T.
// CHECK-LABEL: func.func @matmul
// CHECK:         %[[C:.*]] = memref.alloc() : memref<2x4xf32>
// CHECK:         memref.alloca_scope
// CHECK:           %[[FLAGS:.*]] = arith.constant 0 : i64
// CHECK:           call @mlp_rt_matmul_f32(%[[FLAGS]], %{{.*}}, %{{.*}}, %{{.*}}) : (i64, memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
// CHECK:         bufferization.to_tensor %[[C]] restrict writable
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = mlp.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> to tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// The call reads the arguments themselves (the transposes, now unused, go
// at the next canonicalization).
// CHECK-LABEL: func.func @matmul_transposed(
// CHECK-SAME:      %[[A:.*]]: tensor<3x?xf64>, %[[B:.*]]: tensor<4x3xf64>)
// CHECK:         memref.alloc(%{{.*}}) : memref<?x4xf64>
// CHECK:           %[[FLAGS:.*]] = arith.constant 3 : i64
// CHECK:           bufferization.to_memref %[[A]]
// CHECK:           bufferization.to_memref %[[B]]
// CHECK:           call @mlp_rt_matmul_f64(%[[FLAGS]],
func.func @matmul_transposed(%a: tensor<3x?xf64>, %b: tensor<4x3xf64>) -> tensor<?x4xf64> {
  %at = mlp.transpose %a, perm = [1, 0] : tensor<3x?xf64> to tensor<?x3xf64>
  %bt = mlp.transpose %b, perm = [1, 0] : tensor<4x3xf64> to tensor<3x4xf64>
  %0 = mlp.matmul %at, %bt : tensor<?x3xf64>, tensor<3x4xf64> to tensor<?x4xf64>
  return %0 : tensor<?x4xf64>
}

// -----

// matmul_bias (a dense layer) calls the GEMM that adds the bias and applies
// relu: flags, then relu (1), then A, B (its transpose a flag) and the bias.
// CHECK-LABEL: func.func @matmul_bias(
// CHECK-SAME:      %[[X:.*]]: tensor<1x3xf32>, %[[W:.*]]: tensor<5x3xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK:         memref.alloc() : memref<1x5xf32>
// CHECK-DAG:       %[[FLAGS:.*]] = arith.constant 2 : i64
// CHECK-DAG:       %[[RELU:.*]] = arith.constant 1 : i64
// CHECK-DAG:       bufferization.to_memref %[[W]]
// CHECK-DAG:       bufferization.to_memref %[[B]]
// CHECK:           call @mlp_rt_matmul_bias_f32(%[[FLAGS]], %[[RELU]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
func.func @matmul_bias(%x: tensor<1x3xf32>, %w: tensor<5x3xf32>, %b: tensor<5xf32>) -> tensor<1x5xf32> {
  %wt = mlp.transpose %w, perm = [1, 0] : tensor<5x3xf32> to tensor<3x5xf32>
  %0 = mlp.matmul_bias %x, %wt, %b relu : tensor<1x3xf32>, tensor<3x5xf32>, tensor<5xf32> to tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

// matmul_bias_pair calls the kernel of both layers: flags (here x as it
// is, both weights transposed: bits 1 and 2), the two relus, then x, the
// first weights and bias, the second weights and bias.
// CHECK-LABEL: func.func @matmul_bias_pair(
// CHECK-SAME:      %[[X:.*]]: tensor<1x3xf32>, %[[W1:.*]]: tensor<5x3xf32>, %[[B1:.*]]: tensor<5xf32>, %[[W2:.*]]: tensor<2x5xf32>, %[[B2:.*]]: tensor<2xf32>)
// CHECK:         memref.alloc() : memref<1x2xf32>
// CHECK-DAG:       %[[FLAGS:.*]] = arith.constant 6 : i64
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG:       %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG:       %[[XB:.*]] = bufferization.to_memref %[[X]]
// CHECK-DAG:       %[[W1B:.*]] = bufferization.to_memref %[[W1]]
// CHECK-DAG:       %[[W2B:.*]] = bufferization.to_memref %[[W2]]
// CHECK:           call @mlp_rt_matmul_bias_pair_f32(%[[FLAGS]], %[[ZERO]], %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
func.func @matmul_bias_pair(%x: tensor<1x3xf32>, %w1: tensor<5x3xf32>, %b1: tensor<5xf32>, %w2: tensor<2x5xf32>, %b2: tensor<2xf32>) -> tensor<1x2xf32> {
  %t1 = mlp.transpose %w1, perm = [1, 0] : tensor<5x3xf32> to tensor<3x5xf32>
  %t2 = mlp.transpose %w2, perm = [1, 0] : tensor<2x5xf32> to tensor<5x2xf32>
  %0 = mlp.matmul_bias_pair %x, %t1, %b1 then %t2, %b2 relu : tensor<1x3xf32>, tensor<3x5xf32>, tensor<5xf32>, tensor<5x2xf32>, tensor<2xf32> to tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// Indices are bounds-checked: out of range calls the runtime's fail.
// CHECK-LABEL: func.func @pick_row
// CHECK:         arith.cmpi slt
// CHECK:         scf.if
// CHECK:           func.call @mlp_rt_fail_index
// CHECK:         tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<3xf32>
func.func @pick_row(%x: tensor<2x3xf32>, %i: tensor<i64>) -> tensor<3xf32> {
  %0 = mlp.extract %x[%i] index_dims = [0] starts = [0] sizes = [3] : tensor<2x3xf32>, tensor<i64> to tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Seeded random numbers: a pure hash of (seed, element index).
// CHECK-LABEL: func.func @uniform
// CHECK:         linalg.generic
// CHECK:           linalg.index 0
// CHECK:           arith.xori
// CHECK:           arith.uitofp
func.func @uniform() -> tensor<4xf32> {
  %0 = mlp.random "uniform" seed 3 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Params (from the module's mlp.params, so unread ones count too) are
// declared, then the command line is parsed, before any is read; printing
// builds a line from pieces.
// CHECK-DAG:   llvm.mlir.global internal constant @[[NAME:mlp_str_[0-9]+]]("lr\00")
// CHECK-DAG:   llvm.mlir.global internal constant @[[TYPE:mlp_str_[0-9]+]]("f32\00")
// CHECK-DAG:   llvm.mlir.global internal constant @[[DEFAULT:mlp_str_[0-9]+]]("0.01\00")
// CHECK-LABEL: func.func @mlp_main
// CHECK:         %[[N:.*]] = llvm.mlir.addressof @[[NAME]]
// CHECK:         %[[T:.*]] = llvm.mlir.addressof @[[TYPE]]
// CHECK:         %[[D:.*]] = llvm.mlir.addressof @[[DEFAULT]]
// CHECK:         call @mlp_rt_param_declare(%[[N]], %[[T]], %[[D]])
// CHECK:         call @mlp_rt_param_declare(
// CHECK-NEXT:    call @mlp_rt_params_parse()
// CHECK:         call @mlp_rt_param_f32
// CHECK:         call @mlp_rt_fmt_str
// CHECK:         call @mlp_rt_fmt_f32
// CHECK:         call @mlp_rt_print_line()
module attributes {mlp.params = [["lr", "f32", "0.01"], ["unused", "i64", "3"]]} {
func.func @mlp_main() {
  %lr = mlp.param "lr" default "0.01" : tensor<f32>
  mlp.format_text "lr = "
  mlp.format %lr spec ".3f" : tensor<f32>
  mlp.print_line
  return
}
}

// -----

// Tensors are printed through an unranked memref with a strided layout, so a
// view (slice, transpose) is printed without a copy.
// CHECK-LABEL: func.func @print_tensor
// CHECK:         bufferization.to_memref %{{.*}} : memref<3xf32, strided<[?], offset: ?>>
// CHECK:         memref.cast %{{.*}} : memref<3xf32, strided<[?], offset: ?>> to memref<*xf32>
// CHECK:         call @mlp_rt_fmt_tensor_f32(%{{.*}}, %{{.*}}) : (memref<*xf32>, !llvm.ptr) -> ()
func.func @print_tensor(%x: tensor<3xf32>) {
  mlp.format %x spec "" : tensor<3xf32>
  return
}
