// In-process execution (`mlpc run`) and native object emission (`mlpc build`).
#include "codegen/Pipeline.h"
#include "runtime/mlp_runtime.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

namespace mlp {

using namespace mlir;

static void initNativeTarget() {
  static bool done = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)done;
}

static std::unique_ptr<llvm::TargetMachine> hostMachine();

MainFunction jitCompile(ModuleOp module, std::shared_ptr<void> &code) {
  initNativeTarget();
  // The host's TargetMachine: without it LLVM's optimizer knows no vector
  // registers and vectorizes nothing.
  auto machine = hostMachine();
  if (!machine)
    return nullptr;
  // options.transformer is a function_ref: the function must outlive create()
  // (ASan found the temporary this once was).
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(3, 0, machine.get());
  ExecutionEngineOptions options;
  options.transformer = optimize;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine) {
    llvm::errs() << "error: JIT compilation failed: "
                 << llvm::toString(engine.takeError()) << "\n";
    return nullptr;
  }
  auto main = (*engine)->lookup("mlp_main");
  if (!main) {
    llvm::errs() << "error: " << llvm::toString(main.takeError()) << "\n";
    return nullptr;
  }
  code = std::shared_ptr<ExecutionEngine>(std::move(*engine));
  return reinterpret_cast<MainFunction>(*main);
}

MLP_CALLS_JIT_CODE int runJit(ModuleOp module, const std::vector<std::string> &args) {
  std::shared_ptr<void> code;
  MainFunction main = jitCompile(module, code);
  if (!main)
    return 1;
  std::vector<char *> argv;
  for (const std::string &a : args)
    argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  mlp_rt_init((int)args.size(), argv.data());
  main();
  mlp_rt_finish();
  return 0;
}

/// A TargetMachine for the host CPU, or null with a message on stderr.
static std::unique_ptr<llvm::TargetMachine> hostMachine() {
  initNativeTarget();
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    llvm::errs() << "error: " << error << "\n";
    return nullptr;
  }
  llvm::SubtargetFeatures features;
  for (auto &f : llvm::sys::getHostCPUFeatures())
    features.AddFeature(f.first(), f.second);
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), {},
      llvm::Reloc::PIC_));
}

std::string translateToLLVMIR(ModuleOp module) {
  llvm::LLVMContext context;
  auto llvmModule = translateModuleToLLVMIR(module, context);
  std::string text;
  llvm::raw_string_ostream os(text);
  if (llvmModule)
    llvmModule->print(os, nullptr);
  return text;
}

LogicalResult emitObjectFile(ModuleOp module, const std::string &path) {
  auto machine = hostMachine();
  if (!machine)
    return failure();
  llvm::LLVMContext context;
  auto llvmModule = translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    llvm::errs() << "error: could not translate the module to LLVM IR\n";
    return failure();
  }
  llvmModule->setTargetTriple(machine->getTargetTriple().str());
  llvmModule->setDataLayout(machine->createDataLayout());
  if (auto err = makeOptimizingTransformer(3, 0, machine.get())(llvmModule.get())) {
    llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
    return failure();
  }
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    llvm::errs() << "error: cannot write " << path << ": " << ec.message() << "\n";
    return failure();
  }
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, out, nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    llvm::errs() << "error: the target cannot emit object files\n";
    return failure();
  }
  pm.run(*llvmModule);
  out.flush();
  return success();
}

} // namespace mlp
