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

#include <map>
#include <vector>

namespace mlp {

/// Loads the dialects MLIRGen emits into `context`.
void loadFrontendDialects(mlir::MLIRContext &context);

/// A value an earlier REPL input bound, kept in the runtime's store
/// (mlp_rt_repl_*): shaped like the generator's value, with each tensor,
/// string or runtime object in a slot of its own.
struct StoredValue {
  int kind = 0;                   // the generator's kind of value (GenValue)
  int64_t slot = -1;              // a leaf's slot; -1: none (a model untrained)
  mlir::Type type;                // a leaf's tensor type, or !llvm.ptr
  std::vector<StoredValue> elems; // a tuple's elements, a model's parameters
};

/// One input of a `mlpc repl` session. The program holds every input so far;
/// the earlier ones ran already, so only this one is generated: it loads the
/// earlier values it reads from the store and stores the ones it binds.
struct ReplInput {
  size_t firstStmt = 0;  // program.stmts[firstStmt..] are this input
  int lineBase = 0;      // lines before the input's first (locations count from it)
  std::map<int, StoredValue> stored;  // earlier inputs' values, by Sema's global id
  int64_t nextSlot = 0;               // the store's next free slot
  bool show = true;  // a bare expression prints `name : type = value`
  /// Set by generateMLIR: the values this input binds, once it has run.
  std::map<int, StoredValue> bound;
};

/// Builds the module of a program that Sema has checked: all of it, or the
/// last input of a REPL session.
mlir::OwningOpRef<mlir::ModuleOp> generateMLIR(mlir::MLIRContext &context,
                                               const Sema &sema,
                                               ReplInput *repl = nullptr);

} // namespace mlp
