// Tables and runtime services become calls into the C runtime; tensors cross
// as unranked memrefs, and rt_fill buffers are freed after their last use.
// RUN: mlp-opt %s -mlp-lower-to-linalg | FileCheck %s
// RUN: mlp-opt %s -mlp-to-llvm | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @mlp_main
// CHECK:         %[[T:.*]] = call @mlp_rt_csv_read(%{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr) -> !llvm.ptr
// CHECK:         %[[S:.*]] = call @mlp_rt_table_standardize(%[[T]], %{{.*}})
// CHECK:         %[[FIRST:.*]] = llvm.alloca
// CHECK:         %[[SECOND:.*]] = llvm.alloca
// CHECK:         call @mlp_rt_table_split(%[[S]], %{{.*}}, %{{.*}}, %[[FIRST]], %[[SECOND]]) : (!llvm.ptr, f64, i64, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:         %[[A:.*]] = llvm.load %[[FIRST]]
// CHECK:         %[[B:.*]] = call @mlp_rt_batcher_new(%[[A]], %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK:         %[[X:.*]] = memref.alloc() : memref<16x4xf32>
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<16xi64>
// Descriptors passed to C live on the stack: each call gets its own scope,
// so a call in a loop does not grow the stack.
// CHECK:         memref.alloca_scope
// CHECK:           %[[XU:.*]] = memref.cast %[[X]] : memref<16x4xf32> to memref<*xf32>
// CHECK:           %[[YU:.*]] = memref.cast %[[Y]] : memref<16xi64> to memref<*xi64>
// CHECK:           call @mlp_rt_batcher_fill(%[[B]], %{{.*}}, %[[XU]], %[[YU]])
// CHECK:         %[[XT:.*]] = bufferization.to_tensor %[[X]] restrict writable
// CHECK:         memref.alloca_scope
// CHECK:           %[[XM:.*]] = bufferization.to_memref %[[XT]]
// CHECK:           %[[XC:.*]] = memref.cast %[[XM]] : memref<16x4xf32, strided<[?, ?], offset: ?>> to memref<*xf32>
// CHECK:           call @mlp_rt_eval_add(%[[B]], %{{.*}}, %[[XC]])

// LLVM-LABEL:  llvm.func @mlp_main
// LLVM:          %[[XB:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// LLVM:          %[[YB:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// LLVM:          llvm.intr.stacksave
// LLVM:          llvm.call @mlp_rt_batcher_fill
// LLVM:          llvm.intr.stackrestore
// LLVM:          llvm.call @mlp_rt_eval_add
// LLVM-DAG:      llvm.call @_mlir_memref_to_llvm_free(%[[XB]])
// LLVM-DAG:      llvm.call @_mlir_memref_to_llvm_free(%[[YB]])
func.func @mlp_main() {
  %t = mlp.csv_read "examples/data/iris.csv" schema "sepal_length:f32,species:str"
  %s = mlp.standardize %t columns "sepal_length"
  %a, %b = mlp.split %s fraction 8.000000e-01 seed 42
  %in = mlp.str "sepal_length"
  %c16 = arith.constant 16 : i64
  %bt = mlp.rt_call "mlp_rt_batcher_new"(%a, %in, %c16) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
  %i = arith.constant 0 : i64
  %x, %y = mlp.rt_fill "mlp_rt_batcher_fill"(%bt, %i) : (!llvm.ptr, i64) -> (tensor<16x4xf32>, tensor<16xi64>)
  mlp.rt_call "mlp_rt_eval_add"(%bt, %i, %x) : (!llvm.ptr, i64, tensor<16x4xf32>) -> ()
  return
}
