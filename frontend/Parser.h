// The parser: `.mlp` source text to the AST of frontend/AST.h.
#pragma once

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"

#include <memory>
#include <string>

namespace mlp {

/// Parses a whole `.mlp` file. `path` is recorded in the Program; `diags`
/// must describe the same text as `source`. The first syntax error is
/// reported through `diags.error`, which throws CompileError.
std::unique_ptr<Program> parseProgram(const std::string &path,
                                      std::string source,
                                      const Diagnostics &diags);

} // namespace mlp
