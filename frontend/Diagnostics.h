// User-facing diagnostics: `file:line:col: error: message`, the source line,
// and a caret under the offending span.
#pragma once

#include "frontend/AST.h"

#include <stdexcept>
#include <string>

namespace mlp {

/// Thrown after a diagnostic has been printed; the driver catches it and
/// exits non-zero. One error stops compilation, so users see one clear message.
struct CompileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Whether diagnostics on stderr get colours: a terminal, no NO_COLOR.
bool colorDiagnostics();

/// `error: <message>` on stderr for an error with no place in the source (a
/// file that cannot be opened, a failed link), "error:" coloured as above.
void printError(const std::string &message);

class Diagnostics {
public:
  /// `lineBase`: lines of `source` before the text `path` names (a REPL
  /// input comes after the earlier ones), left out of the line numbers shown.
  Diagnostics(std::string path, const std::string &source, int lineBase = 0)
      : path_(std::move(path)), source_(source), lineBase_(lineBase) {}

  /// Prints the error with its source line and caret, then throws CompileError.
  [[noreturn]] void error(SrcRange range, const std::string &message) const;
  /// Prints a note (no throw), e.g. where a name was declared.
  void note(SrcRange range, const std::string &message) const;

  /// Formats without printing; used by tests and by the REPL.
  std::string format(SrcRange range, const char *severity,
                     const std::string &message) const;

  const std::string &path() const { return path_; }

private:
  std::string path_;
  const std::string &source_;
  int lineBase_;
};

} // namespace mlp
