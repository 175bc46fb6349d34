#include "ir/MlpDialect.h"
#include "ir/MlpOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::mlp;

#include "ir/MlpDialect.cpp.inc"

namespace {
/// Every mlp op is pure or a runtime call with no region, so inlining a
/// function that uses them is always legal; autodiff relies on it.
struct MlpInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Operation *, bool) const final {
    return true;
  }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final {
    return true;
  }
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void MlpDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/MlpOps.cpp.inc"
      >();
  addInterfaces<MlpInlinerInterface>();
}
