// The MLIRGen class, shared by MLIRGen.cpp (statements, operators, calls)
// and MLIRGenBuiltins.cpp (builtin functions). Not part of the public API.
#pragma once

#include "frontend/MLIRGen.h"
#include "ir/MlpOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include <map>
#include <optional>
#include <set>

namespace mlp {

/// One piece of a string value: literal text, or a value with a format spec.
struct StrPiece {
  std::string text;
  mlir::Value value;  // null for literal text
  std::string spec;
};

/// What an expression evaluates to during generation.
struct GenValue {
  enum Kind {
    None,
    Tensor,  // value: a tensor
    Tuple,   // elems
    Str,     // pieces
    Handle,  // value: a runtime object (table, history) as !llvm.ptr
    Model,   // elems: the parameters; value: the training history or null
    Report,  // value: an evaluation whose report is printed (confusion)
    Fitted,  // value: a model `fit` made (MlpFitted *)
  } kind = None;
  mlir::Value value;
  std::vector<GenValue> elems;  // Tuple, Model
  std::vector<StrPiece> pieces; // Str

  static GenValue tensor(mlir::Value v) {
    GenValue g;
    g.kind = Tensor;
    g.value = v;
    return g;
  }
};

class MLIRGen {
public:
  MLIRGen(mlir::MLIRContext &context, const Sema &sema)
      : context(context), sema(sema), b(&context) {}

  mlir::OwningOpRef<mlir::ModuleOp> generate();

  // Statements and expressions (MLIRGen.cpp).
  void genStmt(const Stmt &s, bool topLevel);
  GenValue gen(const Expr &e);
  GenValue genBinary(const Expr &e);
  GenValue genCall(const Expr &e);
  GenValue genIndex(const Expr &e);
  GenValue genIf(const Expr &e);
  GenValue genFor(const Expr &e);
  void genPrint(const GenValue &v, mlir::Location loc);
  mlir::func::FuncOp instanceFunction(int index);
  mlir::func::FuncOp gradFunction(int index, const std::vector<int> &wrt);

  // Builtins (MLIRGenBuiltins.cpp).
  GenValue genBuiltin(const Expr &e, const std::string &name);
  mlir::Value gelu(mlir::Value x, mlir::Location l);
  mlir::Value leakyRelu(mlir::Value x, double slope, mlir::Location l);

  // Pipelines (MLIRGenPipeline.cpp).
  GenValue genTableBuiltin(const Expr &e, const std::string &name);
  GenValue genLoad(const Expr &e);
  GenValue genMember(const Expr &e);
  GenValue genPredict(const Expr &e);
  GenValue genTransformCall(const Expr &e, const Stmt &transform, bool first);
  mlir::Value learnedStep(const char *function, const Expr &e, mlir::Location l);
  /// Inside a reusable transform: 1 while its first application learns,
  /// 0 while a later one reuses; -1 elsewhere.
  int transformLearning = -1;
  /// The runtime slot of a learning step's statistics: the step's place in
  /// the source, so that every REPL input names the same slot.
  static int64_t learnedSlot(const Expr &step);
  void fillPerRow(mlir::Value table, mlir::Value column, const Expr &value, const Type &outType,
                  const std::string &suffix, mlir::Location l);
  mlir::Value genMutate(const Expr &e);
  void genTrain(const Stmt &s);
  mlir::Value resumeTraining(const Stmt &s, mlir::Value dir, mlir::Value history,
                             mlir::Value epochCount, llvm::SmallVector<mlir::Value> &state,
                             mlir::Location l);
  void saveCheckpoint(const Stmt &s, const TrainedInfo &info, mlir::Value dir,
                      mlir::Value history, mlir::Value epoch, mlir::Value epochCount,
                      mlir::ValueRange state, mlir::Location l);
  void genPlot(const Stmt &s);
  void genSave(const Stmt &s);
  std::string transformSlots(const Stmt &transform);

  // Fitted models (MLIRGenFit.cpp).
  void genFit(const Stmt &s);
  mlir::Value fittedEvaluation(const TrainedInfo &info, mlir::Value model, mlir::Value table,
                               mlir::Location l);
  GenValue genFittedPredict(const Expr &e);
  GenValue genFittedMember(const Expr &e);
  GenValue genFitBuiltin(const Expr &e, const std::string &name);
  void genScatter(const Expr &e, const std::string &path, mlir::Location l);
  /// The model's forward for `batch` examples (0: the training batch size).
  mlir::func::FuncOp forwardFunction(const TrainedInfo &info,
                                     bool training = false, int64_t batch = 0);
  mlir::func::FuncOp lossFunction(const TrainedInfo &info);
  mlir::func::FuncOp valueAndGradFunction(const TrainedInfo &info);
  int optimizerBuffers(const TrainedInfo &info);
  size_t layerParams(const Layer &layer);
  mlir::Value reshapeBatch(mlir::Value x, const std::vector<int64_t> &example,
                           mlir::Location l);
  mlir::Value applyLayer(const TrainedInfo &info, const Layer &layer, mlir::Value x,
                         mlir::ValueRange params, mlir::Value step, bool training,
                         mlir::Location l);
  GenValue genLayerCall(const Expr &e, int layer);
  llvm::SmallVector<mlir::Value> optimizerStep(const TrainedInfo &info,
                                               mlir::ValueRange state,
                                               mlir::ValueRange grads,
                                               mlir::Value step, mlir::Value lr,
                                               mlir::Location l);
  /// A runtime batcher over `table` for the model's columns; `shuffled`
  /// batches are reordered per epoch (training), others keep table order.
  /// Without the target, the table needs only the input columns.
  mlir::Value batcher(const TrainedInfo &info, mlir::Value table,
                      bool shuffled, mlir::Location l, bool withTarget = true);
  /// Inputs, targets and mask of batch `index`.
  llvm::SmallVector<mlir::Value> fillBatch(const TrainedInfo &info,
                                           mlir::Value batcher,
                                           mlir::Value index, mlir::Location l);
  /// Runs the model over every batch of `evalBatcher`; the runtime
  /// evaluation object it returns answers metrics.
  mlir::Value evaluate(const TrainedInfo &info, mlir::ValueRange params,
                       mlir::Value evalBatcher, mlir::Location l);
  llvm::SmallVector<mlir::Value> readParams(const TrainedInfo &info,
                                            const std::string &path,
                                            mlir::Location l);
  mlir::Type ptrType();
  mlir::Value str(llvm::StringRef text, mlir::Location l);
  mlir::Value i64(int64_t v, mlir::Location l);
  mlir::Value indexToI64(mlir::Value index, mlir::Location l);
  mlir::Value scalarToF64(mlir::Value t, mlir::Location l);
  /// A loop from..count (0..count without `from`, an index; count an i64
  /// or index) carrying `inits`.
  mlir::scf::ForOp countedLoop(mlir::Value count, mlir::ValueRange inits,
                               mlir::Location l, mlir::Value from = {});
  /// A bool flag every program of a kind has (--keep_nan, --resume), off by
  /// default: declared on the module once, read here (an i32).
  mlir::Value builtinFlag(llvm::StringRef name, mlir::Location l);
  /// Calls a runtime service (mlp.rt_call); returns its result, if any.
  mlir::Value rtCall(llvm::StringRef callee, mlir::TypeRange results,
                     mlir::ValueRange args, mlir::Location l);

  // REPL inputs (MLIRGenRepl.cpp).
  /// A top-level value by Sema's id: generated in this module, or loaded
  /// from the store where an earlier REPL input left it; none for a fn.
  std::optional<GenValue> globalValue(int id);
  /// A bare expression typed at the prompt: prints `name : type = value`.
  void showValue(const Expr &e);
  /// Stores what this input bound (ReplInput::bound), at the end of main.
  void storeBound();
  StoredValue storeValue(const GenValue &v, mlir::Location l);
  GenValue loadValue(const StoredValue &s, mlir::Location l);
  ReplInput *repl = nullptr;
  mlir::Operation *replAnchor = nullptr;

  // Helpers.
  mlir::Location loc(SrcRange r);
  mlir::Location loc(const Expr &e) { return loc(e.range); }
  const Type &typeOf(const Expr &e) { return notes->type(&e); }
  mlir::RankedTensorType tensorType(const Type &t);
  mlir::Type elementType(ElemType e);
  /// A rank-0 or splat constant of `type`.
  mlir::Value splat(const Type &type, double value, mlir::Location l);
  /// Converts `v` to `target`'s element type and broadcasts it to its shape.
  /// `like`, when given, has the target's shape and supplies sizes known
  /// only at run time.
  mlir::Value coerce(mlir::Value v, const Type &target, mlir::Location l,
                     mlir::Value like = {});
  mlir::Value tensorOf(const Expr &e);
  /// Flattens a value (tuples included) into SSA values and rebuilds it.
  void flatten(const GenValue &v, std::vector<mlir::Value> &out);
  GenValue unflatten(const Type &t, mlir::ValueRange values, size_t &pos);
  mlir::Value scalarToIndex(mlir::Value v, mlir::Location l);
  /// A string value as a NUL-terminated runtime string (!llvm.ptr).
  mlir::Value runtimeString(const GenValue &v, mlir::Location l);
  std::optional<double> constant(const Expr &e) const;
  void bindLocal(const std::string &name, GenValue v) {
    scopes.back()[name] = std::move(v);
  }

  mlir::MLIRContext &context;
  const Sema &sema;
  mlir::OpBuilder b;
  mlir::ModuleOp module;
  /// The context being generated: the top level or one fn instance.
  const Annotations *notes = nullptr;
  std::vector<std::map<std::string, GenValue>> scopes;
  /// Values of top-level bindings: in main, all of them; in a fn instance,
  /// its captured ones (function arguments).
  std::map<int, GenValue> globals;
  std::map<int, mlir::func::FuncOp> instanceFns;
  /// Constants made from number literals, with their exact values.
  llvm::DenseMap<mlir::Value, double> literals;
  /// [name, type, default] of every param, for the module's mlp.params.
  llvm::SmallVector<mlir::Attribute> paramDecls;
  /// The flags builtinFlag declared on this module.
  std::set<std::string> builtinFlags;
  /// While a model's forward is generated: the batch size tensorType puts
  /// in front of every per-example shape, the model, its parameters.
  int64_t batchPrefix = 0;
  /// While a training forward is generated: the batch's row mask, and the
  /// batch statistics its batchnorm layers give.
  mlir::Value rowMask;
  llvm::SmallVector<mlir::Value> batchStats;
  const TrainedInfo *graph = nullptr;
  mlir::ValueRange graphParams;
  mlir::Value graphStep;
  bool graphTraining = false;
  std::map<std::string, mlir::func::FuncOp> gradFns;
  std::map<std::pair<const TrainedInfo *, int64_t>, mlir::func::FuncOp>
      forwardFns, trainForwardFns;
  std::map<const TrainedInfo *, mlir::func::FuncOp> lossFns, vgFns;
};

} // namespace mlp
