// What the autodiff pass refuses, with an error at the function or op.
// RUN: mlp-opt %s -split-input-file -mlp-autodiff -verify-diagnostics

func.func private @vector_valued(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}
// expected-error @+1 {{grad needs 'vector_valued' to return a float scalar}}
func.func private @vector_valued_grad(%x: tensor<3xf32>) -> tensor<3xf32>
    attributes {mlp.grad_of = @vector_valued, mlp.wrt = array<i64: 0>}

// -----

func.func private @loops(%x: tensor<f32>) -> tensor<f32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  // expected-error @+1 {{grad cannot differentiate through 'scf.for' yet}}
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%s = %x) -> (tensor<f32>) {
    %n = mlp.mul %s, %s : tensor<f32>
    scf.yield %n : tensor<f32>
  }
  return %r : tensor<f32>
}
func.func private @loops_grad(%x: tensor<f32>) -> tensor<f32>
    attributes {mlp.grad_of = @loops, mlp.wrt = array<i64: 0>}
