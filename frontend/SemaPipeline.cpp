// Sema for pipelines: tables (`data`, csv, standardize, split), models,
// `train`, metrics, `plot`, `save` and `load`.
#include "frontend/Pipeline.h"
#include "frontend/Sema.h"
#include "runtime/csv.h"
#include "runtime/fit/catalog.h"
#include "runtime/idx.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sys/stat.h>

namespace mlp {

std::string columnType(const Column &c) {
  std::string out = elemName(c.elem);
  for (size_t i = 0; i < c.shape.size(); ++i)
    out += (i ? ", " : "[") + std::to_string(c.shape[i]) +
           (i + 1 == c.shape.size() ? "]" : "");
  return out;
}

std::string tableColumns(const TableSchema &schema) {
  std::string out;
  for (const Column &c : schema.columns)
    out += (out.empty() ? "" : ", ") + c.name + ": " + columnType(c);
  return out;
}

std::string TrainedInfo::shapeText(const std::vector<int64_t> &shape) {
  std::string out;
  for (int64_t d : shape)
    out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

std::string TableSchema::runtimeSchema() const {
  std::string out;
  for (const Column &c : columns)
    out += (out.empty() ? "" : ",") + c.name + ":" + elemName(c.elem);
  return out;
}

std::string TrainedInfo::runtimeLabels() const {
  if (!classification)
    return "";
  if (labels.empty())
    return "#" + std::to_string(classes);
  std::string out;
  for (const std::string &l : labels)
    out += (out.empty() ? "" : ",") + l;
  return out;
}

int64_t inputWidth(const TableSchema &schema, const std::vector<std::string> &inputs) {
  int64_t width = 0;
  for (const std::string &c : inputs) {
    int64_t n = 1;
    for (int64_t d : schema.find(c)->shape)
      n *= d;
    width += n;
  }
  return width;
}

std::string TrainedInfo::runtimeInputs() const {
  std::string out;
  for (const std::string &c : inputs)
    out += (out.empty() ? "" : ",") + c;
  return out;
}

/// The compiler reads a whole data file now, to learn its columns, and the
/// program reads it again when it runs: that needs a regular file. A device,
/// pipe or socket (/dev/zero, /dev/stdin, a FIFO) would never end, block in
/// open() or be used up by the first read. A missing file or a directory is
/// left to the reader, which says so.
std::string dataFileProblem(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
    return "";
  return "'" + path + "' is not a regular file (the compiler reads a data file to check it, and the program "
                      "reads it again when it runs)";
}

namespace {
bool isMetric(const std::string &n) {
  static const std::set<std::string> names = {
      "accuracy", "precision", "recall", "f1", "mse", "mae", "r2", "log_loss", "roc_auc"};
  return names.count(n) > 0;
}
bool isRegressionMetric(const std::string &n) {
  return n == "mse" || n == "mae" || n == "r2";
}
} // namespace

//===----------------------------------------------------------------------===//
// Tables
//===----------------------------------------------------------------------===//

const Column &Sema::column(const Expr &name, const TableSchema &schema) {
  if (name.kind != ExprKind::Name)
    error(name, "expected a column name");
  if (const Column *c = schema.find(name.name)) {
    record(name, Type::unit());
    return *c;
  }
  std::vector<std::string> names;
  for (const Column &c : schema.columns)
    names.push_back(c.name);
  std::string hint = closestName(name.name, names);
  error(name, "the table has no column '" + name.name + "'" +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                  "; its columns are " + tableColumns(schema));
}

/// Checks that `c` holds numbers, explaining a text column by its first
/// non-numeric value.
void Sema::requireNumeric(const Expr &where, const Column &c, const char *use) {
  if (c.elem != ElemType::Str)
    return;
  std::string why = c.badRow ? " (line " + std::to_string(c.badRow) + " has '" +
                                   c.badValue + "')"
                             : "";
  error(where, std::string(use) + " '" + c.name + "' must be numeric, but it "
                                                  "is str" + why);
}

std::vector<std::string> Sema::columnList(const Expr &e,
                                          const TableSchema &schema,
                                          const char *use) {
  std::vector<std::string> out;
  auto numericColumns = [&] {
    std::vector<std::string> all;
    for (const Column &c : schema.columns)
      if (c.elem != ElemType::Str)
        all.push_back(c.name);
    return all;
  };
  if (e.kind == ExprKind::Name && e.name == "numeric") {
    record(e, Type::unit());
    return numericColumns();
  }
  if (e.kind == ExprKind::Binary && e.name == "-" &&
      e.operands[0]->kind == ExprKind::Name &&
      e.operands[0]->name == "numeric") {
    record(e, Type::unit());
    record(*e.operands[0], Type::unit());
    std::vector<std::string> drop;
    const Expr &rhs = *e.operands[1];
    if (rhs.kind == ExprKind::List) {
      record(rhs, Type::unit());
      for (const ExprPtr &x : rhs.operands)
        drop.push_back(column(*x, schema).name);
    } else {
      drop.push_back(column(rhs, schema).name);
    }
    for (const std::string &c : numericColumns())
      if (std::find(drop.begin(), drop.end(), c) == drop.end())
        out.push_back(c);
    return out;
  }
  std::vector<const Expr *> items;
  if (e.kind == ExprKind::List) {
    record(e, Type::unit());
    for (const ExprPtr &x : e.operands)
      items.push_back(x.get());
  } else {
    items.push_back(&e);
  }
  for (const Expr *x : items) {
    const Column &c = column(*x, schema);
    requireNumeric(*x, c, use);
    out.push_back(c.name);
  }
  return out;
}

/// `csv(path)`: the file is read now to learn its columns.
Type Sema::checkCsv(const Expr &e) {
  const Expr *path = nullptr;
  const Expr *types = nullptr;
  CsvOptions options;
  for (const Arg &a : e.args) {
    if (a.name.empty() && !path) {
      path = a.value.get();
    } else if (a.name == "sep") {
      const Expr &v = *a.value;
      std::optional<std::string> text = literalText(v);
      bool oneByte = text && text->size() == 1;
      char c = oneByte ? (*text)[0] : 0;
      if (!oneByte || c == '"' || c == '\n' || c == '\r' || static_cast<unsigned char>(c) > 127)
        error(v, "csv's sep is one character other than a quote or a newline, as in sep: \";\"");
      record(v, Type::scalar(ElemType::Str));
      options.sep = c;
    } else if (a.name == "on_error") {
      const Expr &v = *a.value;
      std::string policy = literalText(v).value_or("");
      if (policy != "skip" && policy != "fail")
        error(v, "csv's on_error is \"fail\" (the default: stop at the first bad row) or \"skip\" "
                 "(leave out rows with the wrong number of fields, and say how many)");
      record(v, Type::scalar(ElemType::Str));
      options.skipBadWidth = policy == "skip";
    } else if (a.name == "header") {
      if (a.value->kind != ExprKind::Bool)
        error(*a.value, "csv's header is true (the default: the first line names the columns) or "
                        "false (the first line is data; the columns are column_1, column_2, ...)");
      record(*a.value, Type::scalar(ElemType::Bool));
      options.header = a.value->boolean;
    } else if (a.name == "types") {
      types = a.value.get();
      if (types->kind != ExprKind::Record)
        error(*types, "csv's types are written {column: type, ...}, as in types: {zip: str}");
      for (const Arg &t : types->args) {
        const Expr &v = *t.value;
        std::string name = v.kind == ExprKind::Name ? v.name : "";
        if (name != "str" && name != "f32" && name != "i64")
          error(v, "a column's type is str, f32 or i64");
        record(v, Type::unit());
        options.types.emplace_back(t.name, name == "str"   ? CsvColumn::Str
                                           : name == "f32" ? CsvColumn::F32
                                                           : CsvColumn::I64);
      }
      record(*types, Type::unit());
    } else {
      error(*a.value, "csv takes a file path and the options sep:, header:, types: and on_error:");
    }
  }
  if (!path)
    error(e, "csv needs a file path, as in csv(\"data/iris.csv\")");
  std::optional<std::string> literal = literalText(*path);
  if (!literal)
    error(*path, "csv needs its path as a string literal: the file is read "
                 "when the program is compiled, to check its columns");
  record(*path, Type::scalar(ElemType::Str));
  const std::string &file = *literal;
  CsvSchema inferred;
  std::string problem = dataFileProblem(file);
  if (!problem.empty())
    error(*path, problem);
  // In a REPL session a statement keeps the schema it was first checked
  // with (the store holds the table read then), and a large file is read
  // once, not again with every later input.
  std::string key = file + '\0' + std::to_string(e.range.begin.line) + ':' +
                    std::to_string(e.range.begin.col);
  if (schemaCache && schemaCache->count(key)) {
    inferred = schemaCache->at(key);
  } else {
    if (!inferCsvSchema(file, options, inferred, problem))
      error(types && problem.find("is given type") != std::string::npos ? *types : *path, problem);
    if (schemaCache)
      (*schemaCache)[key] = inferred;
  }
  if (types) {
    std::vector<std::string> names;
    for (const CsvColumn &c : inferred.columns)
      names.push_back(c.name);
    for (const Arg &t : types->args)
      if (std::find(names.begin(), names.end(), t.name) == names.end()) {
        std::string hint = closestName(t.name, names);
        diags.error(t.nameRange, "'" + file + "' has no column '" + t.name + "'" +
                                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
  }
  return inferredTable(e, file, inferred);
}

/// `json(path)`: an array of flat records, read now to learn its columns.
Type Sema::checkJson(const Expr &e) {
  const Expr *path = positionalArg(e, 0);
  std::optional<std::string> file = path ? literalText(*path) : std::nullopt;
  if (!file || e.args.size() != 1)
    error(e, "json takes its file's path as a string literal, as in json(\"records.json\")");
  record(*path, Type::scalar(ElemType::Str));
  CsvSchema inferred;
  std::string problem = dataFileProblem(*file);
  if (!problem.empty() || !inferJsonSchema(*file, inferred, problem))
    error(*path, problem);
  return inferredTable(e, *file, inferred);
}

/// The table type of a csv or json source from the file's inferred schema.
Type Sema::inferredTable(const Expr &e, const std::string &file, const CsvSchema &inferred) {
  auto schema = std::make_shared<TableSchema>();
  schema->source = file;
  for (const CsvColumn &c : inferred.columns) {
    Column col;
    col.name = c.name;
    col.elem = c.type == CsvColumn::I64   ? ElemType::I64
               : c.type == CsvColumn::F32 ? ElemType::F32
                                          : ElemType::Str;
    col.labels = c.labels;
    col.badRow = c.badRow;
    col.badValue = c.badValue;
    schema->columns.push_back(col);
  }
  Type t;
  t.kind = Type::Table;
  t.table = schema;
  ctx->notes->strings[&e] = file;
  return record(e, t);
}

/// `idx(images: p, labels: q)`: MNIST-style files, whose headers are read
/// now to learn the image shape.
Type Sema::checkIdx(const Expr &e) {
  const Expr *paths[2] = {namedArg(e, "images"), namedArg(e, "labels")};
  for (const Arg &a : e.args)
    if (a.name != "images" && a.name != "labels")
      error(*a.value, "idx takes images: and labels: paths");
  if (!paths[0] || !paths[1])
    error(e, "idx needs both files: idx(images: \"...\", labels: \"...\")");
  IdxHeader headers[2];
  for (int k = 0; k < 2; ++k) {
    check(*paths[k]);
    auto file = compileTimeString(*paths[k]);
    if (!file)
      error(*paths[k], "idx needs a path the compiler can read: a string of "
                       "literal text and str params");
    std::string problem = dataFileProblem(*file);
    if (!problem.empty() || !readIdxHeader(*file, headers[k], problem))
      error(*paths[k], problem);
    ctx->notes->strings[paths[k]] = *file;
  }
  const std::vector<int64_t> &images = headers[0].dims, &labels = headers[1].dims;
  if (images.size() < 2)
    error(*paths[0], "'" + ctx->notes->strings[paths[0]] +
                         "' holds no images (its items have no shape)");
  if (labels.size() != 1)
    error(*paths[1], "'" + ctx->notes->strings[paths[1]] +
                         "' holds no labels (one number per item expected)");
  if (images[0] != labels[0])
    error(e, "the files disagree: " + std::to_string(images[0]) + " images but " +
                 std::to_string(labels[0]) + " labels");
  auto schema = std::make_shared<TableSchema>();
  schema->source = ctx->notes->strings[paths[0]];
  Column image;
  image.name = "image";
  image.elem = ElemType::F32;
  image.shape.assign(images.begin() + 1, images.end());
  Column label;
  label.name = "label";
  label.elem = ElemType::I64;
  schema->columns = {image, label};
  ctx->notes->strings[&e] = TrainedInfo::shapeText(image.shape);
  Type t;
  t.kind = Type::Table;
  t.table = schema;
  return record(e, t);
}

/// Names of `columns` that `e` reads.
static void columnsRead(const Expr &e, const TableSchema &schema,
                        std::vector<std::string> &out) {
  if (e.kind == ExprKind::Name && schema.find(e.name) &&
      std::find(out.begin(), out.end(), e.name) == out.end())
    out.push_back(e.name);
  for (const ExprPtr &x : e.operands)
    columnsRead(*x, schema, out);
  for (const Arg &a : e.args)
    columnsRead(*a.value, schema, out);
  for (const StringPart &p : e.parts)
    if (p.expr)
      columnsRead(*p.expr, schema, out);
}

/// `mutate(t, c = expr, ...)`: each expression is computed per row, with
/// the row's columns as values (an image column is an f32[28, 28]).
/// An expression computed per row of a table (mutate, filter): each numeric
/// column is a local holding the row's value. Records what MLIRGen needs:
/// the columns it reads and the schema it reads them from.
Type Sema::checkRowExpr(const Expr &value, const TableSchema &schema) {
  ctx->scopes.emplace_back();
  for (const Column &c : schema.columns)
    if (c.elem == ElemType::Str && c.shape.empty()) {
      Local l;
      l.type = Type::scalar(ElemType::I64); // the code; see checkLabelCompare
      l.labels = &c.labels;
      bind(c.name, value.range, l, false);
    } else if (c.elem != ElemType::Str) {
      Local l;
      std::vector<Dim> dims;
      for (int64_t d : c.shape) {
        Dim dim;
        dim.size = d;
        dims.push_back(dim);
      }
      l.type = Type::tensor(c.elem, dims);
      bind(c.name, value.range, l, false);
    }
  Type v = check(value);
  ctx->scopes.pop_back();
  std::vector<std::string> used;
  columnsRead(value, schema, used);
  std::string list;
  for (const std::string &c : used)
    list += (list.empty() ? "" : ",") + c;
  ctx->notes->strings[&value] = list;
  ctx->notes->rowSchemas[&value] = std::make_shared<TableSchema>(schema);
  return v;
}

Type Sema::checkMutate(const Expr &e) {
  const Expr *source = positionalArg(e, 0);
  if (!source)
    error(e, "mutate needs a table");
  Type t = check(*source);
  if (t.kind != Type::Table)
    error(*source, "mutate needs a table, got " + t.str());
  auto schema = std::make_shared<TableSchema>(*t.table);
  for (const Arg &a : e.args) {
    if (a.name.empty()) {
      if (a.value.get() != source)
        error(*a.value, "mutate takes assignments, as in mutate(ratio = a / b)");
      continue;
    }
    if (!a.isAssign)
      diags.error(a.nameRange, "mutate takes assignments: write '" + a.name +
                                   " = ...'");
    Type v = checkRowExpr(*a.value, *schema);
    if (!v.isTensor() || !isNumeric(v.elem))
      error(*a.value, "a mutated column must hold numbers, got " + v.str());
    Column out;
    out.name = a.name;
    out.elem = isFloatElem(v.elem) ? ElemType::F32 : ElemType::I64;
    for (const Dim &d : v.dims)
      out.shape.push_back(d.size);
    bool replaced = false;
    for (Column &c : schema->columns)
      if (c.name == out.name) {
        c = out;
        replaced = true;
      }
    if (!replaced)
      schema->columns.push_back(out);
  }
  Type r = t;
  r.table = schema;
  return record(e, r);
}

Type Sema::checkTableBuiltin(const Expr &e, const std::string &name) {
  if (name == "csv")
    return checkCsv(e);
  if (name == "idx")
    return checkIdx(e);
  if (name == "mutate")
    return checkMutate(e);
  if (name == "filter")
    return checkFilter(e);
  if (name == "json")
    return checkJson(e);
  if (name == "adjusted_rand" || name == "silhouette" || name == "cross_validate" ||
      name == "grid_search")
    return checkFitBuiltin(e, name);
  if (name == "text") {
    // text("path"): one row per line, in a str column `text`; the file is
    // read now, as a csv source is, for the values tokenize learns from.
    const Expr *path = positionalArg(e, 0);
    std::optional<std::string> file = path ? literalText(*path) : std::nullopt;
    if (!file || e.args.size() != 1)
      error(e, "text takes its file's path as a string literal, as in text(\"reviews.txt\")");
    record(*path, Type::scalar(ElemType::Str));
    std::vector<std::string> lines;
    std::string problem = dataFileProblem(*file);
    if (!problem.empty() || !csv::readLines(*file, lines, problem))
      error(*path, problem);
    Column text;
    text.name = "text";
    text.elem = ElemType::Str;
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    text.labels = lines;
    auto schema = std::make_shared<TableSchema>();
    schema->source = *file;
    schema->columns.push_back(text);
    ctx->notes->strings[&e] = *file;
    Type t;
    t.kind = Type::Table;
    t.table = schema;
    return record(e, t);
  }
  if (name == "write_csv") {
    // write_csv(t, "path"): the path may interpolate params.
    std::vector<const Expr *> positional;
    for (const Arg &a : e.args)
      if (a.name.empty())
        positional.push_back(a.value.get());
    if (positional.size() != 2 || positional.size() != e.args.size())
      error(e, "write_csv takes a table and a path, as in write_csv(t, \"clean.csv\")");
    Type t = check(*positional[0]);
    if (t.kind != Type::Table)
      error(*positional[0], "write_csv needs a table, got " + t.str());
    for (const Column &c : t.table->columns)
      if (!c.shape.empty())
        unsupported(positional[0]->range, "writing the tensor column '" + c.name + "' to CSV");
    Type p = check(*positional[1]);
    if (!p.isTensor() || p.elem != ElemType::Str)
      error(*positional[1], "write_csv's path must be a str, got " + p.str());
    return record(e, Type::unit());
  }
  if (name == "describe") {
    // describe(t): pandas' summary of the numeric columns, as text.
    const Expr *table = positionalArg(e, 0);
    if (!table || e.args.size() != 1)
      error(e, "describe takes one table, as in describe(train_set)");
    Type t = check(*table);
    if (t.kind != Type::Table)
      error(*table, "describe needs a table, got " + t.str());
    return record(e, Type::scalar(ElemType::Str));
  }
  if (isDataStep(name))
    return checkDataStep(e, name);
  std::vector<const Expr *> positional;
  for (const Arg &a : e.args)
    if (a.name.empty())
      positional.push_back(a.value.get());
  auto tableArg = [&](const Expr *x) {
    if (!x)
      error(e, "'" + name + "' needs a table");
    Type t = check(*x);
    if (t.kind != Type::Table)
      error(*x, "'" + name + "' needs a table, got " + t.str());
    return t;
  };

  if (name == "standardize") {
    Type t = tableArg(positional.empty() ? nullptr : positional[0]);
    for (const Arg &a : e.args)
      if (!a.name.empty())
        diags.error(a.nameRange, "standardize takes column names");
    if (positional.size() < 2)
      error(e, "standardize needs the columns to scale, or 'numeric'");
    auto schema = std::make_shared<TableSchema>(*t.table);
    std::vector<std::string> cols;
    for (size_t i = 1; i < positional.size(); ++i)
      for (const std::string &c :
           columnList(*positional[i], *t.table, "standardized column")) {
        if (!t.table->find(c)->shape.empty())
          unsupported(positional[i]->range, "standardizing a tensor column ('" +
                                                c + "')");
        cols.push_back(c);
      }
    for (Column &c : schema->columns)
      if (std::find(cols.begin(), cols.end(), c.name) != cols.end())
        c.elem = ElemType::F32;
    std::string list;
    for (const std::string &c : cols)
      list += (list.empty() ? "" : ",") + c;
    ctx->notes->strings[&e] = list;
    Type r = t;
    r.table = schema;
    return record(e, r);
  }
  if (name == "split") {
    Type t = tableArg(positional.empty() ? nullptr : positional[0]);
    if (positional.size() != 2)
      error(e, "split takes a table and a fraction, as in split(t, 0.8, seed: 1)");
    check(*positional[1]);
    auto f = constant(*positional[1]);
    if (!f || *f <= 0 || *f >= 1)
      error(*positional[1], "split's fraction must be a number between 0 and 1 "
                            "known at compile time");
    for (const Arg &a : e.args)
      if (!a.name.empty()) {
        if (a.name != "seed")
          diags.error(a.nameRange, "split has no parameter '" + a.name + "'");
        constInt(*a.value, "split's seed");
      }
    Type r;
    r.kind = Type::Tuple;
    r.elems = {t, t};
    return record(e, r);
  }

  // Metrics: name(model, table [, positive: "label"]).
  if (positional.size() != 2)
    error(e, "'" + name + "' takes a trained model and a table, as in " + name +
                 "(net, test_set)");
  Type m = check(*positional[0]);
  if (m.kind != Type::Trained)
    error(*positional[0], "'" + name + "' needs a trained model, got " + m.str());
  Type t = tableArg(positional[1]);
  const TrainedInfo &info = *m.trained;
  if (!info.estimator.empty() && info.target.empty())
    error(*positional[0], "'" + name + "' compares predictions with a target, but " + info.estimator +
                              " learns without one");
  checkModelInputs(*positional[1], info, *t.table, /*needTarget=*/true);
  bool regression = isRegressionMetric(name) || name == "predicted";
  if (regression && info.classification)
    error(e, "'" + name + "' measures regression, but '" + positional[0]->name +
                 "' is a classifier");
  if (!regression && name != "confusion" && !info.classification)
    error(e, "'" + name + "' measures classification, but the model is a "
                          "regressor");
  if (name == "confusion" && !info.classification)
    error(e, "confusion needs a classifier");
  std::string metric = name;
  bool perClass = name == "precision" || name == "recall" || name == "f1";
  if (namedArg(e, "positive") && namedArg(e, "average"))
    error(e, "'" + name + "' takes positive: (one class's score) or average: (over the classes), not both");
  for (const Arg &a : e.args) {
    if (a.name.empty())
      continue;
    if (a.name == "average" && perClass) {
      // sklearn's average=: macro (the default), weighted by support, micro.
      std::string how = literalText(*a.value).value_or("");
      if (how != "macro" && how != "weighted" && how != "micro")
        error(*a.value, "average is \"macro\", \"weighted\" or \"micro\"");
      record(*a.value, Type::scalar(ElemType::Str));
      metric += "@" + how;
      continue;
    }
    if (a.name != "positive" || (!perClass && name != "roc_auc"))
      diags.error(a.nameRange, "'" + name + "' has no parameter '" + a.name + "'");
    const Expr &label = *a.value;
    if (label.kind != ExprKind::String || label.parts.size() != 1 ||
        label.parts[0].isExpr)
      error(label, "positive: needs a class label as a string literal");
    const std::string &l = label.parts[0].text;
    if (std::find(info.labels.begin(), info.labels.end(), l) == info.labels.end())
      error(label, "'" + l + "' is not a class of the model");
    record(label, Type::scalar(ElemType::Str));
    metric += ":" + l;
  }
  ctx->notes->strings[&e] = metric;
  if (name == "confusion" || name == "predicted") {
    Type r;
    r.kind = Type::Report;
    return record(e, r);
  }
  return record(e, Type::scalar(ElemType::F64));
}

/// The table must have the model's input columns (numeric) and, for
/// metrics, its target.
void Sema::checkModelInputs(const Expr &where, const TrainedInfo &info,
                            const TableSchema &schema, bool needTarget) {
  for (const std::string &c : info.inputs) {
    const Column *col = schema.find(c);
    if (!col)
      error(where, "the table has no column '" + c + "', an input of the model");
    if (col->elem == ElemType::Str)
      error(where, "input column '" + c + "' of the table is str");
    std::vector<int64_t> expected =
        info.inputs.size() == 1 && info.inputShape.size() > 1
            ? info.inputShape
            : std::vector<int64_t>{};
    if (info.inputs.size() == 1 && col->shape != expected &&
        !(expected.empty() && col->shape.size() <= 1 &&
          (col->shape.empty() ? 1 : col->shape[0]) == info.features))
      error(where, "input column '" + c + "' has the wrong shape for the model");
  }
  if (!needTarget)
    return;
  if (info.target.empty())
    error(where, "the model was loaded without its target column");
  const Column *col = schema.find(info.target);
  if (!col)
    error(where, "the table has no column '" + info.target +
                     "', the model's target");
  if (col->shape != (info.oneHotClasses
                         ? std::vector<int64_t>{info.oneHotClasses}
                         : std::vector<int64_t>{}))
    error(where, "the model's target '" + info.target + "' is " +
                     (info.oneHotClasses
                          ? "one-hot with " + std::to_string(info.oneHotClasses) +
                                " classes"
                          : std::string("a scalar")) +
                     ", but the table's column is " + columnType(*col));
  if (info.classification && !info.labels.empty()) {
    if (col->elem != ElemType::Str)
      error(where, "the model's target '" + info.target +
                       "' holds labels, but the table's column is " +
                       elemName(col->elem));
  } else if (col->elem == ElemType::Str) {
    error(where, "the model's target '" + info.target +
                     "' is numeric, but the table's column is str");
  }
}

//===----------------------------------------------------------------------===//
// Statements: data, model, train, plot, save
//===----------------------------------------------------------------------===//

void Sema::checkData(const Stmt &s) {
  if (s.isTransform) {
    // Checked where it is applied, against the table it is applied to.
    Local l;
    l.type = Type::unit();
    l.transform = &s;
    bind(s.name(), s.nameRanges.front(), l, true);
    return;
  }
  Type t = check(*s.value);
  if (t.kind != Type::Table)
    error(*s.value, "'data' needs a table, such as csv(\"file.csv\") |> ..., "
                    "got " + t.str());
  Local l;
  l.type = t;
  bind(s.name(), s.nameRanges.front(), l, true);
}

void Sema::checkModel(const Stmt &s) {
  if (models.count(s.name()) && !allowRedefinition)
    diags.error(s.nameRanges.front(), "model '" + s.name() + "' is already defined");
  models[s.name()] = &s;
  for (const Param &p : s.params)
    if (p.defaultValue) {
      check(*p.defaultValue);
      if (!constant(*p.defaultValue))
        error(*p.defaultValue, "a model parameter's default must be a number");
    }
  Local l;
  l.type.kind = Type::Model;
  l.type.name = s.name();
  bind(s.name(), s.nameRanges.front(), l, true);
}

/// Reads `Model` or `Model(k: v)`: the declaration and its parameter values.
const Stmt &Sema::modelConstructor(const Expr &e,
                                   std::map<std::string, double> &values) {
  const Expr *name = e.kind == ExprKind::Call ? e.operands[0].get() : &e;
  if (name->kind != ExprKind::Name || !models.count(name->name)) {
    std::vector<std::string> names;
    for (const auto &m : models)
      names.push_back(m.first);
    std::string hint = name->kind == ExprKind::Name
                           ? closestName(name->name, names)
                           : std::string();
    error(*name, "expected a model, as in Classifier(classes: 3)" +
                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
  record(*name, Type::unit());
  const Stmt &decl = *models.at(name->name);
  size_t positional = 0;
  if (e.kind == ExprKind::Call)
    for (const Arg &a : e.args) {
      const Param *p = nullptr;
      if (a.name.empty()) {
        if (positional >= decl.params.size())
          error(*a.value, "model '" + decl.name() + "' takes " +
                              std::to_string(decl.params.size()) + " parameters");
        p = &decl.params[positional++];
      } else {
        for (const Param &q : decl.params)
          if (q.name == a.name)
            p = &q;
        if (!p)
          diags.error(a.nameRange, "model '" + decl.name() +
                                       "' has no parameter '" + a.name + "'");
      }
      check(*a.value);
      auto c = constant(*a.value);
      if (!c)
        error(*a.value, "a model parameter must be a number known at compile "
                        "time");
      values[p->name] = *c;
    }
  for (const Param &p : decl.params)
    if (!values.count(p.name)) {
      if (!p.defaultValue)
        error(e, "model '" + decl.name() + "' needs parameter '" + p.name + "'");
      values[p.name] = *constant(*p.defaultValue);
    }
  record(e, Type::unit());
  return decl;
}

/// One stage of a stage line; `piped` when its first argument is the
/// previous stage (`dense(16) |> relu` was parsed as relu(dense(16))).
struct Stage {
  const Expr *expr;
  bool piped;
};

static void flattenStages(const Expr &e, std::vector<Stage> &out) {
  static const std::set<std::string> layers = {
      "dense", "relu", "tanh", "sigmoid", "softmax", "flatten", "dropout",
      "leaky_relu", "gelu", "log_softmax", "batchnorm",
      "conv2d", "maxpool", "avgpool", "batchnorm", "layernorm", "embedding",
      "lstm", "gru", "attention", "reshape"};
  if (e.kind == ExprKind::Call && !e.args.empty() && e.args[0].name.empty()) {
    const Expr &first = *e.args[0].value;
    const Expr *head = first.kind == ExprKind::Call ? first.operands[0].get()
                                                    : &first;
    if (head->kind == ExprKind::Name && layers.count(head->name)) {
      flattenStages(first, out);
      out.push_back({&e, true});
      return;
    }
  }
  out.push_back({&e, false});
}

/// `f32[2, 3]`: a per-example shape for messages.
static std::string shapeStr(const std::vector<int64_t> &s) {
  std::string out = "f32[";
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

/// One layer from its stage expression (`dense(16)`, `conv2d(32, kernel:
/// 3)`), for examples of `shape`, which becomes the layer's output shape.
/// `piped`: the first argument is the previous stage.
Layer Sema::makeLayer(const Expr &stageExpr, bool piped,
                      std::vector<int64_t> &shape, int index) {
  const Expr *stage = &stageExpr;
  const Expr *head = stage->kind == ExprKind::Call ? stage->operands[0].get()
                                                   : stage;
  if (head->kind != ExprKind::Name)
    error(*stage, "expected a layer such as dense(16) or relu");
  const std::string &n = head->name;
  std::vector<const Expr *> args;
  std::map<std::string, const Arg *> options;
  if (stage->kind == ExprKind::Call)
    for (size_t i = piped ? 1 : 0; i < stage->args.size(); ++i) {
      if (stage->args[i].name.empty())
        args.push_back(stage->args[i].value.get());
      else
        options[stage->args[i].name] = &stage->args[i];
    }
  // Named options a layer accepts; the others are errors.
  auto allow = [&](std::set<std::string> names) {
    for (const auto &[name, arg] : options)
      if (!names.count(name))
        diags.error(arg->nameRange, "'" + n + "' has no parameter '" + name + "'");
  };
  auto option = [&](const char *name, int64_t dflt, int64_t least) {
    auto it = options.find(name);
    if (it == options.end())
      return dflt;
    int64_t v = constInt(*it->second->value, name);
    if (v < least)
      error(*it->second->value, std::string(name) + " must be at least " +
                                    std::to_string(least));
    return v;
  };
  Layer layer;
  layer.index = index;
  layer.inShape = shape;
  if (n == "dense")
    allow({"init"});
  else if (n != "conv2d")
    allow({});
  if (auto it = options.find("init");
      it != options.end() && (n == "dense" || n == "conv2d")) {
    static const std::vector<std::string> inits = {
        "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"};
    const Expr &v = *it->second->value;
    if (v.kind != ExprKind::Name ||
        std::find(inits.begin(), inits.end(), v.name) == inits.end())
      error(v, "init must be xavier_uniform, xavier_normal, kaiming_uniform or "
               "kaiming_normal");
    record(v, Type::unit());
    layer.init = v.name;
  }
  if (n == "dense") {
    if (args.size() != 1)
      error(*stage, "dense takes the number of outputs, as in dense(16)");
    int64_t out = constInt(*args[0], "dense's size");
    if (out < 1)
      error(*args[0], "dense needs at least 1 output");
    if (shape.size() != 1)
      error(*stage, "dense(" + std::to_string(out) +
                        ") expects each example as f32[K], got " +
                        shapeStr(shape) + " (add a flatten stage before it)");
    layer.kind = Layer::Dense;
    layer.in = shape[0];
    layer.out = out;
    shape = {out};
  } else if (n == "embedding") {
    // Looks up a learned vector per index, as PyTorch's nn.Embedding; the
    // indices are the model's i64 input columns (checked with the inputs).
    if (args.size() != 2)
      error(*stage, "embedding takes the vocabulary size and the vector size, "
                    "as in embedding(1000, 16)");
    int64_t vocab = constInt(*args[0], "embedding's vocabulary size");
    int64_t dim = constInt(*args[1], "embedding's vector size");
    if (vocab < 1)
      error(*args[0], "embedding needs a vocabulary of at least 1");
    if (dim < 1)
      error(*args[1], "embedding needs vectors of at least 1 value");
    if (index != 0 || piped)
      error(*stage, "embedding must be the model's first stage (it reads the "
                    "input's integer indices)");
    if (shape.size() != 1)
      error(*stage, "embedding expects each example as i64[T] indices, got " +
                        shapeStr(shape));
    layer.kind = Layer::Embedding;
    layer.in = vocab;
    layer.out = dim;
    shape = {shape[0], dim};
  } else if (n == "conv2d") {
    allow({"kernel", "stride", "padding", "dilation", "init"});
    if (args.size() != 1 || !options.count("kernel"))
      error(*stage, "conv2d takes the number of filters and a kernel size, as "
                    "in conv2d(32, kernel: 3)");
    int64_t filters = constInt(*args[0], "conv2d's filters");
    if (filters < 1)
      error(*args[0], "conv2d needs at least 1 filter");
    if (shape.size() != 3)
      error(*stage, "conv2d(" + std::to_string(filters) +
                        ") expects each example as f32[C, H, W], got " +
                        shapeStr(shape));
    layer.kind = Layer::Conv2d;
    layer.in = shape[0];
    layer.out = filters;
    layer.kernel = option("kernel", 1, 1);
    layer.stride = option("stride", 1, 1);
    layer.padding = option("padding", 0, 0);
    layer.dilation = option("dilation", 1, 1);
    if (layer.padding > layer.dilation * (layer.kernel - 1))
      unsupported(options.at("padding")->nameRange,
                  "padding larger than dilation * (kernel - 1)");
    std::vector<int64_t> out = {filters};
    for (int d = 1; d < 3; ++d) {
      int64_t size = (shape[d] + 2 * layer.padding -
                      layer.dilation * (layer.kernel - 1) - 1) / layer.stride + 1;
      if (size < 1)
        error(*stage, "conv2d's kernel is larger than the image " + shapeStr(shape));
      out.push_back(size);
    }
    shape = out;
  } else if (n == "maxpool" || n == "avgpool") {
    if (args.size() != 1)
      error(*stage, n + " takes the window size, as in " + n + "(2)");
    if (shape.size() != 3)
      error(*stage, n + " expects each example as f32[C, H, W], got " +
                        shapeStr(shape));
    layer.kind = n == "maxpool" ? Layer::MaxPool : Layer::AvgPool;
    layer.window = constInt(*args[0], "the window");
    if (layer.window < 1 || layer.window > shape[1] || layer.window > shape[2])
      error(*args[0], "the window must be between 1 and the image size");
    shape = {shape[0], shape[1] / layer.window, shape[2] / layer.window};
  } else if (n == "dropout") {
    if (args.size() != 1)
      error(*stage, "dropout takes the probability of dropping, as in dropout(0.25)");
    check(*args[0]);
    auto p = constant(*args[0]);
    if (!p || *p < 0 || *p >= 1)
      error(*args[0], "dropout's probability must be a number in [0, 1)");
    layer.kind = Layer::Dropout;
    layer.rate = *p;
  } else if (n == "leaky_relu") {
    if (args.size() > 1)
      error(*stage, "leaky_relu takes at most the slope, as in leaky_relu(0.1)");
    layer.kind = Layer::LeakyRelu;
    layer.rate = 0.01;  // PyTorch's default negative slope
    if (!args.empty()) {
      check(*args[0]);
      auto slope = constant(*args[0]);
      if (!slope)
        error(*args[0], "leaky_relu's slope must be a number");
      layer.rate = *slope;
    }
  } else if (n == "batchnorm") {
    if (!args.empty())
      error(*stage, "batchnorm takes no arguments");
    if (shape.size() != 1 && shape.size() != 3)
      error(*stage, "batchnorm expects each example as f32[C] or f32[C, H, W], got " +
                        shapeStr(shape));
    layer.kind = Layer::BatchNorm;
    layer.in = layer.out = shape[0];
  } else if (n == "layernorm") {
    if (!args.empty())
      error(*stage, "layernorm takes no arguments");
    if (shape.size() != 1)
      error(*stage, "layernorm expects each example as f32[K], got " +
                        shapeStr(shape));
    layer.kind = Layer::LayerNorm;
    layer.in = layer.out = shape[0];
  } else if (n == "relu" || n == "tanh" || n == "sigmoid" || n == "softmax" ||
             n == "gelu" || n == "log_softmax") {
    if (!args.empty())
      error(*stage, "'" + n + "' takes no arguments as a layer");
    if ((n == "softmax" || n == "log_softmax") && shape.size() != 1)
      error(*stage, n + " expects each example as f32[K], got " + shapeStr(shape));
    layer.kind = n == "relu"      ? Layer::Relu
                 : n == "tanh"    ? Layer::Tanh
                 : n == "sigmoid" ? Layer::Sigmoid
                 : n == "gelu"    ? Layer::Gelu
                 : n == "softmax" ? Layer::Softmax
                                  : Layer::LogSoftmax;
  } else if (n == "flatten") {
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    layer.kind = Layer::Flatten;
    shape = {count};
  } else if (models.count(n) || fns.count(n)) {
    unsupported(head->range, "using a model or fn as a layer");
  } else {
    unsupported(head->range, "the layer '" + n + "'");
  }
  record(*stage, Type::unit());
  layer.outShape = shape;
  return layer;
}

/// A model with named layers and `forward(x) = expr`: the layers are built
/// when expr first calls them (their input shapes come from the call). The
/// expression is checked per example; the compiled forward runs it on the
/// whole batch, so it may use layers, elementwise arithmetic and
/// activations, which act on each example alike. The returned list is the
/// named layers in declaration order, then a pseudo-layer holding the
/// forward's output shape.
std::vector<Layer> Sema::buildGraph(const Stmt &decl,
                                    const std::vector<int64_t> &inputShape) {
  std::vector<Layer> layers;
  std::vector<const Stmt *> decls;
  const Stmt *forward = nullptr;
  for (const StmtPtr &item : decl.body->stmts) {
    if (item->kind == StmtKind::Assign) {
      decls.push_back(item.get());
      layers.emplace_back();
    } else if (item->kind == StmtKind::Forward) {
      if (forward)
        diags.error(item->range, "model '" + decl.name() + "' has two forwards");
      forward = item.get();
    } else {
      diags.error(item->range, "a model with forward lists named layers "
                               "(fc1 = dense(16)) and one forward(x) = ...");
    }
  }
  if (!forward)
    diags.error(decl.range, "model '" + decl.name() +
                                "' names layers but has no forward(x) = ...");
  if (forward->params.size() != 1)
    diags.error(forward->range, "forward takes one input, as in forward(x)");
  std::set<std::string> names;
  for (const Stmt *d : decls)
    names.insert(d->name());
  checkForwardOps(*forward->value, names);

  ctx->scopes.emplace_back();
  Local input;
  std::vector<Dim> dims;
  for (int64_t d : inputShape) {
    Dim dim;
    dim.size = d;
    dims.push_back(dim);
  }
  input.type = Type::tensor(ElemType::F32, dims);
  bind(forward->params[0].name, forward->params[0].range, input, false);
  for (size_t k = 0; k < decls.size(); ++k) {
    Local l;
    l.type.kind = Type::Function;
    l.type.name = "layer " + decls[k]->name();
    l.layer = (int)k;
    bind(decls[k]->name(), decls[k]->nameRanges.front(), l, false);
  }
  graphLayers = &layers;
  graphDecls = decls;
  graphBuilt.assign(decls.size(), false);
  Type out = check(*forward->value);
  graphLayers = nullptr;
  ctx->scopes.pop_back();
  for (size_t k = 0; k < decls.size(); ++k)
    if (!graphBuilt[k])
      diags.error(decls[k]->nameRanges.front(),
                  "layer '" + decls[k]->name() + "' is never used in forward");
  if (!out.isTensor() || out.elem != ElemType::F32)
    error(*forward->value, "forward must give f32 values, got " + out.str());
  Layer result;  // carries the forward's output shape
  result.kind = Layer::Flatten;
  result.index = -1;
  for (const Dim &d : out.dims)
    result.outShape.push_back(d.size);
  layers.push_back(result);
  graphForward = forward->value.get();
  graphInput = forward->params[0].name;
  return layers;
}

/// `fc1(x)` in a forward: builds the layer for x's shape on its first call;
/// later calls (shared weights) must pass the same shape.
Type Sema::checkLayerCall(const Expr &call, int k) {
  if (call.args.size() != 1 || !call.args[0].name.empty())
    error(call, "a layer takes one input, as in fc1(x)");
  Type in = check(*call.args[0].value);
  if (!in.isTensor() || in.elem != ElemType::F32)
    error(*call.args[0].value, "a layer takes f32 values, got " + in.str());
  std::vector<int64_t> shape;
  for (const Dim &d : in.dims)
    shape.push_back(d.size);
  Layer &layer = (*graphLayers)[k];
  if (!graphBuilt[k]) {
    std::vector<int64_t> s = shape;
    layer = makeLayer(*graphDecls[k]->value, false, s, k);
    layer.name = graphDecls[k]->name();
    graphBuilt[k] = true;
  } else if (layer.inShape != shape) {
    error(*call.args[0].value, "layer '" + layer.name + "' was first called on " +
                                   shapeStr(layer.inShape) + ", here on " +
                                   shapeStr(shape) + " (its weights are shared)");
  }
  CallTarget target;
  target.kind = CallTarget::Layer;
  target.instance = k;
  ctx->notes->calls[&call] = target;
  std::vector<Dim> dims;
  for (int64_t d : layer.outShape) {
    Dim dim;
    dim.size = d;
    dims.push_back(dim);
  }
  return record(call, Type::tensor(ElemType::F32, dims));
}

/// What a forward may use: what acts on each example of a batch alike.
void Sema::checkForwardOps(const Expr &e, const std::set<std::string> &layers) {
  static const std::set<std::string> builtins = {
      "relu", "tanh", "sigmoid", "gelu", "leaky_relu", "exp", "log",
      "sqrt", "abs",  "erf",     "where"};
  switch (e.kind) {
  case ExprKind::Number:
  case ExprKind::Bool:
  case ExprKind::Name:
    return;
  case ExprKind::Unary:
    return checkForwardOps(*e.operands[0], layers);
  case ExprKind::Binary:
    if (e.name == "@")
      unsupported(e.range, "'@' in forward (use a dense layer)");
    checkForwardOps(*e.operands[0], layers);
    return checkForwardOps(*e.operands[1], layers);
  case ExprKind::Call:
    if (e.operands[0]->kind == ExprKind::Name &&
        !builtins.count(e.operands[0]->name) && !layers.count(e.operands[0]->name) &&
        std::find(builtinNames().begin(), builtinNames().end(),
                  e.operands[0]->name) != builtinNames().end())
      unsupported(e.operands[0]->range, "'" + e.operands[0]->name + "' in forward");
    for (const Arg &a : e.args)
      checkForwardOps(*a.value, layers);
    return;
  default:
    unsupported(e.range, "this expression in forward");
  }
}

/// Builds the layers of `decl` for examples of `inputs` features, checking
/// each stage's per-example shape.
std::vector<Layer> Sema::buildLayers(const Stmt &decl,
                                     const std::vector<int64_t> &inputShape,
                                     const std::map<std::string, double> &values) {
  std::vector<Stage> stages;
  bool graph = std::any_of(decl.body->stmts.begin(), decl.body->stmts.end(),
                           [](const StmtPtr &item) {
                             return item->kind != StmtKind::Expr;
                           });
  for (const StmtPtr &item : decl.body->stmts)
    if (!graph)
      flattenStages(*item->value, stages);
  if (stages.empty() && !graph)
    diags.error(decl.range, "model '" + decl.name() + "' has no layers");
  // Model parameters are constants while the stages are checked.
  ctx->scopes.emplace_back();
  for (const auto &[name, value] : values) {
    Local l;
    l.type = Type::scalar(std::floor(value) == value ? ElemType::I64
                                                     : ElemType::F32);
    l.constant = value;
    bind(name, decl.range, l, false);
  }
  std::vector<Layer> layers;
  std::vector<int64_t> shape = inputShape;
  int index = 0;
  graphForward = nullptr;
  if (graph)
    layers = buildGraph(decl, inputShape);
  for (const Stage &st : stages)
    layers.push_back(makeLayer(*st.expr, st.piped, shape, index++));
  ctx->scopes.pop_back();
  if (graph)
    shape = layers.back().outShape;
  if (shape.size() != 1)
    diags.error(decl.range, "model '" + decl.name() +
                                "' must end with one value per output, but "
                                "gives " + shapeStr(shape) + " per example");
  return layers;
}

/// The `key = value` items of a train or fit block, by key. A line that is
/// no setting, an unknown key (with the closest known one as a hint) and a
/// key set twice are errors.
std::map<std::string, const Stmt *> Sema::blockSettings(const Stmt &s, const std::vector<std::string> &known,
                                                       const char *what, const char *example) {
  std::map<std::string, const Stmt *> settings;
  for (const StmtPtr &item : s.body->stmts) {
    if (item->kind != StmtKind::Assign)
      diags.error(item->range, std::string("expected a setting such as '") + example + "'");
    const std::string &key = item->name();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string hint = closestName(key, known), list;
      for (const std::string &k : known)
        list += (list.empty() ? "" : ", ") + k;
      diags.error(item->nameRanges.front(),
                  "unknown " + std::string(what) + " setting '" + key + "'" +
                      (hint.empty() ? " (the settings: " + list + ")" : " (did you mean '" + hint + "'?)"));
    }
    if (settings.count(key))
      diags.error(item->nameRanges.front(), "'" + key + "' is set twice");
    settings[key] = item.get();
  }
  return settings;
}

void Sema::checkTrain(const Stmt &s) {
  auto info = std::make_shared<TrainedInfo>();
  info->stmt = &s;
  std::map<std::string, double> values;
  const Stmt &decl = modelConstructor(*s.value, values);
  info->model = decl.name();
  Type tableType = check(*s.target);
  if (tableType.kind != Type::Table)
    error(*s.target, "train needs a table after 'on', got " + tableType.str());
  info->table = s.target.get();
  const TableSchema &schema = *tableType.table;

  std::map<std::string, const Stmt *> settings = blockSettings(
      s, {"inputs", "target", "loss", "optimizer", "epochs", "batch", "seed", "metrics", "validate",
          "shuffle", "init", "schedule", "early_stop", "checkpoint", "checkpoint_every"},
      "training", "epochs = 10");
  auto need = [&](const char *key) -> const Expr & {
    if (!settings.count(key))
      diags.error(s.range, std::string("train needs '") + key + " = ...'");
    return *settings.at(key)->value;
  };

  info->inputs = columnList(need("inputs"), schema, "input column");
  if (info->inputs.empty())
    error(need("inputs"), "train needs at least one input column");
  const Column &target = column(need("target"), schema);
  info->target = target.name;
  if (std::find(info->inputs.begin(), info->inputs.end(), target.name) !=
      info->inputs.end())
    error(need("target"), "the target '" + target.name +
                              "' is also an input: drop it from the inputs "
                              "(numeric - [" + target.name + "])");

  const Expr &loss = need("loss");
  if (loss.kind != ExprKind::Name)
    unsupported(loss.range, "a custom loss fn in train");
  record(loss, Type::unit());
  info->loss = loss.name;
  if (!target.shape.empty()) {
    // A tensor target is a one-hot vector per row: cross_entropy only (the
    // runtime checks each row has exactly one 1).
    if (loss.name != "cross_entropy" || target.shape.size() != 1 ||
        target.elem == ElemType::Str)
      error(need("target"), "the target '" + target.name + "' is " + columnType(target) +
                                ": a tensor target must be a one-hot f32[C] "
                                "or i64[C] vector, with loss cross_entropy");
    info->classification = true;
    info->oneHotClasses = target.shape[0];
  } else if (loss.name == "cross_entropy" || loss.name == "bce") {
    info->classification = true;
    if (target.elem == ElemType::F32)
      error(need("target"), loss.name + " needs class labels, but target '" +
                                target.name + "' is f32");
    info->labels = target.labels;
    if (loss.name == "bce" && !info->labels.empty() && info->labels.size() != 2)
      error(need("target"), "bce is for two classes, but target '" + target.name +
                                "' has " + std::to_string(info->labels.size()));
  } else if (loss.name == "mse" || loss.name == "mae" || loss.name == "huber") {
    info->classification = false;
    requireNumeric(need("target"), target,
                   ("the target of an " + loss.name + " regression").c_str());
  } else if (fns.count(loss.name)) {
    // A user fn: (predictions, targets) -> f32, checked below once the
    // model's output count is known.
    info->loss = "fn";
    info->classification = target.elem != ElemType::F32;
    info->labels = target.labels;
  } else {
    std::vector<std::string> known = {"cross_entropy", "bce", "mse", "mae", "huber"};
    std::string hint = closestName(loss.name, known);
    error(loss, "unknown loss '" + loss.name + "'" +
                    (hint.empty() ? " (expected cross_entropy, bce, mse, mae or huber)"
                                  : " (did you mean '" + hint + "'?)"));
  }

  const Expr &opt = need("optimizer");
  const Expr *optName = opt.kind == ExprKind::Call ? opt.operands[0].get() : &opt;
  if (optName->kind != ExprKind::Name)
    error(opt, "expected an optimizer such as adam(lr: 0.01)");
  record(*optName, Type::unit());
  info->optimizer = optName->name;
  static const std::vector<std::string> optimizers = {"sgd", "adam", "adamw",
                                                      "rmsprop"};
  if (std::find(optimizers.begin(), optimizers.end(), info->optimizer) ==
      optimizers.end()) {
    std::string hint = closestName(info->optimizer, optimizers);
    error(*optName, "unknown optimizer '" + info->optimizer + "'" +
                        (hint.empty() ? " (expected sgd, adam, adamw or rmsprop)"
                                      : " (did you mean '" + hint + "'?)"));
  }
  if (info->optimizer == "adamw")
    info->weightDecay = 0.01;  // PyTorch's AdamW default
  // A number option known at compile time, within [low, high).
  auto numberOption = [&](const Arg &a, double low, double high) {
    check(*a.value);
    auto c = constant(*a.value);
    if (!c || *c < low || *c >= high)
      error(*a.value, a.name + " must be a number in [" + std::to_string(low) +
                          ", " + (std::isinf(high) ? "inf" : std::to_string(high)) +
                          ") known at compile time");
    return *c;
  };
  if (opt.kind == ExprKind::Call)
    for (const Arg &a : opt.args) {
      const std::string &o = info->optimizer;
      if (a.name == "lr") {
        Type t = check(*a.value);
        if (!t.isScalar() || !isNumeric(t.elem))
          error(*a.value, "lr must be a number, got " + t.str());
        info->lr = a.value.get();
      } else if (a.name == "momentum" && o == "sgd") {
        info->momentum = numberOption(a, 0, 1);
      } else if (a.name == "nesterov" && o == "sgd") {
        if (a.value->kind != ExprKind::Bool)
          error(*a.value, "nesterov must be true or false");
        record(*a.value, Type::scalar(ElemType::Bool));
        info->nesterov = a.value->boolean;
      } else if (a.name == "weight_decay") {
        info->weightDecay = numberOption(a, 0, INFINITY);
      } else if (a.name == "alpha" && o == "rmsprop") {
        info->alpha = numberOption(a, 0, 1);
      } else if (a.name == "clip") {
        info->clip = numberOption(a, 1e-12, INFINITY);
      } else {
        error(*a.value, "'" + o + "' has no parameter '" +
                            (a.name.empty() ? std::string("(positional)") : a.name) +
                            "'; write " + o + "(lr: 0.01)");
      }
    }
  if (info->nesterov && info->momentum == 0)
    error(opt, "nesterov needs a momentum, as in sgd(lr: 0.1, momentum: 0.9, "
               "nesterov: true)");
  if (!info->lr)
    error(opt, "the optimizer needs a learning rate: " + info->optimizer +
                   "(lr: 0.01)");

  Type epochs = check(need("epochs"));
  if (!epochs.isScalar() || isFloatElem(epochs.elem) || !isNumeric(epochs.elem))
    error(need("epochs"), "epochs must be an integer, got " + epochs.str());
  info->epochs = &need("epochs");
  // `epochs = epochs` (a param): --epochs 0 is rejected with the flags.
  if (auto use = ctx->notes->globals.find(info->epochs); use != ctx->notes->globals.end() &&
                                                         globals[use->second].param) {
    if (constant(*info->epochs) && *constant(*info->epochs) < 1)
      error(*info->epochs, "epochs must be at least 1");
    paramMinimums[use->second] = {"1", "the number of epochs"};
  }
  if (settings.count("batch")) {
    info->batch = constInt(*settings["batch"]->value, "batch");
    if (info->batch < 1)
      error(*settings["batch"]->value, "batch must be at least 1");
  }
  if (settings.count("seed"))
    info->seed = constInt(*settings["seed"]->value, "seed");
  if (settings.count("schedule")) {
    const Expr &v = *settings["schedule"]->value;
    const Expr *head = v.kind == ExprKind::Call ? v.operands[0].get() : &v;
    if (head->kind != ExprKind::Name ||
        (head->name != "step" && head->name != "cosine" && head->name != "linear"))
      error(v, "expected a schedule: step(every: 10, gamma: 0.5), cosine(warmup: "
               "5) or linear(warmup: 5)");
    record(*head, Type::unit());
    info->schedule = head->name;
    if (v.kind == ExprKind::Call)
      for (const Arg &a : v.args) {
        check(*a.value);
        auto c = constant(*a.value);
        bool ok = (head->name == "step" && (a.name == "every" || a.name == "gamma")) ||
                  (head->name != "step" && a.name == "warmup");
        if (!ok)
          error(*a.value, "'" + head->name + "' has no parameter '" + a.name + "'");
        if (!c || *c < 0 || (a.name == "every" && *c < 1))
          error(*a.value, a.name + " must be a positive number known at compile time");
        (a.name == "every" ? info->scheduleEvery
         : a.name == "gamma" ? info->scheduleGamma
                             : info->scheduleWarmup) = *c;
      }
    record(v, Type::unit());
  }
  if (settings.count("shuffle")) {
    const Expr &v = *settings["shuffle"]->value;
    if (v.kind != ExprKind::Bool)
      error(v, "shuffle must be true or false");
    record(v, Type::scalar(ElemType::Bool));
    info->shuffle = v.boolean;
  }
  if (settings.count("init")) {
    const Expr &v = *settings["init"]->value;
    if (v.kind != ExprKind::String || v.parts.size() != 1 || v.parts[0].isExpr)
      error(v, "init needs a safetensors file path as a string literal");
    record(v, Type::scalar(ElemType::Str));
    info->init = v.parts[0].text;
  }
  if (settings.count("metrics")) {
    const Expr &m = *settings["metrics"]->value;
    std::vector<const Expr *> items;
    if (m.kind == ExprKind::List) {
      record(m, Type::unit());
      for (const ExprPtr &x : m.operands)
        items.push_back(x.get());
    } else {
      items.push_back(&m);
    }
    for (const Expr *x : items) {
      if (x->kind != ExprKind::Name || !isMetric(x->name))
        error(*x, "expected a metric: accuracy, mse, mae or r2");
      if (isRegressionMetric(x->name) == info->classification)
        error(*x, "'" + x->name + "' does not fit a " +
                      (info->classification ? "classifier" : "regressor"));
      if (x->name != "accuracy" && !isRegressionMetric(x->name))
        unsupported(x->range, "the per-epoch metric '" + x->name + "'");
      record(*x, Type::unit());
      info->metrics.push_back(x->name);
    }
  }
  if (settings.count("validate")) {
    const Expr &v = *settings["validate"]->value;
    Type t = check(v);
    if (t.kind != Type::Table)
      error(v, "validate needs a table, got " + t.str());
    info->validate = &v;
  }
  if (settings.count("early_stop")) {
    const Stmt &item = *settings["early_stop"];
    info->earlyStop = constInt(*item.value, "early_stop (the patience in epochs)");
    if (info->earlyStop < 1)
      error(*item.value, "early_stop needs a patience of at least 1 epoch");
    if (!info->validate)
      diags.error(item.nameRanges.front(),
                  "early_stop watches the validation loss: add 'validate = "
                  "some_table'");
  }

  if (settings.count("checkpoint")) {
    const Expr &v = *settings["checkpoint"]->value;
    Type t = check(v);
    if (!t.isScalar() || t.elem != ElemType::Str)
      error(v, "checkpoint needs a directory path (a str), got " + t.str());
    info->checkpoint = &v;
  }
  if (settings.count("checkpoint_every")) {
    const Stmt &item = *settings["checkpoint_every"];
    info->checkpointEvery = constInt(*item.value, "checkpoint_every (epochs)");
    if (info->checkpointEvery < 1)
      error(*item.value, "checkpoint_every needs at least 1 epoch");
    if (!info->checkpoint)
      diags.error(item.nameRanges.front(),
                  "checkpoint_every needs a directory: add 'checkpoint = \"dir\"'");
  }

  // One input column of tensors keeps its shape (an image); several columns
  // make a vector of all their values.
  info->features = inputWidth(schema, info->inputs);
  info->inputShape = {info->features};
  if (info->inputs.size() == 1 && !schema.find(info->inputs[0])->shape.empty())
    info->inputShape = schema.find(info->inputs[0])->shape;
  info->layers = buildLayers(decl, info->inputShape, values);
  if (info->layers.front().kind == Layer::Embedding)
    for (const std::string &c : info->inputs)
      if (schema.find(c)->elem != ElemType::I64)
        error(need("inputs"), "embedding reads indices, but input column '" + c +
                                  "' is " + columnType(*schema.find(c)) +
                                  " (expected i64)");
  info->forward = graphForward;
  info->forwardInput = graphInput;
  for (const Layer &l : info->layers) {
    std::string p = l.name.empty() ? std::to_string(l.index) : l.name;
    if (l.kind == Layer::BatchNorm) {
      // PyTorch's names; the running statistics are buffers.
      info->params.push_back({p + ".weight", {l.out}});
      info->params.push_back({p + ".bias", {l.out}});
      info->params.push_back({p + ".running_mean", {l.out}});
      info->params.push_back({p + ".running_var", {l.out}});
      info->trainable.insert(info->trainable.end(), {true, true, false, false});
      ++info->statLayers;
      continue;
    }
    if (l.kind == Layer::Embedding) {
      info->params.push_back({p + ".weight", {l.in, l.out}});
      info->trainable.push_back(true);
      continue;
    }
    if (l.kind == Layer::Dense)
      info->params.push_back({p + ".weight", {l.out, l.in}});
    else if (l.kind == Layer::LayerNorm)
      info->params.push_back({p + ".weight", {l.out}});
    else if (l.kind == Layer::Conv2d)
      info->params.push_back({p + ".weight", {l.out, l.in, l.kernel, l.kernel}});
    else
      continue;
    info->params.push_back({p + ".bias", {l.out}});
    info->trainable.insert(info->trainable.end(), {true, true});
  }
  if (info->params.empty())
    diags.error(decl.range, "model '" + decl.name() + "' has no parameters to "
                                                      "train (add a dense layer)");
  // buildLayers checked that the model ends with a vector per example.
  info->outputs = info->layers.back().outShape[0];
  if (info->loss == "fn")
    checkLossFn(loss, *info);
  if (info->validate)
    checkModelInputs(*info->validate, *info, *check(*info->validate).table, true);
  if (info->loss == "bce") {
    info->classes = 2;
    if (info->outputs != 1)
      diags.error(decl.range, "bce needs a model with 1 output (a logit), but '" +
                                  decl.name() + "' gives " +
                                  std::to_string(info->outputs));
  } else {
    info->classes = info->classification && !info->labels.empty()
                        ? (int64_t)info->labels.size()
                        : info->outputs;
  }
  if (info->oneHotClasses && info->oneHotClasses != info->outputs)
    diags.error(decl.range, "model '" + decl.name() + "' gives " +
                                std::to_string(info->outputs) +
                                " outputs, but the one-hot target '" +
                                target.name + "' has " +
                                std::to_string(info->oneHotClasses) + " classes");
  if (info->classification && info->loss != "bce" && !info->labels.empty() &&
      (int64_t)info->labels.size() != info->outputs)
    diags.error(decl.range, "model '" + decl.name() + "' gives " +
                                std::to_string(info->outputs) +
                                " outputs, but target '" + target.name +
                                "' has " + std::to_string(info->labels.size()) +
                                (info->labels.size() == 1 ? " class" : " classes"));
  if (!info->classification && info->outputs != 1)
    diags.error(decl.range, "a regression model must give 1 output, but '" +
                                decl.name() + "' gives " +
                                std::to_string(info->outputs));
  if (info->layers.back().kind == Layer::Sigmoid && info->loss == "bce")
    diags.error(decl.range, "model '" + decl.name() +
                                "' ends with sigmoid, but bce expects a raw "
                                "score (logit): remove the sigmoid stage");
  if ((info->layers.back().kind == Layer::Softmax ||
       info->layers.back().kind == Layer::LogSoftmax) &&
      info->loss == "cross_entropy")
    diags.error(decl.range, "model '" + decl.name() +
                                "' ends with softmax, but cross_entropy "
                                "expects raw scores (logits): remove the "
                                "softmax stage");

  trainings[&s] = info;
  Local l;
  l.type.kind = Type::Trained;
  l.type.name = info->model;
  l.type.trained = info;
  bind(s.name(), s.nameRanges.front(), l, true);
}

/// A user fn as a loss: called with the batch's predictions (f32[B, C] for
/// classes, f32[B] for one output) and targets (i64[B] class indices or
/// f32[B]); its other parameters keep their defaults. It must give an f32
/// scalar and be differentiable (no loops, conditionals or indexing yet).
void Sema::checkLossFn(const Expr &loss, TrainedInfo &info) {
  const Stmt &fn = *fns.at(loss.name);
  if (info.classification && info.outputs == 1 && info.labels.empty())
    info.classification = false;  // an integer target, one output: values
  Dim b, c;
  b.size = info.batch;
  c.size = info.outputs;
  std::vector<Type> types = {
      info.classification ? Type::tensor(ElemType::F32, {b, c})
                          : Type::tensor(ElemType::F32, {b}),
      Type::tensor(info.classification ? ElemType::I64 : ElemType::F32, {b})};
  if (fn.params.size() < 2)
    error(loss, "a loss fn takes the predictions and the targets, as in fn " +
                    fn.name() + "(pred: f32[N], y: f32[N]) -> f32");
  for (size_t i = 2; i < fn.params.size(); ++i) {
    const Param &p = fn.params[i];
    if (!p.defaultValue || (check(*p.defaultValue), !constant(*p.defaultValue)))
      error(loss, "parameter '" + p.name + "' of loss fn '" + fn.name() +
                      "' needs a number as its default");
    types.push_back(typeOf(*p.defaultValue));
  }
  info.lossInstance = instantiate(fn, types, &loss);
  const FnInstance &inst = instances[info.lossInstance];
  if (!inst.result.isScalar() || !isFloatElem(inst.result.elem))
    error(loss, "loss fn '" + fn.name() + "' must return a float scalar, but it "
                "returns " + inst.result.str());
  if (!inst.captures.empty())
    unsupported(loss.range, "a loss fn that reads top-level values ('" +
                                globals[inst.captures[0]].name + "')");
  if (inst.controlFlow)
    unsupported(inst.controlFlow->range,
                "differentiating through loops and conditionals (loss '" +
                    fn.name() + "')");
  if (inst.indexing)
    unsupported(inst.indexing->range,
                "differentiating through indexing (loss '" + fn.name() + "')");
  record(loss, Type::unit());
}

/// `scatter(t, x: a, y: b, color: c)` inside a plot: a and b numeric
/// columns of t; c a column (str, or numeric) or per-row labels such as
/// km(t). Notes the columns as "x\ty\tcolor" ("" for no or computed colour).
void Sema::checkScatter(const Expr &e) {
  record(*e.operands[0], Type::unit());
  const Expr *table = positionalArg(e, 0);
  if (!table || positionalArg(e, 1))
    error(e, "scatter takes a table and its columns, as in scatter(t, x: weight, y: mpg, color: origin)");
  Type t = check(*table);
  if (t.kind != Type::Table)
    error(*table, "scatter needs a table, got " + t.str());
  std::string columns[3];
  for (const Arg &a : e.args) {
    if (a.name.empty())
      continue;
    int k = a.name == "x" ? 0 : a.name == "y" ? 1 : a.name == "color" ? 2 : -1;
    if (k < 0)
      diags.error(a.nameRange, "scatter has no parameter '" + a.name + "' (it takes x:, y: and color:)");
    const Expr &v = *a.value;
    if (k == 2 && !(v.kind == ExprKind::Name && t.table->find(v.name))) {
      Type labels = check(v); // per-row labels, such as km(t)
      if (!labels.isTensor() || labels.elem != ElemType::I64 || labels.rank() != 1)
        error(v, "color is a column of the table or one i64 label per row (such as km(t)), got " +
                     labels.str());
      continue;
    }
    const Column &c = column(v, *t.table);
    if (k < 2)
      requireNumeric(v, c, "a scatter axis");
    if (!c.shape.empty())
      error(v, "'" + c.name + "' holds " + columnType(c) + " per row; scatter plots single values");
    columns[k] = c.name;
  }
  if (columns[0].empty() || columns[1].empty())
    error(e, "scatter needs x: and y: columns");
  ctx->notes->strings[&e] = columns[0] + "\t" + columns[1] + "\t" + columns[2];
  record(e, Type::unit());
}

/// `histogram(t, x: a, bins: n, color: c)` inside a plot: a numeric column
/// of t, n bins (0: numpy's "auto"), one histogram per value of a str column
/// c. Notes "x\tcolor".
void Sema::checkHistogram(const Expr &e) {
  record(*e.operands[0], Type::unit());
  const Expr *table = positionalArg(e, 0);
  if (!table || positionalArg(e, 1))
    error(e, "histogram takes a table and a column, as in histogram(t, x: weight, bins: 20)");
  Type t = check(*table);
  if (t.kind != Type::Table)
    error(*table, "histogram needs a table, got " + t.str());
  std::string x, color;
  for (const Arg &a : e.args) {
    if (a.name.empty())
      continue;
    if (a.name == "bins") {
      if (constInt(*a.value, "bins") < 0)
        error(*a.value, "bins is a count (0 picks one as numpy's \"auto\" does)");
      continue;
    }
    if (a.name != "x" && a.name != "color")
      diags.error(a.nameRange, "histogram has no parameter '" + a.name + "' (it takes x:, bins: and color:)");
    const Column &c = column(*a.value, *t.table);
    if (!c.shape.empty())
      error(*a.value, "'" + c.name + "' holds " + columnType(c) + " per row; histogram plots single values");
    if (a.name == "x")
      requireNumeric(*a.value, c, "a histogram");
    else if (c.elem != ElemType::Str)
      error(*a.value, "color: groups rows by a str column; '" + c.name + "' is " + columnType(c));
    (a.name == "x" ? x : color) = c.name;
  }
  if (x.empty())
    error(e, "histogram needs x:, the column to count");
  ctx->notes->strings[&e] = x + "\t" + color;
  record(e, Type::unit());
}

void Sema::checkPlot(const Stmt &s) {
  const Expr &what = *s.value;
  std::string kind = what.kind == ExprKind::Call && what.operands[0]->kind == ExprKind::Name
                         ? what.operands[0]->name
                         : "";
  if (kind == "scatter") {
    checkScatter(what);
  } else if (kind == "histogram") {
    checkHistogram(what);
  } else if (kind == "predicted" || kind == "confusion") {
    // The model on the table: a heatmap of its confusion matrix, or its
    // predictions against the true values.
    record(*what.operands[0], Type::unit());
    checkTableBuiltin(what, kind);
  } else {
    Type t = check(what);
    if (t.kind != Type::History)
      error(what, "plot draws net.history, scatter(t, x: a, y: b), histogram(t, x: a), "
                  "confusion(model, t) or predicted(model, t); got " + t.str());
  }
  const Expr &path = *s.target;
  if (path.kind != ExprKind::String || path.parts.size() != 1 ||
      path.parts[0].isExpr)
    error(path, "plot needs its file path as a string literal");
  record(path, Type::scalar(ElemType::Str));
  const std::string &p = path.parts[0].text;
  auto ends = [&](const char *suffix) {
    return p.size() >= 4 && p.compare(p.size() - 4, 4, suffix) == 0;
  };
  if (!ends(".svg") && !ends(".png"))
    error(path, "plot writes .svg or .png files; '" + p + "' ends in neither");
}

void Sema::checkSave(const Stmt &s) {
  const Local *named = s.value->kind == ExprKind::Name ? lookup(s.value->name, s.value.get()) : nullptr;
  if (named && named->transform) {
    // A reusable transform: the statistics its first application learned.
    const Stmt &transform = *named->transform;
    std::optional<std::string> path = literalText(*s.target);
    if (!path)
      error(*s.target, "save needs its file path as a string literal");
    record(*s.target, Type::scalar(ElemType::Str));
    record(*s.value, Type::unit());
    auto header = transformHeaders.find(&transform);
    if (header == transformHeaders.end())
      error(*s.value, "'" + transform.name() + "' has learned nothing yet: save it after applying it, "
                      "as in `let train_set = raw_train |> " + transform.name() + "`");
    ctx->notes->transformFiles[s.value.get()] = &transform;
    ctx->notes->strings[s.value.get()] = header->second;
    savedTransformHeaders[*path] = header->second;
    return;
  }
  Type t = check(*s.value);
  if (t.kind != Type::Trained)
    error(*s.value, "save needs a trained model, got " + t.str());
  const Expr &path = *s.target;
  if (path.kind != ExprKind::String || path.parts.size() != 1 ||
      path.parts[0].isExpr)
    error(path, "save needs its file path as a string literal");
  record(path, Type::scalar(ElemType::Str));
  savedFiles[path.parts[0].text] = t.trained;
}

Type Sema::checkLoad(const Expr &e) {
  const Expr &what = *e.operands[0];
  if (what.kind == ExprKind::Name)
    if (const Local *named = lookup(what.name, &what); named && named->transform)
      return checkTransformLoad(e, *named->transform);
  const Expr *head = what.kind == ExprKind::Call && what.args.empty() ? what.operands[0].get() : &what;
  if (head->kind == ExprKind::Name && !models.count(head->name) &&
      rt::fit::find_estimator(head->name))
    return checkFittedLoad(e, head->name);
  std::map<std::string, double> values;
  const Stmt &decl = modelConstructor(*e.operands[0], values);
  const Expr &path = *e.operands[1];
  if (path.kind != ExprKind::String || path.parts.size() != 1 ||
      path.parts[0].isExpr)
    error(path, "load needs its file path as a string literal");
  record(path, Type::scalar(ElemType::Str));
  auto saved = savedFiles.find(path.parts[0].text);
  if (saved == savedFiles.end())
    unsupported(path.range, "loading a file this program does not save "
                            "first (its shapes must be known when compiling)");
  if (saved->second->model != decl.name())
    error(*e.operands[0], "'" + path.parts[0].text + "' holds a " +
                              saved->second->model + ", not a " + decl.name());
  auto info = std::make_shared<TrainedInfo>(*saved->second);
  std::vector<Layer> layers = buildLayers(decl, info->inputShape, values);
  size_t params = 0;
  for (const Layer &l : layers)
    params += l.kind == Layer::BatchNorm   ? 4
              : l.kind == Layer::Embedding ? 1
              : l.kind == Layer::Dense || l.kind == Layer::Conv2d ||
                      l.kind == Layer::LayerNorm
                  ? 2
                  : 0;
  bool same = params == info->params.size() && layers.size() == info->layers.size();
  for (size_t i = 0; same && i < layers.size(); ++i)
    same = layers[i].kind == info->layers[i].kind &&
           layers[i].out == info->layers[i].out;
  if (!same)
    error(*e.operands[0], "this " + decl.name() + " does not have the shapes of "
                          "the one saved to '" + path.parts[0].text + "'");
  info->stmt = nullptr;
  Type t;
  t.kind = Type::Trained;
  t.name = decl.name();
  t.trained = info;
  return record(e, t);
}

/// `net(table)`: one prediction per row, known only at run time: class
/// indices for a classifier, values for a regressor.
/// `net(x)` on a tensor of N examples: the model's outputs f32[N, outputs]
/// (logits for a classifier), as PyTorch's net(x) in eval mode.
Type Sema::checkPredict(const Expr &e, const Type &model) {
  if (e.args.size() != 1 || !e.args[0].name.empty())
    error(e, "a trained model takes one table or tensor, as in net(test_set)");
  const Expr &arg = *e.args[0].value;
  Type t = check(arg);
  const TrainedInfo &info = *model.trained;
  if (!info.estimator.empty()) {
    // A fitted model predicts for a table: classes (or kmeans' clusters) as
    // i64, values as f32, pca's components as f32[rows, k].
    if (t.kind != Type::Table)
      error(arg, "a fitted model predicts from a table, got " + t.str());
    checkModelInputs(arg, info, *t.table, /*needTarget=*/false);
    Dim rows, components;
    components.size = info.outputs;
    if (info.estimator == "pca")
      return record(e, Type::tensor(ElemType::F32, {rows, components}));
    bool ints = info.classification || info.target.empty();
    return record(e, Type::tensor(ints ? ElemType::I64 : ElemType::F32, {rows}));
  }
  if (t.kind == Type::Tensor) {
    std::string expected = "f32[N, " + std::to_string(info.features) + "]";
    // Values per example, if every dimension after N is known (else 0).
    int64_t perExample = 1;
    for (size_t i = 1; i < t.dims.size(); ++i)
      perExample *= t.dims[i].known() ? t.dims[i].size : 0;
    // Integer inputs (an embedding's token ids) are converted, as the
    // batches of a table are.
    bool numeric = t.elem == ElemType::F32 || t.elem == ElemType::I64;
    if (!numeric || t.dims.size() < 2 || perExample != info.features)
      error(arg, "the model takes " + expected + " (N examples of " +
                     std::to_string(info.features) + " values), got " + t.str());
    if (!t.dims[0].known())
      error(arg, "net(x) needs the number of examples in x known when compiling, got " +
                     t.str() + " (net(table) predicts for a table of any size)");
    Dim outputs;
    outputs.size = info.outputs;
    return record(e, Type::tensor(ElemType::F32, {t.dims[0], outputs}));
  }
  if (t.kind != Type::Table)
    error(arg, "a trained model predicts from a table or a tensor, got " + t.str());
  checkModelInputs(arg, *model.trained, *t.table, /*needTarget=*/false);
  Dim rows;  // unknown until the table is read
  return record(e, Type::tensor(model.trained->classification ? ElemType::I64
                                                              : ElemType::F32,
                                {rows}));
}

Type Sema::checkMember(const Expr &e) {
  Type base = check(*e.operands[0]);
  if (base.kind == Type::Trained && !base.trained->estimator.empty()) {
    // A number the estimator learned: km.inertia.
    const auto *spec = rt::fit::find_estimator(base.trained->estimator);
    std::vector<std::string> names(spec->numbers.begin(), spec->numbers.end());
    if (std::find(names.begin(), names.end(), e.name) != names.end())
      return record(e, Type::scalar(ElemType::F64));
    std::string hint = closestName(e.name, names), list;
    for (const std::string &n : names)
      list += (list.empty() ? "" : ", ") + n;
    diags.error(e.nameRange, "a fitted " + base.trained->estimator + " has no member '" + e.name + "'" +
                                 (!hint.empty() ? " (did you mean '" + hint + "'?)"
                                  : list.empty() ? ""
                                                 : " (it has: " + list + ")"));
  }
  if (base.kind == Type::Trained) {
    if (e.name != "history")
      diags.error(e.nameRange, "a trained model has no member '" + e.name +
                                   "' (it has: history)");
    if (!base.trained->stmt)
      error(e, "a loaded model has no training history");
    Type t;
    t.kind = Type::History;
    t.name = base.name;
    t.trained = base.trained;
    return record(e, t);
  }
  if (base.kind == Type::Table) {
    // t.col: the column as a tensor, one row per table row (a count known
    // when the program runs).
    Expr name(ExprKind::Name, e.nameRange);
    name.name = e.name;
    const Column &c = column(name, *base.table);
    if (c.elem == ElemType::Str && strColumnCodes && c.shape.empty()) {
      ctx->notes->strings[&e] = "codes";
      return record(e, Type::tensor(ElemType::I64, {Dim()}));
    }
    if (c.elem == ElemType::Str)
      unsupported(e.range, "a str column as a tensor ('." + e.name + "')");
    std::vector<Dim> dims(1);
    for (int64_t d : c.shape) {
      Dim dim;
      dim.size = d;
      dims.push_back(dim);
    }
    return record(e, Type::tensor(c.elem, dims));
  }
  error(e, base.str() + " has no member '" + e.name + "'");
}

} // namespace mlp
