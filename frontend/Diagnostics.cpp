#include "frontend/Diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace mlp {

/// Returns line `n` (1-based) of `source`, without its newline.
static std::string sourceLine(const std::string &source, int n) {
  size_t start = 0;
  for (int i = 1; i < n && start != std::string::npos; ++i) {
    start = source.find('\n', start);
    if (start != std::string::npos)
      ++start;
  }
  if (start == std::string::npos || start > source.size())
    return "";
  size_t end = source.find('\n', start);
  return source.substr(start, end == std::string::npos ? end : end - start);
}

/// Colours on a terminal, as clang uses them; none when stderr is piped or
/// a file, with NO_COLOR set (no-color.org) or TERM=dumb.
bool colorDiagnostics() {
  static const bool color = [] {
    const char *term = std::getenv("TERM");
    return isatty(fileno(stderr)) && !std::getenv("NO_COLOR") && !(term && std::string(term) == "dumb");
  }();
  return color;
}

void printError(const std::string &message) {
  fputs(colorDiagnostics() ? "\033[1;31merror:\033[0m " : "error: ", stderr);
  fputs(message.c_str(), stderr);
  fputc('\n', stderr);
}

std::string Diagnostics::format(SrcRange range, const char *severity,
                                const std::string &message) const {
  const bool color = colorDiagnostics();
  auto paint = [&](const char *code, const std::string &text) {
    return color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  // In a REPL session, an error in an earlier input (its data file changed
  // since) names the line among all the session's inputs.
  bool earlier = range.begin.line > 0 && range.begin.line <= lineBase_;
  std::string where = (earlier ? std::string("<session>") : path_) + ":" +
                      std::to_string(range.begin.line - (earlier ? 0 : lineBase_)) + ":" +
                      std::to_string(range.begin.col) + ":";
  bool isError = std::string(severity) == "error";
  std::string out = paint("1", where) + " " + paint(isError ? "1;31" : "1;36", std::string(severity) + ":") +
                    " " + paint("1", message) + "\n";
  if (range.begin.line <= 0)
    return out;
  std::string line = sourceLine(source_, range.begin.line);
  out += "    " + line + "\n    ";
  // Tabs stay tabs so the caret lines up under them.
  int col = std::max(1, range.begin.col);
  for (int i = 1; i < col; ++i)
    out += (i - 1 < (int)line.size() && line[i - 1] == '\t') ? '\t' : ' ';
  int width = 1;
  if (range.end.line == range.begin.line && range.end.col > range.begin.col)
    width = range.end.col - range.begin.col;
  else if (range.end.line > range.begin.line)
    width = std::max(1, (int)line.size() - col + 1);
  out += paint("1;32", "^" + std::string(width - 1, '~')) + "\n";
  return out;
}

void Diagnostics::error(SrcRange range, const std::string &message) const {
  std::string text = format(range, "error", message);
  fputs(text.c_str(), stderr);
  throw CompileError(message);
}

void Diagnostics::note(SrcRange range, const std::string &message) const {
  fputs(format(range, "note", message).c_str(), stderr);
}

} // namespace mlp
