// The MLIRGen class, shared by MLIRGen.cpp (statements, operators, calls)
// and MLIRGenBuiltins.cpp (builtin functions). Not part of the public API.
#pragma once

#include "frontend/MLIRGen.h"
#include "ir/MlpOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace mlp {

/// One piece of a string value: literal text, or a value with a format spec.
struct StrPiece {
  std::string text;
  mlir::Value value;  // null for literal text
  std::string spec;
};

/// What an expression evaluates to during generation.
struct GenValue {
  enum Kind { None, Tensor, Tuple, Str } kind = None;
  mlir::Value value;            // Tensor
  std::vector<GenValue> elems;  // Tuple
  std::vector<StrPiece> pieces; // Str

  static GenValue tensor(mlir::Value v) {
    GenValue g;
    g.kind = Tensor;
    g.value = v;
    return g;
  }
};

class MLIRGen {
public:
  MLIRGen(mlir::MLIRContext &context, const Sema &sema)
      : context(context), sema(sema), b(&context) {}

  mlir::OwningOpRef<mlir::ModuleOp> generate();

  // Statements and expressions (MLIRGen.cpp).
  void genStmt(const Stmt &s, bool topLevel);
  GenValue gen(const Expr &e);
  GenValue genBinary(const Expr &e);
  GenValue genCall(const Expr &e);
  GenValue genIndex(const Expr &e);
  GenValue genIf(const Expr &e);
  GenValue genFor(const Expr &e);
  void genPrint(const GenValue &v, mlir::Location loc);
  mlir::func::FuncOp instanceFunction(int index);
  mlir::func::FuncOp gradFunction(int index, const std::vector<int> &wrt);

  // Builtins (MLIRGenBuiltins.cpp).
  GenValue genBuiltin(const Expr &e, const std::string &name);

  // Helpers.
  mlir::Location loc(SrcRange r);
  mlir::Location loc(const Expr &e) { return loc(e.range); }
  const Type &typeOf(const Expr &e) { return notes->type(&e); }
  mlir::RankedTensorType tensorType(const Type &t);
  mlir::Type elementType(ElemType e);
  /// A rank-0 or splat constant of `type`.
  mlir::Value splat(const Type &type, double value, mlir::Location l);
  /// Converts `v` to `target`'s element type and broadcasts it to its shape.
  mlir::Value coerce(mlir::Value v, const Type &target, mlir::Location l);
  mlir::Value tensorOf(const Expr &e);
  /// Flattens a value (tuples included) into SSA values and rebuilds it.
  void flatten(const GenValue &v, std::vector<mlir::Value> &out);
  GenValue unflatten(const Type &t, mlir::ValueRange values, size_t &pos);
  mlir::Value scalarToIndex(mlir::Value v, mlir::Location l);
  std::optional<double> constant(const Expr &e) const;
  void bindLocal(const std::string &name, GenValue v) {
    scopes.back()[name] = std::move(v);
  }

  mlir::MLIRContext &context;
  const Sema &sema;
  mlir::OpBuilder b;
  mlir::ModuleOp module;
  /// The context being generated: the top level or one fn instance.
  const Annotations *notes = nullptr;
  std::vector<std::map<std::string, GenValue>> scopes;
  /// Values of top-level bindings: in main, all of them; in a fn instance,
  /// its captured ones (function arguments).
  std::map<int, GenValue> globals;
  std::map<int, mlir::func::FuncOp> instanceFns;
  std::map<std::string, mlir::func::FuncOp> gradFns;
};

} // namespace mlp
