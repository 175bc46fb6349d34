// Sits between the ANTLR lexer and parser and drops the NEWLINE tokens that do
// not end a statement (LANGUAGE.md §1), the way Python's tokenizer joins
// lines. This keeps the line-continuation rules out of the grammar.
#pragma once

#include "antlr4-runtime.h"

#include <deque>
#include <memory>
#include <vector>

namespace mlp {

/// A NEWLINE reaches the parser only where an item ends. It is dropped:
///  - inside open `(` or `[` (but not directly inside `{ }`, where newlines
///    separate items),
///  - after a token that cannot end an item: a binary operator, `|>`, `,`,
///    `=`, `->`, `:`, `.`, `not`, `then`, `else`,
///  - before a line that starts with `|>`, `then` or `else`,
///  - when it repeats a NEWLINE (blank and comment-only lines), or comes
///    first in the file.
class NewlineFilter : public antlr4::TokenSource {
public:
  explicit NewlineFilter(antlr4::TokenSource &lexer);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override {
    return lexer_.getCharPositionInLine();
  }
  antlr4::CharStream *getInputStream() override {
    return lexer_.getInputStream();
  }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken> *getTokenFactory() override {
    return lexer_.getTokenFactory();
  }

private:
  std::unique_ptr<antlr4::Token> pull();
  size_t peekType();
  void trackBrackets(size_t type);
  bool insideParens() const;

  antlr4::TokenSource &lexer_;
  /// Tokens read ahead while looking past a NEWLINE.
  std::deque<std::unique_ptr<antlr4::Token>> pending_;
  /// Open brackets, innermost last (token types).
  std::vector<size_t> brackets_;
  /// Type of the last token handed out; NEWLINE at the start of the file.
  size_t prev_;
};

} // namespace mlp
