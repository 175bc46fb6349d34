// Sema: statements, names, operators, functions and their instances.
// Builtin calls are typed in SemaBuiltins.cpp.
#include "frontend/Sema.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace mlp {

bool isNumeric(ElemType e) { return e != ElemType::Bool && e != ElemType::Str; }
bool isFloatElem(ElemType e) { return e == ElemType::F32 || e == ElemType::F64; }

std::optional<ElemType> elemTypeNamed(const std::string &name) {
  static const std::map<std::string, ElemType> names = {
      {"f32", ElemType::F32}, {"float", ElemType::F32}, {"f64", ElemType::F64},
      {"i32", ElemType::I32}, {"i64", ElemType::I64},   {"int", ElemType::I64},
      {"bool", ElemType::Bool}, {"str", ElemType::Str}};
  auto it = names.find(name);
  if (it == names.end())
    return std::nullopt;
  return it->second;
}

ElemType promote(ElemType a, ElemType b) {
  if (a == b)
    return a;
  if (a == ElemType::F64 || b == ElemType::F64)
    return ElemType::F64;
  if (a == ElemType::F32 || b == ElemType::F32)
    return ElemType::F32;
  return ElemType::I64;  // i32 with i64
}

/// Statements that belong to later parts of the language: they parse today
/// and say so clearly when used. Returns "" for the statements of today.
static std::string laterFeature(StmtKind k, bool inBlock) {
  const char *what = nullptr;
  bool plural = false;
  switch (k) {
  case StmtKind::Import:
    what = "'import'";
    break;
  default:
    return "";
  }
  return std::string(what) + (inBlock ? " inside a block" : "") +
         (plural ? " are" : " is") + " not supported yet";
}

void Sema::unsupported(SrcRange range, const std::string &what) const {
  diags.error(range, what + " is not supported yet");
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void Sema::check() {
  Context top;
  top.notes = &mainNotes;
  top.scopes.emplace_back();
  ctx = &top;
  for (const StmtPtr &s : program.stmts)
    checkTopLevel(*s);
  for (const StmtPtr &s : program.stmts)
    if (s->kind == StmtKind::Fn)
      checkUncalled(*s);
  ctx = nullptr;
}

/// A fn no code calls is still checked: fully with its declared types when
/// they have no symbolic dimensions, else for the names its body uses.
void Sema::checkUncalled(const Stmt &fn) {
  for (const FnInstance &inst : instances)
    if (inst.fn == &fn)
      return;
  std::vector<Type> types;
  bool concrete = true;
  for (const Param &p : fn.params) {
    std::map<std::string, int64_t> none;
    Type t = resolveTypeExpr(*p.type, none, nullptr, "", p.range);
    for (const Dim &d : t.dims)
      concrete = concrete && d.known();
    types.push_back(t);
  }
  if (concrete) {
    instantiate(fn, types, nullptr);
    return;
  }
  std::vector<std::set<std::string>> scopes(1);
  for (const Param &p : fn.params)
    scopes[0].insert(p.name);
  checkNames(*fn.body, scopes, fnVisibleGlobals.at(&fn));
}

void Sema::checkNames(const Expr &e, std::vector<std::set<std::string>> &scopes,
                      size_t visible) {
  auto walk = [&](const Expr *x) {
    if (x)
      checkNames(*x, scopes, visible);
  };
  auto walkStmts = [&](const std::vector<StmtPtr> &stmts) {
    for (const StmtPtr &st : stmts) {
      walk(st->value.get());
      if (st->kind == StmtKind::Let)
        for (const std::string &n : st->names)
          scopes.back().insert(n);
    }
  };
  switch (e.kind) {
  case ExprKind::Name: {
    for (const auto &scope : scopes)
      if (scope.count(e.name))
        return;
    for (size_t i = 0; i < visible; ++i)
      if (globals[i].name == e.name)
        return;
    if (fns.count(e.name) || models.count(e.name))
      return;
    const auto &builtins = builtinNames();
    if (std::find(builtins.begin(), builtins.end(), e.name) != builtins.end())
      return;
    std::vector<std::string> candidates = builtins;
    for (const auto &scope : scopes)
      candidates.insert(candidates.end(), scope.begin(), scope.end());
    for (size_t i = 0; i < visible; ++i)
      candidates.push_back(globals[i].name);
    std::string hint = closestName(e.name, candidates);
    error(e, "unknown name '" + e.name + "'" +
                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
  case ExprKind::For:
    walk(e.operands[0].get());
    for (const StateInit &st : e.states)
      walk(st.init.get());
    scopes.emplace_back();
    scopes.back().insert(e.loopVar);
    for (const StateInit &st : e.states)
      scopes.back().insert(st.name);
    walkStmts(e.stmts);
    walk(e.result.get());
    scopes.pop_back();
    return;
  case ExprKind::Block:
    scopes.emplace_back();
    walkStmts(e.stmts);
    walk(e.result.get());
    scopes.pop_back();
    return;
  case ExprKind::Record: // csv's types: its values are type names
    return;
  default:
    for (const ExprPtr &x : e.operands)
      walk(x.get());
    for (const Arg &a : e.args)
      walk(a.value.get());
    for (const StringPart &p : e.parts)
      walk(p.expr.get());
    for (const IndexItem &i : e.indices) {
      walk(i.index.get());
      walk(i.start.get());
      walk(i.stop.get());
    }
    return;
  }
}

void Sema::bind(const std::string &name, SrcRange range, Local local,
                bool topLevel, const Stmt *param) {
  if (topLevel) {
    Global g;
    g.name = name;
    g.range = range;
    g.type = local.type;
    g.fn = local.fn;
    g.constant = local.constant;
    g.string = local.string;
    g.param = param;
    local.global = (int)globals.size();
    globals.push_back(std::move(g));
  }
  ctx->scopes.back()[name] = std::move(local);
}

std::optional<std::string> literalText(const Expr &e) {
  if (e.kind != ExprKind::String)
    return std::nullopt;
  std::string text;
  for (const StringPart &p : e.parts) {
    if (p.isExpr)
      return std::nullopt;
    text += p.text;
  }
  return text;
}

void Sema::checkTopLevel(const Stmt &s) {
  stmtGlobals[&s] = (int)globals.size();
  std::string later = laterFeature(s.kind, /*inBlock=*/false);
  if (!later.empty())
    diags.error(s.range, later);
  switch (s.kind) {
  case StmtKind::Let:
    return checkLet(s, /*topLevel=*/true);
  case StmtKind::Data:
    return checkData(s);
  case StmtKind::Model:
    return checkModel(s);
  case StmtKind::Train:
    return checkTrain(s);
  case StmtKind::Fit:
    return checkFit(s);
  case StmtKind::Plot:
    return checkPlot(s);
  case StmtKind::Save:
    return checkSave(s);
  case StmtKind::Param: {
    // `param lr = 0.5` parses (the parser recovers), but a param's type
    // makes its flag: it must be written.
    if (!s.type)
      diags.error(s.range, "a param needs its type, as in param lr: f32 = 0.01");
    Type t = check(*s.value);
    std::map<std::string, int64_t> none;
    Type declared = resolveTypeExpr(*s.type, none, nullptr, "", s.type->range);
    if (!declared.isScalar())
      unsupported(s.type->range, "a param of type " + declared.str());
    bool isBoolLiteral = s.value->kind == ExprKind::Bool;
    std::optional<std::string> text;
    if (declared.elem == ElemType::Str) {
      // The default is also the value the compiler checks with (a data
      // file's path is read when compiling).
      const Expr &v = *s.value;
      text = literalText(v);
      if (!text) {
        diags.error(v.range, "param '" + s.name() +
                                 "' is str: its default must be a string "
                                 "literal without {}");
        text = "";
        for (const StringPart &p : v.parts)
          *text += p.text;
      }
    } else if (declared.elem == ElemType::Bool) {
      if (!isBoolLiteral)
        diags.error(s.value->range, "param '" + s.name() +
                                        "' is bool: its default must be true "
                                        "or false");
    } else {
      // The default's source text is what --help shows and what the runtime
      // parses: a number literal, possibly negated.
      const Expr *literal = s.value.get();
      if (literal->kind == ExprKind::Unary && literal->name == "-")
        literal = literal->operands[0].get();
      if (literal->kind != ExprKind::Number || !constant(*s.value))
        diags.error(s.value->range, "param '" + s.name() + "' is " +
                                        declared.str() +
                                        ": its default must be a number literal");
      double v = *constant(*s.value);
      if (!isFloatElem(declared.elem) && std::floor(v) != v)
        diags.error(s.value->range,
                    "param '" + s.name() + "' is " + declared.str() +
                        ": its default must be an integer literal");
    }
    Local l;
    l.type = declared;
    l.string = text;
    params.push_back((int)globals.size());
    bind(s.name(), s.nameRanges.front(), l, true, &s);
    return;
  }
  case StmtKind::Fn: {
    if (fns.count(s.name()) && !allowRedefinition)
      diags.error(s.nameRanges.front(),
                  "function '" + s.name() + "' is already defined");
    // The body is checked at each call, with the arguments' types; the
    // signature is checked here, so a wrong type name is reported even in a
    // fn that is never called.
    std::map<std::string, int64_t> noSymbols;
    for (const Param &p : s.params)
      if (p.type)
        resolveTypeExpr(*p.type, noSymbols, nullptr, "", p.type->range);
    if (s.type)
      resolveTypeExpr(*s.type, noSymbols, nullptr, "", s.type->range);
    fns[s.name()] = &s;
    fnVisibleGlobals[&s] = globals.size();
    Local l;
    l.type.kind = Type::Function;
    l.type.name = s.name();
    l.fn = FnRef{&s, false, {}};
    bind(s.name(), s.nameRanges.front(), l, true);
    return;
  }
  case StmtKind::Print:
    return checkPrint(s);
  case StmtKind::Expr:
    check(*s.value);
    return;
  case StmtKind::Return:
    diags.error(s.range, "'return' is only allowed inside a fn");
  default:
    diags.error(s.range, "this statement is not allowed at the top level");
  }
}

void Sema::checkLocalStmt(const Stmt &s) {
  switch (s.kind) {
  case StmtKind::Let:
    return checkLet(s, false);
  case StmtKind::Print:
    return checkPrint(s);
  case StmtKind::Expr:
    check(*s.value);
    return;
  case StmtKind::Return:
    diags.error(s.range, "'return' is not supported yet: a block's value is "
                         "its last expression");
  default:
    std::string later = laterFeature(s.kind, /*inBlock=*/true);
    if (!later.empty())
      diags.error(s.range, later);
    diags.error(s.range, "this statement is not allowed inside a block");
  }
}

void Sema::checkLet(const Stmt &s, bool topLevel) {
  Type t = check(*s.value);
  if (t.kind == Type::Unit)
    diags.error(s.value->range, "this expression has no value to bind");
  if (s.type) {
    std::map<std::string, int64_t> symbols;
    resolveTypeExpr(*s.type, symbols, &t, "'" + s.name() + "'", s.value->range);
  }
  if (s.names.size() > 1) {
    if (t.kind != Type::Tuple)
      diags.error(s.value->range, "cannot unpack " + t.str() + " into " +
                                      std::to_string(s.names.size()) + " names");
    if (t.elems.size() != s.names.size())
      diags.error(s.value->range,
                  "cannot unpack a tuple of " + std::to_string(t.elems.size()) +
                      " values into " + std::to_string(s.names.size()) + " names");
    for (size_t i = 0; i < s.names.size(); ++i) {
      Local l;
      l.type = t.elems[i];
      if (s.value->kind == ExprKind::Tuple)
        l.constant = constant(*s.value->operands[i]);
      bind(s.names[i], s.nameRanges[i], l, topLevel);
    }
    return;
  }
  Local l;
  l.type = t;
  l.fn = functionValue(*s.value);
  l.constant = constant(*s.value);
  if (s.value->kind == ExprKind::String) {
    bool plain = std::all_of(s.value->parts.begin(), s.value->parts.end(),
                             [](const StringPart &p) { return !p.isExpr; });
    if (plain) {
      std::string text;
      for (const StringPart &p : s.value->parts)
        text += p.text;
      l.string = text;
    }
  }
  bind(s.name(), s.nameRanges.front(), l, topLevel);
}

void Sema::checkPrint(const Stmt &s) {
  Type t = check(*s.value);
  if (t.kind == Type::Function)
    error(*s.value, "cannot print a function");
  if (t.kind == Type::Unit)
    error(*s.value, "this expression has no value to print");
  bool fitted = t.kind == Type::Trained && !t.trained->estimator.empty();
  if ((t.kind == Type::Trained && !fitted) || t.kind == Type::History ||
      t.kind == Type::Model)
    unsupported(s.value->range, "printing " + t.str());
}

//===----------------------------------------------------------------------===//
// Names and compile-time values
//===----------------------------------------------------------------------===//

/// The closest name among `candidates`, for "did you mean" hints.
std::string closestName(const std::string &name,
                        const std::vector<std::string> &candidates) {
  auto distance = [](const std::string &a, const std::string &b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
      row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                           diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t bestDistance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const std::string &c : candidates) {
    size_t d = distance(name, c);
    // A candidate that shares nothing with a short name (`z` and `f1`) is
    // no hint.
    if (d < bestDistance && d < name.size()) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}


const Sema::Local *Sema::lookup(const std::string &name, const Expr *use) {
  for (auto scope = ctx->scopes.rbegin(); scope != ctx->scopes.rend(); ++scope) {
    auto it = scope->find(name);
    if (it != scope->end()) {
      if (it->second.global >= 0 && use)
        ctx->notes->globals[use] = it->second.global;
      return &it->second;
    }
  }
  if (!ctx->instance)
    return nullptr;
  // Inside a fn: the globals its declaration could see, latest first.
  for (size_t i = ctx->visibleGlobals; i-- > 0;) {
    const Global &g = globals[i];
    if (g.name != name)
      continue;
    static thread_local Local found;
    found = Local{g.type, g.fn, g.constant, g.string, (int)i};
    if (use)
      ctx->notes->globals[use] = (int)i;
    if (g.param && g.type.elem == ElemType::Str)
      unsupported(use ? use->range : g.range, "reading a str param inside a fn");
    bool runtimeValue = !g.fn && !g.constant && !g.string;
    auto &caps = ctx->instance->captures;
    if (runtimeValue && std::find(caps.begin(), caps.end(), (int)i) == caps.end())
      caps.push_back((int)i);
    return &found;
  }
  return nullptr;
}

Type Sema::checkName(const Expr &e) {
  if (const Local *l = lookup(e.name, &e)) {
    if (l->labels)
      error(e, "'" + e.name + "' is a str column: a row expression can compare it with a string, "
                              "as in " + e.name + " == \"" +
                   (l->labels->empty() ? std::string("text") : l->labels->front()) + "\"");
    if (l->constant)
      ctx->notes->constants[&e] = *l->constant;
    return record(e, l->type);
  }
  std::vector<std::string> candidates = builtinNames();
  for (const Scope &scope : ctx->scopes)
    for (const auto &entry : scope)
      candidates.push_back(entry.first);
  for (size_t i = 0; i < (ctx->instance ? ctx->visibleGlobals : 0); ++i)
    candidates.push_back(globals[i].name);
  const auto &builtins = builtinNames();
  if (std::find(builtins.begin(), builtins.end(), e.name) != builtins.end())
    error(e, "'" + e.name + "' is a builtin function: call it, as in " +
                 e.name + "(...)");
  std::string hint = closestName(e.name, candidates);
  error(e, "unknown name '" + e.name + "'" +
               (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
}

std::optional<FnRef> Sema::functionValue(const Expr &e) {
  if (e.kind == ExprKind::Name) {
    const Local *l = lookup(e.name, nullptr);
    if (l && l->fn)
      return l->fn;
    return std::nullopt;
  }
  if (e.kind == ExprKind::Call && e.operands[0]->kind == ExprKind::Name &&
      e.operands[0]->name == "grad" && !lookup("grad", nullptr))
    return gradRef(e);
  return std::nullopt;
}

std::optional<std::string> Sema::compileTimeString(const Expr &e) {
  if (e.kind == ExprKind::Name) {
    const Local *l = lookup(e.name, nullptr);
    if (l && l->string)
      return l->string;
    return std::nullopt;
  }
  if (e.kind != ExprKind::String)
    return std::nullopt;
  std::string out;
  for (const StringPart &p : e.parts) {
    if (!p.isExpr) {
      out += p.text;
      continue;
    }
    if (auto text = compileTimeString(*p.expr)) {
      out += *text;
    } else if (auto c = constant(*p.expr)) {
      out += std::floor(*c) == *c ? std::to_string((long long)*c)
                                  : std::to_string(*c);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<double> Sema::constant(const Expr &e) const {
  auto it = ctx->notes->constants.find(&e);
  if (it == ctx->notes->constants.end())
    return std::nullopt;
  return it->second;
}

int64_t Sema::constInt(const Expr &e, const char *what) {
  check(e);
  auto c = constant(e);
  if (!c || std::floor(*c) != *c)
    error(e, std::string(what) + " must be an integer known at compile time");
  // Folding can give inf or 1e300, which no int64_t holds (the cast would be
  // undefined): past 2^53 a double is no exact integer anyway.
  if (std::fabs(*c) > 9007199254740992.0)
    error(e, std::string(what) + " is too large");
  return (int64_t)*c;
}

std::vector<int64_t> Sema::constShape(const Expr &e, const char *what) {
  std::vector<int64_t> dims;
  if (e.kind != ExprKind::List) {
    dims.push_back(constInt(e, what));
  } else {
    for (const ExprPtr &d : e.operands)
      dims.push_back(constInt(*d, what));
  }
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] < 0)
      error(e, std::string(what) + " has a negative dimension (" +
                   std::to_string(dims[i]) + ")");
  record(e, Type::unit());
  return dims;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

Type Sema::check(const Expr &e) {
  // The parser bounds how deep one statement nests, but a fn's body is
  // checked inside each call of it: fns calling one another, each from
  // inside deep expressions, overflowed the stack (8 fns, each calling the
  // last inside 160 nested abs(), did in a release build: about 7 kB of
  // stack a level, twice that with the sanitizers). Real programs nest a
  // few dozen levels.
  constexpr int kMaxCheckDepth = 400;
  struct Depth {
    int &n;
    ~Depth() { --n; }
  } depth{++checkDepth};
  if (checkDepth > kMaxCheckDepth)
    error(e, "the program nests too deeply: more than " + std::to_string(kMaxCheckDepth) +
                 " expressions one inside the other, counting the bodies of the fns called");
  switch (e.kind) {
  case ExprKind::Number:
    ctx->notes->constants[&e] = e.number;
    return record(e, Type::scalar(e.isInt ? ElemType::I64 : ElemType::F32));
  case ExprKind::Bool:
    return record(e, Type::scalar(ElemType::Bool));
  case ExprKind::String:
    return checkString(e);
  case ExprKind::Name:
    return checkName(e);
  case ExprKind::Unary:
    return checkUnary(e);
  case ExprKind::Binary:
    return checkBinary(e);
  case ExprKind::Call:
    return checkCall(e);
  case ExprKind::Index:
    return checkIndex(e);
  case ExprKind::Member:
    return checkMember(e);
  case ExprKind::Tuple: {
    Type t;
    t.kind = Type::Tuple;
    for (const ExprPtr &x : e.operands) {
      Type xt = check(*x);
      if (xt.kind == Type::Function || xt.kind == Type::Unit)
        error(*x, "a tuple can only hold values");
      t.elems.push_back(xt);
    }
    return record(e, t);
  }
  case ExprKind::List:
    error(e, "a list is only allowed as a shape or an argument of "
             "concat/stack");
  case ExprKind::Record:
    error(e, "a {name: value} record is only allowed as csv's types: option");
  case ExprKind::If:
    return checkIf(e);
  case ExprKind::For:
    return checkFor(e);
  case ExprKind::Block:
    return checkBlock(e);
  case ExprKind::Load:
    return checkLoad(e);
  }
  error(e, "unknown expression");
}

/// What a format spec's presentation type (its last character) is for, when
/// that excludes `elem`, as in Python: d b o x X c are for integers, s is for
/// strings; "" when it fits. The runtime checks the rest of the spec.
static std::string specMismatch(const std::string &spec, ElemType elem) {
  if (spec.empty())
    return "";
  char type = spec.back();
  if (isFloatElem(elem) && std::string("dboxXc").find(type) != std::string::npos)
    return "integers";
  if (isNumeric(elem) && type == 's')
    return "strings";
  return "";
}

Type Sema::checkString(const Expr &e) {
  for (const StringPart &p : e.parts)
    if (p.isExpr) {
      Type t = check(*p.expr);
      if (t.kind == Type::Function || t.kind == Type::Unit)
        error(*p.expr, "cannot format " + t.str() + " in a string");
      std::string forWhat = t.isTensor() ? specMismatch(p.spec, t.elem) : "";
      if (!forWhat.empty())
        error(*p.expr, "format spec '" + p.spec + "' is for " + forWhat +
                           ", but this value is " + t.str());
    }
  return record(e, Type::scalar(ElemType::Str));
}

Type Sema::checkUnary(const Expr &e) {
  Type t = check(*e.operands[0]);
  if (!t.isTensor())
    error(*e.operands[0], "'" + e.name + "' needs a number or tensor, got " +
                              t.str());
  if (e.name == "not") {
    if (t.elem != ElemType::Bool)
      error(*e.operands[0], "'not' needs a bool, got " + t.str());
    return record(e, t);
  }
  if (!isNumeric(t.elem))
    error(*e.operands[0], "cannot negate " + t.str());
  if (auto c = constant(*e.operands[0]))
    ctx->notes->constants[&e] = -*c;
  return record(e, t);
}

Type Sema::broadcast(const Type &a, const Type &b, const Expr &where) {
  size_t rank = std::max(a.dims.size(), b.dims.size());
  std::vector<Dim> dims(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right, NumPy style.
    int ia = (int)a.dims.size() - (int)rank + (int)i;
    int ib = (int)b.dims.size() - (int)rank + (int)i;
    int64_t da = ia >= 0 ? a.dims[ia].size : 1;
    int64_t db = ib >= 0 ? b.dims[ib].size : 1;
    // A size known only at run time (-1: one value per table row) meets
    // only itself or 1.
    if (da != db && (da < 0 || db < 0) && da != 1 && db != 1)
      error(where, "cannot broadcast " + a.str() + " and " + b.str() +
                       ": dimension " + std::to_string(i) +
                       " is known only at run time on one side");
    if (da != db && da != 1 && db != 1)
      error(where, "cannot broadcast " + a.str() + " and " + b.str() +
                       ": dimension " + std::to_string(i) + " differs (" +
                       std::to_string(da) + " vs " + std::to_string(db) + ")");
    dims[i].size = da == 1 ? db : da;
  }
  Type t = Type::tensor(promote(a.elem, b.elem), dims);
  return t;
}

/// `col == "text"` (or !=) on a str column in a row expression: compares
/// the row's code with the text's place among the column's labels, known
/// when compiling. Returns false when `e` is no such comparison.
bool Sema::checkLabelCompare(const Expr &e) {
  if (e.name != "==" && e.name != "!=")
    return false;
  for (int side = 0; side < 2; ++side) {
    const Expr &column = *e.operands[side], &text = *e.operands[1 - side];
    if (column.kind != ExprKind::Name)
      continue;
    const Local *l = lookup(column.name, &column);
    if (!l || !l->labels)
      continue;
    std::optional<std::string> value = literalText(text);
    if (!value)
      error(text, "'" + column.name + "' is a str column: compare it with a string literal");
    auto at = std::find(l->labels->begin(), l->labels->end(), *value);
    if (at == l->labels->end()) {
      auto lower = [](std::string t) {
        for (char &c : t)
          c = (char)std::tolower((unsigned char)c);
        return t;
      };
      std::string hint = closestName(*value, *l->labels);
      for (const std::string &label : *l->labels) // "usa" for "USA"
        if (lower(label) == lower(*value))
          hint = label;
      error(text, "'" + *value + "' is not a value of '" + column.name + "'" +
                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    record(column, Type::scalar(ElemType::I64));
    record(text, Type::scalar(ElemType::I64));
    ctx->notes->constants[&text] = double(at - l->labels->begin());
    record(e, Type::scalar(ElemType::Bool));
    return true;
  }
  return false;
}

Type Sema::checkBinary(const Expr &e) {
  const std::string &op = e.name;
  if (checkLabelCompare(e))
    return Type::scalar(ElemType::Bool);
  if (op == "..")
    error(e, "a range 'a..b' is only allowed in a for loop");
  if (op == "%")
    unsupported(e.range, "'%'");
  Type a = check(*e.operands[0]);
  Type b = check(*e.operands[1]);
  for (const auto *side : {&a, &b})
    if (!side->isTensor())
      error(*e.operands[side == &a ? 0 : 1],
            "'" + op + "' needs numbers or tensors, got " + side->str());
  if (a.elem == ElemType::Str || b.elem == ElemType::Str)
    error(e, "'" + op + "' cannot be applied to strings");

  if (op == "and" || op == "or") {
    if (a.elem != ElemType::Bool || b.elem != ElemType::Bool)
      error(e, "'" + op + "' needs bools, got " + a.str() + " and " + b.str());
    return record(e, broadcast(a, b, e));
  }
  if (op == "@") {
    if (!isNumeric(a.elem) || !isNumeric(b.elem) || a.dims.empty() ||
        b.dims.empty() || a.rank() > 2 || b.rank() > 2)
      error(e, "'@' multiplies vectors and matrices, got " + a.str() + " @ " +
                   b.str());
    int64_t k1 = a.dims.back().size;
    int64_t k2 = b.rank() == 2 ? b.dims[0].size : b.dims[0].size;
    if (k1 != k2)
      error(e, "matrix product " + a.str() + " @ " + b.str() +
                   ": inner dimensions differ (" + std::to_string(k1) + " vs " +
                   std::to_string(k2) + ")");
    std::vector<Dim> dims;
    if (a.rank() == 2)
      dims.push_back(a.dims[0]);
    if (b.rank() == 2)
      dims.push_back(b.dims[1]);
    ElemType elem = promote(a.elem, b.elem);
    return record(e, Type::tensor(isFloatElem(elem) ? elem : ElemType::F32, dims));
  }
  bool comparison = op == "<" || op == "<=" || op == ">" || op == ">=" ||
                    op == "==" || op == "!=";
  if (!comparison && (!isNumeric(a.elem) || !isNumeric(b.elem)))
    error(e, "'" + op + "' needs numbers, got " + a.str() + " and " + b.str());
  if (comparison && (a.elem == ElemType::Bool) != (b.elem == ElemType::Bool))
    error(e, "cannot compare " + a.str() + " with " + b.str());
  Type t = broadcast(a, b, e);
  if (comparison) {
    t.elem = ElemType::Bool;
    return record(e, t);
  }
  // '/' and '^' of integers give floats, as in Python.
  if ((op == "/" || op == "^") && !isFloatElem(t.elem))
    t.elem = ElemType::F32;
  auto ca = constant(*e.operands[0]), cb = constant(*e.operands[1]);
  if (ca && cb) {
    double v = op == "+"   ? *ca + *cb
               : op == "-" ? *ca - *cb
               : op == "*" ? *ca * *cb
               : op == "/" ? *ca / *cb
               : op == "^" ? std::pow(*ca, *cb)
                           : NAN;
    if (op == "%")
      v = std::fmod(*ca, *cb);
    if (!std::isnan(v))
      ctx->notes->constants[&e] = v;
  }
  return record(e, t);
}

Type Sema::checkIf(const Expr &e) {
  Type c = check(*e.operands[0]);
  if (!c.isScalar() || c.elem != ElemType::Bool)
    error(*e.operands[0], "the condition of 'if' must be a bool, got " + c.str());
  if (ctx->instance && !ctx->instance->controlFlow)
    ctx->instance->controlFlow = &e;
  Type a = check(*e.operands[1]);
  Type b = check(*e.operands[2]);
  if (a.kind == Type::Tensor && b.kind == Type::Tensor && a.dims == b.dims &&
      isNumeric(a.elem) && isNumeric(b.elem))
    return record(e, Type::tensor(promote(a.elem, b.elem), a.dims));
  if (a.str() != b.str())
    error(e, "the branches of 'if' differ: " + a.str() + " vs " + b.str());
  if (a.elem == ElemType::Str)
    unsupported(e.range, "choosing a string at run time");
  return record(e, a);
}

Type Sema::checkFor(const Expr &e) {
  const Expr &range = *e.operands[0];
  if (range.kind != ExprKind::Binary || range.name != "..")
    error(range, "a for loop needs a range 'start..end'");
  for (int i = 0; i < 2; ++i) {
    Type t = check(*range.operands[i]);
    if (!t.isScalar() || isFloatElem(t.elem) || !isNumeric(t.elem))
      error(*range.operands[i], "range bounds must be integers, got " + t.str());
  }
  record(range, Type::unit());
  if (ctx->instance && !ctx->instance->controlFlow)
    ctx->instance->controlFlow = &e;

  std::vector<Type> stateTypes;
  for (const StateInit &s : e.states) {
    Type t = check(*s.init);
    if (!t.isTensor() || t.elem == ElemType::Str)
      error(*s.init, "loop state '" + s.name + "' must be a number or tensor, "
                     "got " + t.str());
    stateTypes.push_back(t);
  }
  ctx->scopes.emplace_back();
  Local var;
  var.type = Type::scalar(ElemType::I64);
  bind(e.loopVar, e.loopVarRange, var, false);
  for (size_t i = 0; i < e.states.size(); ++i) {
    Local l;
    l.type = stateTypes[i];
    bind(e.states[i].name, e.states[i].nameRange, l, false);
  }
  for (const StmtPtr &s : e.stmts)
    checkLocalStmt(*s);
  Type body = e.result ? check(*e.result) : Type::unit();
  ctx->scopes.pop_back();

  Type expected;
  if (stateTypes.size() == 1) {
    expected = stateTypes[0];
  } else {
    expected.kind = stateTypes.empty() ? Type::Unit : Type::Tuple;
    expected.elems = stateTypes;
  }
  const Expr &where = e.result ? *e.result : e;
  if (body.str() != expected.str()) {
    // A float state may take an integer literal's value: 0.0 vs 0.
    bool ok = body.kind == Type::Tensor && expected.kind == Type::Tensor &&
              body.dims == expected.dims && isNumeric(body.elem) &&
              promote(body.elem, expected.elem) == expected.elem;
    if (body.kind == Type::Tuple && expected.kind == Type::Tuple &&
        body.elems.size() == expected.elems.size()) {
      ok = true;
      for (size_t i = 0; i < body.elems.size(); ++i)
        ok = ok && body.elems[i].dims == expected.elems[i].dims &&
             isNumeric(body.elems[i].elem) &&
             promote(body.elems[i].elem, expected.elems[i].elem) ==
                 expected.elems[i].elem;
    }
    if (!ok)
      error(where, "the loop body must give the next state " + expected.str() +
                       ", but gives " + body.str());
  }
  return record(e, expected);
}

Type Sema::checkBlock(const Expr &e) {
  ctx->scopes.emplace_back();
  for (const StmtPtr &s : e.stmts)
    checkLocalStmt(*s);
  Type t = e.result ? check(*e.result) : Type::unit();
  ctx->scopes.pop_back();
  return record(e, t);
}

Type Sema::checkIndex(const Expr &e) {
  if (ctx->instance && !ctx->instance->indexing)
    ctx->instance->indexing = &e;
  Type base = check(*e.operands[0]);
  if (!base.isTensor() || base.elem == ElemType::Str)
    error(*e.operands[0], "only tensors can be indexed, got " + base.str());
  if ((int)e.indices.size() > base.rank())
    error(e, "too many indices: " + base.str() + " has " +
                 std::to_string(base.rank()) + " dimensions, got " +
                 std::to_string(e.indices.size()));
  std::vector<Dim> dims;
  for (size_t axis = 0; axis < (size_t)base.rank(); ++axis) {
    int64_t size = base.dims[axis].size;
    bool picked = axis < e.indices.size() && !e.indices[axis].isSlice;
    if (size < 0 && !picked)
      unsupported(e.range, "slicing a dimension known only at run time");
    if (axis >= e.indices.size()) {
      dims.push_back(base.dims[axis]);
      continue;
    }
    const IndexItem &item = e.indices[axis];
    if (!item.isSlice) {
      Type t = check(*item.index);
      if (!t.isScalar() || !isNumeric(t.elem) || isFloatElem(t.elem))
        error(*item.index, "an index must be an integer, got " + t.str());
      if (auto c = constant(*item.index))
        if (size >= 0 && (*c >= size || *c < -size))
          error(*item.index, "index " + std::to_string((int64_t)*c) +
                                 " is out of range for dimension " +
                                 std::to_string(axis) + " of " + base.str());
      continue;
    }
    auto bound = [&](const ExprPtr &x, int64_t dflt) {
      if (!x)
        return dflt;
      int64_t v = constInt(*x, "a slice bound");
      if (v < 0)
        v += size;
      return std::clamp<int64_t>(v, 0, size);
    };
    int64_t start = bound(item.start, 0), stop = bound(item.stop, size);
    Dim d;
    d.size = std::max<int64_t>(0, stop - start);
    dims.push_back(d);
  }
  return record(e, Type::tensor(base.elem, dims));
}

//===----------------------------------------------------------------------===//
// Calls and fn instances
//===----------------------------------------------------------------------===//

Type Sema::checkCall(const Expr &e) {
  const Expr &callee = *e.operands[0];
  if (callee.kind == ExprKind::Name) {
    const Local *l = lookup(callee.name, &callee);
    if (!l) {
      const auto &builtins = builtinNames();
      if (std::find(builtins.begin(), builtins.end(), callee.name) !=
          builtins.end()) {
        record(callee, Type::unit());
        return checkBuiltin(e, callee.name);
      }
      checkName(callee);  // reports the unknown name
    }
    if (l->type.kind == Type::Trained) {
      record(callee, l->type);
      return checkPredict(e, l->type);
    }
    if (l->transform) {
      record(callee, l->type);
      return checkTransformCall(e, *l->transform);
    }
    if (l->layer >= 0) {
      record(callee, l->type);
      return checkLayerCall(e, l->layer);
    }
    if (!l->fn)
      error(callee, "'" + callee.name + "' is " + l->type.str() +
                        ", not a function");
    record(callee, l->type);
    return checkFnCall(e, *l->fn);
  }
  // grad(f)(x): the callee is itself a call giving a function.
  Type t = check(callee);
  auto ref = functionValue(callee);
  if (t.kind != Type::Function || !ref)
    error(callee, "this is " + t.str() + ", not a function");
  return checkFnCall(e, *ref);
}

std::vector<const Expr *> Sema::bindArgs(const Expr &call, const Stmt &fn) {
  std::vector<const Expr *> bound(fn.params.size(), nullptr);
  size_t positional = 0;
  for (const Arg &a : call.args) {
    size_t slot;
    if (a.name.empty()) {
      slot = positional++;
      if (slot >= fn.params.size())
        error(*a.value, "'" + fn.name() + "' takes " +
                            std::to_string(fn.params.size()) + " arguments, got " +
                            std::to_string(call.args.size()));
    } else {
      auto it = std::find_if(fn.params.begin(), fn.params.end(),
                             [&](const Param &p) { return p.name == a.name; });
      if (it == fn.params.end())
        diags.error(a.nameRange, "'" + fn.name() + "' has no parameter '" +
                                     a.name + "'");
      slot = it - fn.params.begin();
    }
    if (bound[slot])
      error(*a.value, "parameter '" + fn.params[slot].name + "' is given twice");
    bound[slot] = a.value.get();
  }
  for (size_t i = 0; i < bound.size(); ++i)
    if (!bound[i]) {
      if (!fn.params[i].defaultValue)
        error(call, "missing argument '" + fn.params[i].name + "' of '" +
                        fn.name() + "'");
      bound[i] = fn.params[i].defaultValue.get();
    }
  return bound;
}

Type Sema::checkFnCall(const Expr &e, const FnRef &ref) {
  const Stmt &fn = *ref.fn;
  std::vector<const Expr *> args = bindArgs(e, fn);
  // Check the argument values (defaults too) in the caller's context.
  std::vector<Type> argTypes;
  for (const Expr *a : args) {
    Type t = check(*a);
    if (!t.isTensor() || t.elem == ElemType::Str)
      error(*a, "a fn argument must be a number or tensor, got " + t.str());
    argTypes.push_back(t);
  }
  // Check the arguments against the declared types here, where each one's
  // own location is known, so that a mismatch points at the argument that
  // is wrong (a default value is reported at the call).
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < fn.params.size(); ++i) {
    if (!fn.params[i].type)
      continue;
    bool written = std::any_of(e.args.begin(), e.args.end(), [&](const Arg &a) {
      return a.value.get() == args[i];
    });
    resolveTypeExpr(*fn.params[i].type, symbols, &argTypes[i],
                    "parameter '" + fn.params[i].name + "' of '" + fn.name() +
                        "'",
                    written ? args[i]->range : e.range);
  }
  int index = instantiate(fn, argTypes, &e);
  CallTarget target;
  target.kind = ref.isGrad ? CallTarget::Grad : CallTarget::Fn;
  target.instance = index;
  target.wrt = ref.wrt;
  target.paramArgs = args;
  ctx->notes->calls[&e] = target;

  const FnInstance &inst = instances[index];
  // What a callee cannot differentiate, its caller cannot either.
  if (ctx->instance) {
    if (!ctx->instance->controlFlow)
      ctx->instance->controlFlow = inst.controlFlow;
    if (!ctx->instance->indexing)
      ctx->instance->indexing = inst.indexing;
  }
  if (!ref.isGrad)
    return record(e, inst.result);
  if (!inst.result.isScalar() || !isFloatElem(inst.result.elem))
    error(e, "grad needs '" + fn.name() + "' to return a float scalar, but it "
             "returns " + inst.result.str());
  if (inst.controlFlow)
    unsupported(inst.controlFlow->range,
                "differentiating through loops and conditionals (grad of '" +
                    fn.name() + "')");
  if (inst.indexing)
    unsupported(inst.indexing->range,
                "differentiating through indexing (grad of '" + fn.name() + "')");
  for (int w : ref.wrt)
    if (!isFloatElem(inst.paramTypes[w].elem))
      error(*args[w], "grad with respect to '" + fn.params[w].name +
                          "' needs a float argument, got " +
                          inst.paramTypes[w].str());
  if (ref.wrt.size() == 1)
    return record(e, inst.paramTypes[ref.wrt[0]]);
  Type t;
  t.kind = Type::Tuple;
  for (int w : ref.wrt)
    t.elems.push_back(inst.paramTypes[w]);
  return record(e, t);
}

Type Sema::resolveTypeExpr(const TypeExpr &t,
                           std::map<std::string, int64_t> &symbols,
                           const Type *actual, const std::string &what,
                           SrcRange where) {
  if (t.kind != TypeExpr::Scalar && t.kind != TypeExpr::Tensor)
    unsupported(t.range, "this type annotation");
  std::optional<ElemType> elem = elemTypeNamed(t.name);
  if (!elem)
    diags.error(t.range, "unknown type '" + t.name + "'");
  std::vector<Dim> dims;
  for (const TypeExpr::Dim &d : t.dims) {
    Dim dim;
    if (!d.isSymbol) {
      dim.size = d.size;
    } else if (symbols.count(d.symbol)) {
      dim.size = symbols[d.symbol];
    } else {
      dim.symbol = d.symbol;
    }
    dims.push_back(dim);
  }
  Type declared = Type::tensor(*elem, dims);
  if (!actual)
    return declared;
  auto mismatch = [&](const std::string &why) {
    diags.error(where, what + " expects " + declared.str() + ", got " +
                           actual->str() + why);
  };
  if (!actual->isTensor())
    mismatch("");
  bool elemOk = actual->elem == declared.elem ||
                (actual->isScalar() && isNumeric(actual->elem) &&
                 isFloatElem(declared.elem));
  if (!elemOk)
    mismatch("");
  if (actual->rank() != declared.rank())
    mismatch(" (rank " + std::to_string(actual->rank()) + " vs " +
             std::to_string(declared.rank()) + ")");
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t got = actual->dims[i].size;
    if (!dims[i].known()) {
      symbols[dims[i].symbol] = got;
      declared.dims[i].size = got;
      declared.dims[i].symbol.clear();
    } else if (dims[i].size != got) {
      std::string sym = t.dims[i].isSymbol
                            ? " with " + t.dims[i].symbol + " = " +
                                  std::to_string(dims[i].size)
                            : "";
      diags.error(where, what + " expects " + declared.str() + sym + ", got " +
                             actual->str() + ": dimension " + std::to_string(i) +
                             " differs (" + std::to_string(dims[i].size) +
                             " vs " + std::to_string(got) + ")");
    }
  }
  return declared;
}

int Sema::instantiate(const Stmt &fn, const std::vector<Type> &argTypes,
                      const Expr *call) {
  SrcRange where = call ? call->range : fn.range;
  // Bind parameter types (symbolic dims unify across parameters).
  std::map<std::string, int64_t> symbols;
  std::vector<Type> paramTypes;
  for (size_t i = 0; i < fn.params.size(); ++i) {
    const Param &p = fn.params[i];
    if (!p.type) {
      paramTypes.push_back(argTypes[i]);
      continue;
    }
    paramTypes.push_back(resolveTypeExpr(*p.type, symbols, &argTypes[i],
                                         "parameter '" + p.name + "' of '" +
                                             fn.name() + "'",
                                         where));
  }
  std::string key;
  for (const Type &t : paramTypes)
    key += t.str() + ";";
  for (size_t i = 0; i < instances.size(); ++i)
    if (instances[i].fn == &fn && [&] {
          std::string k;
          for (const Type &t : instances[i].paramTypes)
            k += t.str() + ";";
          return k == key;
        }()) {
      if (instances[i].inProgress)
        diags.error(where, "recursive call of '" + fn.name() +
                               "': recursion is not supported");
      return (int)i;
    }

  int index = (int)instances.size();
  instances.emplace_back();
  {
    FnInstance &inst = instances.back();
    inst.fn = &fn;
    inst.symbol = fn.name() + "_" + std::to_string(index);
    inst.paramTypes = paramTypes;
    inst.inProgress = true;
  }
  Context inner;
  inner.notes = &instances[index].notes;
  inner.scopes.emplace_back();
  inner.instanceIndex = index;
  inner.visibleGlobals = fnVisibleGlobals.at(&fn);
  Context *outer = ctx;
  ctx = &inner;
  FnInstance &inst = instances[index];
  inner.instance = &inst;
  // The symbolic dimensions are values in the body too: `arange(C)`.
  for (const auto &[symbol, size] : symbols) {
    Local l;
    l.type = Type::scalar(ElemType::I64);
    l.constant = (double)size;
    bind(symbol, fn.range, l, false);
  }
  for (size_t i = 0; i < fn.params.size(); ++i) {
    Local l;
    l.type = paramTypes[i];
    bind(fn.params[i].name, fn.params[i].range, l, false);
  }
  Type result;
  try {
    result = check(*fn.body);
  } catch (CompileError &) {
    if (call)
      diags.note(call->range, "in this call of '" + fn.name() + "'");
    throw;
  }
  ctx = outer;
  if (result.kind == Type::Unit)
    diags.error(fn.body->range, "the body of '" + fn.name() +
                                    "' must end with the value it returns");
  if (fn.type)
    resolveTypeExpr(*fn.type, symbols, &result,
                    "the result of '" + fn.name() + "'", fn.body->range);
  inst.result = result;
  inst.inProgress = false;
  return index;
}

} // namespace mlp
