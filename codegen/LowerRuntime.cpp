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
      auto memrefType = MemRefType::get(type.getShape(), elem);
      Value buffer =
          rewriter.create<bufferization::ToMemrefOp>(loc, memrefType, value);
      Value unranked = rewriter.create<memref::CastOp>(
          loc, UnrankedMemRefType::get(elem, 0), buffer);
      callRuntime(rewriter, loc, "mlp_rt_fmt_tensor_" + elementSuffix(elem), {},
                  ValueRange{unranked, spec});
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

} // namespace

void mlir::mlp::populateRuntimeLowering(RewritePatternSet &patterns) {
  patterns.add<ParamPattern, FormatPattern, FormatTextPattern, PrintLinePattern>(
      patterns.getContext());
}
