// What Sema knows about tables, models and training at compile time, and
// what MLIRGen needs to generate them.
//
// A `csv(path)` source is read when the program is compiled, so column names
// and types are checked before anything runs; the runtime re-reads the file
// and fails clearly if it changed. A model's layers and parameter shapes are
// fixed at `train`, when the input columns are known.
#pragma once

#include "frontend/AST.h"
#include "frontend/Types.h"

#include <string>
#include <vector>

namespace mlp {

/// One column of a table: its element type (F32, I64 or Str) and, for
/// strings, the sorted distinct values (the class order of a target).
struct Column {
  std::string name;
  ElemType elem = ElemType::F32;
  /// Per-row shape of a tensor column (an image: {28, 28}); empty for
  /// scalars.
  std::vector<int64_t> shape;
  std::vector<std::string> labels;
  /// For Str columns read from a file: the first non-numeric value and its
  /// line, to explain why the column is not numeric.
  int64_t badRow = 0;
  std::string badValue;
};

struct TableSchema {
  std::string source;  // the CSV path the table comes from
  std::vector<Column> columns;

  const Column *find(const std::string &name) const {
    for (const Column &c : columns)
      if (c.name == name)
        return &c;
    return nullptr;
  }
  /// The runtime's spelling: `name:type,...` with type f32|i64|str.
  std::string runtimeSchema() const;
};

/// One stage of a sequential model, with its per-example sizes.
struct Layer {
  enum Kind {
    Dense, Conv2d, MaxPool, AvgPool, Dropout, LayerNorm, BatchNorm, Embedding,
    Relu, LeakyRelu, Gelu, Tanh, Sigmoid, Softmax, LogSoftmax, Flatten
  } kind;
  int64_t in = 0, out = 0;  // Dense: features; Conv2d: channels in and out;
                            // Embedding: vocabulary size and vector size
  int64_t kernel = 1, stride = 1, padding = 0, dilation = 1;  // Conv2d
  int64_t window = 2;       // MaxPool, AvgPool
  /// Dense, Conv2d: the weight's initializer, as torch.nn.init names it:
  /// "" (the layer's default), xavier_uniform, xavier_normal,
  /// kaiming_uniform, kaiming_normal (the last two with ReLU's gain).
  std::string init;
  double rate = 0;          // Dropout: the probability of zeroing;
                            // LeakyRelu: the slope below 0
  /// The per-example shapes the layer receives and gives (f32[C, H, W] for
  /// conv2d).
  std::vector<int64_t> inShape, outShape;
  int index = 0;            // position among the stages (parameter names)
  std::string name;         // a named layer of a model with `forward`
};

/// A model trained by a `train` statement (or loaded from a file).
struct TrainedInfo {
  std::string model;         // the model's name (a fitted model: the estimator's)
  /// A model made by `fit`: the estimator (runtime/fit/catalog.h) and its
  /// options as the runtime reads them (`alpha=0.5,k=3`); "" for a net.
  std::string estimator;
  std::string estimatorOptions;
  std::vector<Layer> layers;
  /// A model with named layers: `forward(x) = expr`, its parameter name, and
  /// for each call of a layer in expr, the layer's position in `layers`.
  const Expr *forward = nullptr;
  std::string forwardInput;
  /// Parameters in order, named like PyTorch's nn.Sequential ("0.weight",
  /// "0.bias"): dense weights are [out, in], biases [out].
  std::vector<std::pair<std::string, std::vector<int64_t>>> params;
  /// Per parameter: trained by the optimizer, or a buffer the training step
  /// updates itself (batchnorm's running statistics).
  std::vector<bool> trainable;
  /// Layers keeping running statistics (batchnorm), in order.
  int statLayers = 0;
  std::vector<std::string> inputs;  // input columns, in order
  /// Values per example the input columns give (the batch's row width), and
  /// their shape as the first layer sees them.
  int64_t features = 0;
  std::vector<int64_t> inputShape;
  std::string target;               // target column ("" when loaded)
  bool classification = true;
  /// Classification: the class labels (string targets) or empty for an
  /// integer target with classes 0..outputs-1.
  std::vector<std::string> labels;
  /// Classification on a one-hot f32[C] (or i64[C]) target: C; else 0.
  int64_t oneHotClasses = 0;
  int64_t outputs = 0;  // values per example the model produces
  /// Classification: the number of classes (2 for bce, whose model gives
  /// one logit).
  int64_t classes = 0;

  // Training settings (null/default for a loaded model).
  std::string loss;        // cross_entropy, bce, mse, mae, huber, fn
  int lossInstance = -1;   // loss "fn": the user fn's instance
  std::string optimizer;   // sgd, adam, adamw, rmsprop
  const Expr *lr = nullptr;
  double momentum = 0;     // sgd
  bool nesterov = false;   // sgd
  double weightDecay = 0;  // L2 (sgd, adam, rmsprop) or decoupled (adamw)
  double alpha = 0.99;     // rmsprop's smoothing
  double clip = 0;         // > 0: clip the gradients' global norm to this
  /// Learning-rate schedule: "" (constant), step, cosine, linear, with
  /// `every`/`gamma` (step) and `warmup` epochs (cosine, linear).
  std::string schedule;
  double scheduleEvery = 1, scheduleGamma = 0.1, scheduleWarmup = 0;
  const Expr *epochs = nullptr;
  int64_t batch = 32;
  int64_t seed = 0;
  bool shuffle = true;
  int64_t earlyStop = 0;  // > 0: patience in epochs on the validation loss
  /// `checkpoint = "dir"`: the training state is saved there every
  /// `checkpointEvery` epochs (and after the last); --resume reads it.
  const Expr *checkpoint = nullptr;
  int64_t checkpointEvery = 1;
  std::vector<std::string> metrics;
  const Expr *validate = nullptr;
  const Expr *table = nullptr;  // the table after `on`
  std::string init;             // safetensors file with starting weights
  const Stmt *stmt = nullptr;

  /// The runtime's label argument: "a,b,c", "#C", or "" for regression.
  std::string runtimeLabels() const;
  /// The per-row shape spelled for the runtime: "28x28", "" for scalars.
  static std::string shapeText(const std::vector<int64_t> &shape);
  /// Comma-separated input columns.
  std::string runtimeInputs() const;
};

} // namespace mlp
