// Verifiers and folders of the mlp ops. Verifier messages are for compiler
// developers: users get their errors from Sema, before any IR exists.
#include "ir/MlpOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mlp;

#define GET_OP_CLASSES
#include "ir/MlpOps.cpp.inc"

static RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// True when two dimension sizes may be equal (either is dynamic).
static bool sameDim(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

/// `mlp.constant dense<...> : tensor<...>`: the attribute carries the type.
ParseResult ConstantOp::parse(OpAsmParser &parser, OperationState &result) {
  ElementsAttr value;
  if (parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseAttribute(value, "value", result.attributes))
    return failure();
  result.addTypes(value.getType());
  return success();
}

void ConstantOp::print(OpAsmPrinter &p) {
  p.printOptionalAttrDict((*this)->getAttrs(), {"value"});
  p << " " << getValue();
}

LogicalResult IotaOp::verify() {
  int64_t rank = getResult().getType().getRank();
  if (getDim() < 0 || getDim() >= rank)
    return emitOpError("dim ") << getDim() << " out of range for rank " << rank;
  return success();
}

LogicalResult RandomOp::verify() {
  if (getDistribution() != "uniform" && getDistribution() != "normal")
    return emitOpError("distribution must be 'uniform' or 'normal'");
  return success();
}

LogicalResult CmpOp::verify() {
  static const char *const preds[] = {"lt", "le", "gt", "ge", "eq", "ne"};
  for (const char *p : preds)
    if (getPredicate() == p) {
      if (rankedType(getResult()).getShape() != rankedType(getLhs()).getShape())
        return emitOpError("result shape must match the operands");
      return success();
    }
  return emitOpError("unknown predicate '") << getPredicate() << "'";
}

LogicalResult SelectOp::verify() {
  if (rankedType(getCond()).getShape() != rankedType(getResult()).getShape())
    return emitOpError("condition shape must match the result");
  return success();
}

LogicalResult CastOp::verify() {
  if (rankedType(getOperand()).getShape() != rankedType(getResult()).getShape())
    return emitOpError("cast must keep the shape");
  return success();
}

/// Checks `dims` of broadcast/unbroadcast: `small` dim i sits at `big` dim
/// dims[i], increasing, with equal size or size 1.
static LogicalResult verifyBroadcastDims(Operation *op, RankedTensorType small,
                                         RankedTensorType big,
                                         ArrayRef<int64_t> dims) {
  if ((int64_t)dims.size() != small.getRank())
    return op->emitOpError("needs one dim per source dimension");
  int64_t prev = -1;
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d <= prev || d >= big.getRank())
      return op->emitOpError("dims must increase and lie within the result");
    prev = d;
    int64_t s = small.getDimSize(i);
    if (s != 1 && !sameDim(s, big.getDimSize(d)))
      return op->emitOpError("dimension ") << i << " of size " << s
                                           << " cannot broadcast to "
                                           << big.getDimSize(d);
  }
  return success();
}

LogicalResult BroadcastOp::verify() {
  auto result = rankedType(getResult());
  if (!getSizes().empty() &&
      (int64_t)getSizes().size() != result.getNumDynamicDims())
    return emitOpError("needs one size per dynamic result dimension");
  return verifyBroadcastDims(*this, rankedType(getOperand()), result,
                             getDims());
}

OpFoldResult BroadcastOp::fold(FoldAdaptor) {
  if (getOperand().getType() == getResult().getType())
    return getOperand();
  return {};
}

LogicalResult UnbroadcastOp::verify() {
  return verifyBroadcastDims(*this, rankedType(getResult()),
                             rankedType(getOperand()), getDims());
}

OpFoldResult UnbroadcastOp::fold(FoldAdaptor) {
  if (getOperand().getType() == getResult().getType())
    return getOperand();
  return {};
}

LogicalResult ReduceOp::verify() {
  StringRef k = getKind();
  if (k != "sum" && k != "mean" && k != "max" && k != "min")
    return emitOpError("unknown reduction '") << k << "'";
  auto in = rankedType(getOperand());
  auto out = rankedType(getResult());
  if (out.getRank() + (int64_t)getAxes().size() != in.getRank())
    return emitOpError("result rank must be operand rank minus reduced axes");
  int64_t prev = -1;
  for (int64_t a : getAxes()) {
    if (a <= prev || a >= in.getRank())
      return emitOpError("axes must increase and lie within the operand");
    prev = a;
  }
  return success();
}

LogicalResult ArgmaxOp::verify() {
  auto in = rankedType(getOperand());
  if (getAxis() < 0 || getAxis() >= in.getRank())
    return emitOpError("axis out of range");
  if (rankedType(getResult()).getRank() != in.getRank() - 1)
    return emitOpError("result drops the axis");
  return success();
}

/// Checks (a [M,K], b [K,N]) -> r [M,N] for matmul and matmul_bias.
static LogicalResult verifyMatmulShapes(Operation *op, RankedTensorType a,
                                        RankedTensorType b, RankedTensorType r) {
  if (a.getRank() != 2 || b.getRank() != 2 || r.getRank() != 2)
    return op->emitOpError("operands and result must be rank 2");
  if (!sameDim(a.getDimSize(1), b.getDimSize(0)))
    return op->emitOpError("inner dimensions differ: ")
           << a.getDimSize(1) << " vs " << b.getDimSize(0);
  if (!sameDim(r.getDimSize(0), a.getDimSize(0)) ||
      !sameDim(r.getDimSize(1), b.getDimSize(1)))
    return op->emitOpError("result shape must be [lhs rows, rhs columns]");
  return success();
}

LogicalResult MatmulOp::verify() {
  return verifyMatmulShapes(*this, rankedType(getLhs()), rankedType(getRhs()),
                            rankedType(getResult()));
}

/// Checks a dense layer's bias: one value per column of its product r.
static LogicalResult verifyBias(Operation *op, RankedTensorType bias, RankedTensorType r) {
  if (bias.getRank() != 1 || !sameDim(bias.getDimSize(0), r.getDimSize(1)) ||
      bias.getElementType() != r.getElementType())
    return op->emitOpError("bias must be a vector of one value per result column");
  return success();
}

LogicalResult MatmulBiasOp::verify() {
  auto r = rankedType(getResult());
  if (failed(verifyMatmulShapes(*this, rankedType(getLhs()), rankedType(getRhs()), r)))
    return failure();
  return verifyBias(*this, rankedType(getBias()), r);
}

LogicalResult MatmulBiasPairOp::verify() {
  auto x = rankedType(getLhs()), w1 = rankedType(getRhs1()), r = rankedType(getResult());
  if (x.getRank() != 2 || w1.getRank() != 2)
    return emitOpError("operands and result must be rank 2");
  // The first layer's output, which only this op sees.
  auto hidden = RankedTensorType::get({x.getDimSize(0), w1.getDimSize(1)}, r.getElementType());
  if (failed(verifyMatmulShapes(*this, x, w1, hidden)) ||
      failed(verifyBias(*this, rankedType(getBias1()), hidden)) ||
      failed(verifyMatmulShapes(*this, hidden, rankedType(getRhs2()), r)))
    return failure();
  return verifyBias(*this, rankedType(getBias2()), r);
}

LogicalResult TransposeOp::verify() {
  auto in = rankedType(getOperand()), out = rankedType(getResult());
  ArrayRef<int64_t> perm = getPerm();
  if ((int64_t)perm.size() != in.getRank() || out.getRank() != in.getRank())
    return emitOpError("perm must name every dimension");
  llvm::SmallVector<bool> seen(perm.size(), false);
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
    if (!sameDim(out.getDimSize(i), in.getDimSize(p)))
      return emitOpError("result dimension ") << i << " must match input " << p;
  }
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = rankedType(getOperand()), out = rankedType(getResult());
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes: ")
           << in.getNumElements() << " vs " << out.getNumElements();
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  // transpose(transpose(x, inner), outer) picks x's dim inner[outer[i]].
  if (auto producer = getOperand().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : getPerm())
      composed.push_back(producer.getPerm()[p]);
    setPerm(composed);
    getOperandMutable().assign(producer.getOperand());
    if (getOperand().getType() == getResult().getType() &&
        llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())))
      return getOperand();
    return getResult();
  }
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())) &&
      getOperand().getType() == getResult().getType())
    return getOperand();
  return {};
}

namespace {
/// transpose(matmul(a, b)) -> matmul(transpose(b), transpose(a)): the
/// product is then written in the layout wanted, and each transpose either
/// cancels one already there or is read in place by the GEMM. Autodiff makes
/// this shape for every weight gradient of a dense layer.
struct TransposeOfMatmul : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto product = op.getOperand().getDefiningOp<MatmulOp>();
    if (!product || !product->hasOneUse() || op.getPerm()[0] != 1)
      return failure();
    auto transposed = [&](Value m) {
      auto t = cast<RankedTensorType>(m.getType());
      return rewriter.create<TransposeOp>(
          op.getLoc(), t.clone({t.getDimSize(1), t.getDimSize(0)}), m,
          ArrayRef<int64_t>{1, 0});
    };
    Value bt = transposed(product.getRhs()), at = transposed(product.getLhs());
    rewriter.replaceOpWithNewOp<MatmulOp>(op, op.getResult().getType(), bt, at);
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<TransposeOfMatmul>(context);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getOperand().getType() == getResult().getType())
    return getOperand();
  return {};
}

LogicalResult ExtractOp::verify() {
  auto in = rankedType(getOperand()), out = rankedType(getResult());
  ArrayRef<int64_t> picked = getIndexDims();
  if (picked.size() != getIndices().size())
    return emitOpError("needs one index_dim per index");
  int64_t prev = -1;
  for (int64_t d : picked) {
    if (d <= prev || d >= in.getRank())
      return emitOpError("index_dims must increase and lie within the operand");
    prev = d;
  }
  int64_t rest = in.getRank() - (int64_t)picked.size();
  if ((int64_t)getStarts().size() != rest || (int64_t)getSizes().size() != rest)
    return emitOpError("needs a start and size for each remaining dimension");
  if (out.getRank() != rest)
    return emitOpError("result rank must be the remaining dimensions");
  int64_t k = 0;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (llvm::is_contained(picked, d))
      continue;
    int64_t dim = in.getDimSize(d);
    if (getStarts()[k] < 0 || getSizes()[k] < 0 ||
        (!ShapedType::isDynamic(dim) && getStarts()[k] + getSizes()[k] > dim))
      return emitOpError("slice out of bounds in dimension ") << d;
    if (out.getDimSize(k) != getSizes()[k])
      return emitOpError("result dimension must equal the slice size");
    ++k;
  }
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto out = rankedType(getResult());
  if (getAxis() < 0 || getAxis() >= out.getRank())
    return emitOpError("axis out of range");
  return success();
}

LogicalResult RuntimeFillOp::verify() {
  int64_t dynamic = 0;
  for (Type t : getResultTypes())
    dynamic += cast<RankedTensorType>(t).getNumDynamicDims();
  if ((int64_t)getSizes().size() != dynamic)
    return emitOpError("needs one size per dynamic result dimension");
  return success();
}

/// Output size of a convolution along one axis, as PyTorch computes it.
static int64_t convOutput(int64_t in, int64_t kernel, int64_t stride,
                          int64_t padding, int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

/// Checks (x [B,C,H,W], w [F,C,KH,KW]) -> y [B,F,OH,OW] for conv2d and its
/// gradients (whose operands and result are permutations of these).
static LogicalResult verifyConvShapes(Operation *op, RankedTensorType x,
                                      RankedTensorType w, RankedTensorType y,
                                      int64_t stride, int64_t padding,
                                      int64_t dilation) {
  if (x.getRank() != 4 || w.getRank() != 4 || y.getRank() != 4)
    return op->emitOpError("needs rank-4 tensors (NCHW)");
  if (stride < 1 || dilation < 1 || padding < 0)
    return op->emitOpError("needs stride and dilation >= 1, padding >= 0");
  if (x.getDimSize(1) != w.getDimSize(1) || y.getDimSize(1) != w.getDimSize(0) ||
      x.getDimSize(0) != y.getDimSize(0))
    return op->emitOpError("channel or batch sizes disagree");
  for (int d = 2; d < 4; ++d)
    if (y.getDimSize(d) != convOutput(x.getDimSize(d), w.getDimSize(d), stride,
                                      padding, dilation))
      return op->emitOpError("spatial size ") << y.getDimSize(d) << " should be "
             << convOutput(x.getDimSize(d), w.getDimSize(d), stride, padding,
                           dilation);
  return success();
}

LogicalResult Conv2dOp::verify() {
  return verifyConvShapes(*this, rankedType(getLhs()), rankedType(getRhs()),
                          rankedType(getResult()), getStride(), getPadding(),
                          getDilation());
}

LogicalResult Conv2dBiasOp::verify() {
  auto y = rankedType(getResult()), b = rankedType(getBias());
  if (b.getRank() != 1 || b.getDimSize(0) != y.getDimSize(1) ||
      b.getElementType() != y.getElementType())
    return emitOpError("bias must be a vector of one value per output channel");
  return verifyConvShapes(*this, rankedType(getLhs()), rankedType(getRhs()), y, getStride(),
                          getPadding(), getDilation());
}

LogicalResult Conv2dGradInputOp::verify() {
  return verifyConvShapes(*this, rankedType(getResult()), rankedType(getRhs()),
                          rankedType(getLhs()), getStride(), getPadding(),
                          getDilation());
}

LogicalResult Conv2dGradFilterOp::verify() {
  return verifyConvShapes(*this, rankedType(getLhs()), rankedType(getResult()),
                          rankedType(getRhs()), getStride(), getPadding(),
                          getDilation());
}

LogicalResult Pool2dGradOp::verify() {
  if (getKind() != "max" && getKind() != "avg" && getKind() != "max_positive")
    return emitOpError("kind must be 'max', 'avg' or 'max_positive'");
  return success();
}

/// Whether `sums` holds one value of `x`'s element type per channel (dim 1)
/// of the rank-4 `x`, which the error calls `what`.
static LogicalResult verifyChannelSums(Operation *op, RankedTensorType sums, RankedTensorType x,
                                       StringRef what) {
  if (x.getRank() != 4 || sums.getRank() != 1 || sums.isDynamicDim(0) ||
      sums.getDimSize(0) != x.getDimSize(1) || sums.getElementType() != x.getElementType())
    return op->emitOpError("sums must be one value per channel of the rank-4 ") << what;
  return success();
}

LogicalResult Pool2dGradSumsOp::verify() {
  if (getKind() != "max" && getKind() != "max_positive")
    return emitOpError("kind must be 'max' or 'max_positive'");
  return verifyChannelSums(*this, rankedType(getSums()), rankedType(getInput()), "input");
}

/// Whether `pooled` is `x` pooled over non-overlapping windows of `window`.
static LogicalResult verifyPooledShape(Operation *op, RankedTensorType x, RankedTensorType pooled,
                                       int64_t window) {
  if (x.getRank() != 4 || pooled.getRank() != 4 || window < 1)
    return op->emitOpError("needs rank-4 tensors and a window >= 1");
  if (pooled.getDimSize(0) != x.getDimSize(0) || pooled.getDimSize(1) != x.getDimSize(1))
    return op->emitOpError("batch or channel sizes disagree");
  for (int d = 2; d < 4; ++d)
    if (pooled.getDimSize(d) != x.getDimSize(d) / window)
      return op->emitOpError("spatial size must be the input's divided by the window");
  return success();
}

LogicalResult Conv2dBiasPoolOp::verify() {
  auto mask = rankedType(getMask()), pooled = rankedType(getPooled()), b = rankedType(getBias());
  if (failed(verifyConvShapes(*this, rankedType(getLhs()), rankedType(getRhs()), mask, getStride(),
                              getPadding(), getDilation())))
    return failure();
  if (b.getRank() != 1 || b.getDimSize(0) != mask.getDimSize(1) ||
      b.getElementType() != pooled.getElementType())
    return emitOpError("bias must be a vector of one value per output channel");
  return verifyPooledShape(*this, mask, pooled, getWindow());
}

LogicalResult Pool2dMaskGradSumsOp::verify() {
  auto mask = rankedType(getMask()), dx = rankedType(getResult()), sums = rankedType(getSums());
  auto g = rankedType(getGrad());
  if (failed(verifyPooledShape(*this, mask, g, getWindow())))
    return failure();
  if (dx.getShape() != mask.getShape() || dx.getElementType() != g.getElementType())
    return emitOpError("result must have the mask's shape and the gradient's element type");
  return verifyChannelSums(*this, sums, dx, "mask");
}

LogicalResult Conv2dGradFilterPooledOp::verify() {
  auto mask = rankedType(getMask()), dw = rankedType(getResult()), sums = rankedType(getSums());
  auto g = rankedType(getGrad());
  if (failed(verifyConvShapes(*this, rankedType(getInput()), dw, mask, getStride(), getPadding(),
                              getDilation())) ||
      failed(verifyPooledShape(*this, mask, g, getWindow())))
    return failure();
  if (dw.getElementType() != g.getElementType())
    return emitOpError("result must have the gradient's element type");
  return verifyChannelSums(*this, sums, g, "mask");
}

LogicalResult Pool2dOp::verify() {
  auto x = rankedType(getOperand()), y = rankedType(getResult());
  if (getKind() != "max" && getKind() != "avg")
    return emitOpError("kind must be 'max' or 'avg'");
  if (x.getRank() != 4 || y.getRank() != 4 || getWindow() < 1)
    return emitOpError("needs rank-4 tensors and a window >= 1");
  for (int d = 2; d < 4; ++d)
    if (y.getDimSize(d) != x.getDimSize(d) / getWindow())
      return emitOpError("spatial size must be the input's divided by the window");
  return success();
}
