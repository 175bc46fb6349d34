#include "frontend/Types.h"

namespace mlp {

const char *elemName(ElemType e) {
  switch (e) {
  case ElemType::F32:
    return "f32";
  case ElemType::F64:
    return "f64";
  case ElemType::I32:
    return "i32";
  case ElemType::I64:
    return "i64";
  case ElemType::Bool:
    return "bool";
  case ElemType::Str:
    return "str";
  }
  return "?";
}

/// `7`, `N`, or `?` for a dimension nobody has named yet.
static std::string dimStr(const Dim &d) {
  if (d.known())
    return std::to_string(d.size);
  return d.symbol.empty() ? "?" : d.symbol;
}

/// `a, b, c` from the strings of `items`.
template <typename T, typename F>
static std::string joined(const std::vector<T> &items, F str) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + str(items[i]);
  return out;
}

std::string Type::str() const {
  switch (kind) {
  case Unknown:
    return "?";
  case Tensor:
    if (dims.empty())
      return elemName(elem);
    return std::string(elemName(elem)) + "[" + joined(dims, dimStr) + "]";
  case Tuple:
    return "(" + joined(elems, [](const Type &t) { return t.str(); }) + ")";
  case Function:
    return name.empty() ? "fn" : "fn " + name;
  case Table:
    return table ? "table{" + tableColumns(*table) + "}" : "table";
  case Model:
    return "model " + name;
  case Trained:
    return "trained " + name;
  case History:
    return "history of " + name;
  case Report:
    return "report";
  case Unit:
    return "()";
  }
  return "?";
}

} // namespace mlp
