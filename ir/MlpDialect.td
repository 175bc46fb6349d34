//===- MlpDialect.td - the mlp dialect ---------------------*- tablegen -*-===//
//
// `mlp` is the tensor-level dialect that `.mlp` programs are lowered to. Its
// ops work on builtin ranked tensors; scalars are rank-0 tensors. Elementwise
// ops take operands of one shape: broadcasting is explicit (`mlp.broadcast`),
// so that autodiff and fusion never have to rediscover it.
//
//===----------------------------------------------------------------------===//
#ifndef MLP_DIALECT
#define MLP_DIALECT

include "mlir/IR/OpBase.td"

def Mlp_Dialect : Dialect {
  let name = "mlp";
  let summary = "Tensor-level ops of the .mlp pipeline language";
  let description = [{
    Elementwise math, reductions, matmul, shape ops, tensor creation and the
    side-effecting ops that talk to the runtime (printing, parameters).
    Functions, calls and control flow use `func` and `scf`. A `func.func`
    without a body that carries `mlp.grad_of` is filled in by the autodiff pass.
  }];
  let cppNamespace = "::mlir::mlp";
  // Runtime objects (tables, files) are held as !llvm.ptr.
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

class Mlp_Op<string mnemonic, list<Trait> traits = []> :
    Op<Mlp_Dialect, mnemonic, traits>;

#endif // MLP_DIALECT
