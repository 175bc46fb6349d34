#include "frontend/ASTPrinter.h"

#include <cstdio>
#include <cstdlib>

namespace mlp {

std::string typeExprStr(const TypeExpr &type) {
  switch (type.kind) {
  case TypeExpr::Scalar:
    return type.name;
  case TypeExpr::Tensor: {
    std::string out = type.name + "[";
    for (size_t i = 0; i < type.dims.size(); ++i) {
      const TypeExpr::Dim &d = type.dims[i];
      out += (i ? ", " : "") + (d.isSymbol ? d.symbol : std::to_string(d.size));
    }
    return out + "]";
  }
  case TypeExpr::Table: {
    std::string out = "table{";
    for (size_t i = 0; i < type.fields.size(); ++i)
      out += (i ? ", " : "") + type.fields[i].first + ": " +
             typeExprStr(*type.fields[i].second);
    return out + "}";
  }
  case TypeExpr::Model:
    return "model " + type.name;
  case TypeExpr::Trained:
    return "trained " + type.name;
  case TypeExpr::Tuple: {
    std::string out = "(";
    for (size_t i = 0; i < type.fields.size(); ++i)
      out += (i ? ", " : "") + typeExprStr(*type.fields[i].second);
    return out + ")";
  }
  }
  return "?";
}

namespace {

/// The shortest decimal text that reads back as `v`: stable across runs.
std::string numberStr(double v, bool isInt) {
  char buf[64];
  if (isInt && v < 9e18 && v > -9e18) {
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return buf;
  }
  // Whole floats print as `250.0`, not `2.5e+02`.
  if (v == (double)(long long)v && v < 1e15 && v > -1e15) {
    snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  std::string out = buf;
  // Keep floats recognisable: 1.0 prints as `1.0`, not `1`.
  if (out.find_first_of(".eEn") == std::string::npos)
    out += ".0";
  return out;
}

/// `"text"` with quotes, backslashes and control characters escaped.
std::string quoted(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      out += c;
    }
  }
  return out + "\"";
}

std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i ? ", " : "") + names[i];
  return out;
}

class Printer {
public:
  explicit Printer(bool fullRanges) : fullRanges_(fullRanges) {}

  std::string run(const Program &program) {
    out_ = "Program " + program.path + "\n";
    for (const StmtPtr &s : program.stmts)
      stmt(*s, 1);
    return out_;
  }

private:
  /// Writes one line: indentation, the role prefix, the text, the position.
  void line(int depth, const std::string &role, const std::string &text,
            SrcRange range) {
    out_ +=
        std::string(2 * depth, ' ') + role + text + " @" + pos(range) + "\n";
  }

  std::string pos(SrcRange r) const {
    std::string out =
        std::to_string(r.begin.line) + ":" + std::to_string(r.begin.col);
    if (fullRanges_)
      out += "-" + std::to_string(r.end.line) + ":" + std::to_string(r.end.col);
    return out;
  }

  void type(const TypeExpr *t, int depth, const std::string &role = "type ") {
    if (t)
      line(depth, role, typeExprStr(*t), t->range);
  }

  void params(const std::vector<Param> &ps, int depth) {
    for (const Param &p : ps) {
      line(depth, "", "param " + p.name, p.range);
      type(p.type.get(), depth + 1);
      if (p.defaultValue)
        expr(*p.defaultValue, depth + 1, "default: ");
    }
  }

  void stmt(const Stmt &s, int depth) {
    switch (s.kind) {
    case StmtKind::Let: {
      std::string names =
          s.names.size() == 1 ? s.names[0] : "(" + joinNames(s.names) + ")";
      line(depth, "", "Let " + names, s.range);
      type(s.type.get(), depth + 1);
      expr(*s.value, depth + 1);
      break;
    }
    case StmtKind::Param:
      line(depth, "", "Param " + s.name(), s.range);
      type(s.type.get(), depth + 1);
      expr(*s.value, depth + 1);
      break;
    case StmtKind::Fn:
      line(depth, "", "Fn " + s.name(), s.range);
      params(s.params, depth + 1);
      type(s.type.get(), depth + 1, "returns ");
      expr(*s.body, depth + 1);
      break;
    case StmtKind::Print:
      line(depth, "", "Print", s.range);
      expr(*s.value, depth + 1);
      break;
    case StmtKind::Return:
      line(depth, "", "Return", s.range);
      if (s.value)
        expr(*s.value, depth + 1);
      break;
    case StmtKind::Expr:
      // A bare expression (a model stage line): the expression stands for it.
      expr(*s.value, depth);
      break;
    case StmtKind::Data:
      line(depth, "",
           std::string("Data ") + s.name() +
               (s.isTransform ? " transform" : ""),
           s.range);
      expr(*s.value, depth + 1);
      break;
    case StmtKind::Model:
      line(depth, "", "Model " + s.name(), s.range);
      params(s.params, depth + 1);
      expr(*s.body, depth + 1);
      break;
    case StmtKind::Train:
    case StmtKind::Fit:
      line(depth, "",
           std::string(s.kind == StmtKind::Train ? "Train " : "Fit ") +
               s.name(),
           s.range);
      expr(*s.value, depth + 1);
      expr(*s.target, depth + 1, "on: ");
      expr(*s.body, depth + 1);
      break;
    case StmtKind::Plot:
    case StmtKind::Save:
      line(depth, "", s.kind == StmtKind::Plot ? "Plot" : "Save", s.range);
      expr(*s.value, depth + 1);
      expr(*s.target, depth + 1, "to: ");
      break;
    case StmtKind::Import:
      line(depth, "", "Import", s.range);
      expr(*s.target, depth + 1);
      break;
    case StmtKind::Assign:
      line(depth, "", "Assign " + s.name(), s.range);
      expr(*s.value, depth + 1);
      break;
    case StmtKind::Forward:
      line(depth, "", "Forward", s.range);
      params(s.params, depth + 1);
      expr(*s.value, depth + 1);
      break;
    }
  }

  /// ` : f32[7]` once Sema has typed the expression.
  static std::string typeSuffix(const Expr &e) {
    return e.type.kind == Type::Unknown ? "" : " : " + e.type.str();
  }

  void expr(const Expr &e, int depth, const std::string &role = "") {
    std::string ty = typeSuffix(e);
    int inner = depth + 1;
    switch (e.kind) {
    case ExprKind::Number:
      line(depth, role, "Number " + numberStr(e.number, e.isInt) + ty, e.range);
      break;
    case ExprKind::Bool:
      line(depth, role,
           std::string("Bool ") + (e.boolean ? "true" : "false") + ty, e.range);
      break;
    case ExprKind::String:
      string(e, depth, role);
      break;
    case ExprKind::Name:
      line(depth, role, "Name " + e.name + ty, e.range);
      break;
    case ExprKind::Unary:
    case ExprKind::Binary:
      line(depth, role,
           std::string(e.kind == ExprKind::Unary ? "Unary " : "Binary ") +
               e.name + ty,
           e.range);
      for (const ExprPtr &op : e.operands)
        expr(*op, inner);
      break;
    case ExprKind::Call:
      call(e, depth, role);
      break;
    case ExprKind::Index:
      line(depth, role, "Index" + ty, e.range);
      expr(*e.operands[0], inner);
      for (const IndexItem &item : e.indices)
        index(item, inner);
      break;
    case ExprKind::Member:
      line(depth, role, "Member " + e.name + ty, e.range);
      expr(*e.operands[0], inner);
      break;
    case ExprKind::Tuple:
    case ExprKind::List:
      line(depth, role, (e.kind == ExprKind::Tuple ? "Tuple" : "List") + ty,
           e.range);
      for (const ExprPtr &op : e.operands)
        expr(*op, inner);
      break;
    case ExprKind::Record:
      line(depth, role, "Record" + ty, e.range);
      for (const Arg &arg : e.args)
        expr(*arg.value, inner, arg.name + ": ");
      break;
    case ExprKind::If:
      line(depth, role, "If" + ty, e.range);
      expr(*e.operands[0], inner, "cond: ");
      expr(*e.operands[1], inner, "then: ");
      expr(*e.operands[2], inner, "else: ");
      break;
    case ExprKind::For:
      line(depth, role, "For " + e.loopVar + ty, e.range);
      expr(*e.operands[0], inner, "in: ");
      for (const StateInit &st : e.states) {
        line(inner, "", "state " + st.name, st.nameRange);
        expr(*st.init, inner + 1);
      }
      body(e, inner);
      break;
    case ExprKind::Block:
      line(depth, role, "Block" + ty, e.range);
      body(e, inner);
      break;
    case ExprKind::Load:
      line(depth, role, "Load" + ty, e.range);
      expr(*e.operands[0], inner);
      expr(*e.operands[1], inner, "from: ");
      break;
    }
  }

  void body(const Expr &e, int depth) {
    for (const StmtPtr &s : e.stmts)
      stmt(*s, depth);
    if (e.result)
      expr(*e.result, depth, "result: ");
  }

  /// `Call f` when the callee is a plain name, else a `callee:` child.
  void call(const Expr &e, int depth, const std::string &role) {
    const Expr &callee = *e.operands[0];
    bool named = callee.kind == ExprKind::Name;
    line(depth, role, (named ? "Call " + callee.name : "Call") + typeSuffix(e),
         e.range);
    if (!named)
      expr(callee, depth + 1, "callee: ");
    for (const Arg &arg : e.args) {
      std::string argRole;
      if (!arg.name.empty())
        argRole = arg.name + (arg.isAssign ? " = " : ": ");
      expr(*arg.value, depth + 1, argRole);
    }
  }

  void index(const IndexItem &item, int depth) {
    if (!item.isSlice) {
      expr(*item.index, depth, "index: ");
      return;
    }
    line(depth, "", "slice", item.range);
    if (item.start)
      expr(*item.start, depth + 1, "start: ");
    if (item.stop)
      expr(*item.stop, depth + 1, "stop: ");
  }

  /// `String "text"` when there is nothing to interpolate, else one child
  /// per part.
  void string(const Expr &e, int depth, const std::string &role) {
    bool plain = true;
    for (const StringPart &p : e.parts)
      plain = plain && !p.isExpr;
    if (plain && e.parts.size() <= 1) {
      line(depth, role,
           "String " + quoted(e.parts.empty() ? "" : e.parts[0].text) +
               typeSuffix(e),
           e.range);
      return;
    }
    line(depth, role, "String" + typeSuffix(e), e.range);
    for (const StringPart &p : e.parts) {
      if (!p.isExpr) {
        out_ +=
            std::string(2 * (depth + 1), ' ') + "text " + quoted(p.text) + "\n";
        continue;
      }
      std::string spec = p.spec.empty() ? "" : "spec " + quoted(p.spec) + ": ";
      expr(*p.expr, depth + 1, "interp " + spec);
    }
  }

  bool fullRanges_;
  std::string out_;
};

} // namespace

std::string printAST(const Program &program, bool fullRanges) {
  return Printer(fullRanges).run(program);
}

} // namespace mlp
