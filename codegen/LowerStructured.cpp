//===- LowerStructured.cpp - broadcasts, reductions, matmul, shapes -------===//
//
// Broadcast and its transpose (unbroadcast) and the reductions are
// `linalg.generic`s whose indexing maps say which dimensions meet; matmul
// (and matmul_bias) call the runtime's GEMM; transpose is linalg's;
// indexing and concatenation are `tensor` slices.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

#include <algorithm>
#include <limits>
#include <type_traits>

using namespace mlir;
using namespace mlir::mlp;

namespace {

using utils::IteratorType;

/// Maps `small`'s dims onto `big`'s iteration space: small dim i reads big
/// dim dims[i], or position 0 where small is stretched from size 1.
AffineMap broadcastMap(OpBuilder &b, RankedTensorType small,
                       RankedTensorType big, ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (auto [i, d] : llvm::enumerate(dims)) {
    bool stretched = small.getDimSize(i) == 1 && big.getDimSize(d) != 1;
    exprs.push_back(stretched ? b.getAffineConstantExpr(0)
                              : b.getAffineDimExpr(d));
  }
  return AffineMap::get(big.getRank(), 0, exprs, b.getContext());
}

/// `big`-rank position -> index of the `small` dim that reads it, or -1.
SmallVector<int64_t> sourceDims(RankedTensorType small, RankedTensorType big,
                                ArrayRef<int64_t> dims) {
  SmallVector<int64_t> of(big.getRank(), -1);
  for (auto [i, d] : llvm::enumerate(dims))
    if (small.getDimSize(i) == big.getDimSize(d))
      of[d] = i;
  return of;
}

struct BroadcastPattern : OpConversionPattern<BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto small = op.getOperand().getType();
    auto big = op.getResult().getType();
    SmallVector<int64_t> of = sourceDims(small, big, op.getDims());
    SmallVector<Value> sizes(adaptor.getSizes());
    if (sizes.empty()) {
      for (int64_t d = 0; d < big.getRank(); ++d)
        if (big.isDynamicDim(d) && of[d] < 0)
          return rewriter.notifyMatchFailure(op, "unknown broadcast size");
      sizes = dynamicSizes(rewriter, loc, big, adaptor.getOperand(), of);
    }
    Value init = rewriter.create<tensor::EmptyOp>(loc, big, sizes);
    SmallVector<AffineMap> maps = {broadcastMap(rewriter, small, big, op.getDims()),
                                   rewriter.getMultiDimIdentityMap(big.getRank())};
    SmallVector<IteratorType> iterators(big.getRank(), IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, big, adaptor.getOperand(), init, maps, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(l, args[0]);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Accumulates `input` (iteration space = its dims) into `init` through
/// `outMap`; dimensions absent from `outMap` are reductions.
Value reduceInto(OpBuilder &b, Location loc, Value input, Value init,
                 AffineMap outMap,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<IteratorType> iterators(rank, IteratorType::reduction);
  for (AffineExpr e : outMap.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      iterators[d.getPosition()] = IteratorType::parallel;
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank), outMap};
  auto generic = b.create<linalg::GenericOp>(
      loc, init.getType(), input, init, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, combine(nb, l, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value addScalars(OpBuilder &b, Location loc, Value x, Value acc) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::AddFOp>(loc, x, acc);
  return b.create<arith::AddIOp>(loc, x, acc);
}

struct UnbroadcastPattern : OpConversionPattern<UnbroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UnbroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto big = op.getOperand().getType();
    auto small = op.getResult().getType();
    // An NCHW batch onto its channels (a convolution's bias gradient) is
    // the runtime's kernel. As loops it was one chain of dependent additions
    // per channel, strided through memory; summed first onto [N, C, W] (W
    // parallel), LLVM unrolled W into scalar additions that each stored
    // their running sum: 6% of fashion_cnn's training step.
    if (isa<Float32Type, Float64Type>(small.getElementType()) && big.getRank() == 4 &&
        small.getRank() == 1 && op.getDims() == ArrayRef<int64_t>{1} && small.hasStaticShape() &&
        small.getDimSize(0) == big.getDimSize(1)) {
      rewriter.replaceOp(op, callKernel(rewriter, loc, "mlp_rt_channel_sums", {},
                                        {adaptor.getOperand()}, small, {}));
      return success();
    }
    SmallVector<int64_t> smallToBig(small.getRank(), -1);
    for (auto [i, d] : llvm::enumerate(op.getDims()))
      if (small.getDimSize(i) == big.getDimSize(d))
        smallToBig[i] = d;
    Value init = zeros(rewriter, loc, small,
                       dynamicSizes(rewriter, loc, small, adaptor.getOperand(), smallToBig));
    AffineMap outMap = broadcastMap(rewriter, small, big, op.getDims());
    rewriter.replaceOp(op, reduceInto(rewriter, loc, adaptor.getOperand(), init,
                                      outMap, addScalars));
    return success();
  }
};

struct ReducePattern : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getOperand();
    auto inType = op.getOperand().getType();
    auto outType = op.getResult().getType();
    Type elem = outType.getElementType();
    bool isF = isa<FloatType>(elem);
    StringRef kind = op.getKind();

    SmallVector<int64_t> kept;
    SmallVector<AffineExpr> outExprs;
    for (int64_t d = 0; d < inType.getRank(); ++d)
      if (!llvm::is_contained(op.getAxes(), d)) {
        kept.push_back(d);
        outExprs.push_back(rewriter.getAffineDimExpr(d));
      }
    AffineMap outMap = AffineMap::get(inType.getRank(), 0, outExprs,
                                      rewriter.getContext());

    // The identity of the reduction: 0, or the lowest / highest value of
    // the element type (-inf / +inf for floats).
    Value start = scalarConstant(rewriter, loc, elem, 0);
    if ((kind == "max" || kind == "min") && isF) {
      double inf = std::numeric_limits<double>::infinity();
      start = scalarConstant(rewriter, loc, elem, kind == "max" ? -inf : inf);
    } else if (kind == "max" || kind == "min") {
      unsigned width = elem.getIntOrFloatBitWidth();
      APInt bound = kind == "max" ? APInt::getSignedMinValue(width)
                                  : APInt::getSignedMaxValue(width);
      start = rewriter.create<arith::ConstantOp>(
          loc, rewriter.getIntegerAttr(elem, bound));
    }
    // f32 sums and means accumulate in f64, as a float32 running sum stops
    // growing at 2^24 times its step: the mean of 20 million values would
    // come out wrong (NumPy sums pairwise for the same reason).
    bool wide = elem.isF32() && (kind == "sum" || kind == "mean");
    Type accElem = wide ? Type(rewriter.getF64Type()) : elem;
    auto accType = RankedTensorType::get(outType.getShape(), accElem);
    if (wide)
      start = scalarConstant(rewriter, loc, accElem, 0);
    Value init = rewriter.create<tensor::EmptyOp>(
        loc, accType, dynamicSizes(rewriter, loc, accType, input, kept));
    init = rewriter.create<linalg::FillOp>(loc, start, init).getResult(0);

    auto combine = [&](OpBuilder &b, Location l, Value x, Value acc) -> Value {
      if (kind == "max")
        return isF ? b.create<arith::MaximumFOp>(l, x, acc).getResult()
                   : b.create<arith::MaxSIOp>(l, x, acc).getResult();
      if (kind == "min")
        return isF ? b.create<arith::MinimumFOp>(l, x, acc).getResult()
                   : b.create<arith::MinSIOp>(l, x, acc).getResult();
      if (wide)
        x = b.create<arith::ExtFOp>(l, accElem, x);
      return addScalars(b, l, x, acc);
    };
    Value result = reduceInto(rewriter, loc, input, init, outMap, combine);

    if (kind == "mean" || wide) {
      // Divide by the number of reduced elements, known only at run time
      // for dynamic dimensions.
      Value count = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      for (int64_t a : op.getAxes())
        count = rewriter.create<arith::MulIOp>(
            loc, count, rewriter.create<tensor::DimOp>(loc, input, a));
      Value countF = rewriter.create<arith::UIToFPOp>(
          loc, accElem,
          rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), count));
      int64_t rank = outType.getRank();
      SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
      SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
      // The mean's division, and the f64 accumulator back to f32.
      result = rewriter
                   .create<linalg::GenericOp>(
                       loc, outType, result, emptyLike(rewriter, loc, outType, result),
                       maps, iterators,
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         Value v = args[0];
                         if (kind == "mean")
                           v = b.create<arith::DivFOp>(l, v, countF);
                         if (wide)
                           v = b.create<arith::TruncFOp>(l, elem, v);
                         b.create<linalg::YieldOp>(l, v);
                       })
                   .getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ArgmaxPattern : OpConversionPattern<ArgmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getOperand();
    auto inType = op.getOperand().getType();
    auto outType = op.getResult().getType();
    Type elem = inType.getElementType();
    int64_t axis = op.getAxis();

    SmallVector<int64_t> kept;
    SmallVector<AffineExpr> outExprs;
    SmallVector<IteratorType> iterators;
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      iterators.push_back(d == axis ? IteratorType::reduction
                                    : IteratorType::parallel);
      if (d != axis) {
        kept.push_back(d);
        outExprs.push_back(rewriter.getAffineDimExpr(d));
      }
    }
    AffineMap outMap =
        AffineMap::get(inType.getRank(), 0, outExprs, rewriter.getContext());
    auto valueType = outType.clone(elem);
    SmallVector<Value> sizes = dynamicSizes(rewriter, loc, outType, input, kept);
    Value best = rewriter.create<linalg::FillOp>(
                             loc,
                             scalarConstant(rewriter, loc, elem,
                                            -std::numeric_limits<double>::infinity()),
                             Value(rewriter.create<tensor::EmptyOp>(loc, valueType, sizes)))
                     .getResult(0);
    Value index = rewriter.create<linalg::FillOp>(
                              loc, scalarConstant(rewriter, loc, rewriter.getI64Type(), 0),
                              Value(rewriter.create<tensor::EmptyOp>(loc, outType, sizes)))
                      .getResult(0);
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(inType.getRank()), outMap, outMap};
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valueType, outType}, input, ValueRange{best, index}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          // Strictly greater keeps the first index among ties.
          Value better =
              isa<FloatType>(elem)
                  ? b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, args[0],
                                            args[1])
                        .getResult()
                  : b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sgt, args[0],
                                            args[1])
                        .getResult();
          Value i = b.create<arith::IndexCastOp>(
              l, b.getI64Type(), b.create<linalg::IndexOp>(l, axis));
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::SelectOp>(l, better, args[0], args[1]),
                            b.create<arith::SelectOp>(l, better, i, args[2])});
        });
    rewriter.replaceOp(op, generic.getResult(1));
    return success();
  }
};

/// A product's operand as the kernel reads it: a transpose feeding it is
/// read in place, with `transposeBit` set in `flags`, instead of copied.
static Value kernelOperand(ConversionPatternRewriter &rewriter, Value original, Value converted,
                           int64_t transposeBit, int64_t &flags) {
  auto t = original.getDefiningOp<TransposeOp>();
  if (!t || t.getPerm()[0] != 1)
    return converted;
  flags |= transposeBit;
  return rewriter.getRemappedValue(t.getOperand());
}

/// The dynamic sizes of a product's result [lhs rows, rhs columns].
static SmallVector<Value> productSizes(OpBuilder &b, Location loc, RankedTensorType type,
                                       Value lhs, Value rhs) {
  SmallVector<Value> sizes;
  if (type.isDynamicDim(0))
    sizes.push_back(b.create<tensor::DimOp>(loc, lhs, 0));
  if (type.isDynamicDim(1))
    sizes.push_back(b.create<tensor::DimOp>(loc, rhs, 1));
  return sizes;
}

/// matmul calls the runtime's GEMM (runtime/kernels.cpp: libxsmm's kernels,
/// cache blocks, Eigen for f64), which generated loops cannot match. A transpose feeding it, as autodiff makes
/// for matmul's gradients, becomes a flag of the call instead of a copy.
/// matmul_bias calls the GEMM that adds the bias (and applies relu) to each
/// band of rows it computes.
template <class Op>
struct MatmulPattern : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t flags = 0;
    Value a = kernelOperand(rewriter, op.getLhs(), adaptor.getLhs(), 1, flags);
    Value b = kernelOperand(rewriter, op.getRhs(), adaptor.getRhs(), 2, flags);
    auto type = op.getResult().getType();
    SmallVector<Value> sizes = productSizes(rewriter, loc, type, adaptor.getLhs(), adaptor.getRhs());
    Value product;
    if constexpr (std::is_same_v<Op, MatmulBiasOp>)
      product = callKernel(rewriter, loc, "mlp_rt_matmul_bias", {flags, op.getRelu() ? 1 : 0},
                           {a, b, adaptor.getBias()}, type, sizes);
    else
      product = callKernel(rewriter, loc, "mlp_rt_matmul", {flags}, {a, b}, type, sizes);
    rewriter.replaceOp(op, product);
    return success();
  }
};

/// matmul_bias_pair calls the kernel that splits both layers over the
/// threads (runtime/kernels.cpp); flags: bit 0 transposes x, bit 1 the first
/// weights, bit 2 the second.
struct MatmulBiasPairPattern : OpConversionPattern<MatmulBiasPairOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulBiasPairOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t flags = 0;
    Value x = kernelOperand(rewriter, op.getLhs(), adaptor.getLhs(), 1, flags);
    Value w1 = kernelOperand(rewriter, op.getRhs1(), adaptor.getRhs1(), 2, flags);
    Value w2 = kernelOperand(rewriter, op.getRhs2(), adaptor.getRhs2(), 4, flags);
    auto type = op.getResult().getType();
    SmallVector<Value> sizes =
        productSizes(rewriter, op.getLoc(), type, adaptor.getLhs(), adaptor.getRhs2());
    rewriter.replaceOp(op, callKernel(rewriter, op.getLoc(), "mlp_rt_matmul_bias_pair",
                                      {flags, op.getRelu1() ? 1 : 0, op.getRelu2() ? 1 : 0},
                                      {x, w1, adaptor.getBias1(), w2, adaptor.getBias2()}, type,
                                      sizes));
    return success();
  }
};

struct TransposePattern : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    Value init = rewriter.create<tensor::EmptyOp>(
        loc, type, dynamicSizes(rewriter, loc, type, adaptor.getOperand(),
                                op.getPerm()));
    auto t = rewriter.create<linalg::TransposeOp>(loc, adaptor.getOperand(), init,
                                                  op.getPerm());
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct ReshapePattern : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "reshape needs a static shape");
    Location loc = op.getLoc();
    auto shapeType =
        RankedTensorType::get({type.getRank()}, rewriter.getI64Type());
    Value shape = rewriter.create<arith::ConstantOp>(
        loc, DenseIntElementsAttr::get(shapeType, type.getShape()));
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, type, adaptor.getOperand(),
                                                   shape);
    return success();
  }
};

/// `x[i, j:k]`: bounds-checked indices (negative ones count from the end),
/// then one rank-reducing `tensor.extract_slice`.
struct ExtractPattern : OpConversionPattern<ExtractOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ExtractOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value source = adaptor.getOperand();
    auto inType = op.getOperand().getType();
    SmallVector<OpFoldResult> offsets, sizes;
    SmallVector<OpFoldResult> strides(inType.getRank(), rewriter.getIndexAttr(1));
    ArrayRef<int64_t> picked = op.getIndexDims();
    int64_t nextIndex = 0, nextSlice = 0;
    for (int64_t axis = 0; axis < inType.getRank(); ++axis) {
      if (!llvm::is_contained(picked, axis)) {
        offsets.push_back(rewriter.getIndexAttr(op.getStarts()[nextSlice]));
        sizes.push_back(rewriter.getIndexAttr(op.getSizes()[nextSlice]));
        ++nextSlice;
        continue;
      }
      Value idx = adaptor.getIndices()[nextIndex++];
      Value i = rewriter.create<tensor::ExtractOp>(loc, idx, ValueRange{});
      Value written = i;
      Value dim = rewriter.create<arith::IndexCastOp>(
          loc, rewriter.getI64Type(),
          rewriter.create<tensor::DimOp>(loc, source, axis));
      Value zero = rewriter.create<arith::ConstantIntOp>(loc, 0, 64);
      Value negative =
          rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, zero);
      i = rewriter.create<arith::SelectOp>(
          loc, negative, rewriter.create<arith::AddIOp>(loc, i, dim), i);
      Value outside = rewriter.create<arith::OrIOp>(
          loc,
          rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, zero),
          rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, i, dim));
      // The error names the source position, the axis, the index as written
      // and the dimension's size.
      std::string where = "index";
      if (auto file = dyn_cast<FileLineColLoc>(loc))
        where = file.getFilename().str() + ":" + std::to_string(file.getLine()) +
                ":" + std::to_string(file.getColumn());
      auto check = rewriter.create<scf::IfOp>(loc, outside, /*withElse=*/false);
      {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(check.thenBlock());
        callRuntime(rewriter, loc, "mlp_rt_fail_index", {},
                    ValueRange{stringPointer(rewriter, loc, where),
                               rewriter.create<arith::ConstantIntOp>(loc, axis, 64),
                               written, dim});
      }
      offsets.push_back(
          rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), i)
              .getResult());
      sizes.push_back(rewriter.getIndexAttr(1));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, op.getResult().getType(), source, offsets, sizes, strides);
    return success();
  }
};

struct ConcatPattern : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "concat needs static shapes");
    Location loc = op.getLoc();
    Value result = rewriter.create<tensor::EmptyOp>(loc, type, ValueRange{});
    int64_t offset = 0, axis = op.getAxis();
    for (Value in : adaptor.getInputs()) {
      auto inType = cast<RankedTensorType>(in.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes, strides(type.getRank(),
                                                rewriter.getIndexAttr(1));
      for (int64_t s : inType.getShape())
        sizes.push_back(rewriter.getIndexAttr(s));
      offsets[axis] = rewriter.getIndexAttr(offset);
      offset += inType.getDimSize(axis);
      result = rewriter.create<tensor::InsertSliceOp>(loc, in, result, offsets,
                                                      sizes, strides);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mlp::populateStructuredLowering(RewritePatternSet &patterns) {
  patterns.add<BroadcastPattern, UnbroadcastPattern, ReducePattern,
               ArgmaxPattern, MatmulPattern<MatmulOp>, MatmulPattern<MatmulBiasOp>,
               MatmulBiasPairPattern,
               TransposePattern, ReshapePattern,
               ExtractPattern, ConcatPattern>(patterns.getContext());
}
