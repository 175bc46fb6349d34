// Semantic types of `.mlp` values, as Sema infers them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlp {

struct TableSchema;  // frontend/Pipeline.h
struct Column;       // frontend/Pipeline.h
struct TrainedInfo;  // frontend/Pipeline.h

/// Element types of scalars and tensors.
enum class ElemType { F32, F64, I32, I64, Bool, Str };

/// A dimension: a known size, or a symbol (`N`) still to be unified.
struct Dim {
  int64_t size = -1;   // >= 0 when known
  std::string symbol;  // the symbol name when size is unknown
  bool known() const { return size >= 0; }
  bool operator==(const Dim &o) const {
    return known() ? size == o.size : (!o.known() && symbol == o.symbol);
  }
};

/// The type of a value. Scalars are tensors of rank 0.
struct Type {
  enum Kind {
    Unknown,  // not yet inferred
    Tensor,   // scalar (rank 0) or tensor of `elem` with `dims`
    Tuple,    // `elems`
    Function, // a fn, a grad of a fn: see `name`
    Table,   // a table: see `table`
    Model,   // a model declaration or constructor call: see `name`
    Trained, // a trained model: see `trained`
    History, // `net.history`: per-epoch loss and metrics
    Report,  // a printable report such as `confusion(net, t)`
    Unit,
  } kind = Unknown;

  ElemType elem = ElemType::F32;
  std::vector<Dim> dims;
  std::vector<Type> elems;
  std::string name;  // Function / Model / Trained: the declaration's name
  std::shared_ptr<const TableSchema> table;    // Table
  std::shared_ptr<const TrainedInfo> trained;  // Trained, History

  static Type scalar(ElemType e) {
    Type t;
    t.kind = Tensor;
    t.elem = e;
    return t;
  }
  static Type tensor(ElemType e, std::vector<Dim> dims) {
    Type t = scalar(e);
    t.dims = std::move(dims);
    return t;
  }
  static Type unit() {
    Type t;
    t.kind = Unit;
    return t;
  }
  bool isTensor() const { return kind == Tensor; }
  bool isScalar() const { return kind == Tensor && dims.empty(); }
  int rank() const { return (int)dims.size(); }

  /// The type as the user would write it: `f32`, `f32[7]`, `(f32, f32)`.
  std::string str() const;
};

const char *elemName(ElemType e);
/// `a: f32, b: str` (defined in SemaPipeline.cpp, beside TableSchema).
std::string tableColumns(const TableSchema &schema);
/// `f32`, `f32[28, 28]`: a column's type for messages.
std::string columnType(const Column &c);

} // namespace mlp
