// The typed AST of a `.mlp` program.
//
// The parser (frontend/Parser.cpp) builds it from the ANTLR parse tree; Sema
// (frontend/Sema.cpp) resolves names and fills in `Expr::type`; MLIRGen lowers
// it to the `mlp` dialect. Every node carries the source range it came from so
// that any later stage can point at the user's text.
//
// Desugaring done by the parser, so no later stage sees it:
//   a |> f          -> Call(f, [a])
//   a |> f(b, k: c) -> Call(f, [a, b, k: c])
//   a |> relu |> g  -> Call(g, [Call(relu, [a])])
// A `data` declaration that starts with `|>` (a reusable transform) keeps its
// steps unapplied: DataDecl::isTransform is set and `value` is the pipeline
// applied to a Name("_") placeholder.
#pragma once

#include "frontend/Types.h"

#include <memory>
#include <string>
#include <vector>

namespace mlp {

/// A position in a source file: 1-based line and column.
struct SrcPos {
  int line = 0;
  int col = 0;
};

/// A half-open source range [begin, end) in one file.
struct SrcRange {
  SrcPos begin;
  SrcPos end;
};

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

enum class ExprKind {
  Number,    // 42, 3.5, 1e-3
  Bool,      // true, false
  String,    // "text {expr:.3f} more"
  Name,      // x
  Unary,     // -x, not x
  Binary,    // x + y, x @ y, x < y, x and y, x .. y (range)
  Call,      // f(a, b, key: c)
  Index,     // x[i, :], x[1:3]
  Member,    // t.col, net.history
  Tuple,     // (a, b)
  List,      // [a, b]
  If,        // if c then a else b
  For,       // for i in a..b with (s = init, ...) { body }
  Block,     // { stmts; result }  (fn bodies, for bodies, model/train bodies)
  Load,      // load Model(args) from "path"
  Record,    // {name: value, ...}: the fields are in `args`
};

/// One argument of a call: positional when `name` is empty.
struct Arg {
  std::string name;
  SrcRange nameRange;
  ExprPtr value;
  /// Written `name = value` (`mutate(ratio = a / b)` defines a column)
  /// rather than `name: value`.
  bool isAssign = false;
};

/// One piece of an interpolated string: literal text, or `{expr:spec}`.
struct StringPart {
  bool isExpr = false;
  std::string text;  // the literal text (escapes resolved) when !isExpr
  ExprPtr expr;      // the interpolated expression when isExpr
  std::string spec;  // the format spec after ':' ("" when none), e.g. ".3f"
};

/// One item of an index expression: a single expression (`i`), or a slice
/// `start:stop` where either end may be missing (`:` alone is the full axis).
struct IndexItem {
  bool isSlice = false;
  ExprPtr index;  // when !isSlice
  ExprPtr start;  // when isSlice; may be null
  ExprPtr stop;   // when isSlice; may be null
  SrcRange range;
};

/// A name bound by a loop state: `w = 0.0` in `with (w = 0.0, b = 0.0)`.
struct StateInit {
  std::string name;
  SrcRange nameRange;
  ExprPtr init;
};

struct Expr {
  ExprKind kind;
  SrcRange range;
  /// Filled in by Sema.
  Type type;

  // Number
  double number = 0;
  bool isInt = false;  // written without '.' or exponent
  // Bool
  bool boolean = false;
  // String
  std::vector<StringPart> parts;
  // Name: identifier. Unary/Binary: operator spelling ("-", "not", "+", "@",
  // "==", "and", "..", ...). Member: the member name.
  std::string name;
  SrcRange nameRange;  // Member: range of the member name
  // Unary: operands[0]. Binary: operands[0], operands[1]. Index: operands[0]
  // is the base. Member: operands[0] is the base. Tuple, List: the elements.
  // If: cond, then, else. Call: operands[0] is the callee. Load: operands[0]
  // is the model constructor (a Name or Call), operands[1] the path.
  std::vector<ExprPtr> operands;
  // Call
  std::vector<Arg> args;
  // Index
  std::vector<IndexItem> indices;
  // For: `for var in operands[0] with (states) { body }`, operands[0] is a
  // Binary ".." range. `states` may be empty when the loop has no state.
  std::string loopVar;
  SrcRange loopVarRange;
  std::vector<StateInit> states;
  // For, Block: the body's statements; Block's value is `result` (may be null).
  std::vector<StmtPtr> stmts;
  ExprPtr result;

  Expr(ExprKind kind, SrcRange range) : kind(kind), range(range) {}
};

//===----------------------------------------------------------------------===//
// Types as written in source
//===----------------------------------------------------------------------===//

/// A type annotation as the user wrote it; Sema turns it into a `Type`.
struct TypeExpr {
  enum Kind { Scalar, Tensor, Table, Model, Trained, Tuple } kind = Scalar;
  SrcRange range;
  std::string name;  // scalar name (f32, int, str, ...) or model name
  /// Tensor dims: each an integer literal or a symbolic name.
  struct Dim {
    bool isSymbol = false;
    long long size = 0;
    std::string symbol;
  };
  std::vector<Dim> dims;
  /// Table columns, tuple elements.
  std::vector<std::pair<std::string, std::unique_ptr<TypeExpr>>> fields;
};
using TypeExprPtr = std::unique_ptr<TypeExpr>;

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

enum class StmtKind {
  Let,     // let x = e; let (a, b) = e; let x: T = e
  Param,   // param lr: f32 = 0.01
  Fn,      // fn f(a: T, b: T = d) -> R { body }
  Print,   // print e
  Return,  // return e
  Expr,    // a bare expression (the last one in a block is its value)
  Data,    // data name = pipeline
  Model,   // model Name(params) { items }
  Train,   // train name = Ctor on table { settings }
  Fit,     // fit name = estimator(args) on table { settings }
  Plot,    // plot e to "path"
  Save,    // save e to "path"
  Import,  // import "path"
  Assign,  // name = e   (inside model bodies and train/fit settings only)
  Forward, // forward(x) = e / forward(x: T) = e   (inside model bodies)
};

/// A function or model parameter: `name: type = default`.
struct Param {
  std::string name;
  SrcRange range;
  TypeExprPtr type;  // may be null inside model/forward parameter lists
  ExprPtr defaultValue;  // may be null
};

struct Stmt {
  StmtKind kind;
  SrcRange range;

  // Let: one name, or several for a tuple pattern `let (a, b) = ...`.
  std::vector<std::string> names;
  std::vector<SrcRange> nameRanges;
  // Let/Param: optional annotation. Fn: the return type (may be null).
  TypeExprPtr type;
  // Let, Param (default), Print, Return, Expr, Data, Assign, Forward: the
  // value. Train/Fit: the constructor / estimator call. Plot/Save: the thing
  // plotted or saved.
  ExprPtr value;
  // Train/Fit: the table after `on`. Plot/Save: the path after `to`.
  // Import: the path.
  ExprPtr target;
  // Fn, Model, Forward: parameters.
  std::vector<Param> params;
  // Fn: body (an Expr of kind Block). Model: a Block whose stmts are stage
  // lines (Expr stmts), Assign and Forward items. Train/Fit: a Block whose
  // stmts are Assign items (`epochs = 100`).
  ExprPtr body;
  // Data: set for `data prep = |> step |> step` (a reusable transform).
  bool isTransform = false;

  Stmt(StmtKind kind, SrcRange range) : kind(kind), range(range) {}

  /// The single bound name of Let/Param/Fn/Data/Model/Train/Fit/Assign.
  const std::string &name() const { return names.front(); }
};

/// The i-th positional argument of a call, or null.
inline const Expr *positionalArg(const Expr &call, size_t i) {
  for (const Arg &a : call.args)
    if (a.name.empty() && i-- == 0)
      return a.value.get();
  return nullptr;
}

/// The argument of a call named `name`, or null.
inline const Expr *namedArg(const Expr &call, const std::string &name) {
  for (const Arg &a : call.args)
    if (a.name == name)
      return a.value.get();
  return nullptr;
}

/// A parsed source file.
struct Program {
  std::string path;
  std::string source;  // the whole text, for diagnostics
  std::vector<StmtPtr> stmts;
};

} // namespace mlp
