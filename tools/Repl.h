// `mlpc repl`: an interactive session (tools/Repl.cpp).
#pragma once

#include <string>
#include <vector>

namespace mlp {

/// Runs the session; `args` are the words after `repl`. Returns the exit
/// status: 0, or 1 when stdin is not a terminal and an input failed.
int runRepl(const std::vector<std::string> &args);

/// `mlpc repl --help`.
extern const char *kReplHelp;

} // namespace mlp
