// Sema for `fit name = estimator(options) on table { inputs = ..., target = ... }`:
// the estimator and its options are checked against the runtime's catalog
// (runtime/fit/catalog.h, the one table both sides read), the columns
// against the table's schema. A fitted model is typed like a trained net, so
// metrics, predictions and printing take either.
#include "frontend/Pipeline.h"
#include "frontend/Sema.h"
#include "runtime/fit/catalog.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mlp {

using rt::fit::EstimatorSpec;
using rt::fit::OptionSpec;
using rt::fit::Task;

/// `v` as the runtime reads it back exactly (`0.10000000000000001`), or
/// briefly for messages (`0.1`).
static std::string numberText(double v, bool exact) {
  char text[40];
  std::snprintf(text, sizeof text, exact ? "%.17g" : "%g", v);
  return text;
}

void Sema::checkFit(const Stmt &s) {
  auto info = std::make_shared<TrainedInfo>();
  const Expr &call = *s.value;
  const Expr *head = call.kind == ExprKind::Call ? call.operands[0].get() : &call;
  if (head->kind != ExprKind::Name)
    error(call, "fit needs an estimator, as in fit reg = ridge(alpha: 1.0) on t { ... }");
  record(*head, Type::unit());
  const EstimatorSpec *spec = rt::fit::find_estimator(head->name);
  if (!spec) {
    std::vector<std::string> names;
    for (const EstimatorSpec &e : rt::fit::estimators())
      names.push_back(e.name);
    std::string hint = closestName(head->name, names);
    std::string all;
    for (const std::string &n : names)
      all += (all.empty() ? "" : ", ") + n;
    error(*head, "unknown estimator '" + head->name + "'" +
                     (hint.empty() ? " (the estimators: " + all + ")"
                                   : " (did you mean '" + hint + "'?)"));
  }
  info->model = info->estimator = spec->name;

  // Options: each named, known, and a constant of its kind within range.
  if (call.kind == ExprKind::Call)
    for (const Arg &a : call.args) {
      auto known = std::find_if(spec->options.begin(), spec->options.end(),
                                [&](const OptionSpec &o) { return a.name == o.name; });
      if (known == spec->options.end()) {
        std::string list;
        for (const OptionSpec &o : spec->options)
          list += (list.empty() ? "" : ", ") + std::string(o.name);
        error(*a.value, std::string(spec->name) + " has no option '" +
                            (a.name.empty() ? std::string("(positional)") : a.name) + "'" +
                            (list.empty() ? " (it takes none)" : " (its options: " + list + ")"));
      }
      const OptionSpec &o = *known;
      double value;
      if (o.kind == OptionSpec::Bool) {
        if (a.value->kind != ExprKind::Bool)
          error(*a.value, a.name + " is true or false");
        record(*a.value, Type::scalar(ElemType::Bool));
        value = a.value->boolean ? 1 : 0;
      } else {
        check(*a.value);
        auto c = constant(*a.value);
        bool integral = c && std::floor(*c) == *c;
        if (!c || (o.kind == OptionSpec::Int && !integral) || *c < o.min || !std::isfinite(*c))
          error(*a.value, a.name + " (" + o.help + ") must be " +
                              (o.kind == OptionSpec::Int ? "an integer" : "a number") +
                              " of at least " + numberText(o.min, false) + " known when compiling");
        value = *c;
      }
      info->estimatorOptions += (info->estimatorOptions.empty() ? "" : ",") + a.name + "=" +
                                numberText(value, true);
      if (a.name == "n_components")
        info->outputs = (int64_t)value;
    }
  for (const OptionSpec &o : spec->options) // n_components left at its default
    if (std::string(o.name) == "n_components" && info->outputs == 0)
      info->outputs = (int64_t)o.value;

  Type tableType = check(*s.target);
  if (tableType.kind != Type::Table)
    error(*s.target, "fit needs a table after 'on', got " + tableType.str());
  info->table = s.target.get();
  const TableSchema &schema = *tableType.table;

  std::map<std::string, const Stmt *> settings = blockSettings(s, {"inputs", "target"}, "fit", "inputs = numeric");
  if (!settings.count("inputs"))
    diags.error(s.range, "fit needs 'inputs = ...', as in inputs = numeric");
  const Expr &inputs = *settings["inputs"]->value;
  info->inputs = columnList(inputs, schema, "input column");
  if (info->inputs.empty())
    error(inputs, "fit needs at least one input column");
  info->features = inputWidth(schema, info->inputs);

  bool supervised = spec->task != Task::Unsupervised;
  if (!supervised && settings.count("target"))
    error(*settings["target"]->value, std::string(spec->name) + " learns without a target: leave 'target' out");
  if (supervised) {
    if (!settings.count("target"))
      diags.error(s.range, std::string(spec->name) + " needs 'target = ...', the column to predict");
    const Expr &targetExpr = *settings["target"]->value;
    const Column &target = column(targetExpr, schema);
    info->target = target.name;
    if (std::find(info->inputs.begin(), info->inputs.end(), target.name) != info->inputs.end())
      error(targetExpr, "the target '" + target.name + "' is also an input: drop it from the inputs (numeric - [" +
                            target.name + "])");
    if (!target.shape.empty())
      error(targetExpr, "the target '" + target.name + "' is " + columnType(target) + ": fit needs one value per row");
    bool classes = spec->task == Task::Classification ||
                   (spec->task == Task::Either && target.elem != ElemType::F32);
    if (classes && target.elem != ElemType::Str)
      error(targetExpr, std::string(spec->name) + " predicts classes, but '" + target.name + "' is " +
                            columnType(target) + ": read it as text (csv(..., types: {" + target.name +
                            ": str})) so its values name the classes");
    if (!classes)
      requireNumeric(targetExpr, target, ("the target of " + std::string(spec->name)).c_str());
    info->classification = classes;
    info->labels = target.labels;
    if (classes && info->labels.size() < 2)
      error(targetExpr, "'" + target.name + "' holds " + std::to_string(info->labels.size()) +
                            " class; a classifier needs two or more");
    info->classes = classes ? (int64_t)info->labels.size() : 0;
    info->outputs = classes ? info->classes : 1;
  } else {
    info->classification = false;
    if (info->estimator == "pca") {
      if (info->outputs > info->features)
        error(call, "pca keeps " + std::to_string(info->outputs) + " components of " +
                        std::to_string(info->features) + " inputs: n_components must be at most " +
                        std::to_string(info->features));
    } else {
      info->outputs = 1;
    }
  }

  trainings[&s] = info;
  Local l;
  l.type.kind = Type::Trained;
  l.type.name = info->model;
  l.type.trained = info;
  bind(s.name(), s.nameRanges.front(), l, true);
}

/// `load ridge from "path"`: a model `fit` saved. Its file is read now, as a
/// csv source is, for what the model takes and gives; or, when this program
/// saves the file first, what it saves.
Type Sema::checkFittedLoad(const Expr &e, const std::string &estimator) {
  const Expr &path = *e.operands[1];
  const std::string file = loadPath(e);
  rt::fit::FittedHeader h;
  auto saved = savedFiles.find(file);
  if (saved != savedFiles.end()) {
    const TrainedInfo &info = *saved->second;
    h.estimator = info.estimator;
    h.task = info.target.empty() ? "unsupervised" : info.classification ? "classification" : "regression";
    h.target = info.target;
    h.inputs = info.inputs;
    h.labels = info.labels;
    h.features = info.features;
    h.outputs = info.outputs;
  } else {
    std::string problem = dataFileProblem(file);
    if (!problem.empty() || !rt::fit::readFittedHeader(file, h, problem))
      error(path, problem);
  }
  if (h.estimator != estimator)
    error(*e.operands[0], "'" + file + "' holds a fitted " + h.estimator + ", not a " + estimator);
  auto info = std::make_shared<TrainedInfo>();
  info->model = info->estimator = h.estimator;
  info->estimatorOptions = h.options;
  info->inputs = h.inputs;
  info->target = h.target;
  info->labels = h.labels;
  info->classification = h.task == "classification";
  info->classes = info->classification ? (int64_t)h.labels.size() : 0;
  info->features = h.features;
  info->outputs = h.outputs;
  ctx->notes->strings[&e] = rt::fit::fittedHeaderText(h);
  Type t;
  t.kind = Type::Trained;
  t.name = info->model;
  t.trained = info;
  return record(e, t);
}

/// adjusted_rand(a, b), silhouette(model, t), cross_validate(model, t,
/// folds:, seed:) and grid_search(model, t, option: [values], folds:, seed:).
Type Sema::checkFitBuiltin(const Expr &e, const std::string &name) {
  std::vector<const Expr *> positional;
  for (const Arg &a : e.args)
    if (a.name.empty())
      positional.push_back(a.value.get());
  if (name == "adjusted_rand") {
    if (positional.size() != 2 || e.args.size() != 2)
      error(e, "adjusted_rand takes two labelings of the same rows, as in adjusted_rand(km(t), t.species)");
    for (const Expr *x : positional) {
      strColumnCodes = true;
      Type t = check(*x);
      strColumnCodes = false;
      if (!t.isTensor() || t.elem != ElemType::I64 || t.rank() != 1)
        error(*x, "adjusted_rand compares labels: an i64 vector (a model's predictions) or a str column, got " +
                      t.str());
    }
    return record(e, Type::scalar(ElemType::F64));
  }

  // The rest take a fitted model and a table.
  if (positional.size() != 2)
    error(e, name + " takes a fitted model and a table, as in " + name + "(model, train_set)");
  Type m = check(*positional[0]);
  if (m.kind != Type::Trained || m.trained->estimator.empty())
    error(*positional[0], name + " needs a model made by fit, got " + m.str());
  const TrainedInfo &info = *m.trained;
  Type t = check(*positional[1]);
  if (t.kind != Type::Table)
    error(*positional[1], name + " needs a table, got " + t.str());
  const auto *spec = rt::fit::find_estimator(info.estimator);
  if (name == "silhouette") {
    if (e.args.size() != 2)
      error(e, "silhouette takes a fitted model and a table, as in silhouette(km, t)");
    if (!info.classification && info.estimator != "kmeans")
      error(*positional[0], "silhouette scores clusters: it needs a model that predicts labels (kmeans or a classifier)");
    checkModelInputs(*positional[1], info, *t.table, /*needTarget=*/false);
    return record(e, Type::scalar(ElemType::F64));
  }

  if (info.target.empty())
    error(*positional[0], name + " scores predictions against a target, but " + info.estimator +
                              " learns without one");
  checkModelInputs(*positional[1], info, *t.table, /*needTarget=*/true);
  std::string grid;
  for (const Arg &a : e.args) {
    if (a.name.empty())
      continue;
    if (a.name == "folds" || a.name == "seed") {
      int64_t v = constInt(*a.value, a.name.c_str());
      if (a.name == "folds" && v < 2)
        error(*a.value, "folds must be at least 2");
      continue;
    }
    auto option = std::find_if(spec->options.begin(), spec->options.end(),
                               [&](const OptionSpec &o) { return a.name == o.name; });
    if (name != "grid_search" || option == spec->options.end())
      diags.error(a.nameRange, name + " has no parameter '" + a.name + "'" +
                                   (name == "grid_search" ? " (" + info.estimator + " has no such option)" : ""));
    // option: [v, ...], each a constant the option takes.
    const Expr &list = *a.value;
    if (list.kind != ExprKind::List || list.operands.empty())
      error(list, "grid_search tries a list of values per option, as in " + a.name + ": [0.1, 1, 10]");
    record(list, Type::unit());
    grid += (grid.empty() ? "" : ";") + a.name + "=";
    for (size_t i = 0; i < list.operands.size(); ++i) {
      const Expr &x = *list.operands[i];
      double v;
      if (option->kind == OptionSpec::Bool) {
        if (x.kind != ExprKind::Bool)
          error(x, a.name + " is true or false");
        record(x, Type::scalar(ElemType::Bool));
        v = x.boolean;
      } else {
        check(x);
        auto c = constant(x);
        if (!c || (option->kind == OptionSpec::Int && std::floor(*c) != *c) || *c < option->min)
          error(x, a.name + " (" + option->help + ") must be " +
                       (option->kind == OptionSpec::Int ? "an integer" : "a number") + " of at least " +
                       numberText(option->min, false));
        v = *c;
      }
      grid += (i ? "|" : "") + numberText(v, true);
    }
  }
  if (name == "cross_validate") {
    if (!grid.empty())
      error(e, "cross_validate takes folds: and seed:");
    const Expr *folds = namedArg(e, "folds");
    Dim n;
    n.size = folds ? *constant(*folds) : 5;
    return record(e, Type::tensor(ElemType::F64, {n}));
  }
  if (grid.empty())
    error(e, "grid_search needs at least one option to try, as in grid_search(model, t, alpha: [0.1, 1, 10])");
  ctx->notes->strings[&e] = grid;
  return record(e, m); // the best model, refitted on the whole table
}

} // namespace mlp
