#include "frontend/Diagnostics.h"

#include <algorithm>
#include <cstdio>

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

std::string Diagnostics::format(SrcRange range, const char *severity,
                                const std::string &message) const {
  std::string out = path_ + ":" + std::to_string(range.begin.line) + ":" +
                    std::to_string(range.begin.col) + ": " + severity + ": " +
                    message + "\n";
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
  out += "^" + std::string(width - 1, '~') + "\n";
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
