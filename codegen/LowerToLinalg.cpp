//===- LowerToLinalg.cpp - the mlp-lower-to-linalg pass -------------------===//
//
// 1. Declare every parameter to the runtime at the top of `mlp_main`, then
//    parse the command line, so `--help` lists them all and a bad flag fails
//    before any work is done.
// 2. Convert every mlp op with the patterns of Lower*.cpp.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "codegen/LoweringPatterns.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::mlp {
#define GEN_PASS_DEF_MLPLOWERTOLINALG
#include "codegen/Passes.h.inc"
} // namespace mlir::mlp

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// Declares the module's params (`mlp.params`: [name, type, default] each,
/// then the minimum and its meaning where the program needs one) at the top
/// of mlp_main, then parses the command line. The declarations
/// live on the module so a param no code reads is still a flag.
void declareParams(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("mlp_main");
  if (!main || main.isExternal())
    return;
  OpBuilder b(main.getBody());
  Location loc = main.getLoc();
  if (auto params = module->getAttrOfType<ArrayAttr>("mlp.params"))
    for (auto param : params.getAsRange<ArrayAttr>()) {
      SmallVector<Value> args;
      for (auto text : param.getAsRange<StringAttr>())
        args.push_back(stringPointer(b, loc, text.getValue()));
      callRuntime(b, loc, "mlp_rt_param_declare", {}, ValueRange(args).take_front(3));
      if (args.size() == 5)
        callRuntime(b, loc, "mlp_rt_param_at_least", {}, {args[0], args[3], args[4]});
    }
  callRuntime(b, loc, "mlp_rt_params_parse", {}, {});
}

struct MlpLowerToLinalgPass
    : mlp::impl::MlpLowerToLinalgBase<MlpLowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    declareParams(module);

    ConversionTarget target(getContext());
    target.addIllegalDialect<MlpDialect>();
    target.addLegalDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                           func::FuncDialect, linalg::LinalgDialect,
                           LLVM::LLVMDialect, math::MathDialect,
                           memref::MemRefDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    RewritePatternSet patterns(&getContext());
    populateElementwiseLowering(patterns);
    populateStructuredLowering(patterns);
    populateConvolutionLowering(patterns);
    populateRuntimeLowering(patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
