// A readable, stable dump of the AST: `mlpc emit --stage ast` and lit tests.
#pragma once

#include "frontend/AST.h"

#include <string>

namespace mlp {

/// One node per line, `Kind name @line:col`, children indented by two
/// spaces; a child's role (`on:`, `cond:`, an argument name) prefixes it.
/// With `fullRanges`, positions print as `@line:col-line:col` (end exclusive).
/// Expressions whose type Sema has inferred end with ` : <type>`.
std::string printAST(const Program &program, bool fullRanges = false);

/// The annotation as written: `f32[N, 784]`, `table{a: f32}`, `trained Net`.
std::string typeExprStr(const TypeExpr &type);

} // namespace mlp
