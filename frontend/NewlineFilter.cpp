#include "frontend/NewlineFilter.h"

#include "MlpLexer.h"

namespace mlp {

using mlpgen::MlpLexer;

/// Tokens after which a line cannot end: the statement goes on.
static bool continuesAfter(size_t type) {
  switch (type) {
  case MlpLexer::NEWLINE: // a repeated newline: blank or comment-only line
  case MlpLexer::PLUS:
  case MlpLexer::MINUS:
  case MlpLexer::STAR:
  case MlpLexer::SLASH:
  case MlpLexer::AT:
  case MlpLexer::PERCENT:
  case MlpLexer::CARET:
  case MlpLexer::LT:
  case MlpLexer::LE:
  case MlpLexer::GT:
  case MlpLexer::GE:
  case MlpLexer::EQ:
  case MlpLexer::NE:
  case MlpLexer::DOTDOT:
  case MlpLexer::AND:
  case MlpLexer::OR:
  case MlpLexer::NOT:
  case MlpLexer::PIPE:
  case MlpLexer::COMMA:
  case MlpLexer::ASSIGN:
  case MlpLexer::ARROW:
  case MlpLexer::COLON:
  case MlpLexer::DOT:
  case MlpLexer::THEN:
  case MlpLexer::ELSE:
    return true;
  default:
    return false;
  }
}

/// Tokens that continue the previous line when they start a line.
static bool continuesBefore(size_t type) {
  return type == MlpLexer::PIPE || type == MlpLexer::THEN ||
         type == MlpLexer::ELSE;
}

/// Starting as if after a NEWLINE drops newlines at the start of the file.
NewlineFilter::NewlineFilter(antlr4::TokenSource &lexer)
    : lexer_(lexer), prev_(MlpLexer::NEWLINE) {}

std::unique_ptr<antlr4::Token> NewlineFilter::pull() {
  if (pending_.empty())
    return lexer_.nextToken();
  std::unique_ptr<antlr4::Token> tok = std::move(pending_.front());
  pending_.pop_front();
  return tok;
}

size_t NewlineFilter::peekType() {
  if (pending_.empty())
    pending_.push_back(lexer_.nextToken());
  return pending_.front()->getType();
}

void NewlineFilter::trackBrackets(size_t type) {
  switch (type) {
  case MlpLexer::LPAREN:
  case MlpLexer::LBRACK:
  case MlpLexer::LBRACE:
    brackets_.push_back(type);
    break;
  case MlpLexer::RPAREN:
  case MlpLexer::RBRACK:
  case MlpLexer::RBRACE:
    // A mismatched closer still closes something; the parser reports it.
    if (!brackets_.empty())
      brackets_.pop_back();
    break;
  default:
    break;
  }
}

bool NewlineFilter::insideParens() const {
  return !brackets_.empty() && brackets_.back() != MlpLexer::LBRACE;
}

std::unique_ptr<antlr4::Token> NewlineFilter::nextToken() {
  while (true) {
    std::unique_ptr<antlr4::Token> tok = pull();
    size_t type = tok->getType();
    if (type != MlpLexer::NEWLINE) {
      trackBrackets(type);
      prev_ = type;
      return tok;
    }
    if (insideParens() || continuesAfter(prev_))
      continue;
    // Runs of newlines collapse into this one; then look at the next line.
    while (peekType() == MlpLexer::NEWLINE)
      pending_.pop_front();
    if (continuesBefore(peekType()))
      continue;
    prev_ = MlpLexer::NEWLINE;
    return tok;
  }
}

} // namespace mlp
