// Patterns that lower the mlp dialect, grouped by what they lower, and the
// helpers they share. Assembled into a pass by LowerToLinalg.cpp.
#pragma once

#include "ir/MlpOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mlp {

/// Elementwise ops, select, cast, constants, iota and random.
void populateElementwiseLowering(RewritePatternSet &patterns);
/// Broadcast, unbroadcast, reductions, argmax, matmul and shape ops.
void populateStructuredLowering(RewritePatternSet &patterns);
/// conv2d, pooling and their gradients.
void populateConvolutionLowering(RewritePatternSet &patterns);
/// Params and printing: calls into the C runtime.
void populateRuntimeLowering(RewritePatternSet &patterns);

/// The sizes of `resultType`'s dynamic dimensions, read from `source` where
/// result dim d corresponds to source dim sourceDimOf[d] (-1: none).
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc,
                                RankedTensorType resultType, Value source,
                                ArrayRef<int64_t> sourceDimOf);

/// A `tensor.empty` of `type` whose dynamic sizes come from `like` (same rank).
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like);

/// A tensor of `type` filled with the scalar `value` (dynamic sizes from `like`).
Value filled(OpBuilder &b, Location loc, RankedTensorType type, Value value,
             Value like);

/// A zero-filled tensor of `type`, its dynamic sizes given by `sizes`.
Value zeros(OpBuilder &b, Location loc, RankedTensorType type, ValueRange sizes = {});

/// A scalar constant of element type `type`: float or integer.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

/// Declares (once per module) and calls a runtime function.
func::CallOp callRuntime(OpBuilder &b, Location loc, StringRef name,
                         TypeRange results, ValueRange args);

/// Calls the runtime kernel `name` + "_f32"/"_f64" (by the first result
/// type's element type) with `flags` as i64 constants, then each of `inputs`
/// as an unranked memref, then a fresh buffer of each of `resultTypes`
/// (their dynamic sizes in turn from `sizes`) that the kernel fills; returns
/// those buffers as tensors.
SmallVector<Value> callKernel(OpBuilder &b, Location loc, StringRef name,
                              ArrayRef<int64_t> flags, ValueRange inputs,
                              TypeRange resultTypes, ValueRange sizes);
/// The same with one result.
Value callKernel(OpBuilder &b, Location loc, StringRef name,
                 ArrayRef<int64_t> flags, ValueRange inputs,
                 RankedTensorType resultType, ValueRange sizes);

/// A memref of `type`'s shape and element type with dynamic strides and
/// offset: the type in which to_memref reads any tensor's buffer (and which
/// to_memref of a to_tensor does not fold back into the buffer's own type).
MemRefType stridedMemRefType(ShapedType type);

/// A pointer to a NUL-terminated constant string (one global per text).
Value stringPointer(OpBuilder &b, Location loc, StringRef text);

/// Whether `op` reads `values` through exactly one of its operands, and
/// every other use of them (in `op`'s block) comes after `op`, or, with
/// `othersAfter` false, before it: where fusion may replace a value's
/// producer and where an op may write over a value.
bool onlyOperandOf(ValueRange values, Operation *op, bool othersAfter);

} // namespace mlir::mlp
