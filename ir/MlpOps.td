//===- MlpOps.td - operations of the mlp dialect -----------*- tablegen -*-===//
#ifndef MLP_OPS
#define MLP_OPS

include "ir/MlpDialect.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Mlp_Tensor : RankedTensorOf<[AnyFloat, AnySignlessInteger]>;
def Mlp_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Mlp_BoolTensor : RankedTensorOf<[I1]>;
def Mlp_MaskTensor : RankedTensorOf<[I8]>;

//===----------------------------------------------------------------------===//
// Creation
//===----------------------------------------------------------------------===//

def Mlp_ConstantOp : Mlp_Op<"constant", [Pure, ConstantLike]> {
  let summary = "A constant tensor";
  let description = [{
    ```mlir
    %c = mlp.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Mlp_Tensor:$result);
  let hasCustomAssemblyFormat = 1;
  let builders = [OpBuilder<(ins "ElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
  let hasFolder = 1;
}

def Mlp_IotaOp : Mlp_Op<"iota", [Pure]> {
  let summary = "0, 1, 2, ... along one dimension";
  let description = [{
    Each element holds its index along `dim`, converted to the element type.
    ```mlir
    %i = mlp.iota 0 : tensor<7xf32>
    ```
  }];
  let arguments = (ins I64Attr:$dim);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Mlp_RandomOp : Mlp_Op<"random", [Pure]> {
  let summary = "Seeded pseudo-random tensor (uniform [0,1) or standard normal)";
  let description = [{
    Element i is a pure function of (seed, offset, i): a counter-based
    generator, so the same seed gives the same tensor on every run and every
    backend. The optional rank-0 `offset` (a step count) gives a different
    tensor per step, as dropout needs.
    ```mlir
    %r = mlp.random normal seed 1 : tensor<3x4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$distribution, I64Attr:$seed,
                       Optional<RankedTensorOf<[I64]>>:$offset);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat =
      "$distribution `seed` $seed (`offset` $offset^ `:` type($offset))? attr-dict `:` type($result)";
  let builders = [OpBuilder<(ins "Type":$result, "StringAttr":$distribution,
                                 "int64_t":$seed), [{
    build($_builder, $_state, result, distribution,
          $_builder.getI64IntegerAttr(seed), Value());
  }]>];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Mlp_BinaryOp<string mnemonic, list<Trait> traits = []> :
    Mlp_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let arguments = (ins Mlp_Tensor:$lhs, Mlp_Tensor:$rhs);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Mlp_AddOp : Mlp_BinaryOp<"add", [Commutative]> {
  let summary = "Elementwise addition";
}
def Mlp_SubOp : Mlp_BinaryOp<"sub"> { let summary = "Elementwise subtraction"; }
def Mlp_MulOp : Mlp_BinaryOp<"mul", [Commutative]> {
  let summary = "Elementwise multiplication";
}
def Mlp_DivOp : Mlp_BinaryOp<"div"> { let summary = "Elementwise division"; }
def Mlp_PowOp : Mlp_BinaryOp<"pow"> {
  let summary = "Elementwise power (floats)";
}
def Mlp_MaxOp : Mlp_BinaryOp<"max", [Commutative]> {
  let summary = "Elementwise maximum";
}
def Mlp_MinOp : Mlp_BinaryOp<"min", [Commutative]> {
  let summary = "Elementwise minimum";
}
def Mlp_AndOp : Mlp_BinaryOp<"and", [Commutative]> {
  let summary = "Elementwise logical and of bool tensors";
}
def Mlp_OrOp : Mlp_BinaryOp<"or", [Commutative]> {
  let summary = "Elementwise logical or of bool tensors";
}

def Mlp_CmpOp : Mlp_Op<"cmp", [Pure, SameTypeOperands]> {
  let summary = "Elementwise comparison giving a bool tensor";
  let description = [{
    `predicate` is one of lt, le, gt, ge, eq, ne.
    ```mlir
    %b = mlp.cmp lt, %x, %y : tensor<7xf32> to tensor<7xi1>
    ```
  }];
  let arguments = (ins StrAttr:$predicate, Mlp_Tensor:$lhs, Mlp_Tensor:$rhs);
  let results = (outs Mlp_BoolTensor:$result);
  let assemblyFormat =
      "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `to` type($result)";
  let hasVerifier = 1;
}

class Mlp_UnaryOp<string mnemonic, string what> :
    Mlp_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise " # what;
  let arguments = (ins Mlp_Tensor:$operand);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

def Mlp_NegOp : Mlp_UnaryOp<"neg", "negation">;
def Mlp_ExpOp : Mlp_UnaryOp<"exp", "e^x">;
def Mlp_LogOp : Mlp_UnaryOp<"log", "natural logarithm">;
def Mlp_SqrtOp : Mlp_UnaryOp<"sqrt", "square root">;
def Mlp_AbsOp : Mlp_UnaryOp<"abs", "absolute value">;
def Mlp_TanhOp : Mlp_UnaryOp<"tanh", "hyperbolic tangent">;
def Mlp_SigmoidOp : Mlp_UnaryOp<"sigmoid", "logistic sigmoid 1/(1+e^-x)">;
def Mlp_ReluOp : Mlp_UnaryOp<"relu", "max(x, 0)">;
def Mlp_ErfOp : Mlp_UnaryOp<"erf", "error function (exact GELU uses it)">;
def Mlp_NotOp : Mlp_UnaryOp<"not", "logical not of a bool tensor">;

def Mlp_SelectOp : Mlp_Op<"select", [Pure,
    AllTypesMatch<["on_true", "on_false", "result"]>]> {
  let summary = "Elementwise choice: cond ? on_true : on_false (`where`)";
  let arguments = (ins Mlp_BoolTensor:$cond, Mlp_Tensor:$on_true,
                       Mlp_Tensor:$on_false);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat =
      "$cond `,` $on_true `,` $on_false attr-dict `:` type($cond) `,` type($result)";
  let hasVerifier = 1;
}

def Mlp_CastOp : Mlp_Op<"cast", [Pure]> {
  let summary = "Elementwise element-type conversion (same shape)";
  let arguments = (ins Mlp_Tensor:$operand);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Broadcasting and reductions
//===----------------------------------------------------------------------===//

def Mlp_BroadcastOp : Mlp_Op<"broadcast", [Pure]> {
  let summary = "Broadcast a tensor to a larger shape";
  let description = [{
    Input dimension i becomes result dimension `dims[i]`; its size must equal
    that result dimension or be 1 (stretched). Result dimensions not named in
    `dims` are new. NumPy broadcasting is `dims` aligned to the right.
    `sizes`, when given, are the sizes of all of the result's dynamic
    dimensions (needed when the operand does not carry them).
    ```mlir
    %b = mlp.broadcast %x, dims = [1] : tensor<3xf32> to tensor<2x3xf32>
    %c = mlp.broadcast %s, dims = [] sizes(%n) : tensor<f32> to tensor<?xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$operand, DenseI64ArrayAttr:$dims,
                       Variadic<Index>:$sizes);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `dims` `=` $dims (`sizes` `(` $sizes^ `)`)? attr-dict `:`
    type($operand) `to` type($result)
  }];
  let builders = [OpBuilder<(ins "Type":$result, "Value":$operand,
                                 "ArrayRef<int64_t>":$dims), [{
    build($_builder, $_state, result, operand, dims, ValueRange{});
  }]>];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mlp_UnbroadcastOp : Mlp_Op<"unbroadcast", [Pure]> {
  let summary = "Sum a broadcast tensor back to its source shape";
  let description = [{
    The transpose of `mlp.broadcast` with the same `dims`: sums over the
    result dimensions that broadcasting added or stretched. It is the
    gradient of broadcasting.
    ```mlir
    %s = mlp.unbroadcast %g, dims = [1] : tensor<2x3xf32> to tensor<3xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$operand, DenseI64ArrayAttr:$dims);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat =
      "$operand `,` `dims` `=` $dims attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mlp_ReduceOp : Mlp_Op<"reduce", [Pure]> {
  let summary = "Reduce over axes: sum, mean, max or min";
  let description = [{
    The reduced axes are removed from the result.
    ```mlir
    %m = mlp.reduce mean, %x, axes = [0] : tensor<7xf32> to tensor<f32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, Mlp_Tensor:$operand,
                       DenseI64ArrayAttr:$axes);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat =
      "$kind `,` $operand `,` `axes` `=` $axes attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
}

def Mlp_ArgmaxOp : Mlp_Op<"argmax", [Pure]> {
  let summary = "Index of the largest element along an axis (first on ties)";
  let arguments = (ins Mlp_Tensor:$operand, I64Attr:$axis);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat =
      "$operand `,` `axis` `=` $axis attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and shapes
//===----------------------------------------------------------------------===//

def Mlp_MatmulOp : Mlp_Op<"matmul", [Pure]> {
  let summary = "Matrix product of two rank-2 tensors";
  let arguments = (ins Mlp_FloatTensor:$lhs, Mlp_FloatTensor:$rhs);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `to` type($result)";
  let hasVerifier = 1;
}

def Mlp_MatmulBiasOp : Mlp_Op<"matmul_bias", [Pure]> {
  let summary = "matmul, plus a bias per column, then relu if asked: one kernel";
  let description = [{
    `y = relu(matmul(a, b) + broadcast(bias, dims = [1]))` (without `relu`,
    the sum): a dense layer, as -mlp-fuse-epilogue makes it from those ops,
    so that the kernel adds the bias and applies relu to each band of rows
    while it is still in cache, instead of another pass over the product.
    ```mlir
    %y = mlp.matmul_bias %x, %w, %b relu
        : tensor<128x784xf32>, tensor<784x256xf32>, tensor<256xf32> to tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Mlp_FloatTensor:$lhs, Mlp_FloatTensor:$rhs, Mlp_FloatTensor:$bias,
                       UnitAttr:$relu);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $bias (`relu` $relu^)? attr-dict `:` type($lhs) `,` type($rhs) `,`
    type($bias) `to` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_MatmulBiasPairOp : Mlp_Op<"matmul_bias_pair", [Pure]> {
  let summary = "Two dense layers on one row, the first read only by the second: one kernel";
  let description = [{
    `matmul_bias(matmul_bias(x, w1, b1 [relu]), w2, b2 [relu])` where x is
    one row, as -mlp-fuse-dense-pair makes it: the runtime splits the first
    layer's outputs over the threads and each thread also computes its
    outputs' share of every sum of the second layer, so both layers' weights
    are read by all cores after one handoff instead of the second layer's
    running on one core after the first.
    ```mlir
    %y = mlp.matmul_bias_pair %x, %w1, %b1 relu then %w2, %b2 relu
        : tensor<1x784xf32>, tensor<784x256xf32>, tensor<256xf32>,
          tensor<256x128xf32>, tensor<128xf32> to tensor<1x128xf32>
    ```
  }];
  let arguments = (ins Mlp_FloatTensor:$lhs, Mlp_FloatTensor:$rhs1, Mlp_FloatTensor:$bias1,
                       UnitAttr:$relu1, Mlp_FloatTensor:$rhs2, Mlp_FloatTensor:$bias2,
                       UnitAttr:$relu2);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs1 `,` $bias1 (`relu` $relu1^)? `then` $rhs2 `,` $bias2 (`relu` $relu2^)?
    attr-dict `:` type($lhs) `,` type($rhs1) `,` type($bias1) `,` type($rhs2) `,` type($bias2)
    `to` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_TransposeOp : Mlp_Op<"transpose", [Pure]> {
  let summary = "Permute dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Mlp_Tensor:$operand, DenseI64ArrayAttr:$perm);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat =
      "$operand `,` `perm` `=` $perm attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
  // Folds the identity and a transpose of a transpose; (A B)^T becomes
  // B^T A^T, whose transposes the matmul lowering reads in place.
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mlp_ReshapeOp : Mlp_Op<"reshape", [Pure]> {
  let summary = "Same elements in row-major order, new static shape";
  let arguments = (ins Mlp_Tensor:$operand);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mlp_ExtractOp : Mlp_Op<"extract", [Pure]> {
  let summary = "Pick positions along some axes and slice the others";
  let description = [{
    `x[i, 1:3]`: the k-th index picks one position along axis
    `index_dims[k]` (that axis is dropped; negative indices count from the
    end). The remaining axes, in order, are sliced by `starts`/`sizes`.
    Indices are bounds-checked at run time.
    ```mlir
    %r = mlp.extract %x[%i] index_dims = [0] starts = [1] sizes = [2]
        : tensor<3x4xf32>, tensor<i64> to tensor<2xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$operand,
                       Variadic<RankedTensorOf<[I64]>>:$indices,
                       DenseI64ArrayAttr:$index_dims,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$sizes);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $operand `[` $indices `]` `index_dims` `=` $index_dims `starts` `=` $starts
    `sizes` `=` $sizes attr-dict `:` type($operand) (`,` type($indices)^)?
    `to` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_ConcatOp : Mlp_Op<"concat", [Pure]> {
  let summary = "Join tensors along an existing axis";
  let description = [{
    ```mlir
    %c = mlp.concat(%a, %b) axis = 0 : tensor<2x3xf32>, tensor<2x3xf32> to tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Variadic<Mlp_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat =
      "`(` $inputs `)` `axis` `=` $axis attr-dict `:` type($inputs) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Runtime interaction: parameters and printing
//===----------------------------------------------------------------------===//

def Mlp_ParamOp : Mlp_Op<"param", [MemoryEffects<[MemRead]>]> {
  let summary = "The value of a pipeline parameter (a command-line flag)";
  let description = [{
    Every `mlp.param` of a module is declared to the runtime, with its type
    and default, before any is read, so `--help` can list them all.
    ```mlir
    %lr = mlp.param "lr" default "0.01" : tensor<f32>
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$default_text);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name `default` $default_text attr-dict `:` type($result)";
}

def Mlp_FormatOp : Mlp_Op<"format", [MemoryEffects<[MemWrite]>]> {
  let summary = "Append a value to the line being printed";
  let description = [{
    `spec` is a Python/fmt format spec (`.3f`) applied to each element.
    ```mlir
    mlp.format %w spec ".3f" : tensor<f32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$value, StrAttr:$spec);
  let assemblyFormat = "$value `spec` $spec attr-dict `:` type($value)";
}

def Mlp_FormatTextOp : Mlp_Op<"format_text", [MemoryEffects<[MemWrite]>]> {
  let summary = "Append literal text to the line being printed";
  let arguments = (ins StrAttr:$text);
  let assemblyFormat = "$text attr-dict";
}

def Mlp_PrintLineOp : Mlp_Op<"print_line", [MemoryEffects<[MemWrite]>]> {
  let summary = "Write the line built so far to standard output";
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Tables and runtime services
//
// Tables, batchers, evaluators and files live in the runtime; the generated
// code holds them as opaque pointers (!llvm.ptr).
//===----------------------------------------------------------------------===//

def Mlp_Handle : Type<CPred<"::llvm::isa<::mlir::LLVM::LLVMPointerType>($_self)">,
                      "runtime object pointer">,
                 BuildableType<"::mlir::LLVM::LLVMPointerType::get($_builder.getContext())">;

def Mlp_StrOp : Mlp_Op<"str", [Pure]> {
  let summary = "A constant NUL-terminated string for the runtime";
  let arguments = (ins StrAttr:$text);
  let results = (outs Mlp_Handle:$result);
  let assemblyFormat = "$text attr-dict";
}

def Mlp_CsvReadOp : Mlp_Op<"csv_read", [MemoryEffects<[MemRead]>]> {
  let summary = "Read a CSV file into a table with the compile-time schema";
  let description = [{
    `schema` lists `name:type` pairs (f32, i64, str) inferred at compile time;
    the runtime fails with a clear error if the file no longer matches.
    `sep` is the field separator, a byte (default `,`); `skip_bad_rows`
    leaves out rows with the wrong number of fields (`on_error: "skip"`);
    `header = false`: the first line is data (`header: false`).
    ```mlir
    %t = mlp.csv_read "data/iris.csv" schema "a:f32,b:str"
    %u = mlp.csv_read "data/eu.csv" schema "a:f32" {sep = 59 : i32}
    ```
  }];
  let arguments = (ins StrAttr:$path, StrAttr:$schema,
                       DefaultValuedAttr<I32Attr, "44">:$sep,
                       DefaultValuedAttr<BoolAttr, "false">:$skip_bad_rows,
                       DefaultValuedAttr<BoolAttr, "true">:$header);
  let results = (outs Mlp_Handle:$result);
  let assemblyFormat = "$path `schema` $schema attr-dict";
}

def Mlp_IdxReadOp : Mlp_Op<"idx_read", [MemoryEffects<[MemRead]>]> {
  let summary = "Read MNIST-style IDX image and label files into a table";
  let description = [{
    The table has an f32 tensor column `image` (shape `expect`, checked
    against the files) and an i64 column `label`. Paths are run-time strings.
    ```mlir
    %t = mlp.idx_read %images, %labels expect "28x28"
    ```
  }];
  let arguments = (ins Mlp_Handle:$images, Mlp_Handle:$labels, StrAttr:$expect);
  let results = (outs Mlp_Handle:$result);
  let assemblyFormat = "$images `,` $labels `expect` $expect attr-dict";
}

def Mlp_StandardizeOp : Mlp_Op<"standardize", [Pure]> {
  let summary = "Scale table columns to mean 0 and standard deviation 1";
  let arguments = (ins Mlp_Handle:$table, StrAttr:$columns);
  let results = (outs Mlp_Handle:$result);
  let assemblyFormat = "$table `columns` $columns attr-dict";
}

def Mlp_SplitOp : Mlp_Op<"split", [Pure]> {
  let summary = "Shuffle a table's rows (seeded) and cut them in two";
  let arguments = (ins Mlp_Handle:$table, F64Attr:$fraction, I64Attr:$seed);
  let results = (outs Mlp_Handle:$first, Mlp_Handle:$second);
  let assemblyFormat = "$table `fraction` $fraction `seed` $seed attr-dict";
}

def Mlp_RuntimeCallOp : Mlp_Op<"rt_call"> {
  let summary = "Call a runtime service; tensors are passed as memrefs";
  let description = [{
    Each tensor operand reaches the C function as an unranked memref
    `(rank, descriptor)`, which it only reads; other operands (pointers, integers, floats) as
    they are. Results are scalars or pointers.
    ```mlir
    %n = mlp.rt_call "mlp_rt_batcher_batches"(%b) : (!llvm.ptr) -> i64
    ```
  }];
  let arguments = (ins StrAttr:$callee, Variadic<AnyType>:$args);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat =
      "$callee `(` $args `)` attr-dict `:` functional-type($args, $results)";
}

def Mlp_RuntimeFillOp : Mlp_Op<"rt_fill", [AttrSizedOperandSegments]> {
  let summary = "Tensors whose contents a runtime service writes";
  let description = [{
    Allocates one buffer per result, calls the C function with `args`
    followed by each buffer as an unranked memref, and yields the buffers as
    tensors. The function's own integer result, if any, is dropped.
    `sizes` are the sizes of the results' dynamic dimensions, in order.
    ```mlir
    %x, %y = mlp.rt_fill "mlp_rt_batcher_fill"(%b, %i) : (!llvm.ptr, i64) -> (tensor<16x4xf32>, tensor<16xi64>)
    %p = mlp.rt_fill "mlp_rt_eval_predictions"(%e) sizes(%n) : (!llvm.ptr) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins StrAttr:$callee, Variadic<AnyType>:$args,
                       Variadic<Index>:$sizes);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` (`sizes` `(` $sizes^ `)`)? attr-dict `:`
    functional-type($args, $results)
  }];
  let builders = [OpBuilder<(ins "TypeRange":$results, "StringRef":$callee,
                                 "ValueRange":$args), [{
    build($_builder, $_state, results, $_builder.getStringAttr(callee), args,
          ValueRange{});
  }]>];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and pooling (NCHW)
//===----------------------------------------------------------------------===//

class Mlp_ConvOp<string mnemonic, string what> : Mlp_Op<mnemonic, [Pure]> {
  let summary = what;
  let arguments = (ins Mlp_FloatTensor:$lhs, Mlp_FloatTensor:$rhs,
                       I64Attr:$stride, I64Attr:$padding, I64Attr:$dilation);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `stride` $stride `padding` $padding `dilation` $dilation
    attr-dict `:` type($lhs) `,` type($rhs) `to` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_Conv2dOp : Mlp_ConvOp<"conv2d",
    "2-D convolution (cross-correlation) of x [B,C,H,W] with w [F,C,KH,KW]"> {
  let description = [{
    Zero padding on both sides; output [B, F, OH, OW] with
    OH = (H + 2 padding - dilation (KH - 1) - 1) / stride + 1, as PyTorch.
    ```mlir
    %y = mlp.conv2d %x, %w stride 1 padding 0 dilation 1
        : tensor<8x1x28x28xf32>, tensor<32x1x3x3xf32> to tensor<8x32x26x26xf32>
    ```
  }];
}

def Mlp_Conv2dBiasOp : Mlp_Op<"conv2d_bias", [Pure]> {
  let summary = "conv2d, plus a bias per output channel, then relu if asked: one kernel";
  let description = [{
    `y = relu(conv2d(x, w) + broadcast(b, dims = [1]))` (without `relu`, the
    sum), as -mlp-fuse-epilogue makes it from those ops, so that the
    kernel adds the bias and applies relu to each sample's output while it
    is still in cache, instead of another pass over the whole batch.
    ```mlir
    %y = mlp.conv2d_bias %x, %w, %b stride 1 padding 0 dilation 1 relu
        : tensor<8x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32> to tensor<8x32x26x26xf32>
    ```
  }];
  let arguments = (ins Mlp_FloatTensor:$lhs, Mlp_FloatTensor:$rhs, Mlp_FloatTensor:$bias,
                       I64Attr:$stride, I64Attr:$padding, I64Attr:$dilation,
                       UnitAttr:$relu);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $bias `stride` $stride `padding` $padding `dilation` $dilation
    (`relu` $relu^)? attr-dict `:` type($lhs) `,` type($rhs) `,` type($bias) `to` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_Conv2dGradInputOp : Mlp_ConvOp<"conv2d_grad_input",
    "Gradient of conv2d with respect to its input: (g [B,F,OH,OW], w) -> [B,C,H,W]"> {
  let description = [{
    The transposed convolution of the output gradient with the weights (the
    result type gives H and W).
  }];
}

def Mlp_Conv2dGradFilterOp : Mlp_ConvOp<"conv2d_grad_filter",
    "Gradient of conv2d with respect to its weights: (x, g [B,F,OH,OW]) -> [F,C,KH,KW]"> {
  let description = [{
    The correlation of the input with the output gradient, summed over the
    batch (the result type gives KH and KW).
  }];
}

def Mlp_Pool2dOp : Mlp_Op<"pool2d", [Pure]> {
  let summary = "Max or average pooling over non-overlapping windows (NCHW)";
  let description = [{
    Window and stride `window`, no padding; rows and columns left over at the
    bottom and right are dropped, as PyTorch does.
    ```mlir
    %y = mlp.pool2d "max", %x window 2 : tensor<8x32x26x26xf32> to tensor<8x32x13x13xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, Mlp_FloatTensor:$operand, I64Attr:$window);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat =
      "$kind `,` $operand `window` $window attr-dict `:` type($operand) `to` type($result)";
  let hasVerifier = 1;
}

def Mlp_Pool2dGradOp : Mlp_Op<"pool2d_grad", [Pure,
    AllTypesMatch<["input", "result"]>, AllTypesMatch<["pooled", "grad"]>]> {
  let summary = "Gradient of pool2d: (x, y = pool2d(x), g) -> dx";
  let description = [{
    max: each window's gradient goes to its maximal elements (every one, on
    ties); avg: spread evenly. Left-over rows and columns get 0.
    max_positive: as max, then 0 wherever the input is not > 0: the gradient
    of max pooling after relu, with relu's mask (`mlp-fuse-pool-grad-relu`).
  }];
  let arguments = (ins StrAttr:$kind, Mlp_FloatTensor:$input,
                       Mlp_FloatTensor:$pooled, Mlp_FloatTensor:$grad,
                       I64Attr:$window);
  let results = (outs Mlp_FloatTensor:$result);
  let assemblyFormat = [{
    $kind `,` $input `,` $pooled `,` $grad `window` $window attr-dict `:`
    type($input) `,` type($pooled) `to` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_Pool2dGradSumsOp : Mlp_Op<"pool2d_grad_sums", [Pure,
    AllTypesMatch<["input", "result"]>, AllTypesMatch<["pooled", "grad"]>]> {
  let summary = "A max pooling gradient and its sums over all but the channels";
  let description = [{
    `pool2d_grad` (kind max or max_positive) whose result also goes to
    `unbroadcast` onto its channels (the bias gradient of the convolution
    before the pooling), made at once (`mlp-fuse-pool-grad-sums`): `sums[c]`
    adds `result[b, c, :, :]` over every sample b, while each plane is in
    cache, instead of reading the whole gradient back.
  }];
  let arguments = (ins StrAttr:$kind, Mlp_FloatTensor:$input,
                       Mlp_FloatTensor:$pooled, Mlp_FloatTensor:$grad,
                       I64Attr:$window);
  let results = (outs Mlp_FloatTensor:$result, Mlp_FloatTensor:$sums);
  let assemblyFormat = [{
    $kind `,` $input `,` $pooled `,` $grad `window` $window attr-dict `:`
    type($input) `,` type($pooled) `to` type($result) `,` type($sums)
  }];
  let hasVerifier = 1;
}

def Mlp_Conv2dBiasPoolOp : Mlp_Op<"conv2d_bias_pool", [Pure]> {
  let summary = "conv2d_bias, then max pooling, in one kernel, with the pooling gradient's mask";
  let description = [{
    `pool2d "max"` of `conv2d_bias`'s output, whose only other readers are
    the pooling's gradients, as -mlp-fuse-conv-pool makes it: the kernel
    pools each sample's output planes while they are in cache and never
    writes the convolution's output (fashion_cnn's first: 11 MB a step,
    written, then read by the pooling and again by its gradient). `mask`
    has that output's shape: 1 where an element is its window's max (with
    `positive`, and > 0), else 0: where `pool2d_grad` of kind max (or
    max_positive) sends each window's gradient, which
    `pool2d_mask_grad_sums` then reads instead of the output.
    ```mlir
    %y, %mask = mlp.conv2d_bias_pool %x, %w, %b stride 1 padding 0 dilation 1 relu window 2 positive
        : tensor<8x1x28x28xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>
          to tensor<8x32x13x13xf32>, tensor<8x32x26x26xi8>
    ```
  }];
  let arguments = (ins Mlp_FloatTensor:$lhs, Mlp_FloatTensor:$rhs, Mlp_FloatTensor:$bias,
                       I64Attr:$stride, I64Attr:$padding, I64Attr:$dilation,
                       UnitAttr:$relu, I64Attr:$window, UnitAttr:$positive);
  let results = (outs Mlp_FloatTensor:$pooled, Mlp_MaskTensor:$mask);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $bias `stride` $stride `padding` $padding `dilation` $dilation
    (`relu` $relu^)? `window` $window (`positive` $positive^)? attr-dict `:`
    type($lhs) `,` type($rhs) `,` type($bias) `to` type($pooled) `,` type($mask)
  }];
  let hasVerifier = 1;
}

def Mlp_Pool2dMaskGradSumsOp : Mlp_Op<"pool2d_mask_grad_sums", [Pure]> {
  let summary = "A max pooling gradient from conv2d_bias_pool's mask, and its channel sums";
  let description = [{
    `pool2d_grad_sums` with the pooling's input read through its mask:
    `result[b, c, y, x] = grad[b, c, y / window, x / window]` where
    `mask[b, c, y, x]` is set, else 0; `sums[c]` adds `result[b, c, :, :]`
    over every sample b.
    ```mlir
    %dx, %db = mlp.pool2d_mask_grad_sums %mask, %g window 2
        : tensor<8x32x26x26xi8>, tensor<8x32x13x13xf32> to tensor<8x32x26x26xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Mlp_MaskTensor:$mask, Mlp_FloatTensor:$grad, I64Attr:$window);
  let results = (outs Mlp_FloatTensor:$result, Mlp_FloatTensor:$sums);
  let assemblyFormat = [{
    $mask `,` $grad `window` $window attr-dict `:` type($mask) `,` type($grad) `to`
    type($result) `,` type($sums)
  }];
  let hasVerifier = 1;
}

def Mlp_Conv2dGradFilterPooledOp : Mlp_Op<"conv2d_grad_filter_pooled", [Pure]> {
  let summary = "conv2d's filter gradient through max pooling's mask, and the channel sums";
  let description = [{
    `conv2d_grad_filter(input, pool2d_mask_grad_sums(mask, grad))` where the
    pooling gradient has no other reader (the first convolution's, whose
    input gradient is not needed), as -mlp-fuse-conv-pool makes it: the
    kernel makes each sample's pooling gradient from the mask while it
    needs it, and never writes it whole. `sums` are
    pool2d_mask_grad_sums's (the convolution's bias gradient).
    ```mlir
    %dw, %db = mlp.conv2d_grad_filter_pooled %x, %mask, %g stride 1 padding 0 dilation 1 window 2
        : tensor<8x1x28x28xf32>, tensor<8x32x26x26xi8>, tensor<8x32x13x13xf32>
          to tensor<32x1x3x3xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Mlp_FloatTensor:$input, Mlp_MaskTensor:$mask, Mlp_FloatTensor:$grad,
                       I64Attr:$stride, I64Attr:$padding, I64Attr:$dilation, I64Attr:$window);
  let results = (outs Mlp_FloatTensor:$result, Mlp_FloatTensor:$sums);
  let assemblyFormat = [{
    $input `,` $mask `,` $grad `stride` $stride `padding` $padding `dilation` $dilation
    `window` $window attr-dict `:` type($input) `,` type($mask) `,` type($grad) `to`
    type($result) `,` type($sums)
  }];
  let hasVerifier = 1;
}

#endif // MLP_OPS
