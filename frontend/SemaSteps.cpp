// Sema for the data steps that reshape a table: select, drop, drop_na,
// fill_na, onehot, label_encode, minmax, head, shuffle and sort. Each gives the schema of its result, and leaves the
// runtime its arguments as one string (notes->strings), see steps.cpp.
#include "frontend/Sema.h"
#include "runtime/tokens.h"
#include "runtime/transform_file.h"

#include <algorithm>
#include <set>

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
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
         name == "onehot" || name == "label_encode" || name == "minmax" || name == "head" ||
         name == "shuffle" || name == "sort" || name == "rename" || name == "group_by" ||
         name == "agg" || name == "join" || name == "parse_dates" || name == "window" ||
         name == "tokenize";
}

/// `t |> prep` for `data prep = |> steps`: the steps applied to t. The first
/// application learns the statistics of standardize, minmax and fill_na;
/// the later ones reuse them, so test data is scaled as the training data
/// was. All applications must see the same columns.
Type Sema::checkTransformCall(const Expr &e, const Stmt &transform) {
  if (e.args.size() != 1 || !e.args[0].name.empty())
    error(e, "the transform '" + transform.name() + "' takes one table, as in t |> " +
                 transform.name());
  Type t = check(*e.args[0].value);
  if (t.kind != Type::Table)
    error(*e.args[0].value, "the transform '" + transform.name() + "' needs a table, got " + t.str());
  std::string columns = tableColumns(*t.table);
  auto [first, isFirst] = transformInputs.try_emplace(&transform, columns);
  if (!isFirst && first->second != columns)
    error(*e.args[0].value, "the transform '" + transform.name() +
                                "' learned on a table with columns " + first->second +
                                "; this one has " + columns);
  ctx->scopes.emplace_back();
  Local input;
  input.type = t;
  bind("_", e.args[0].value->range, input, false);
  auto loaded = loadedTransforms.find(&transform);
  fixedLabels = loaded != loadedTransforms.end() ? &loaded->second.labels : nullptr;
  Type r = check(*transform.value);
  fixedLabels = nullptr;
  ctx->scopes.pop_back();
  if (r.kind != Type::Table)
    error(e, "the transform '" + transform.name() + "' gives " + r.str() + ", not a table");
  std::string header = transformHeader(transform, columns);
  if (isFirst)
    transformHeaders[&transform] = header;
  if (loaded != loadedTransforms.end() && header != loaded->second.header)
    error(*e.args[0].value, "'" + loaded->second.path + "' holds a transform that was saved as\n  " +
                                loaded->second.header.substr(0, loaded->second.header.find("\nlabels")) +
                                "\nbut this '" + transform.name() + "' applied here is\n  " +
                                header.substr(0, header.find("\nlabels")));
  // A loaded transform never learns: its statistics come from the file.
  ctx->notes->transformCalls[&e] = {&transform, isFirst && loaded == loadedTransforms.end()};
  return record(e, r);
}

namespace {
/// A label list in a header line: tab-separated, with \, tab and newline
/// escaped.
std::string escapedLabels(const std::vector<std::string> &labels) {
  std::string out;
  for (const std::string &l : labels) {
    if (!out.empty())
      out += '\t';
    for (char c : l)
      out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : std::string(1, c);
  }
  return out;
}
std::vector<std::string> unescapedLabels(const std::string &text) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\t') {
      out.emplace_back();
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      char c = text[++i];
      out.back() += c == 't' ? '\t' : c == 'n' ? '\n' : c;
    } else {
      out.back() += text[i];
    }
  }
  return out;
}
} // namespace

/// What a saved transform's file says of it (runtime/transform_file.h): the
/// columns it was applied to, its steps with their arguments, and the labels
/// of its onehot and label_encode steps. Lines: `columns: ...`, `steps: ...`,
/// then `labels COLUMN: a<TAB>b...` per encoded column.
std::string Sema::transformHeader(const Stmt &transform, const std::string &columns) {
  std::vector<std::string> steps, labels;
  for (const Expr *x = transform.value.get(); x && x->kind == ExprKind::Call; x = positionalArg(*x, 0)) {
    std::string step = x->operands[0]->kind == ExprKind::Name ? x->operands[0]->name : "?";
    auto spec = ctx->notes->strings.find(x);
    steps.insert(steps.begin(), step + "(" + (spec != ctx->notes->strings.end() ? spec->second : "") + ")");
    auto encoded = ctx->notes->stepLabels.find(x);
    if (encoded != ctx->notes->stepLabels.end())
      for (const auto &[column, list] : encoded->second) {
        llvm::SmallVector<llvm::StringRef> parts;
        llvm::StringRef(list).split(parts, '\n');
        labels.insert(labels.begin(), "labels " + column + ": " +
                                          escapedLabels(std::vector<std::string>(parts.begin(), parts.end())));
      }
  }
  std::string header = "columns: " + columns + "\nsteps: ";
  for (size_t i = 0; i < steps.size(); ++i)
    header += (i ? " |> " : "") + steps[i];
  for (const std::string &l : labels)
    header += "\n" + l;
  return header;
}

/// The literal path of `load X from "path"` for a fitted model or a
/// transform (X itself is no value here).
std::string Sema::loadPath(const Expr &e) {
  const Expr &path = *e.operands[1];
  std::optional<std::string> file = literalText(path);
  if (!file)
    error(path, "load needs its file path as a string literal");
  record(path, Type::scalar(ElemType::Str));
  record(*e.operands[0], Type::unit());
  return *file;
}

/// `load prep from "prep.json"`: the statistics a transform learned in
/// another program (or earlier in this one), which its applications then
/// use instead of learning; the file is read now for its header.
Type Sema::checkTransformLoad(const Expr &e, const Stmt &transform) {
  const Expr &path = *e.operands[1];
  const std::string file = loadPath(e);
  if (transformInputs.count(&transform))
    error(e, "load the statistics of '" + transform.name() + "' before applying it: its first "
             "application has learned its own already");
  TransformFile loaded;
  loaded.path = file;
  auto saved = savedTransformHeaders.find(file);
  std::string problem;
  if (saved != savedTransformHeaders.end())
    loaded.header = saved->second;
  else {
    problem = dataFileProblem(file);
    if (!problem.empty() || !readTransformHeader(file, loaded.header, problem))
      error(path, problem);
  }
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(loaded.header).split(lines, '\n');
  for (llvm::StringRef line : lines)
    if (line.consume_front("labels ")) {
      auto [column, list] = line.split(": ");
      loaded.labels[column.str()] = unescapedLabels(list.str());
    }
  loadedTransforms[&transform] = loaded;
  ctx->notes->transformFiles[&e] = &transform;
  ctx->notes->strings[&e] = loaded.header;
  return record(e, Type::unit());
}

/// filter(t, condition): the rows where a per-row condition holds.
Type Sema::checkFilter(const Expr &e) {
  std::vector<const Expr *> positional;
  for (const Arg &a : e.args) {
    if (!a.name.empty())
      error(*a.value, "filter takes a condition on the row, as in filter(year >= 1972)");
    positional.push_back(a.value.get());
  }
  if (positional.size() != 2)
    error(e, "filter takes a table and one condition, as in filter(year >= 1972)");
  Type t = check(*positional[0]);
  if (t.kind != Type::Table)
    error(*positional[0], "filter needs a table, got " + t.str());
  Type v = checkRowExpr(*positional[1], *t.table);
  if (!v.isTensor() || v.elem != ElemType::Bool || !v.dims.empty())
    error(*positional[1], "filter keeps the rows where a condition holds: it needs a bool, got " +
                              v.str());
  return record(e, t);
}

Type Sema::checkDataStep(const Expr &e, const std::string &name) {
  std::vector<const Expr *> columns;
  const Expr *source = nullptr;
  for (const Arg &a : e.args) {
    if (!a.name.empty())
      continue;
    if (!source)
      source = a.value.get();
    else
      columns.push_back(a.value.get());
  }
  if (!source)
    error(e, "'" + name + "' needs a table");
  Type t = check(*source);
  if (t.kind != Type::Table)
    error(*source, "'" + name + "' needs a table, got " + t.str());
  const TableSchema &in = *t.table;
  auto schema = std::make_shared<TableSchema>(in);
  auto named = [&](const Expr &x) { return column(x, in).name; };
  std::string spec;
  // The step's type: the table with its new schema; `spec` for the runtime.
  auto result = [&] {
    ctx->notes->strings[&e] = spec;
    Type r = t;
    r.table = schema;
    return record(e, r);
  };

  if (name == "head" || name == "shuffle" || name == "sort") {
    // head(t, n), shuffle(t, seed: s), sort(t, col, descending: bool)
    bool descending = false;
    for (const Arg &a : e.args) {
      if (a.name.empty())
        continue;
      if (name == "shuffle" && a.name == "seed") {
        spec = std::to_string(constInt(*a.value, "shuffle's seed"));
      } else if (name == "sort" && a.name == "descending") {
        if (a.value->kind != ExprKind::Bool)
          error(*a.value, "descending is true or false");
        record(*a.value, Type::scalar(ElemType::Bool));
        descending = a.value->boolean;
      } else {
        diags.error(a.nameRange, "'" + name + "' has no parameter '" + a.name + "'");
      }
    }
    if (name == "head") {
      if (columns.size() != 1)
        error(e, "head takes a row count, as in head(t, 10)");
      int64_t n = constInt(*columns[0], "head's row count");
      if (n < 0)
        error(*columns[0], "head's row count must not be negative");
      spec = std::to_string(n);
    } else if (name == "shuffle") {
      if (spec.empty())
        error(e, "shuffle needs a seed, as in shuffle(t, seed: 1)");
      if (!columns.empty())
        error(*columns[0], "shuffle takes only a seed");
    } else {
      if (columns.size() != 1)
        error(e, "sort takes one column, as in sort(t, year, descending: true)");
      const Column &c = column(*columns[0], in);
      if (!c.shape.empty())
        error(*columns[0], "sort needs a column of single values; '" + c.name + "' holds tensors");
      spec = c.name + (descending ? "\t1" : "\t0");
    }
    return result();
  }
  if (name == "tokenize") {
    // tokenize(t, col, vocab: "whitespace" | "char", length: n): the
    // vocabulary is every token of the values the file holds when compiling.
    if (columns.size() != 1)
      error(e, "tokenize takes one str column, as in tokenize(t, review, length: 50)");
    const Column &c = column(*columns[0], in);
    if (c.elem != ElemType::Str || !c.shape.empty())
      error(*columns[0], "tokenize reads text; '" + c.name + "' holds numbers");
    bool chars = false;
    int64_t length = 0;
    for (const Arg &a : e.args) {
      if (a.name.empty())
        continue;
      const Expr &v = *a.value;
      if (a.name == "vocab") {
        std::string kind = literalText(v).value_or("");
        if (kind != "whitespace" && kind != "char")
          error(v, "tokenize's vocab is \"whitespace\" (words) or \"char\" (characters)");
        record(v, Type::scalar(ElemType::Str));
        chars = kind == "char";
      } else if (a.name == "length") {
        length = constInt(v, "tokenize's length");
        if (length < 1)
          error(v, "tokenize's length must be at least 1");
      } else {
        diags.error(a.nameRange, "tokenize has no parameter '" + a.name + "'");
      }
    }
    if (length == 0)
      error(e, "tokenize needs the length of its token rows, as in length: 50");
    std::set<std::string> vocabulary;
    for (const std::string &value : c.labels)
      for (std::string_view token : splitTokens(value, chars))
        vocabulary.emplace(token);
    for (Column &x : schema->columns)
      if (x.name == c.name) {
        x.elem = ElemType::I64;
        x.shape = {length};
        x.labels.clear();
      }
    ctx->notes->stepLabels[&e] = {{c.name, joined({vocabulary.begin(), vocabulary.end()}, "\n")}};
    spec = std::string(chars ? "1" : "0") + "\t" + std::to_string(length);
    return result();
  }
  if (name == "parse_dates" || name == "window") {
    // parse_dates(t, col, format: "%b %d %Y"); window(t, col, size:, horizon:, by:)
    if (columns.size() != 1)
      error(e, name == "window" ? "window takes one column, as in window(t, price, size: 12, horizon: 1)"
                                : "parse_dates takes one column, as in parse_dates(t, date, format: \"%Y-%m-%d\")");
    const Column &c = column(*columns[0], in);
    std::string format, by;
    int64_t size = 0, horizon = 1;
    for (const Arg &a : e.args) {
      if (a.name.empty())
        continue;
      const Expr &v = *a.value;
      if (name == "parse_dates" && a.name == "format" && literalText(v)) {
        record(v, Type::scalar(ElemType::Str));
        format = *literalText(v);
      } else if (name == "window" && (a.name == "size" || a.name == "horizon")) {
        int64_t n = constInt(v, a.name == "size" ? "window's size" : "window's horizon");
        if (n < 1)
          error(v, "window's " + a.name + " must be at least 1");
        (a.name == "size" ? size : horizon) = n;
      } else if (name == "window" && a.name == "by") {
        const Column &g = column(v, in);
        if (!g.shape.empty())
          error(v, "window's by needs a column of single values");
        by = g.name;
      } else {
        error(v, "'" + name + "' has no parameter '" + a.name + "' of that kind");
      }
    }
    if (name == "parse_dates") {
      if (c.elem != ElemType::Str)
        error(*columns[0], "parse_dates reads text; '" + c.name + "' holds numbers");
      if (format.empty())
        error(e, "parse_dates needs the format, as in format: \"%Y-%m-%d\" (strptime's)");
      for (Column &x : schema->columns)
        if (x.name == c.name) {
          x.elem = ElemType::I64;
          x.labels.clear();
        }
      spec = c.name + "\t" + format;
    } else {
      if (c.elem == ElemType::Str || !c.shape.empty())
        error(*columns[0], "window needs a numeric column of single values; '" + c.name + "' is not");
      if (size == 0)
        error(e, "window needs its size, as in window(t, price, size: 12, horizon: 1)");
      std::vector<Column> out;
      if (!by.empty())
        out.push_back(*in.find(by));
      Column past, future;
      past.name = "past";
      past.shape = {size};
      future.name = "future";
      out.push_back(past);
      out.push_back(future);
      schema->columns = out;
      spec = c.name + "\t" + std::to_string(size) + "\t" + std::to_string(horizon) + "\t" + by;
    }
    return result();
  }
  if (name == "join") {
    // join(t, other, on: key, how: "inner" | "left"), as pandas' merge.
    if (columns.size() != 1)
      error(e, "join takes a second table and the key, as in join(t, other, on: id)");
    Type o = check(*columns[0]);
    if (o.kind != Type::Table)
      error(*columns[0], "join needs a second table, got " + o.str());
    const TableSchema &other = *o.table;
    const Expr *on = nullptr;
    bool left = false;
    for (const Arg &a : e.args) {
      if (a.name == "on") {
        on = a.value.get();
      } else if (a.name == "how") {
        const Expr &v = *a.value;
        std::string how = literalText(v).value_or("");
        if (how != "inner" && how != "left")
          error(v, "join's how is \"inner\" or \"left\"");
        record(v, Type::scalar(ElemType::Str));
        left = how == "left";
      } else if (!a.name.empty()) {
        diags.error(a.nameRange, "join has no parameter '" + a.name + "'");
      }
    }
    if (!on)
      error(e, "join needs the key column, as in join(t, other, on: id)");
    const Column &mine = column(*on, in);
    const Column *theirs = other.find(mine.name);
    if (!theirs)
      error(*on, "the second table has no column '" + mine.name + "'; its columns are " +
                     tableColumns(other));
    if ((mine.elem == ElemType::Str) != (theirs->elem == ElemType::Str) || !mine.shape.empty() ||
        !theirs->shape.empty())
      error(*on, "join's key '" + mine.name +
                     "' must hold single values of one kind (numbers, or str) in both tables");
    for (const Column &c : other.columns) {
      if (c.name == mine.name)
        continue;
      if (!c.shape.empty())
        unsupported(columns[0]->range, "joining the tensor column '" + c.name + "'");
      if (in.find(c.name))
        error(*columns[0], "both tables have a column '" + c.name + "': rename one first");
      Column added = c;
      if (left && added.elem == ElemType::I64)
        added.elem = ElemType::F32;  // unmatched rows are missing
      schema->columns.push_back(added);
    }
    spec = mine.name + (left ? "\t1" : "\t0");
    return result();
  }
  if (name == "agg") {
    // group_by(keys) |> agg(name = function(column), ..., n = count())
    if (source->kind != ExprKind::Call || source->operands[0]->name != "group_by")
      error(*source, "agg summarizes groups: write t |> group_by(key) |> agg(...)");
    if (!columns.empty())
      error(*columns[0], "agg takes `name = function(column)`, as in agg(mpg = mean(miles_per_gallon))");
    std::vector<Column> out;
    llvm::SmallVector<llvm::StringRef> keys;
    llvm::StringRef(ctx->notes->strings.at(source)).split(keys, ',');
    for (llvm::StringRef k : keys)
      out.push_back(*in.find(k.str()));
    static const std::set<std::string> functions = {"count", "sum", "mean", "min", "max", "std"};
    for (const Arg &a : e.args) {
      if (a.name.empty())
        continue;
      const Expr &call = *a.value;
      std::string fn = call.kind == ExprKind::Call ? call.operands[0]->name : "";
      if (!a.isAssign || !functions.count(fn))
        error(call, "agg takes `name = function(column)` with count, sum, mean, min, max or std");
      record(call, Type::unit());
      record(*call.operands[0], Type::unit());
      std::string col;
      if (call.args.size() > 1 || (call.args.size() == 1 && !call.args[0].name.empty()))
        error(call, fn + " takes one column");
      if (call.args.empty() && fn != "count")
        error(call, fn + " needs a column, as in " + fn + "(horsepower)");
      if (!call.args.empty()) {
        const Column &c = column(*call.args[0].value, in);
        if (!c.shape.empty())
          error(*call.args[0].value, "agg works on columns of single values; '" + c.name + "' holds tensors");
        if (c.elem == ElemType::Str && fn != "count")
          requireNumeric(*call.args[0].value, c, "aggregated column");
        col = c.name;
      }
      for (const Column &c : out)
        if (c.name == a.name)
          diags.error(a.nameRange, "agg makes the column '" + a.name + "' twice");
      Column result;
      result.name = a.name;
      result.elem = fn == "count" ? ElemType::I64 : ElemType::F32;
      out.push_back(result);
      spec += a.name + "\t" + fn + "\t" + col + "\n";
    }
    if (spec.empty())
      error(e, "agg needs at least one `name = function(column)`");
    spec.pop_back();
    schema->columns = out;
    return result();
  }
  if (name == "rename") {
    // rename(new = old, ...), as dplyr's rename.
    if (!columns.empty())
      error(*columns[0], "rename takes `new = old` pairs, as in rename(hp = horsepower)");
    for (const Arg &a : e.args) {
      if (a.name.empty())
        continue;
      if (!a.isAssign)
        diags.error(a.nameRange, "rename takes `new = old`: write '" + a.name + " = ...'");
      std::string old = named(*a.value);
      for (const Column &c : schema->columns)
        if (c.name == a.name && c.name != old)
          error(*a.value, "rename would make a second column '" + a.name + "'");
      for (Column &c : schema->columns)
        if (c.name == old)
          c.name = a.name;
      spec += old + "\t" + a.name + "\n";
    }
    if (spec.empty())
      error(e, "rename needs `new = old` pairs, as in rename(hp = horsepower)");
    spec.pop_back();
    return result();
  }
  if (name == "minmax") {
    std::vector<std::string> scaled;
    for (const Expr *x : columns)
      for (const std::string &c : columnList(*x, in, "scaled column")) {
        if (!in.find(c)->shape.empty())
          unsupported(x->range, "scaling a tensor column ('" + c + "')");
        scaled.push_back(c);
      }
    if (scaled.empty())
      error(e, "minmax needs the columns to scale, or 'numeric'");
    for (Column &c : schema->columns)
      if (std::find(scaled.begin(), scaled.end(), c.name) != scaled.end())
        c.elem = ElemType::F32;
    spec = joined(scaled, ",");
    return result();
  }

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
      } else if (text && literalText(how)) {
        record(how, Type::scalar(ElemType::Str));
        entry = *literalText(how);
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
    } else if (name == "group_by") {
      for (size_t i = 0; i < listed.size(); ++i)
        if (!in.find(listed[i])->shape.empty())
          error(*columns[std::min(i, columns.size() - 1)],
                "group_by needs columns of single values; '" + listed[i] + "' holds tensors");
      spec = joined(listed, ",");
    } else { // onehot, label_encode: a str column, by the values seen now
      ctx->notes->stepLabels[&e].clear();  // a transform's steps are checked per application
      for (size_t i = 0; i < listed.size(); ++i) {
        const Column &c = *in.find(listed[i]);
        if (c.elem != ElemType::Str || !c.shape.empty())
          error(*columns[std::min(i, columns.size() - 1)],
                name + " needs a str column; '" + c.name + "' holds " +
                    (c.elem == ElemType::Str ? "tensors" : "numbers"));
        // A loaded transform encodes with the labels it was saved with.
        const std::vector<std::string> &labels =
            fixedLabels && fixedLabels->count(c.name) ? fixedLabels->at(c.name) : c.labels;
        if (labels.empty())
          error(*columns[std::min(i, columns.size() - 1)],
                name + ": the column '" + c.name + "' has no values");
        ctx->notes->stepLabels[&e].push_back({c.name, joined(labels, "\n")});
        auto &cols = schema->columns;
        if (name == "label_encode") {
          for (Column &x : cols)
            if (x.name == c.name) {
              x.elem = ElemType::I64;
              x.labels.clear();
            }
          continue;
        }
        cols.erase(std::remove_if(cols.begin(), cols.end(),
                                  [&](const Column &x) { return x.name == c.name; }),
                   cols.end());
        for (const std::string &label : labels) {
          Column dummy;
          dummy.name = c.name + "_" + label;
          dummy.elem = ElemType::F32;
          if (schema->find(dummy.name))
            error(*columns[std::min(i, columns.size() - 1)],
                  "onehot would make the column '" + dummy.name + "', which the table has already");
          cols.push_back(dummy);
        }
      }
    }
  }
  return result();
}

} // namespace mlp
