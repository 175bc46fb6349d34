// The compilation pipeline from the mlp dialect to native code.
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>
#include <vector>

namespace mlp {

/// The stages `mlpc emit --stage` can print.
enum class Stage { Mlp, Linalg, LLVM };

/// Every dialect and interface the pipeline touches (for mlpc and mlp-opt).
void registerPipelineDialects(mlir::DialectRegistry &registry);

/// Passes of each step; `lowerModule` runs them in order.
/// mlp: inline fn calls, generate gradients, canonicalize, drop dead fns.
void addMlpPasses(mlir::OpPassManager &pm);
/// linalg: lower mlp ops, fuse elementwise loops.
void addLinalgPasses(mlir::OpPassManager &pm);
/// llvm: bufferize, free buffers, loops, LLVM dialect.
void addLLVMPasses(mlir::OpPassManager &pm);

/// Lowers a freshly generated module through every step up to `stage`.
/// Errors go to the context's diagnostic handler.
mlir::LogicalResult lowerModule(mlir::ModuleOp module, Stage stage);

/// Runs `mlp_main` of an LLVM-dialect module in-process. argv[0] is the
/// program name shown by --help. Returns the program's exit status.
int runJit(mlir::ModuleOp module, const std::vector<std::string> &args);

/// Compiles an LLVM-dialect module in-process and returns its `mlp_main`, or
/// null after printing why. The code lives as long as `code` does (`mlpc
/// repl` keeps every input's). The caller starts the runtime (mlp_rt_init).
using MainFunction = void (*)();

/// On a function that calls a MainFunction: UBSan's -fsanitize=function
/// (in MLP_SANITIZE builds) would read a type signature in front of the
/// callee, which JIT-compiled code does not have.
#if defined(__clang__)
#define MLP_CALLS_JIT_CODE [[clang::no_sanitize("function")]]
#else
#define MLP_CALLS_JIT_CODE
#endif
MainFunction jitCompile(mlir::ModuleOp module, std::shared_ptr<void> &code);

/// Writes an LLVM-dialect module as textual LLVM IR (for emit --stage llvm).
std::string translateToLLVMIR(mlir::ModuleOp module);

/// Compiles an LLVM-dialect module to a native object file for the host.
mlir::LogicalResult emitObjectFile(mlir::ModuleOp module,
                                   const std::string &path);

} // namespace mlp
