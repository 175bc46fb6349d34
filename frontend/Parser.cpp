// Runs the ANTLR lexer, the NewlineFilter and the ANTLR parser, turns syntax
// errors into one human message, and builds the AST from the parse tree.
#include "frontend/Parser.h"

#include "frontend/NewlineFilter.h"

#include "MlpBaseVisitor.h"
#include "MlpLexer.h"
#include "MlpParser.h"
#include "antlr4-runtime.h"

#include <algorithm>
#include <cstdlib>

namespace mlp {
namespace {

using antlr4::Token;
using mlpgen::MlpLexer;
using mlpgen::MlpParser;

/// Where the parsed text starts in the file. The main parse starts at 1:1; a
/// string interpolation's expression is parsed on its own and starts inside
/// the string literal.
struct Origin {
  int line = 1;
  int col = 1;
};

/// Code points in bytes [from, to) of UTF-8 `text`: ANTLR counts columns in
/// code points, so offsets inside a token must too.
int codePoints(const std::string &text, size_t from = 0,
               size_t to = std::string::npos) {
  to = std::min(to, text.size());
  int n = 0;
  for (size_t i = from; i < to; ++i)
    n += ((unsigned char)text[i] & 0xC0) != 0x80;
  return n;
}

SrcPos tokenBegin(const Token *tok, Origin origin) {
  int line = (int)tok->getLine();
  int col = (int)tok->getCharPositionInLine();
  return {origin.line + line - 1, (line == 1 ? origin.col : 1) + col};
}

/// One past the token's last character (tokens never span lines).
SrcPos tokenEnd(const Token *tok, Origin origin) {
  SrcPos pos = tokenBegin(tok, origin);
  if (tok->getType() != Token::EOF)
    pos.col += codePoints(tok->getText());
  return pos;
}

SrcRange tokenRange(const Token *tok, Origin origin) {
  return {tokenBegin(tok, origin), tokenEnd(tok, origin)};
}

//===----------------------------------------------------------------------===//
// Syntax errors
//===----------------------------------------------------------------------===//

/// Receives syntax errors from the lexer and from SyntaxErrorStrategy and
/// reports the first one through Diagnostics (which throws).
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
  SyntaxErrorListener(const Diagnostics &diags, Origin origin)
      : diags_(diags), origin_(origin) {}

  [[noreturn]] void report(SrcRange range, const std::string &message) {
    reported_ = true;
    diags_.error(range, message);
  }

  /// Only the lexer calls this: every character lexes (ERROR_CHAR), so it
  /// is a safety net.
  void syntaxError(antlr4::Recognizer *, Token *, size_t line, size_t col,
                   const std::string &, std::exception_ptr) override {
    if (reported_)
      return;
    SrcPos pos{origin_.line + (int)line - 1,
               (line == 1 ? origin_.col : 1) + (int)col};
    report({pos, {pos.line, pos.col + 1}}, "unexpected character");
  }

  Origin origin() const { return origin_; }

private:
  const Diagnostics &diags_;
  Origin origin_;
  bool reported_ = false;
};

bool isOpenBracket(size_t type) {
  return type == MlpLexer::LPAREN || type == MlpLexer::LBRACK ||
         type == MlpLexer::LBRACE;
}

bool isCloseBracket(size_t type) {
  return type == MlpLexer::RPAREN || type == MlpLexer::RBRACK ||
         type == MlpLexer::RBRACE;
}

size_t closerOf(size_t open) {
  if (open == MlpLexer::LPAREN)
    return MlpLexer::RPAREN;
  if (open == MlpLexer::LBRACK)
    return MlpLexer::RBRACK;
  return MlpLexer::RBRACE;
}

bool has(const antlr4::misc::IntervalSet &set, size_t type) {
  return set.contains((ssize_t)type);
}

/// True when string token `str` stops inside an open `{` and `next` follows
/// it directly: `"{f("x")}"` lexes as `"{f("`, `x`, `")}"`.
bool quoteInsideInterpolation(const Token *str, const Token *next) {
  if (str->getType() != MlpLexer::STRING || next->getType() == Token::EOF ||
      str->getLine() != next->getLine() ||
      tokenEnd(str, Origin()).col != tokenBegin(next, Origin()).col)
    return false;
  const std::string text = str->getText();
  int depth = 0;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' || (depth == 0 && (c == '{' || c == '}') && text[i + 1] == c))
      ++i; // an escape, `{{` or `}}`
    else if (c == '{')
      ++depth;
    else if (c == '}' && depth > 0)
      --depth;
  }
  return depth > 0;
}

struct Before;

/// Turns ANTLR's recognition errors into short messages that name the
/// offending token, and stops at the first one: no recovery, no resync.
class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  SyntaxErrorStrategy(SyntaxErrorListener &listener, bool inInterpolation)
      : listener_(listener), inInterpolation_(inInterpolation) {}

  void reportError(antlr4::Parser *parser,
                   const antlr4::RecognitionException &e) override {
    Token *tok = e.getOffendingToken();
    if (!tok)
      tok = parser->getCurrentToken();
    antlr4::misc::IntervalSet expected = expectedOf(e);
    // A prediction that failed past its first token: the expected set
    // describes that first token, not this one.
    auto *noAlt = dynamic_cast<const antlr4::NoViableAltException *>(&e);
    if (noAlt && noAlt->getStartToken() != tok)
      expected = {};
    // A failed predicate (`f32 b` is no `trained Net`) or a token that may
    // start this construct: what is out of place is the token after it.
    bool failedPredicate =
        dynamic_cast<const antlr4::FailedPredicateException *>(&e);
    if (failedPredicate || (noAlt && has(expected, tok->getType()))) {
      antlr4::TokenStream *tokens = parser->getTokenStream();
      if (tokens->LT(1) == tok)
        tok = tokens->LT(2);
      expected = {};
    }
    report(parser, tok, expected);
  }

  /// A missing token is an error right here; no single-token repair.
  Token *recoverInline(antlr4::Parser *parser) override {
    throw antlr4::InputMismatchException(parser);
  }

  /// No resync inside loops: the error then surfaces at the next match,
  /// where the expected set is small and precise.
  void sync(antlr4::Parser *) override {}

private:
  static antlr4::misc::IntervalSet
  expectedOf(const antlr4::RecognitionException &e) {
    try {
      return e.getExpectedTokens();
    } catch (...) {
      return {};
    }
  }

  [[noreturn]] void report(antlr4::Parser *parser, Token *tok,
                           const antlr4::misc::IntervalSet &expected);
  [[noreturn]] void reportEndOfInput(Token *eof, const Before &before);
  void reportUnclosed(antlr4::Parser *parser, Token *tok, const Before &before,
                      const antlr4::misc::IntervalSet &expected);
  [[noreturn]] void reportUnexpected(antlr4::Parser *parser, Token *tok,
                                     const antlr4::misc::IntervalSet &expected);
  std::string describe(const Token *tok) const;
  std::string expectedName(antlr4::Parser *parser, size_t type) const;
  SrcRange range(const Token *tok) const {
    return tokenRange(tok, listener_.origin());
  }

  SyntaxErrorListener &listener_;
  bool inInterpolation_;
};

/// The offending token as the message shows it: `'then'`, `end of line`.
std::string SyntaxErrorStrategy::describe(const Token *tok) const {
  switch (tok->getType()) {
  case Token::EOF:
    return inInterpolation_ ? "end of interpolation" : "end of file";
  case MlpLexer::NEWLINE:
    return "end of line";
  case MlpLexer::STRING: {
    std::string text = tok->getText();
    if (codePoints(text) > 24)
      text = text.substr(0, 20) + "...\"";
    return "string " + text;
  }
  default:
    return "'" + tok->getText() + "'";
  }
}

/// An expected token as the message shows it: `'then'`, `a name`.
std::string SyntaxErrorStrategy::expectedName(antlr4::Parser *parser,
                                              size_t type) const {
  switch (type) {
  case MlpLexer::ID:
    return "a name";
  case MlpLexer::INT:
  case MlpLexer::FLOAT:
    return "a number";
  case MlpLexer::STRING:
    return "a string";
  case MlpLexer::NEWLINE:
    return "end of line";
  case Token::EOF:
    return "end of file";
  default:
    return parser->getVocabulary().getLiteralName(type);
  }
}

/// What the tokens before the offending one leave open.
struct Before {
  Token *inner = nullptr; // innermost bracket still open
  Token *last = nullptr;  // last token that is not a NEWLINE
};

Before scanBefore(antlr4::TokenStream *tokens, const Token *tok) {
  Before before;
  std::vector<Token *> open;
  for (size_t i = 0; i < tok->getTokenIndex(); ++i) {
    Token *t = tokens->get(i);
    if (isOpenBracket(t->getType()))
      open.push_back(t);
    else if (isCloseBracket(t->getType()) && !open.empty())
      open.pop_back();
    if (t->getType() != MlpLexer::NEWLINE)
      before.last = t;
  }
  if (!open.empty())
    before.inner = open.back();
  return before;
}

void SyntaxErrorStrategy::report(antlr4::Parser *parser, Token *tok,
                                 const antlr4::misc::IntervalSet &expected) {
  size_t type = tok->getType();
  if (type == MlpLexer::UNTERMINATED_STRING)
    listener_.report(range(tok), "unterminated string");
  if (type == MlpLexer::ERROR_CHAR)
    listener_.report(range(tok),
                     "unexpected character '" + tok->getText() + "'");

  Before before = scanBefore(parser->getTokenStream(), tok);
  if (before.last && quoteInsideInterpolation(before.last, tok))
    listener_.report(range(before.last),
                     "a string cannot contain another string inside "
                     "'{...}'; bind it with 'let' first");
  if (type == Token::EOF)
    reportEndOfInput(tok, before);
  if (before.inner)
    reportUnclosed(parser, tok, before, expected);
  if (isCloseBracket(type) && !before.inner)
    listener_.report(range(tok), "unmatched '" + tok->getText() + "'");
  reportUnexpected(parser, tok, expected);
}

void SyntaxErrorStrategy::reportEndOfInput(Token *eof, const Before &before) {
  if (before.inner)
    listener_.report(range(before.inner),
                     "unclosed '" + before.inner->getText() + "'");
  // Point just after the last token rather than at an empty last line.
  SrcRange where = range(eof);
  if (before.last && !inInterpolation_) {
    SrcPos end = tokenEnd(before.last, listener_.origin());
    where = {end, {end.line, end.col + 1}};
  }
  listener_.report(where, "unexpected " + describe(eof));
}

/// Reports `expected ')' to close '('` where the open bracket is the likely
/// culprit; returns otherwise.
void SyntaxErrorStrategy::reportUnclosed(
    antlr4::Parser *parser, Token *tok, const Before &before,
    const antlr4::misc::IntervalSet &expected) {
  size_t closer = closerOf(before.inner->getType());
  if (!expected.isEmpty() && !has(expected, closer))
    return;
  // Inside ( ) and [ ] newlines are dropped, so a missing closer shows up
  // on a later line; inside { } only a wrong closer points at it.
  bool parens = before.inner->getType() != MlpLexer::LBRACE;
  bool laterLine = before.last && tok->getLine() > before.last->getLine();
  bool wrongCloser = isCloseBracket(tok->getType()) && tok->getType() != closer;
  if (!wrongCloser && !(parens && laterLine))
    return;
  std::string msg = "expected " + expectedName(parser, closer) + " to close '" +
                    before.inner->getText() + "'";
  if (before.inner->getLine() != tok->getLine())
    msg += " from line " +
           std::to_string(tokenBegin(before.inner, listener_.origin()).line);
  listener_.report(range(tok), msg);
}

/// The general case, phrased by what the parser expected instead.
void SyntaxErrorStrategy::reportUnexpected(
    antlr4::Parser *parser, Token *tok,
    const antlr4::misc::IntervalSet &expected) {
  // Where an item could have ended, the token is simply in the way.
  if (has(expected, MlpLexer::NEWLINE) || has(expected, Token::EOF) ||
      expected.isEmpty())
    listener_.report(range(tok), "unexpected " + describe(tok));

  bool exprStart = has(expected, MlpLexer::ID) && has(expected, MlpLexer::INT);
  if (exprStart && !has(expected, MlpLexer::LET))
    listener_.report(range(tok),
                     "expected an expression, found " + describe(tok));

  std::vector<ssize_t> types = expected.toList();
  if (exprStart || types.size() > 3)
    listener_.report(range(tok), "unexpected " + describe(tok));
  std::string list;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i)
      list += i + 1 == types.size() ? " or " : ", ";
    list += expectedName(parser, (size_t)types[i]);
  }
  listener_.report(range(tok), "expected " + list + ", found " + describe(tok));
}

/// How deep the parse tree and the AST may nest. Unbounded nesting was a
/// crash and a hang: the AST builder, Sema and code generation recurse on the
/// tree, so `f(f(f(...)))` or `1+1+...+1` with a few thousand levels or terms
/// overflowed the stack, and ANTLR's full-context prediction walks the whole
/// rule stack at each level, so `1^1^...^1` took time quadratic in its
/// length. Far above what a program needs (the examples and tests nest at
/// most 28 rules deep); small enough to parse fast and recurse safely.
constexpr int kMaxNesting = 256;

std::string tooDeepMessage() {
  return "expression too long or too deeply nested (more than " + std::to_string(kMaxNesting) +
         " levels)";
}

/// Stops the parse where rules nest deeper than kMaxNesting, before ANTLR
/// spends long on it. (Left-recursive chains such as `a + b + c` parse in a
/// loop: the AST builder limits those.)
class DepthLimit : public antlr4::tree::ParseTreeListener {
public:
  DepthLimit(SyntaxErrorListener &listener, antlr4::Parser &parser)
      : listener_(listener), parser_(parser) {}

  void enterEveryRule(antlr4::ParserRuleContext *) override {
    if (++depth_ > kMaxNesting)
      listener_.report(tokenRange(parser_.getCurrentToken(), listener_.origin()), tooDeepMessage());
  }
  void exitEveryRule(antlr4::ParserRuleContext *) override { --depth_; }
  void reset() { depth_ = 0; }
  void visitTerminal(antlr4::tree::TerminalNode *) override {}
  void visitErrorNode(antlr4::tree::ErrorNode *) override {}

private:
  SyntaxErrorListener &listener_;
  antlr4::Parser &parser_;
  int depth_ = 0;
};

/// The lexer, filter, token stream and parser for one text, wired to report
/// syntax errors through `diags`.
struct ParseSession {
  ParseSession(const std::string &text, Origin origin, const Diagnostics &diags,
               bool inInterpolation)
      : listener(diags, origin), input(text), lexer(&input), filter(lexer),
        tokens(&filter), parser(&tokens), depthLimit(listener, parser),
        inInterpolation(inInterpolation) {
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    parser.removeErrorListeners();
    parser.addParseListener(&depthLimit);
  }

  /// Parses the text with `rule` (program or exprOnly) in two stages, as
  /// ANTLR advises: SLL prediction first, which looks at no outer context
  /// and stops at the first error, then, only where that fails, full LL
  /// with the error strategy that reports. LL alone walked the whole rule
  /// stack at each decision: ten statements `let x = 1^1^...^1` of 500
  /// terms took seconds. Where SLL succeeds, its tree is the one LL builds.
  template <typename Context> Context *parse(Context *(MlpParser::*rule)()) {
    auto *simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    try {
      return (parser.*rule)();
    } catch (const antlr4::ParseCancellationException &) {
    }
    tokens.seek(0);
    parser.reset();
    depthLimit.reset();
    simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<SyntaxErrorStrategy>(listener, inInterpolation));
    parser.addErrorListener(&listener); // (the SLL stage reports nothing)
    return (parser.*rule)();
  }

  SyntaxErrorListener listener;
  antlr4::ANTLRInputStream input;
  MlpLexer lexer;
  NewlineFilter filter;
  antlr4::CommonTokenStream tokens;
  MlpParser parser;
  DepthLimit depthLimit;
  bool inInterpolation;
};

//===----------------------------------------------------------------------===//
// AST building
//===----------------------------------------------------------------------===//

ExprPtr parseInterpolation(const std::string &text, Origin origin,
                           const Diagnostics &diags);

/// Walks the parse tree and builds the AST. Each visit method leaves its
/// node in `expr_`, `stmt_` or `type_`; the typed helpers take it from there.
class AstBuilder : public mlpgen::MlpBaseVisitor {
public:
  AstBuilder(const Diagnostics &diags, Origin origin)
      : diags_(diags), origin_(origin) {}

  std::vector<StmtPtr> program(MlpParser::ProgramContext *ctx) {
    std::vector<StmtPtr> stmts;
    for (auto *s : ctx->stmt())
      stmts.push_back(stmt(s));
    return stmts;
  }

  ExprPtr expr(antlr4::ParserRuleContext *ctx) {
    // A chain `a + b + ... + z` is as deep as it is long (see kMaxNesting).
    if (++depth_ > kMaxNesting)
      diags_.error(range(ctx), tooDeepMessage());
    visit(ctx);
    --depth_;
    return std::move(expr_);
  }
  StmtPtr stmt(antlr4::ParserRuleContext *ctx) {
    visit(ctx);
    return std::move(stmt_);
  }
  TypeExprPtr type(MlpParser::TypeContext *ctx) {
    if (!ctx)
      return nullptr;
    visit(ctx);
    return std::move(type_);
  }

  //--- statements -----------------------------------------------------------

  antlrcpp::Any visitLetStmt(MlpParser::LetStmtContext *ctx) override {
    auto s = makeStmt(StmtKind::Let, ctx);
    for (auto *id : ctx->letNames()->ID())
      bindName(*s, id);
    s->type = type(ctx->type());
    s->value = expr(ctx->expr());
    return done(std::move(s));
  }

  antlrcpp::Any visitParamStmt(MlpParser::ParamStmtContext *ctx) override {
    auto s = makeStmt(StmtKind::Param, ctx);
    bindName(*s, ctx->ID());
    s->type = type(ctx->type());
    s->value = expr(ctx->expr());
    return done(std::move(s));
  }

  antlrcpp::Any visitFnStmt(MlpParser::FnStmtContext *ctx) override {
    auto s = makeStmt(StmtKind::Fn, ctx);
    bindName(*s, ctx->ID());
    s->params = params(ctx->params());
    for (const Param &p : s->params)
      if (!p.type)
        diags_.error(p.range, "parameter '" + p.name +
                                  "' needs a type, as in '" + p.name +
                                  ": f32'");
    s->type = type(ctx->type());
    s->body = block(ctx->block());
    return done(std::move(s));
  }

  antlrcpp::Any visitPrintStmt(MlpParser::PrintStmtContext *ctx) override {
    return valueStmt(StmtKind::Print, ctx, ctx->expr());
  }

  antlrcpp::Any visitReturnStmt(MlpParser::ReturnStmtContext *ctx) override {
    return valueStmt(StmtKind::Return, ctx, ctx->expr());
  }

  antlrcpp::Any visitExprStmt(MlpParser::ExprStmtContext *ctx) override {
    return valueStmt(StmtKind::Expr, ctx, ctx->expr());
  }

  antlrcpp::Any visitDataStmt(MlpParser::DataStmtContext *ctx) override {
    auto s = makeStmt(StmtKind::Data, ctx);
    bindName(*s, ctx->ID());
    if (auto *t = ctx->transform()) {
      s->isTransform = true;
      s->value = transform(t);
    } else {
      s->value = expr(ctx->expr());
    }
    return done(std::move(s));
  }

  antlrcpp::Any visitModelStmt(MlpParser::ModelStmtContext *ctx) override {
    auto s = makeStmt(StmtKind::Model, ctx);
    bindName(*s, ctx->ID());
    s->params = params(ctx->params());
    auto *body = ctx->modelBody();
    s->body = makeExpr(ExprKind::Block, body);
    for (auto *item : body->modelItem())
      s->body->stmts.push_back(stmt(item));
    return done(std::move(s));
  }

  antlrcpp::Any visitTrainStmt(MlpParser::TrainStmtContext *ctx) override {
    bool isFit = ctx->kind->getType() == MlpLexer::FIT;
    auto s = makeStmt(isFit ? StmtKind::Fit : StmtKind::Train, ctx);
    bindName(*s, ctx->ID());
    s->value = expr(ctx->expr(0));
    s->target = expr(ctx->expr(1));
    auto *settings = ctx->settings();
    s->body = makeExpr(ExprKind::Block, settings);
    for (auto *set : settings->setting()) {
      auto item = makeStmt(StmtKind::Assign, set);
      bindName(*item, set->anyName());
      item->value = expr(set->expr());
      s->body->stmts.push_back(std::move(item));
    }
    return done(std::move(s));
  }

  antlrcpp::Any visitPlotStmt(MlpParser::PlotStmtContext *ctx) override {
    return toStmt(StmtKind::Plot, ctx, ctx->expr(0), ctx->expr(1));
  }

  antlrcpp::Any visitSaveStmt(MlpParser::SaveStmtContext *ctx) override {
    return toStmt(StmtKind::Save, ctx, ctx->expr(0), ctx->expr(1));
  }

  antlrcpp::Any visitImportStmt(MlpParser::ImportStmtContext *ctx) override {
    auto s = makeStmt(StmtKind::Import, ctx);
    s->target = stringLiteral(ctx->STRING()->getSymbol());
    return done(std::move(s));
  }

  //--- model items ----------------------------------------------------------

  antlrcpp::Any visitForwardItem(MlpParser::ForwardItemContext *ctx) override {
    if (ctx->ID()->getText() != "forward")
      diags_.error(range(ctx->ID()),
                   "only 'forward(x) = ...' takes parameters in a model body; "
                   "name a layer with 'name = layer'");
    auto s = makeStmt(StmtKind::Forward, ctx);
    bindName(*s, ctx->ID());
    s->params = params(ctx->params());
    s->value = expr(ctx->expr());
    return done(std::move(s));
  }

  antlrcpp::Any visitLayerItem(MlpParser::LayerItemContext *ctx) override {
    auto s = makeStmt(StmtKind::Assign, ctx);
    bindName(*s, ctx->ID());
    s->value = expr(ctx->expr());
    return done(std::move(s));
  }

  antlrcpp::Any visitStageItem(MlpParser::StageItemContext *ctx) override {
    return valueStmt(StmtKind::Expr, ctx, ctx->expr());
  }

  //--- expressions ----------------------------------------------------------

  antlrcpp::Any visitPrimaryExpr(MlpParser::PrimaryExprContext *ctx) override {
    return done(expr(ctx->primary()));
  }

  antlrcpp::Any visitCallExpr(MlpParser::CallExprContext *ctx) override {
    auto e = makeExpr(ExprKind::Call, ctx);
    e->operands.push_back(expr(ctx->expr()));
    if (auto *args = ctx->args())
      for (auto *arg : args->arg())
        e->args.push_back(argument(arg));
    return done(std::move(e));
  }

  antlrcpp::Any visitIndexExpr(MlpParser::IndexExprContext *ctx) override {
    auto e = makeExpr(ExprKind::Index, ctx);
    e->operands.push_back(expr(ctx->expr()));
    for (auto *item : ctx->indexItem())
      e->indices.push_back(indexItem(item));
    return done(std::move(e));
  }

  antlrcpp::Any visitMemberExpr(MlpParser::MemberExprContext *ctx) override {
    auto e = makeExpr(ExprKind::Member, ctx);
    e->operands.push_back(expr(ctx->expr()));
    e->name = ctx->anyName()->getText();
    e->nameRange = range(ctx->anyName());
    return done(std::move(e));
  }

  antlrcpp::Any visitPowExpr(MlpParser::PowExprContext *ctx) override {
    return binary(ctx, "^", ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitMulExpr(MlpParser::MulExprContext *ctx) override {
    return binary(ctx, ctx->op->getText(), ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitAddExpr(MlpParser::AddExprContext *ctx) override {
    return binary(ctx, ctx->op->getText(), ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitRangeExpr(MlpParser::RangeExprContext *ctx) override {
    return binary(ctx, "..", ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitCmpExpr(MlpParser::CmpExprContext *ctx) override {
    return binary(ctx, ctx->op->getText(), ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitAndExpr(MlpParser::AndExprContext *ctx) override {
    return binary(ctx, "and", ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitOrExpr(MlpParser::OrExprContext *ctx) override {
    return binary(ctx, "or", ctx->expr(0), ctx->expr(1));
  }
  antlrcpp::Any visitNegExpr(MlpParser::NegExprContext *ctx) override {
    return unary(ctx, "-", ctx->expr());
  }
  antlrcpp::Any visitNotExpr(MlpParser::NotExprContext *ctx) override {
    return unary(ctx, "not", ctx->expr());
  }

  /// `a |> f(b)` is `f(a, b)`; `a |> f` is `f(a)`.
  antlrcpp::Any visitPipeExpr(MlpParser::PipeExprContext *ctx) override {
    ExprPtr input = expr(ctx->expr(0));
    return done(applyStep(std::move(input), expr(ctx->expr(1)), range(ctx)));
  }

  //--- primaries ------------------------------------------------------------

  antlrcpp::Any visitIntLit(MlpParser::IntLitContext *ctx) override {
    auto e = makeExpr(ExprKind::Number, ctx);
    e->number = std::strtod(ctx->getText().c_str(), nullptr);
    e->isInt = true;
    return done(std::move(e));
  }

  antlrcpp::Any visitFloatLit(MlpParser::FloatLitContext *ctx) override {
    auto e = makeExpr(ExprKind::Number, ctx);
    e->number = std::strtod(ctx->getText().c_str(), nullptr);
    return done(std::move(e));
  }

  antlrcpp::Any visitStringLit(MlpParser::StringLitContext *ctx) override {
    return done(stringLiteral(ctx->STRING()->getSymbol()));
  }

  antlrcpp::Any visitBoolLit(MlpParser::BoolLitContext *ctx) override {
    auto e = makeExpr(ExprKind::Bool, ctx);
    e->boolean = ctx->TRUE() != nullptr;
    return done(std::move(e));
  }

  antlrcpp::Any visitNameExpr(MlpParser::NameExprContext *ctx) override {
    auto e = makeExpr(ExprKind::Name, ctx);
    e->name = ctx->getText();
    e->nameRange = e->range;
    return done(std::move(e));
  }

  /// `(a, b)` and `(a,)` are tuples. Plain parentheses leave no node: the
  /// inner expression keeps its own range.
  antlrcpp::Any visitParenExpr(MlpParser::ParenExprContext *ctx) override {
    if (ctx->expr().size() == 1 && ctx->COMMA().empty())
      return done(expr(ctx->expr(0)));
    return elements(ExprKind::Tuple, ctx, ctx->expr());
  }

  antlrcpp::Any visitListExpr(MlpParser::ListExprContext *ctx) override {
    return elements(ExprKind::List, ctx, ctx->expr());
  }

  antlrcpp::Any visitIfExpr(MlpParser::IfExprContext *ctx) override {
    return elements(ExprKind::If, ctx, ctx->expr());
  }

  antlrcpp::Any visitForExpr(MlpParser::ForExprContext *ctx) override {
    auto e = makeExpr(ExprKind::For, ctx);
    e->loopVar = ctx->ID()->getText();
    e->loopVarRange = range(ctx->ID());
    ExprPtr over = expr(ctx->expr());
    if (over->kind != ExprKind::Binary || over->name != "..")
      diags_.error(over->range,
                   "a for loop runs over a range, as in 'for i in 0..10'");
    e->operands.push_back(std::move(over));
    for (auto *init : ctx->stateInit()) {
      StateInit state;
      state.name = init->ID()->getText();
      state.nameRange = range(init->ID());
      state.init = expr(init->expr());
      e->states.push_back(std::move(state));
    }
    ExprPtr body = block(ctx->block());
    e->stmts = std::move(body->stmts);
    e->result = std::move(body->result);
    return done(std::move(e));
  }

  antlrcpp::Any visitLoadExpr(MlpParser::LoadExprContext *ctx) override {
    auto e = makeExpr(ExprKind::Load, ctx);
    e->operands.push_back(expr(ctx->expr()));
    e->operands.push_back(expr(ctx->primary()));
    return done(std::move(e));
  }

  antlrcpp::Any visitRecordExpr(MlpParser::RecordExprContext *ctx) override {
    auto e = makeExpr(ExprKind::Record, ctx);
    for (auto *field : ctx->recordField()) {
      Arg arg;
      arg.name = field->anyName()->getText();
      arg.nameRange = range(field->anyName());
      arg.value = expr(field->expr());
      e->args.push_back(std::move(arg));
    }
    return done(std::move(e));
  }

  antlrcpp::Any visitBlockExpr(MlpParser::BlockExprContext *ctx) override {
    return done(block(ctx->block()));
  }

  //--- types ----------------------------------------------------------------

  antlrcpp::Any visitTupleType(MlpParser::TupleTypeContext *ctx) override {
    auto t = makeType(TypeExpr::Tuple, ctx);
    for (auto *elem : ctx->type())
      t->fields.emplace_back("", type(elem));
    return done(std::move(t));
  }

  antlrcpp::Any visitModelType(MlpParser::ModelTypeContext *ctx) override {
    auto t = makeType(TypeExpr::Model, ctx);
    t->name = ctx->ID()->getText();
    return done(std::move(t));
  }

  antlrcpp::Any visitTrainedType(MlpParser::TrainedTypeContext *ctx) override {
    auto t = makeType(TypeExpr::Trained, ctx);
    t->name = ctx->ID(1)->getText();
    return done(std::move(t));
  }

  antlrcpp::Any visitTableType(MlpParser::TableTypeContext *ctx) override {
    auto t = makeType(TypeExpr::Table, ctx);
    t->name = "table";
    for (auto *field : ctx->field())
      t->fields.emplace_back(field->anyName()->getText(), type(field->type()));
    return done(std::move(t));
  }

  antlrcpp::Any visitNamedType(MlpParser::NamedTypeContext *ctx) override {
    auto t = makeType(ctx->LBRACK() ? TypeExpr::Tensor : TypeExpr::Scalar, ctx);
    t->name = ctx->ID()->getText();
    for (auto *dimCtx : ctx->dim())
      t->dims.push_back(dim(dimCtx));
    return done(std::move(t));
  }

private:
  //--- positions ------------------------------------------------------------

  SrcRange range(antlr4::ParserRuleContext *ctx) const {
    return {tokenBegin(ctx->getStart(), origin_),
            tokenEnd(ctx->getStop(), origin_)};
  }
  SrcRange range(antlr4::tree::TerminalNode *node) const {
    return tokenRange(node->getSymbol(), origin_);
  }

  //--- node makers ----------------------------------------------------------

  ExprPtr makeExpr(ExprKind kind, antlr4::ParserRuleContext *ctx) const {
    return std::make_unique<Expr>(kind, range(ctx));
  }
  StmtPtr makeStmt(StmtKind kind, antlr4::ParserRuleContext *ctx) const {
    return std::make_unique<Stmt>(kind, range(ctx));
  }
  TypeExprPtr makeType(TypeExpr::Kind kind,
                       antlr4::ParserRuleContext *ctx) const {
    auto t = std::make_unique<TypeExpr>();
    t->kind = kind;
    t->range = range(ctx);
    return t;
  }

  antlrcpp::Any done(ExprPtr e) {
    expr_ = std::move(e);
    return {};
  }
  antlrcpp::Any done(StmtPtr s) {
    stmt_ = std::move(s);
    return {};
  }
  antlrcpp::Any done(TypeExprPtr t) {
    type_ = std::move(t);
    return {};
  }

  template <typename Node> void bindName(Stmt &s, Node *name) {
    s.names.push_back(name->getText());
    s.nameRanges.push_back(range(name));
  }

  //--- statement helpers ----------------------------------------------------

  /// Print, Return, Expr: a statement holding one (optional) expression.
  antlrcpp::Any valueStmt(StmtKind kind, antlr4::ParserRuleContext *ctx,
                          MlpParser::ExprContext *value) {
    auto s = makeStmt(kind, ctx);
    if (value)
      s->value = expr(value);
    return done(std::move(s));
  }

  /// Plot, Save: `verb value to path`.
  antlrcpp::Any toStmt(StmtKind kind, antlr4::ParserRuleContext *ctx,
                       MlpParser::ExprContext *value,
                       MlpParser::ExprContext *path) {
    auto s = makeStmt(kind, ctx);
    s->value = expr(value);
    s->target = expr(path);
    return done(std::move(s));
  }

  std::vector<Param> params(MlpParser::ParamsContext *ctx) {
    std::vector<Param> out;
    if (!ctx)
      return out;
    for (auto *p : ctx->param()) {
      Param param;
      param.name = p->ID()->getText();
      param.range = range(p);
      param.type = type(p->type());
      if (p->expr())
        param.defaultValue = expr(p->expr());
      out.push_back(std::move(param));
    }
    return out;
  }

  /// A `{ }` block of statements; a trailing bare expression is its value.
  ExprPtr block(MlpParser::BlockContext *ctx) {
    auto e = makeExpr(ExprKind::Block, ctx);
    for (auto *s : ctx->stmt())
      e->stmts.push_back(stmt(s));
    if (!e->stmts.empty() && e->stmts.back()->kind == StmtKind::Expr) {
      e->result = std::move(e->stmts.back()->value);
      e->stmts.pop_back();
    }
    return e;
  }

  /// `|> a |> b(x)` becomes `b(a(_), x)`: the steps applied to a `_`
  /// placeholder, in order.
  ExprPtr transform(MlpParser::TransformContext *ctx) {
    std::vector<MlpParser::ExprContext *> steps;
    MlpParser::ExprContext *cur = ctx->expr();
    while (auto *pipe = dynamic_cast<MlpParser::PipeExprContext *>(cur)) {
      steps.push_back(pipe->expr(1));
      cur = pipe->expr(0);
    }
    steps.push_back(cur);
    std::reverse(steps.begin(), steps.end());

    SrcRange pipeRange = range(ctx->PIPE());
    auto acc = std::make_unique<Expr>(ExprKind::Name, pipeRange);
    acc->name = "_";
    acc->nameRange = pipeRange;
    for (auto *step : steps) {
      SrcRange whole{pipeRange.begin, range(step).end};
      acc = applyStep(std::move(acc), expr(step), whole);
    }
    return acc;
  }

  //--- expression helpers ---------------------------------------------------

  /// The call `input |> step` stands for.
  static ExprPtr applyStep(ExprPtr input, ExprPtr step, SrcRange whole) {
    Arg arg;
    arg.value = std::move(input);
    if (step->kind == ExprKind::Call) {
      step->args.insert(step->args.begin(), std::move(arg));
      step->range = whole;
      return step;
    }
    auto call = std::make_unique<Expr>(ExprKind::Call, whole);
    call->operands.push_back(std::move(step));
    call->args.push_back(std::move(arg));
    return call;
  }

  antlrcpp::Any binary(antlr4::ParserRuleContext *ctx, const std::string &op,
                       MlpParser::ExprContext *lhs,
                       MlpParser::ExprContext *rhs) {
    auto e = makeExpr(ExprKind::Binary, ctx);
    e->name = op;
    e->operands.push_back(expr(lhs));
    e->operands.push_back(expr(rhs));
    return done(std::move(e));
  }

  antlrcpp::Any unary(antlr4::ParserRuleContext *ctx, const std::string &op,
                      MlpParser::ExprContext *operand) {
    auto e = makeExpr(ExprKind::Unary, ctx);
    e->name = op;
    e->operands.push_back(expr(operand));
    return done(std::move(e));
  }

  /// Tuple, List, If: a node whose operands are the given expressions.
  antlrcpp::Any elements(ExprKind kind, antlr4::ParserRuleContext *ctx,
                         const std::vector<MlpParser::ExprContext *> &items) {
    auto e = makeExpr(kind, ctx);
    for (auto *item : items)
      e->operands.push_back(expr(item));
    return done(std::move(e));
  }

  Arg argument(MlpParser::ArgContext *ctx) {
    Arg arg;
    if (auto *named = dynamic_cast<MlpParser::NamedArgContext *>(ctx)) {
      arg.name = named->anyName()->getText();
      arg.nameRange = range(named->anyName());
      arg.value = expr(named->expr());
    } else if (auto *assign =
                   dynamic_cast<MlpParser::AssignArgContext *>(ctx)) {
      arg.name = assign->anyName()->getText();
      arg.nameRange = range(assign->anyName());
      arg.value = expr(assign->expr());
      arg.isAssign = true;
    } else {
      auto *pos = static_cast<MlpParser::PositionalArgContext *>(ctx);
      arg.value = expr(pos->expr());
    }
    return arg;
  }

  IndexItem indexItem(MlpParser::IndexItemContext *ctx) {
    IndexItem item;
    item.range = range(ctx);
    if (!ctx->COLON()) {
      item.index = expr(ctx->lo);
      return item;
    }
    item.isSlice = true;
    if (ctx->lo)
      item.start = expr(ctx->lo);
    if (ctx->hi)
      item.stop = expr(ctx->hi);
    return item;
  }

  TypeExpr::Dim dim(MlpParser::DimContext *ctx) {
    TypeExpr::Dim d;
    if (ctx->ID()) {
      d.isSymbol = true;
      d.symbol = ctx->getText();
      return d;
    }
    errno = 0;
    d.size = std::strtoll(ctx->getText().c_str(), nullptr, 10);
    if (errno == ERANGE)
      diags_.error(range(ctx), "dimension " + ctx->getText() + " is too large");
    return d;
  }

  //--- strings --------------------------------------------------------------

  ExprPtr stringLiteral(Token *tok);
  size_t interpolation(Expr &str, const std::string &text, size_t open,
                       SrcPos quote);

  const Diagnostics &diags_;
  Origin origin_;
  ExprPtr expr_;
  StmtPtr stmt_;
  TypeExprPtr type_;
  int depth_ = 0; ///< expressions being built, one inside the other
};

/// The range of bytes [from, to) of a one-line token whose first character
/// (the opening quote) is at `quote`.
SrcRange bytesRange(const std::string &text, SrcPos quote, size_t from,
                    size_t to) {
  return {{quote.line, quote.col + codePoints(text, 0, from)},
          {quote.line, quote.col + codePoints(text, 0, to)}};
}

/// Length in bytes of the UTF-8 character starting with byte `c`.
size_t utf8Length(unsigned char c) {
  return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/// Splits a string token into literal text (escapes resolved, `{{`/`}}`
/// unescaped) and `{expr:spec}` parts.
ExprPtr AstBuilder::stringLiteral(Token *tok) {
  auto str = std::make_unique<Expr>(ExprKind::String, tokenRange(tok, origin_));
  const std::string text = tok->getText();
  SrcPos quote = tokenBegin(tok, origin_);
  std::string literal;
  auto flush = [&] {
    if (literal.empty())
      return;
    StringPart part;
    part.text = std::move(literal);
    str->parts.push_back(std::move(part));
    literal.clear();
  };

  size_t end = text.size() - 1; // the closing quote
  size_t i = 1;
  while (i < end) {
    char c = text[i];
    char next = i + 1 < end ? text[i + 1] : '\0';
    if (c == '\\') {
      switch (next) {
      case 'n':
        literal += '\n';
        break;
      case 't':
        literal += '\t';
        break;
      case '"':
        literal += '"';
        break;
      case '\\':
        literal += '\\';
        break;
      default: {
        size_t len = 1 + utf8Length((unsigned char)next);
        diags_.error(bytesRange(text, quote, i, i + len),
                     "unknown escape '" + text.substr(i, len) +
                         "' (use \\n, \\t, \\\" or \\\\)");
      }
      }
      i += 2;
    } else if ((c == '{' || c == '}') && next == c) {
      literal += c;
      i += 2;
    } else if (c == '}') {
      diags_.error(bytesRange(text, quote, i, i + 1),
                   "single '}' in string (write '}}' for a literal brace)");
    } else if (c == '{') {
      flush();
      i = interpolation(*str, text, i, quote);
    } else {
      literal += c;
      ++i;
    }
  }
  flush();
  return str;
}

/// Parses the `{expr}` or `{expr:spec}` that starts at byte `open` of the
/// string token `text`, appends it to `str`, and returns the byte after its
/// closing brace. The spec starts at the first `:` outside brackets.
size_t AstBuilder::interpolation(Expr &str, const std::string &text,
                                 size_t open, SrcPos quote) {
  size_t end = text.size() - 1;
  size_t colon = std::string::npos;
  size_t close = open + 1;
  std::vector<char> nested; // brackets open inside the interpolation
  for (; close < end; ++close) {
    char c = text[close];
    if (c == '(' || c == '[' || c == '{') {
      nested.push_back(c);
    } else if (c == ')' || c == ']') {
      if (!nested.empty())
        nested.pop_back();
    } else if (c == '}') {
      // A `}` that meets an open `(` or `[` still ends the interpolation;
      // the expression's parser then reports the unclosed bracket.
      if (nested.empty() || nested.back() != '{')
        break;
      nested.pop_back();
    } else if (c == ':' && nested.empty() && colon == std::string::npos) {
      colon = close;
    }
  }
  if (close >= end)
    diags_.error(bytesRange(text, quote, open, open + 1),
                 "unclosed '{' in string (write '{{' for a literal brace)");
  size_t exprEnd = colon == std::string::npos ? close : colon;
  std::string exprText = text.substr(open + 1, exprEnd - open - 1);
  if (exprText.find_first_not_of(" \t") == std::string::npos)
    diags_.error(bytesRange(text, quote, open, close + 1),
                 "empty '{}' in string (write '{{' and '}}' for literal "
                 "braces)");

  StringPart part;
  part.isExpr = true;
  Origin exprOrigin{quote.line,
                    bytesRange(text, quote, open + 1, open + 1).begin.col};
  part.expr = parseInterpolation(exprText, exprOrigin, diags_);
  if (colon != std::string::npos)
    part.spec = text.substr(colon + 1, close - colon - 1);
  str.parts.push_back(std::move(part));
  return close + 1;
}

ExprPtr parseInterpolation(const std::string &text, Origin origin,
                           const Diagnostics &diags) {
  ParseSession session(text, origin, diags, /*inInterpolation=*/true);
  MlpParser::ExprOnlyContext *tree = session.parse(&MlpParser::exprOnly);
  AstBuilder builder(diags, origin);
  return builder.expr(tree->expr());
}

/// Length of the well-formed UTF-8 character at byte `i`, or 0.
size_t validUtf8Length(const std::string &text, size_t i) {
  unsigned char c = text[i];
  if (c < 0x80)
    return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    lo = c == 0xE0 ? 0xA0 : lo; // no overlong forms
    hi = c == 0xED ? 0x9F : hi; // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    lo = c == 0xF0 ? 0x90 : lo;
    hi = c == 0xF4 ? 0x8F : hi; // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > text.size())
    return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = text[i + k];
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
      return 0;
  }
  return len;
}

/// ANTLR's input stream aborts on malformed UTF-8: find it first and report
/// it like any other error.
void checkUtf8(const std::string &text, const Diagnostics &diags) {
  SrcPos pos{1, 1};
  for (size_t i = 0; i < text.size();) {
    size_t len = validUtf8Length(text, i);
    if (!len)
      diags.error({pos, {pos.line, pos.col + 1}},
                  "the file is not valid UTF-8 here");
    if (text[i] == '\n')
      pos = {pos.line + 1, 1};
    else
      ++pos.col;
    i += len;
  }
}

} // namespace

std::unique_ptr<Program> parseProgram(const std::string &path,
                                      std::string source,
                                      const Diagnostics &diags) {
  auto program = std::make_unique<Program>();
  program->path = path;
  checkUtf8(source, diags);
  {
    ParseSession session(source, Origin(), diags, /*inInterpolation=*/false);
    MlpParser::ProgramContext *tree = session.parse(&MlpParser::program);
    AstBuilder builder(diags, Origin());
    program->stmts = builder.program(tree);
  }
  program->source = std::move(source);
  return program;
}

} // namespace mlp
