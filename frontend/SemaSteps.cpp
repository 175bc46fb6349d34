// Sema for the data steps that reshape a table: select, drop, drop_na,
// fill_na and onehot. Each gives the schema of its result, and leaves the
// runtime its arguments as one string (notes->strings), see steps.cpp.
#include "frontend/Sema.h"

#include <algorithm>
#include <cstdio>

namespace mlp {

namespace {
std::string joined(const std::vector<std::string> &names, const char *sep) {
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "" : sep) + n;
  return out;
}
} // namespace

bool isDataStep(const std::string &name) {
  return name == "select" || name == "drop" || name == "drop_na" || name == "fill_na" ||
         name == "onehot";
}

Type Sema::checkDataStep(const Expr &e, const std::string &name) {
  std::vector<const Expr *> columns;
  const Expr *source = nullptr;
  for (const Arg &a : e.args)
    if (a.name.empty())
      (source ? columns.push_back(a.value.get()) : void(source = a.value.get()));
  if (!source)
    error(e, "'" + name + "' needs a table");
  Type t = check(*source);
  if (t.kind != Type::Table)
    error(*source, "'" + name + "' needs a table, got " + t.str());
  const TableSchema &in = *t.table;
  auto schema = std::make_shared<TableSchema>(in);
  auto named = [&](const Expr &x) { return column(x, in).name; };
  std::string spec;

  if (name == "fill_na") {
    // fill_na(col: mean|median|mode|<number>|"text", ...)
    if (!columns.empty())
      error(*columns[0], "fill_na takes one `column: how` per column, as in "
                         "fill_na(horsepower: median)");
    for (const Arg &a : e.args) {
      if (a.name.empty())
        continue;
      Expr ref(ExprKind::Name, a.nameRange);
      ref.name = a.name;
      const Column &c = column(ref, in);
      const Expr &how = *a.value;
      bool text = c.elem == ElemType::Str;
      std::string entry;
      if (how.kind == ExprKind::Name &&
          (how.name == "mean" || how.name == "median" || how.name == "mode")) {
        if (text && how.name != "mode")
          error(how, "the str column '" + c.name + "' has no " + how.name +
                         "; fill it with mode or a string");
        record(how, Type::unit());
        entry = how.name;
      } else if (how.kind == ExprKind::String && text) {
        record(how, Type::scalar(ElemType::Str));
        for (const StringPart &p : how.parts)
          entry += p.isExpr ? "" : p.text;
        // A new value joins the column's labels (onehot makes its column).
        auto &labels = std::find_if(schema->columns.begin(), schema->columns.end(),
                                    [&](const Column &x) { return x.name == c.name; })
                           ->labels;
        if (!std::binary_search(labels.begin(), labels.end(), entry))
          labels.insert(std::lower_bound(labels.begin(), labels.end(), entry), entry);
        entry = "label:" + entry;
      } else if (!text && how.kind != ExprKind::String && (check(how), constant(how))) {
        char value[32];
        std::snprintf(value, sizeof value, "%.17g", *constant(how));
        entry = std::string("value:") + value;
      } else {
        error(how, std::string("fill_na fills the ") + (text ? "str" : "numeric") +
                       " column '" + c.name + "' with " +
                       (text ? "mode or a string" : "mean, median, mode or a number"));
      }
      spec += c.name + "\t" + entry + "\n";
    }
    if (spec.empty())
      error(e, "fill_na needs `column: how`, as in fill_na(horsepower: median)");
    spec.pop_back();
  } else {
    for (const Arg &a : e.args)
      if (!a.name.empty())
        diags.error(a.nameRange, "'" + name + "' takes column names");
    std::vector<std::string> listed;
    for (const Expr *x : columns) {
      if (x->kind == ExprKind::List) {
        record(*x, Type::unit());
        for (const ExprPtr &y : x->operands)
          listed.push_back(named(*y));
      } else {
        listed.push_back(named(*x));
      }
    }
    if (listed.empty() && name != "drop_na")
      error(e, "'" + name + "' needs the columns it works on");
    auto has = [&](const std::string &n) {
      return std::find(listed.begin(), listed.end(), n) != listed.end();
    };
    if (name == "select" || name == "drop") {
      std::vector<Column> kept;
      if (name == "select")
        for (const std::string &n : listed)
          kept.push_back(*in.find(n));
      else
        for (const Column &c : in.columns)
          if (!has(c.name))
            kept.push_back(c);
      if (kept.empty())
        error(e, "'" + name + "' would leave the table with no columns");
      schema->columns = kept;
      std::vector<std::string> names;
      for (const Column &c : kept)
        names.push_back(c.name);
      spec = joined(names, ",");
    } else if (name == "drop_na") {
      spec = joined(listed, ",");
    } else { // onehot: the str column -> one f32 column per value seen now
      for (size_t i = 0; i < listed.size(); ++i) {
        const Column &c = *in.find(listed[i]);
        if (c.elem != ElemType::Str || !c.shape.empty())
          error(*columns[std::min(i, columns.size() - 1)],
                "onehot needs a str column; '" + c.name + "' holds " +
                    (c.elem == ElemType::Str ? "tensors" : "numbers"));
        if (c.labels.empty())
          error(*columns[std::min(i, columns.size() - 1)],
                "onehot: the column '" + c.name + "' has no values");
        auto &cols = schema->columns;
        cols.erase(std::remove_if(cols.begin(), cols.end(),
                                  [&](const Column &x) { return x.name == c.name; }),
                   cols.end());
        for (const std::string &label : c.labels) {
          Column dummy;
          dummy.name = c.name + "_" + label;
          dummy.elem = ElemType::F32;
          if (schema->find(dummy.name))
            error(*columns[std::min(i, columns.size() - 1)],
                  "onehot would make the column '" + dummy.name + "', which the table has already");
          cols.push_back(dummy);
        }
        ctx->notes->stepLabels[&e].push_back({c.name, joined(c.labels, "\n")});
      }
    }
  }
  ctx->notes->strings[&e] = spec;
  Type r = t;
  r.table = schema;
  return record(e, r);
}

} // namespace mlp
