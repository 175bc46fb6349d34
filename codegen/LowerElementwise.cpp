//===- LowerElementwise.cpp - elementwise mlp ops to linalg.generic -------===//
//
// Every elementwise op becomes one `linalg.generic` with identity maps whose
// body is the scalar arith/math computation; `linalg-fuse-elementwise-ops`
// later merges chains of them into single loops.
//
//===----------------------------------------------------------------------===//

#include "codegen/LoweringPatterns.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mlp;

namespace {

using ScalarBody =
    function_ref<Value(OpBuilder &, Location, ValueRange /*scalars*/)>;

/// result[i...] = body(inputs[i...]) as a linalg.generic.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBody body) {
  int64_t rank = resultType.getRank();
  Value init = inputs.empty()
                   ? b.create<tensor::EmptyOp>(loc, resultType, ValueRange{})
                   : emptyLike(b, loc, resultType, inputs.front());
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, resultType, inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value v = body(nb, nloc, args.drop_back());
        nb.create<linalg::YieldOp>(nloc, v);
      });
  return generic.getResult(0);
}

bool isFloat(Type t) { return isa<FloatType>(t); }

/// Lowers an op whose scalar form is one function of its operands' scalars.
template <typename OpT>
struct ElementwisePattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  using Adaptor = typename OpConversionPattern<OpT>::OpAdaptor;

  LogicalResult
  matchAndRewrite(OpT op, Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type operandElem =
        cast<RankedTensorType>(op->getOperand(op->getNumOperands() - 1).getType())
            .getElementType();
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange x) {
          return scalar(op, b, loc, x, operandElem);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The scalar computation: specialized per op below.
  static Value scalar(OpT op, OpBuilder &b, Location loc, ValueRange x,
                      Type elem);
};

template <typename FOp, typename IOp>
Value floatOrInt(OpBuilder &b, Location loc, ValueRange x, Type elem) {
  if (isFloat(elem))
    return b.create<FOp>(loc, x);
  return b.create<IOp>(loc, x);
}

} // namespace

#define SCALAR(OpT)                                                            \
  template <>                                                                  \
  Value ElementwisePattern<OpT>::scalar(OpT op, OpBuilder &b, Location loc,    \
                                        ValueRange x, Type elem)

SCALAR(AddOp) { return floatOrInt<arith::AddFOp, arith::AddIOp>(b, loc, x, elem); }
SCALAR(SubOp) { return floatOrInt<arith::SubFOp, arith::SubIOp>(b, loc, x, elem); }
SCALAR(MulOp) { return floatOrInt<arith::MulFOp, arith::MulIOp>(b, loc, x, elem); }
SCALAR(DivOp) { return floatOrInt<arith::DivFOp, arith::DivSIOp>(b, loc, x, elem); }
SCALAR(MaxOp) {
  return floatOrInt<arith::MaximumFOp, arith::MaxSIOp>(b, loc, x, elem);
}
SCALAR(MinOp) {
  return floatOrInt<arith::MinimumFOp, arith::MinSIOp>(b, loc, x, elem);
}
SCALAR(AndOp) { return b.create<arith::AndIOp>(loc, x); }
SCALAR(OrOp) { return b.create<arith::OrIOp>(loc, x); }
SCALAR(PowOp) {
  // powf is exact for negative bases with whole exponents (x ^ 2), and LLVM
  // turns constant small exponents into multiplications.
  return b.create<math::PowFOp>(loc, x);
}
SCALAR(NegOp) {
  if (isFloat(elem))
    return b.create<arith::NegFOp>(loc, x[0]);
  return b.create<arith::SubIOp>(loc, scalarConstant(b, loc, elem, 0), x[0]);
}
SCALAR(ExpOp) { return b.create<math::ExpOp>(loc, x[0]); }
SCALAR(LogOp) { return b.create<math::LogOp>(loc, x[0]); }
SCALAR(SqrtOp) { return b.create<math::SqrtOp>(loc, x[0]); }
SCALAR(TanhOp) { return b.create<math::TanhOp>(loc, x[0]); }
SCALAR(ErfOp) { return b.create<math::ErfOp>(loc, x[0]); }
SCALAR(AbsOp) {
  if (isFloat(elem))
    return b.create<math::AbsFOp>(loc, x[0]);
  return b.create<math::AbsIOp>(loc, x[0]);
}
SCALAR(SigmoidOp) {
  // 1 / (1 + e^-x)
  Value one = scalarConstant(b, loc, elem, 1.0);
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x[0]));
  return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
}
SCALAR(ReluOp) {
  Value zero = scalarConstant(b, loc, elem, 0.0);
  if (isFloat(elem))
    return b.create<arith::MaximumFOp>(loc, x[0], zero);
  return b.create<arith::MaxSIOp>(loc, x[0], zero);
}
SCALAR(NotOp) {
  return b.create<arith::XOrIOp>(loc, x[0], scalarConstant(b, loc, elem, 1));
}
SCALAR(SelectOp) { return b.create<arith::SelectOp>(loc, x[0], x[1], x[2]); }
SCALAR(CmpOp) {
  StringRef p = op.getPredicate();
  if (isFloat(elem)) {
    auto pred = llvm::StringSwitch<arith::CmpFPredicate>(p)
                    .Case("lt", arith::CmpFPredicate::OLT)
                    .Case("le", arith::CmpFPredicate::OLE)
                    .Case("gt", arith::CmpFPredicate::OGT)
                    .Case("ge", arith::CmpFPredicate::OGE)
                    .Case("eq", arith::CmpFPredicate::OEQ)
                    .Default(arith::CmpFPredicate::UNE);
    return b.create<arith::CmpFOp>(loc, pred, x[0], x[1]);
  }
  auto pred = llvm::StringSwitch<arith::CmpIPredicate>(p)
                  .Case("lt", arith::CmpIPredicate::slt)
                  .Case("le", arith::CmpIPredicate::sle)
                  .Case("gt", arith::CmpIPredicate::sgt)
                  .Case("ge", arith::CmpIPredicate::sge)
                  .Case("eq", arith::CmpIPredicate::eq)
                  .Default(arith::CmpIPredicate::ne);
  return b.create<arith::CmpIOp>(loc, pred, x[0], x[1]);
}
SCALAR(CastOp) {
  Type to = op.getResult().getType().getElementType();
  Value v = x[0];
  Type from = v.getType();
  if (from == to)
    return v;
  bool fromBool = from.isInteger(1);
  if (isFloat(from) && isFloat(to))
    return to.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth()
               ? b.create<arith::ExtFOp>(loc, to, v).getResult()
               : b.create<arith::TruncFOp>(loc, to, v).getResult();
  if (isFloat(to))
    return fromBool ? b.create<arith::UIToFPOp>(loc, to, v).getResult()
                    : b.create<arith::SIToFPOp>(loc, to, v).getResult();
  if (isFloat(from))
    return b.create<arith::FPToSIOp>(loc, to, v);
  if (to.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth())
    return fromBool ? b.create<arith::ExtUIOp>(loc, to, v).getResult()
                    : b.create<arith::ExtSIOp>(loc, to, v).getResult();
  return b.create<arith::TruncIOp>(loc, to, v);
}

#undef SCALAR

namespace {

struct ConstantPattern : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

/// The linear (row-major) index of the current element of a generic.
Value linearIndex(OpBuilder &b, Location loc, RankedTensorType type) {
  Value linear = b.create<arith::ConstantIndexOp>(loc, 0);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value size = b.create<arith::ConstantIndexOp>(loc, type.getDimSize(d));
    linear = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, linear, size),
        b.create<linalg::IndexOp>(loc, d));
  }
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), linear);
}

struct IotaPattern : OpConversionPattern<IotaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IotaOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    Type elem = type.getElementType();
    int64_t dim = op.getDim();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {}, [&](OpBuilder &b, Location loc, ValueRange) {
          Value i = b.create<arith::IndexCastOp>(
              loc, b.getI64Type(), b.create<linalg::IndexOp>(loc, dim));
          if (isFloat(elem))
            return b.create<arith::SIToFPOp>(loc, elem, i).getResult();
          if (elem.getIntOrFloatBitWidth() < 64)
            return b.create<arith::TruncIOp>(loc, elem, i).getResult();
          return i;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// SplitMix64's finalizer: a well-mixed 64-bit hash of (seed, counter).
Value splitmix(OpBuilder &b, Location loc, Value x) {
  auto c = [&](uint64_t v) {
    return b.create<arith::ConstantIntOp>(loc, (int64_t)v, 64).getResult();
  };
  auto xorShift = [&](Value z, int s) {
    return b.create<arith::XOrIOp>(loc, z, b.create<arith::ShRUIOp>(loc, z, c(s)))
        .getResult();
  };
  Value z = b.create<arith::AddIOp>(loc, x, c(0x9E3779B97F4A7C15ull));
  z = b.create<arith::MulIOp>(loc, xorShift(z, 30), c(0xBF58476D1CE4E5B9ull));
  z = b.create<arith::MulIOp>(loc, xorShift(z, 27), c(0x94D049BB133111EBull));
  return xorShift(z, 31);
}

/// A uniform float in [0, 1) from the top 24 bits of hash(seed, counter).
Value uniformAt(OpBuilder &b, Location loc, int64_t seed, Value counter,
                Type elem) {
  Value key = b.create<arith::AddIOp>(
      loc, counter,
      b.create<arith::ConstantIntOp>(loc, (int64_t)((uint64_t)seed * 0x632BE59BD9B4E019ull), 64));
  Value bits = b.create<arith::ShRUIOp>(
      loc, splitmix(b, loc, key), b.create<arith::ConstantIntOp>(loc, 40, 64));
  Value f = b.create<arith::UIToFPOp>(loc, elem, bits);
  return b.create<arith::MulFOp>(loc, f,
                                 scalarConstant(b, loc, elem, 1.0 / (1 << 24)));
}

struct RandomPattern : OpConversionPattern<RandomOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RandomOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "random needs a static shape");
    Type elem = type.getElementType();
    int64_t seed = op.getSeed();
    bool normal = op.getDistribution() == "normal";
    // A run-time offset (a step count) moves the counters by whole tensors:
    // draws of different steps never overlap.
    Value offset;
    if (adaptor.getOffset()) {
      offset = rewriter.create<tensor::ExtractOp>(op.getLoc(), adaptor.getOffset(),
                                                  ValueRange{});
      offset = rewriter.create<arith::MulIOp>(
          op.getLoc(), offset,
          rewriter.create<arith::ConstantIntOp>(op.getLoc(),
                                                2 * type.getNumElements(), 64));
    }
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {}, [&](OpBuilder &b, Location loc, ValueRange) {
          Value i = linearIndex(b, loc, type);
          if (offset)
            i = b.create<arith::AddIOp>(loc, i, offset);
          if (!normal)
            return uniformAt(b, loc, seed, i, elem);
          // Box-Muller on two uniforms drawn at counters 2i and 2i+1.
          Value two = b.create<arith::ConstantIntOp>(loc, 2, 64);
          Value i2 = b.create<arith::MulIOp>(loc, i, two);
          Value i2p1 = b.create<arith::AddIOp>(
              loc, i2, b.create<arith::ConstantIntOp>(loc, 1, 64));
          Value one = scalarConstant(b, loc, elem, 1.0);
          Value u1 = b.create<arith::SubFOp>(loc, one,
                                             uniformAt(b, loc, seed, i2, elem));
          Value u2 = uniformAt(b, loc, seed, i2p1, elem);
          Value radius = b.create<math::SqrtOp>(
              loc, b.create<arith::MulFOp>(loc, scalarConstant(b, loc, elem, -2.0),
                                           b.create<math::LogOp>(loc, u1)));
          Value angle = b.create<arith::MulFOp>(
              loc, scalarConstant(b, loc, elem, 2.0 * M_PI), u2);
          return b.create<arith::MulFOp>(loc, radius,
                                         b.create<math::CosOp>(loc, angle))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mlp::populateElementwiseLowering(RewritePatternSet &patterns) {
  patterns.add<ElementwisePattern<AddOp>, ElementwisePattern<SubOp>,
               ElementwisePattern<MulOp>, ElementwisePattern<DivOp>,
               ElementwisePattern<PowOp>, ElementwisePattern<MaxOp>,
               ElementwisePattern<MinOp>, ElementwisePattern<AndOp>,
               ElementwisePattern<OrOp>, ElementwisePattern<CmpOp>,
               ElementwisePattern<NegOp>, ElementwisePattern<ExpOp>,
               ElementwisePattern<LogOp>, ElementwisePattern<SqrtOp>,
               ElementwisePattern<AbsOp>, ElementwisePattern<TanhOp>,
               ElementwisePattern<ErfOp>,
               ElementwisePattern<SigmoidOp>, ElementwisePattern<ReluOp>,
               ElementwisePattern<NotOp>, ElementwisePattern<SelectOp>,
               ElementwisePattern<CastOp>, ConstantPattern, IotaPattern,
               RandomPattern>(patterns.getContext());
}
