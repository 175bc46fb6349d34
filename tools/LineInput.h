// The REPL's input: lines edited with libedit on a terminal (history saved
// across sessions, tab completion), plain lines otherwise.
//
// libedit, not GNU readline: it is BSD-licensed, so mlpc stays free of the
// GPL; LLVM itself edits lines with it; and it is in Debian (libedit-dev).
// replxx, the third candidate, is not packaged for Debian 12.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlp {

class LineInput {
public:
  /// What Tab may put in place of the word before the cursor: the word's
  /// length and its completions (each starting with the word).
  struct Completions {
    size_t wordLength = 0;
    std::vector<std::string> candidates;
  };
  /// Completions for the text before the cursor.
  using Completer = std::function<Completions(const std::string &before)>;

  /// Edits lines when stdin and stdout are terminals; `historyFile` (if not
  /// empty) is loaded now and saved after every line.
  LineInput(const char *program, std::string historyFile, Completer completer);
  ~LineInput();

  /// Whether lines are edited (a terminal) or read as they come.
  bool interactive() const;

  /// The next line without its newline; none at end of input (Ctrl-D on an
  /// empty line). On a terminal `prompt` is shown first.
  std::optional<std::string> read(const char *prompt);

  /// After Ctrl-C left read() by a longjmp: the terminal back to normal and
  /// the half-typed line dropped.
  void reset();

  /// Adds a whole (possibly multi-line) input to the history.
  void remember(const std::string &input);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace mlp
