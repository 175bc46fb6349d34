// MLIRGen: the checked AST to the `mlp` dialect.
//
// The top level becomes `func.func @mlp_main()`; each fn instance Sema made
// becomes a private `func.func` (captured top-level values are extra
// trailing arguments); `grad` becomes a bodiless function with `mlp.grad_of`
// for the autodiff pass to fill. Loops and conditionals use `scf`.
#pragma once

#include "frontend/Sema.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlp {

/// Loads the dialects MLIRGen emits into `context`.
void loadFrontendDialects(mlir::MLIRContext &context);

/// Builds the module of a program that Sema has checked.
mlir::OwningOpRef<mlir::ModuleOp> generateMLIR(mlir::MLIRContext &context,
                                               const Sema &sema);

} // namespace mlp
