// Helpers shared by the lowering patterns (see LoweringPatterns.h).
#include "codegen/LoweringPatterns.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::mlp;

SmallVector<Value> mlir::mlp::dynamicSizes(OpBuilder &b, Location loc,
                                           RankedTensorType resultType,
                                           Value source,
                                           ArrayRef<int64_t> sourceDimOf) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      sizes.push_back(b.create<tensor::DimOp>(loc, source, sourceDimOf[d]));
  return sizes;
}

Value mlir::mlp::emptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                           Value like) {
  SmallVector<int64_t> identity =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return b.create<tensor::EmptyOp>(loc, type,
                                   dynamicSizes(b, loc, type, like, identity));
}

Value mlir::mlp::filled(OpBuilder &b, Location loc, RankedTensorType type,
                        Value value, Value like) {
  Value empty = emptyLike(b, loc, type, like);
  return b.create<linalg::FillOp>(loc, value, empty).getResult(0);
}

Value mlir::mlp::zeros(OpBuilder &b, Location loc, RankedTensorType type,
                       ValueRange sizes) {
  Value empty = b.create<tensor::EmptyOp>(loc, type, sizes);
  return b.create<linalg::FillOp>(loc, scalarConstant(b, loc, type.getElementType(), 0), empty)
      .getResult(0);
}

Value mlir::mlp::scalarConstant(OpBuilder &b, Location loc, Type type,
                                double value) {
  if (auto f = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(f, value));
  return b.create<arith::ConstantOp>(loc,
                                     b.getIntegerAttr(type, (int64_t)value));
}

func::CallOp mlir::mlp::callRuntime(OpBuilder &b, Location loc, StringRef name,
                                    TypeRange results, ValueRange args) {
  Operation *scope = b.getInsertionBlock()->getParentOp();
  auto module = isa<ModuleOp>(scope) ? cast<ModuleOp>(scope)
                                     : scope->getParentOfType<ModuleOp>();
  auto existing = module.lookupSymbol<func::FuncOp>(name);
  // One C function, one signature: a second use with other types is a
  // compiler bug (the runtime gives such variants their own names).
  assert((!existing ||
          existing.getFunctionType() == b.getFunctionType(args.getTypes(), results)) &&
         "runtime function used with two signatures");
  if (!existing) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto fn = b.create<func::FuncOp>(
        loc, name, b.getFunctionType(args.getTypes(), results));
    fn.setPrivate();
  }
  return b.create<func::CallOp>(loc, name, results, args);
}

Value mlir::mlp::stringPointer(OpBuilder &b, Location loc, StringRef text) {
  Operation *scope = b.getInsertionBlock()->getParentOp();
  auto module = scope->getParentOfType<ModuleOp>();
  // One global per distinct text, named in order of first use so the IR is
  // the same on every run.
  StringAttr value = b.getStringAttr(std::string(text) + '\0');
  LLVM::GlobalOp global;
  int count = 0;
  for (auto g : module.getOps<LLVM::GlobalOp>()) {
    if (!g.getSymName().starts_with("mlp_str_"))
      continue;
    ++count;
    if (g.getValueAttr() == value)
      global = g;
  }
  if (!global) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), text.size() + 1);
    global = b.create<LLVM::GlobalOp>(loc, type, /*isConstant=*/true,
                                      LLVM::Linkage::Internal,
                                      "mlp_str_" + std::to_string(count), value);
  }
  return b.create<LLVM::AddressOfOp>(loc, global);
}

bool mlir::mlp::onlyOperandOf(ValueRange values, Operation *op, bool othersAfter) {
  Block *block = op->getBlock();
  int usesByOp = 0;
  for (Value value : values)
    for (OpOperand &use : value.getUses()) {
      Operation *user = block->findAncestorOpInBlock(*use.getOwner());
      if (user == op)
        ++usesByOp;
      else if (!user || (othersAfter ? !op->isBeforeInBlock(user) : !user->isBeforeInBlock(op)))
        return false;
    }
  return usesByOp == 1;
}

MemRefType mlir::mlp::stridedMemRefType(ShapedType type) {
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic, strides);
  Attribute space;
  if (auto memref = dyn_cast<MemRefType>(type))
    space = memref.getMemorySpace();
  return MemRefType::get(type.getShape(), type.getElementType(), layout, space);
}
