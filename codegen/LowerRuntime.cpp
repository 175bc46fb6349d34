//===- LowerRuntime.cpp - params and printing to runtime calls ------------===//
//
// The C functions called here are declared in runtime/mlp_runtime.h.
// Scalars are passed by value; tensors as unranked memrefs, which the C ABI
// sees as (rank, descriptor pointer).
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::mlp;

/// The runtime's name for an element type: f32 f64 i64 i32 bool.
static std::string elementSuffix(Type t) {
  if (t.isF32())
    return "f32";
  if (t.isF64())
    return "f64";
  if (t.isInteger(1))
    return "bool";
  if (t.isInteger(32))
    return "i32";
  return "i64";
}

/// A tensor as the C ABI's unranked memref. The buffer may be a strided view
/// (a slice, a transpose): the runtime reads offset and strides from the
/// descriptor, so no copy is made. Tensors are values, so the runtime only
/// reads them (results come back through rt_fill's fresh buffers): marking
/// the buffer read-only spares the bufferization a defensive copy.
static Value unrankedBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value buffer = b.create<bufferization::ToMemrefOp>(loc, stridedMemRefType(type), tensor,
                                                     /*read_only=*/true);
  return b.create<memref::CastOp>(
      loc, UnrankedMemRefType::get(type.getElementType(), 0), buffer);
}

/// Runs `body` inside a memref.alloca_scope. Passing a memref to C as an
/// unranked memref puts its descriptor on the stack; in a loop (a batch
/// loop, a per-row mutate) those would pile up until the stack overflows.
/// The scope lowers to stacksave/stackrestore around each call.
static ValueRange inAllocaScope(OpBuilder &b, Location loc, TypeRange results,
                                function_ref<ValueRange(OpBuilder &)> body) {
  auto scope = b.create<memref::AllocaScopeOp>(loc, results);
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&scope.getBodyRegion());
  b.create<memref::AllocaScopeReturnOp>(loc, body(b));
  return scope.getResults();
}

/// Allocates one buffer per result type (their dynamic sizes taken from
/// `sizes` in order), calls `callee` with the arguments `makeArgs` builds
/// inside the call's alloca scope followed by each buffer as an unranked
/// memref, and returns the buffers as tensors.
static SmallVector<Value>
callFilling(OpBuilder &b, Location loc, StringRef callee, TypeRange results,
            ValueRange sizes,
            function_ref<SmallVector<Value>(OpBuilder &)> makeArgs) {
  SmallVector<Value> buffers;
  for (Type t : results) {
    auto type = cast<RankedTensorType>(t);
    int64_t dynamic = type.getNumDynamicDims();
    buffers.push_back(b.create<memref::AllocOp>(
        loc, MemRefType::get(type.getShape(), type.getElementType()),
        sizes.take_front(dynamic)));
    sizes = sizes.drop_front(dynamic);
  }
  inAllocaScope(b, loc, {}, [&](OpBuilder &nb) {
    SmallVector<Value> args = makeArgs(nb);
    for (Value buffer : buffers) {
      auto type = cast<MemRefType>(buffer.getType());
      args.push_back(nb.create<memref::CastOp>(
          loc, UnrankedMemRefType::get(type.getElementType(), 0), buffer));
    }
    callRuntime(nb, loc, callee, {}, args);
    return ValueRange{};
  });
  SmallVector<Value> tensors;
  for (auto [t, buffer] : llvm::zip(results, buffers))
    tensors.push_back(b.create<bufferization::ToTensorOp>(
        loc, t, buffer, /*restrict=*/true, /*writable=*/true));
  return tensors;
}

SmallVector<Value> mlir::mlp::callKernel(OpBuilder &b, Location loc, StringRef name,
                                        ArrayRef<int64_t> flags, ValueRange inputs,
                                        TypeRange resultTypes, ValueRange sizes) {
  std::string callee =
      (name + "_" + elementSuffix(cast<RankedTensorType>(resultTypes.front()).getElementType())).str();
  return callFilling(b, loc, callee, resultTypes, sizes, [&](OpBuilder &nb) {
    SmallVector<Value> args;
    for (int64_t f : flags)
      args.push_back(nb.create<arith::ConstantIntOp>(loc, f, 64));
    for (Value input : inputs)
      args.push_back(unrankedBuffer(nb, loc, input));
    return args;
  });
}

Value mlir::mlp::callKernel(OpBuilder &b, Location loc, StringRef name,
                           ArrayRef<int64_t> flags, ValueRange inputs,
                           RankedTensorType resultType, ValueRange sizes) {
  return callKernel(b, loc, name, flags, inputs, TypeRange{resultType}, sizes)[0];
}

namespace {

struct ParamPattern : OpConversionPattern<ParamOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ParamOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    Type elem = type.getElementType();
    // bool params come back as i32 0/1.
    Type cType = elem.isInteger(1) ? rewriter.getI32Type() : elem;
    Value v = callRuntime(rewriter, loc, "mlp_rt_param_" + elementSuffix(elem),
                          cType, stringPointer(rewriter, loc, op.getName()))
                  .getResult(0);
    if (elem.isInteger(1))
      v = rewriter.create<arith::TruncIOp>(loc, elem, v);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, v);
    return success();
  }
};

struct FormatPattern : OpConversionPattern<FormatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FormatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getValue().getType());
    Type elem = type.getElementType();
    Value spec = stringPointer(rewriter, loc, op.getSpec());
    Value value = adaptor.getValue();
    if (type.getRank() == 0) {
      Value x = rewriter.create<tensor::ExtractOp>(loc, value, ValueRange{});
      std::string fn = "mlp_rt_fmt_" + elementSuffix(elem);
      if (elem.isInteger(1)) {
        x = rewriter.create<arith::ExtUIOp>(loc, rewriter.getI32Type(), x);
      } else if (isa<IntegerType>(elem) && !elem.isInteger(64)) {
        x = rewriter.create<arith::ExtSIOp>(loc, rewriter.getI64Type(), x);
        fn = "mlp_rt_fmt_i64";
      }
      callRuntime(rewriter, loc, fn, {}, ValueRange{x, spec});
    } else {
      inAllocaScope(rewriter, loc, {}, [&](OpBuilder &b) {
        callRuntime(b, loc, "mlp_rt_fmt_tensor_" + elementSuffix(elem), {},
                    ValueRange{unrankedBuffer(b, loc, value), spec});
        return ValueRange{};
      });
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct FormatTextPattern : OpConversionPattern<FormatTextOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FormatTextOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    callRuntime(rewriter, op.getLoc(), "mlp_rt_fmt_str", {},
                stringPointer(rewriter, op.getLoc(), op.getText()));
    rewriter.eraseOp(op);
    return success();
  }
};

struct PrintLinePattern : OpConversionPattern<PrintLineOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PrintLineOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    callRuntime(rewriter, op.getLoc(), "mlp_rt_print_line", {}, {});
    rewriter.eraseOp(op);
    return success();
  }
};

struct StrPattern : OpConversionPattern<StrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StrOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, stringPointer(rewriter, op.getLoc(), op.getText()));
    return success();
  }
};

struct CsvReadPattern : OpConversionPattern<CsvReadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CsvReadOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value path = stringPointer(rewriter, loc, op.getPath());
    Value schema = stringPointer(rewriter, loc, op.getSchema());
    // Flags as in mlp_runtime.h: 1 skips bad rows, 2 reads no header.
    int32_t flags = (op.getSkipBadRows() ? 1 : 0) | (op.getHeader() ? 0 : 2);
    auto call = flags == 0 && op.getSep() == ','
                    ? callRuntime(rewriter, loc, "mlp_rt_csv_read", op.getType(),
                                  ValueRange{path, schema})
                    : callRuntime(rewriter, loc, "mlp_rt_csv_read_with", op.getType(),
                                  ValueRange{path, schema,
                                             rewriter.create<arith::ConstantIntOp>(loc, op.getSep(), 32),
                                             rewriter.create<arith::ConstantIntOp>(loc, flags, 32)});
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

struct IdxReadPattern : OpConversionPattern<IdxReadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IdxReadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto call = callRuntime(
        rewriter, loc, "mlp_rt_idx_read", op.getType(),
        ValueRange{adaptor.getImages(), adaptor.getLabels(),
                   stringPointer(rewriter, loc, op.getExpect())});
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

struct StandardizePattern : OpConversionPattern<StandardizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StandardizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto call = callRuntime(
        rewriter, loc, "mlp_rt_table_standardize", op.getType(),
        ValueRange{adaptor.getTable(),
                   stringPointer(rewriter, loc, op.getColumns())});
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

/// The runtime returns both halves through out-pointers on the stack.
struct SplitPattern : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(rewriter.getContext());
    Value one = rewriter.create<LLVM::ConstantOp>(loc, rewriter.getI64Type(), 1);
    Value first = rewriter.create<LLVM::AllocaOp>(loc, ptr, ptr, one);
    Value second = rewriter.create<LLVM::AllocaOp>(loc, ptr, ptr, one);
    Value fraction = rewriter.create<arith::ConstantOp>(
        loc, rewriter.getF64FloatAttr(op.getFraction().convertToDouble()));
    Value seed = rewriter.create<arith::ConstantIntOp>(loc, op.getSeed(), 64);
    callRuntime(rewriter, loc, "mlp_rt_table_split", {},
                ValueRange{adaptor.getTable(), fraction, seed, first, second});
    Value a = rewriter.create<LLVM::LoadOp>(loc, ptr, first);
    Value b = rewriter.create<LLVM::LoadOp>(loc, ptr, second);
    rewriter.replaceOp(op, ValueRange{a, b});
    return success();
  }
};

struct RuntimeCallPattern : OpConversionPattern<RuntimeCallOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RuntimeCallOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    bool passesTensors = llvm::any_of(adaptor.getArgs(), [](Value a) {
      return isa<RankedTensorType>(a.getType());
    });
    if (!passesTensors) {
      rewriter.replaceOp(op, callRuntime(rewriter, loc, op.getCallee(),
                                         op.getResultTypes(), adaptor.getArgs())
                                 .getResults());
      return success();
    }
    ValueRange results = inAllocaScope(
        rewriter, loc, op.getResultTypes(), [&](OpBuilder &b) {
          SmallVector<Value> args;
          for (Value a : adaptor.getArgs())
            args.push_back(isa<RankedTensorType>(a.getType())
                               ? unrankedBuffer(b, loc, a)
                               : a);
          return ValueRange(
              callRuntime(b, loc, op.getCallee(), op.getResultTypes(), args)
                  .getResults());
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct RuntimeFillPattern : OpConversionPattern<RuntimeFillOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RuntimeFillOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, callFilling(rewriter, op.getLoc(), op.getCallee(), op.getResultTypes(),
                        adaptor.getSizes(), [&](OpBuilder &) {
                          return SmallVector<Value>(adaptor.getArgs().begin(),
                                                    adaptor.getArgs().end());
                        }));
    return success();
  }
};

} // namespace

void mlir::mlp::populateRuntimeLowering(RewritePatternSet &patterns) {
  patterns.add<ParamPattern, FormatPattern, FormatTextPattern, PrintLinePattern,
               StrPattern, CsvReadPattern, IdxReadPattern, StandardizePattern,
               SplitPattern,
               RuntimeCallPattern, RuntimeFillPattern>(patterns.getContext());
}
