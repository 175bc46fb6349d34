// The whole pipeline: inline + autodiff, lowering, elementwise fusion,
// bufferization with deallocation, loops, LLVM dialect.
// RUN: mlp-opt %s -mlp-to-linalg | FileCheck %s --check-prefix=LINALG
// RUN: mlp-opt %s -mlp-to-llvm | FileCheck %s --check-prefix=LLVM

// After fusion the two random tensors, their difference and the squared
// gradient each become part of a few loops, with no calls left.
// LINALG-LABEL: func.func @mlp_main
// LINALG-NOT:     call @f
// LINALG-COUNT-4: linalg.generic
// LINALG-NOT:     linalg.generic
// LINALG:         call @mlp_rt_print_line

// Nothing above the LLVM dialect remains, and every buffer is freed.
// LLVM-NOT:     {{memref\.|linalg\.|tensor\.|mlp\.}}
// LLVM-LABEL:   llvm.func @mlp_main
// LLVM:         llvm.call @mlp_rt_params_parse()
// LLVM:         %[[A:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// LLVM:         %[[B:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// LLVM:         llvm.call @mlp_rt_fmt_tensor_f32(%{{.*}}, %{{.*}}, %{{.*}}) : (i64, !llvm.ptr, !llvm.ptr) -> ()
// LLVM-DAG:     llvm.call @_mlir_memref_to_llvm_free(%[[A]])
// LLVM-DAG:     llvm.call @_mlir_memref_to_llvm_free(%[[B]])
// LLVM-NOT:     {{memref\.|linalg\.|tensor\.|mlp\.}}
func.func private @f(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<f32> {
  %0 = mlp.sub %x, %y : tensor<8xf32>
  %1 = mlp.mul %0, %0 : tensor<8xf32>
  %2 = mlp.reduce "mean", %1, axes = [0] : tensor<8xf32> to tensor<f32>
  return %2 : tensor<f32>
}
func.func private @f_grad(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32>
    attributes {mlp.grad_of = @f, mlp.wrt = array<i64: 0>}
func.func @mlp_main() {
  %x = mlp.random "normal" seed 1 : tensor<8xf32>
  %y = mlp.random "uniform" seed 2 : tensor<8xf32>
  %l = call @f(%x, %y) : (tensor<8xf32>, tensor<8xf32>) -> tensor<f32>
  %g = call @f_grad(%x, %y) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  mlp.format %l spec "" : tensor<f32>
  mlp.format %g spec "" : tensor<8xf32>
  mlp.print_line
  return
}
