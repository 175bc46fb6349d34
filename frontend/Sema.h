// Sema: name resolution and type/shape inference of a parsed program.
//
// Every error a user can make in a program is found here, before any MLIR is
// built, and reported with the source line and a caret. A `fn` is checked
// once per distinct list of argument types (an *instance*, like a C++
// template): symbolic dimensions such as `N` are bound at each call, so every
// type inside an instance is concrete.
#pragma once

#include "frontend/AST.h"
#include "frontend/Diagnostics.h"
#include "frontend/Pipeline.h"

#include <deque>
#include <map>
#include <set>
#include <optional>
#include <unordered_map>

namespace mlp {
struct CsvSchema; // runtime/csv.h

/// A compile-time function value: a `fn`, or the gradient of one.
struct FnRef {
  const Stmt *fn = nullptr;
  bool isGrad = false;
  std::vector<int> wrt;  // parameter positions differentiated, for grads
};

/// What a call expression resolved to.
struct CallTarget {
  enum Kind { Builtin, Fn, Grad, Layer } kind = Builtin;
  std::string builtin;  // Builtin: its name
  int instance = -1;    // Fn, Grad: the called instance (of the primal fn);
                        // Layer: the named layer's position
  std::vector<int> wrt; // Grad
  /// Fn, Grad: the expression passed for each parameter, defaults included.
  std::vector<const Expr *> paramArgs;
};

/// What Sema learned about the expressions of one context (the top level, or
/// one fn instance).
struct Annotations {
  std::unordered_map<const Expr *, Type> types;
  std::unordered_map<const Expr *, CallTarget> calls;
  /// Name expressions that read a top-level binding: its global id.
  std::unordered_map<const Expr *, int> globals;
  /// Numbers known at compile time (literals, folded arithmetic).
  std::unordered_map<const Expr *, double> constants;
  /// Text the runtime needs for an expression: a csv path, the columns of
  /// standardize, a metric's name.
  std::unordered_map<const Expr *, std::string> strings;
  /// The table a mutate assignment's expression reads its row from.
  std::unordered_map<const Expr *, std::shared_ptr<const TableSchema>> rowSchemas;
  /// onehot: per column it replaces, (column, its values newline-separated).
  std::unordered_map<const Expr *, std::vector<std::pair<std::string, std::string>>>
      stepLabels;
  /// Applications of a reusable transform (`t |> prep`): the transform, and
  /// whether this application is the first, which learns the statistics the
  /// later ones reuse.
  std::unordered_map<const Expr *, std::pair<const Stmt *, bool>> transformCalls;
  /// `save prep to` and `load prep from` of a reusable transform: the
  /// transform (strings holds its header).
  std::unordered_map<const Expr *, const Stmt *> transformFiles;

  const Type &type(const Expr *e) const { return types.at(e); }
};

/// A name bound at the top level of the program.
struct Global {
  std::string name;
  SrcRange range;
  Type type;
  std::optional<FnRef> fn;           // when the binding is a function value
  std::optional<double> constant;    // when known at compile time
  std::optional<std::string> string; // a compile-time string
  const Stmt *param = nullptr;       // when bound by `param`
};

/// One checked instantiation of a `fn` for concrete argument types.
struct FnInstance {
  const Stmt *fn = nullptr;
  std::string symbol;  // unique name in the module, e.g. "huber_0"
  std::vector<Type> paramTypes;
  Type result;
  /// Top-level bindings the body reads, passed as extra trailing arguments.
  std::vector<int> captures;
  Annotations notes;
  /// True while the body is being checked (catches recursion).
  bool inProgress = false;
  /// True when the body contains a loop or conditional (no grad yet).
  const Expr *controlFlow = nullptr;
  /// The first indexing expression in the body (no grad through it yet).
  const Expr *indexing = nullptr;
};

class Sema {
public:
  Sema(const Program &program, const Diagnostics &diags)
      : program(program), diags(diags) {}

  /// Checks the whole program; throws CompileError after printing the first
  /// error.
  void check();

  const Program &program;
  const Diagnostics &diags;
  /// `mlpc repl`: a fn or model declared again replaces the earlier one.
  bool allowRedefinition = false;
  /// `mlpc repl`: the CSV schemas inferred by earlier checks of the
  /// session, by file and place of the csv() call.
  std::map<std::string, CsvSchema> *schemaCache = nullptr;
  Annotations mainNotes;
  std::vector<Global> globals;
  /// A deque: instances are added while others are being checked.
  std::deque<FnInstance> instances;
  /// The params in declaration order (global ids).
  std::vector<int> params;
  /// Params whose flag must be at least a value (a param as train's
  /// epochs): global id -> {minimum, what it is} for the runtime's message.
  std::map<int, std::pair<std::string, std::string>> paramMinimums;
  /// The global id of the first name each top-level statement binds.
  std::unordered_map<const Stmt *, int> stmtGlobals;
  /// What each `train` statement trains.
  std::unordered_map<const Stmt *, std::shared_ptr<TrainedInfo>> trainings;

private:
  struct Local {
    Type type;
    std::optional<FnRef> fn;
    std::optional<double> constant;
    std::optional<std::string> string;
    int global = -1;
    int layer = -1;  // a named layer of the model whose forward is checked
    const Stmt *transform = nullptr;  // a reusable `data name = |> ...`
    /// A str column inside a row expression (filter, mutate): its labels.
    /// The row's value is its code, which only `col == "text"` may read.
    const std::vector<std::string> *labels = nullptr;
  };
  using Scope = std::map<std::string, Local>;

  /// The context being checked: its annotations, scopes and (in a fn) the
  /// instance and how many globals its declaration could see.
  struct Context {
    Annotations *notes;
    std::vector<Scope> scopes;
    FnInstance *instance = nullptr;
    int instanceIndex = -1;
    size_t visibleGlobals = 0;
  };
  Context *ctx = nullptr;
  /// Calls of check(const Expr &) in progress, one inside the other.
  int checkDepth = 0;
  /// How many globals a fn declared at each statement can see.
  std::unordered_map<const Stmt *, size_t> fnVisibleGlobals;
  std::unordered_map<std::string, const Stmt *> fns;

  // Statements.
  void checkTopLevel(const Stmt &s);
  void checkLocalStmt(const Stmt &s);
  void checkLet(const Stmt &s, bool topLevel);
  void checkPrint(const Stmt &s);
  void bind(const std::string &name, SrcRange range, Local local,
            bool topLevel, const Stmt *param = nullptr);

  // Expressions.
  Type check(const Expr &e);
  Type checkName(const Expr &e);
  Type checkUnary(const Expr &e);
  Type checkBinary(const Expr &e);
  Type checkCall(const Expr &e);
  Type checkIndex(const Expr &e);
  Type checkIf(const Expr &e);
  Type checkFor(const Expr &e);
  Type checkBlock(const Expr &e);
  Type checkString(const Expr &e);
  Type checkBuiltin(const Expr &e, const std::string &name);
  Type checkFnCall(const Expr &e, const FnRef &ref);
  FnRef gradRef(const Expr &call);

  // Pipelines (SemaPipeline.cpp).
  void checkData(const Stmt &s);
  void checkModel(const Stmt &s);
  void checkTrain(const Stmt &s);
  void checkFit(const Stmt &s);
  std::map<std::string, const Stmt *> blockSettings(const Stmt &s, const std::vector<std::string> &known,
                                                    const char *what, const char *example);
  Type checkFitBuiltin(const Expr &e, const std::string &name);
  bool checkLabelCompare(const Expr &e);
  void checkScatter(const Expr &e);
  void checkHistogram(const Expr &e);
  Type checkFittedLoad(const Expr &e, const std::string &estimator);
  /// While the arguments of adjusted_rand are checked: `t.col` of a str
  /// column is its labels' codes, i64[?].
  bool strColumnCodes = false;
  void checkPlot(const Stmt &s);
  void checkSave(const Stmt &s);
  Type checkCsv(const Expr &e);
  Type checkJson(const Expr &e);
  Type inferredTable(const Expr &e, const std::string &file, const CsvSchema &inferred);
  Type checkIdx(const Expr &e);
  Type checkMutate(const Expr &e);
  Type checkRowExpr(const Expr &value, const TableSchema &schema);
  Type checkFilter(const Expr &e);  // SemaSteps.cpp
  Type checkTransformCall(const Expr &e, const Stmt &transform);  // SemaSteps.cpp
  /// Per reusable transform: the schema of the table it was first applied to.
  std::map<const Stmt *, std::string> transformInputs;
  /// A transform's header (transform_file.h) as its first application gave
  /// it, for `save`; the ones this program saves, by path; and the file a
  /// `load` gave a transform, with the labels its onehot and label_encode
  /// steps then use (the training data's, not this program's data's).
  std::map<const Stmt *, std::string> transformHeaders;
  std::map<std::string, std::string> savedTransformHeaders;
  struct TransformFile {
    std::string path, header;
    std::map<std::string, std::vector<std::string>> labels;
  };
  std::map<const Stmt *, TransformFile> loadedTransforms;
  const std::map<std::string, std::vector<std::string>> *fixedLabels = nullptr;
  std::string transformHeader(const Stmt &transform, const std::string &columns);
  Type checkTransformLoad(const Expr &e, const Stmt &transform);
  std::string loadPath(const Expr &e);
  Type checkTableBuiltin(const Expr &e, const std::string &name);
  Type checkDataStep(const Expr &e, const std::string &name);  // SemaSteps.cpp
  Type checkMember(const Expr &e);
  Type checkLoad(const Expr &e);
  Type checkPredict(const Expr &e, const Type &model);
  void checkLossFn(const Expr &loss, TrainedInfo &info);
  const Type &typeOf(const Expr &e) const { return ctx->notes->types.at(&e); }
  const Column &column(const Expr &name, const TableSchema &schema);
  void requireNumeric(const Expr &where, const Column &c, const char *use);
  std::vector<std::string> columnList(const Expr &e, const TableSchema &schema,
                                      const char *use);
  void checkModelInputs(const Expr &where, const TrainedInfo &info,
                        const TableSchema &schema, bool needTarget);
  const Stmt &modelConstructor(const Expr &e,
                               std::map<std::string, double> &values);
  Layer makeLayer(const Expr &stage, bool piped, std::vector<int64_t> &shape,
                  int index);
  std::vector<Layer> buildGraph(const Stmt &decl,
                                const std::vector<int64_t> &inputShape);
  Type checkLayerCall(const Expr &call, int layer);
  void checkForwardOps(const Expr &e, const std::set<std::string> &layers);
  /// While a model's forward is checked: its named layers, their
  /// declarations, and whether each has been called (built) yet.
  std::vector<Layer> *graphLayers = nullptr;
  std::vector<const Stmt *> graphDecls;
  std::vector<bool> graphBuilt;
  const Expr *graphForward = nullptr;
  std::string graphInput;
  std::vector<Layer> buildLayers(const Stmt &decl,
                                 const std::vector<int64_t> &inputShape,
                                 const std::map<std::string, double> &values);
  std::map<std::string, const Stmt *> models;
  /// Models a `save` writes, by path, so a later `load` knows their shapes.
  std::map<std::string, std::shared_ptr<const TrainedInfo>> savedFiles;

  // Helpers.
  const Local *lookup(const std::string &name, const Expr *use);
  std::optional<FnRef> functionValue(const Expr &e);
  /// The instance of `fn` for `argTypes`, checking its body the first
  /// time. `call` is null when checking a fn nobody calls.
  int instantiate(const Stmt &fn, const std::vector<Type> &argTypes,
                  const Expr *call);
  void checkUncalled(const Stmt &fn);
  void checkNames(const Expr &e, std::vector<std::set<std::string>> &scopes,
                  size_t visible);
  std::vector<const Expr *> bindArgs(const Expr &call, const Stmt &fn);
  Type resolveTypeExpr(const TypeExpr &t,
                       std::map<std::string, int64_t> &symbols,
                       const Type *actual, const std::string &what,
                       SrcRange where);
  std::optional<double> constant(const Expr &e) const;
  /// The text of a string expression when the compiler can know it: literal
  /// parts, str params (their defaults) and constant numbers.
  std::optional<std::string> compileTimeString(const Expr &e);
  int64_t constInt(const Expr &e, const char *what);
  std::vector<int64_t> constShape(const Expr &e, const char *what);
  Type broadcast(const Type &a, const Type &b, const Expr &where);
  Type record(const Expr &e, Type t) {
    ctx->notes->types[&e] = t;
    return t;
  }
  [[noreturn]] void error(const Expr &e, const std::string &message) const {
    diags.error(e.range, message);
  }
  [[noreturn]] void unsupported(SrcRange range, const std::string &what) const;
};

/// Numeric promotion of two element types for arithmetic (i64 + f32 -> f32).
ElemType promote(ElemType a, ElemType b);
bool isNumeric(ElemType e);
bool isFloatElem(ElemType e);
/// Every builtin function name (SemaBuiltins.cpp).
const std::vector<std::string> &builtinNames();
/// The candidate closest to `name`, for "did you mean" hints ("" if none is
/// close enough).
std::string closestName(const std::string &name,
                        const std::vector<std::string> &candidates);
/// Builtins typed by SemaPipeline.cpp: tables and metrics.
bool isPipelineBuiltin(const std::string &name);
/// The text of a string literal without `{}` interpolation, else nothing:
/// what a path, a default or an option spelled in the program must be.
std::optional<std::string> literalText(const Expr &e);
/// Why the compiler will not read the data file `path` a program names, or
/// "" when it may (SemaPipeline.cpp): it refuses devices, pipes and sockets.
std::string dataFileProblem(const std::string &path);
/// Values per row that the input columns give together (a tensor column
/// counts its elements); SemaPipeline.cpp.
int64_t inputWidth(const TableSchema &schema, const std::vector<std::string> &inputs);
/// select drop drop_na fill_na onehot (SemaSteps.cpp).
bool isDataStep(const std::string &name);
/// The element type a type name spells (`f32`, `int`, ...), if any.
std::optional<ElemType> elemTypeNamed(const std::string &name);

} // namespace mlp
