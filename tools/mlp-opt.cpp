// mlp-opt: mlir-opt with the mlp dialect and mlpc's passes, for lit tests.
#include "codegen/Passes.h"
#include "codegen/Pipeline.h"
#include "passes/Passes.h"

#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlp::registerPipelineDialects(registry);
  mlir::mlp::registerMlpPasses();
  mlir::mlp::registerMlpCodegenPasses();
  mlir::registerTransformsPasses();
  // To look at the buffers of `mlpc emit --stage linalg` output.
  mlir::bufferization::registerBufferizationPasses();
  // To show what mlp-lower-to-loops' parallel loops become.
  mlir::registerPass([] { return mlir::createConvertSCFToOpenMPPass(); });
  mlir::PassPipelineRegistration<>(
      "mlp-to-linalg", "mlpc's mlp and linalg steps",
      [](mlir::OpPassManager &pm) {
        mlp::addMlpPasses(pm);
        mlp::addLinalgPasses(pm);
      });
  mlir::PassPipelineRegistration<>(
      "mlp-to-llvm", "mlpc's whole pipeline down to the LLVM dialect",
      [](mlir::OpPassManager &pm) {
        mlp::addMlpPasses(pm);
        mlp::addLinalgPasses(pm);
        mlp::addLLVMPasses(pm);
      });
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mlp optimizer driver\n", registry));
}
