//===- Passes.td - mlp dialect passes ----------------------*- tablegen -*-===//
#ifndef MLP_PASSES
#define MLP_PASSES

include "mlir/Pass/PassBase.td"

def MlpAutodiff : Pass<"mlp-autodiff", "mlir::ModuleOp"> {
  let summary = "Generate reverse-mode derivative functions at compile time";
  let description = [{
    A `func.func` without a body carrying `mlp.grad_of = @f` and
    `mlp.wrt = array<i64: ...>` is filled in with the gradient of `@f` (which
    must return one scalar float) with respect to the listed arguments: `@f`'s
    body is replayed forward, then each op's vector-Jacobian product is emitted
    in reverse order. Only values that depend on a `wrt` argument get adjoints.
    With `mlp.with_value`, @g returns @f's results first (the first one is
    differentiated; any others, such as batch statistics, are passed
    through), then the gradients.
    Run the inliner first: `@f` must be a single block without calls.
  }];
  let dependentDialects = ["mlir::mlp::MlpDialect"];
}

def MlpFuseEpilogue : Pass<"mlp-fuse-epilogue", "mlir::ModuleOp"> {
  let summary = "Fold a conv2d's or matmul's bias add and relu into its kernel";
  let description = [{
    `relu(add(conv2d(x, w), broadcast(b, dims = [1])))`, or the same without
    the relu, becomes `mlp.conv2d_bias`, and `relu(add(matmul(a, w),
    broadcast(b, dims = [1])))` (a dense layer) becomes `mlp.matmul_bias`:
    the runtime's kernel then adds the bias and applies relu to each sample,
    or band of rows, while its output is in cache. The product's and the
    add's results must have no other use. Run after autodiff: the backward
    pass reads the relu's result only.
  }];
  let dependentDialects = ["mlir::mlp::MlpDialect"];
}

def MlpFuseDensePair : Pass<"mlp-fuse-dense-pair", "mlir::ModuleOp"> {
  let summary = "Fuse two dense layers on one row into one mlp.matmul_bias_pair";
  let description = [{
    `matmul_bias(matmul_bias(x, w1, b1), w2, b2)` where `x` is one f32 row
    and the first layer's output has no other use becomes
    `mlp.matmul_bias_pair`, whose kernel splits both layers over the cores
    after one handoff (the second alone would run on one core). Pairs are
    taken in program order: of three layers in a chain, the first two pair.
    Run after -mlp-fuse-epilogue, which makes the matmul_bias ops.
  }];
  let dependentDialects = ["mlir::mlp::MlpDialect"];
}

def MlpFusePoolGradRelu : Pass<"mlp-fuse-pool-grad-relu", "mlir::ModuleOp"> {
  let summary = "Fold relu's gradient mask into the max pooling gradient before it";
  let description = [{
    `select(cmp "gt"(x, 0), pool2d_grad "max"(x, y, g), 0)`, the backward
    pass of `relu |> maxpool` (relu's adjoint reads its result x, which the
    pooling read too), becomes `pool2d_grad "max_positive"(x, y, g)`: one pass
    over x instead of two, and no intermediate gradient of x's size. The
    pooling gradient must have no other use.
  }];
  let dependentDialects = ["mlir::mlp::MlpDialect"];
}

def MlpFusePoolGradSums : Pass<"mlp-fuse-pool-grad-sums", "mlir::ModuleOp"> {
  let summary = "Sum a max pooling gradient over its channels while it is made";
  let description = [{
    `unbroadcast(pool2d_grad "max"(x, y, g)) dims [1]` onto the channels (the
    bias gradient of the convolution before `maxpool`, also after
    `mlp-fuse-pool-grad-relu`) becomes the second result of
    `pool2d_grad_sums`, whose kernel adds each plane of the gradient as it
    writes it instead of reading the whole gradient back.
  }];
  let dependentDialects = ["mlir::mlp::MlpDialect"];
}

def MlpFuseConvPool : Pass<"mlp-fuse-conv-pool", "mlir::ModuleOp"> {
  let summary = "Pool a convolution's output in its kernel, with a mask for the gradient";
  let description = [{
    `pool2d "max"(conv2d_bias(...))`, where the pooling and its gradients
    (`pool2d_grad` or `pool2d_grad_sums` of kind max or max_positive) are
    the convolution's only readers, becomes `conv2d_bias_pool`, which never
    writes the convolution's output, and the gradients
    `pool2d_mask_grad_sums`, which read its mask instead of that output.
    Such a gradient read only by a `conv2d_grad_filter` (the first
    convolution's) is made inside it: `conv2d_grad_filter_pooled`.
  }];
  let dependentDialects = ["mlir::mlp::MlpDialect"];
}

#endif // MLP_PASSES
