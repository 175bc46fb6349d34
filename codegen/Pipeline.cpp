// The pass pipeline, stage by stage. The llvm step follows the lowering that
// BUILD-NOTES.md verified on Debian's MLIR 19, plus buffer deallocation.
#include "codegen/Pipeline.h"
#include "codegen/Passes.h"
#include "passes/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

namespace mlp {

using namespace mlir;

void registerPipelineDialects(DialectRegistry &registry) {
  registry.insert<mlir::mlp::MlpDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, index::IndexDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                  scf::SCFDialect, tensor::TensorDialect>();
  func::registerInlinerExtension(registry);
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  registerConvertFuncToLLVMInterface(registry);
  arith::registerConvertArithToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
}

void addMlpPasses(OpPassManager &pm) {
  pm.addPass(createInlinerPass());
  pm.addPass(mlir::mlp::createMlpAutodiff());
  pm.addPass(createInlinerPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(mlir::mlp::createMlpFuseEpilogue());
  pm.addPass(mlir::mlp::createMlpFuseDensePair());
  pm.addPass(mlir::mlp::createMlpFusePoolGradRelu());
  pm.addPass(mlir::mlp::createMlpFusePoolGradSums());
  pm.addPass(mlir::mlp::createMlpFuseConvPool());
}

void addLinalgPasses(OpPassManager &pm) {
  pm.addPass(mlir::mlp::createMlpLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(mlir::mlp::createMlpFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(mlir::mlp::createMlpExposeBufferReads());
  pm.addPass(mlir::mlp::createMlpWriteInPlace());
  // Each result's tensor.empty becomes an allocation of its own before CSE,
  // which would otherwise merge equal-shaped ones into one buffer allocated
  // outside the training loop, overwritten every step and copied to be kept.
  pm.addPass(bufferization::createEmptyTensorToAllocTensorPass());
  pm.addPass(createCSEPass());
}

void addLLVMPasses(OpPassManager &pm) {
  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  options.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(options));
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createBufferizationToMemRefPass());
  // Large ops' outer loops become OpenMP worksharing loops, which call the
  // libomp entry points the runtime implements on its own thread pool
  // (runtime/openmp.cpp). The canonicalizer inlines the alloca scopes
  // scf-to-openmp wraps loop bodies in (none allocates), which scf-to-cf
  // could not lower once their bodies are blocks.
  pm.addNestedPass<func::FuncOp>(mlir::mlp::createMlpLowerToLoops());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  // Strided views with run-time offsets leave affine.apply behind.
  pm.addPass(createLowerAffinePass());
  // Buffers come from the runtime's _mlir_memref_to_llvm_alloc, which
  // reports a failed allocation with its size (runtime/memory.cpp).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

LogicalResult lowerModule(ModuleOp module, Stage stage) {
  PassManager pm(module.getContext());
  addMlpPasses(pm);
  if (stage != Stage::Mlp)
    addLinalgPasses(pm);
  if (stage == Stage::LLVM)
    addLLVMPasses(pm);
  return pm.run(module);
}

} // namespace mlp
