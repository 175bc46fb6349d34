// mlpc: compile and run, build, check or inspect a `.mlp` program.
//
//   mlpc run FILE [program flags]    JIT-compile and run
//   mlpc build FILE -o OUT           standalone native executable
//   mlpc check FILE                  parse and type/shape-check only
//   mlpc emit FILE --stage S         print ast | mlp | linalg | llvm
//   mlpc repl                        interactive session (tools/Repl.cpp)
#include "codegen/Pipeline.h"
#include "frontend/ASTPrinter.h"
#include "frontend/MLIRGen.h"
#include "frontend/Parser.h"
#include "frontend/Sema.h"
#include "tools/Repl.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

const char *kUsage =
    "usage: mlpc <command> [options]\n"
    "\n"
    "commands:\n"
    "  run FILE [flags...]        compile FILE and run it now; flags after FILE\n"
    "                             set its params (--lr 0.02); --help lists them\n"
    "  build FILE -o OUT          write a standalone executable OUT\n"
    "  check FILE                 parse and type/shape-check FILE, run nothing\n"
    "  emit FILE --stage STAGE    print a stage: ast, mlp, linalg or llvm\n"
    "  repl                       an interactive session\n"
    "  --help, --version\n"
    "\n"
    "`mlpc COMMAND --help` describes a command. Diagnostics are coloured on a\n"
    "terminal; NO_COLOR=1 turns that off.\n";

using mlp::printError;

/// `mlpc COMMAND --help`.
const char *commandHelp(const std::string &command) {
  if (command == "run")
    return "usage: mlpc run FILE [--PARAM VALUE ...] [--threads N]\n"
           "\n"
           "Compiles FILE with the JIT and runs it. The flags after FILE are the\n"
           "program's: each `param` is a flag (--lr 0.02 or --lr=0.02; a bool flag\n"
           "alone means true); --threads sets the threads kernels use (default:\n"
           "every core); a program that trains with `checkpoint = \"dir\"` takes\n"
           "--resume, to go on from its last checkpoint, and every training\n"
           "program takes --keep_nan. `mlpc run FILE --help` lists FILE's flags.\n"
           "Exit status: the program's; 1 for a compile or run-time error, 2 for a\n"
           "bad flag.\n";
  if (command == "build")
    return "usage: mlpc build FILE -o OUT\n"
           "\n"
           "Compiles FILE into the standalone executable OUT: native code linked\n"
           "with mlpc's runtime, needing no MLIR, LLVM or Python to run. OUT takes\n"
           "the same flags as `mlpc run FILE` (./OUT --help lists them). Needs a C++\n"
           "linker (c++) on PATH.\n";
  if (command == "check")
    return "usage: mlpc check FILE\n"
           "\n"
           "Parses FILE and checks names, types, shapes and the columns of its data\n"
           "files (read now, as when compiling), then stops: exit status 0 when it\n"
           "would compile, 1 with the first error otherwise.\n";
  if (command == "emit")
    return "usage: mlpc emit FILE --stage ast|mlp|linalg|llvm\n"
           "\n"
           "Prints FILE at one stage of the compiler: the typed AST, the mlp\n"
           "dialect, after lowering to linalg, or the LLVM dialect.\n";
  return nullptr;
}

int usageError(const std::string &message) {
  fprintf(stderr, "mlpc: error: %s\n%s", message.c_str(), kUsage);
  return 2;
}

/// A parsed and checked program, ready for MLIR generation.
struct Compilation {
  mlp::Program program;
  std::unique_ptr<mlp::Diagnostics> diags;
  std::unique_ptr<mlp::Sema> sema;
};

/// Reads, parses and checks `path`. Prints the error and returns false on
/// failure.
bool frontEnd(const std::string &path, Compilation &c, bool checkTypes = true) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    printError("cannot open '" + path + "': " + strerror(errno));
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  c.program.path = path;
  c.program.source = text.str();
  c.diags = std::make_unique<mlp::Diagnostics>(path, c.program.source);
  try {
    auto parsed = mlp::parseProgram(path, c.program.source, *c.diags);
    c.program.stmts = std::move(parsed->stmts);
    if (!checkTypes)
      return true;
    c.sema = std::make_unique<mlp::Sema>(c.program, *c.diags);
    c.sema->check();
  } catch (const mlp::CompileError &) {
    return false;
  }
  return true;
}

/// Generates and lowers the module to `stage`; null after printing errors.
mlir::OwningOpRef<mlir::ModuleOp> compile(mlir::MLIRContext &context,
                                          Compilation &c, mlp::Stage stage) {
  mlir::DialectRegistry registry;
  mlp::registerPipelineDialects(registry);
  context.appendDialectRegistry(registry);
  // Errors from passes (rare: Sema rejects what they cannot handle) still
  // show the user's line and a caret.
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(c.program.source, c.program.path),
      llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sources, &context);
  auto module = mlp::generateMLIR(context, *c.sema);
  if (failed(mlir::verify(*module))) {
    printError("internal compiler error: invalid IR generated");
    module->print(llvm::errs());
    return nullptr;
  }
  if (failed(mlp::lowerModule(*module, stage)))
    return nullptr;
  return module;
}

/// The directory holding mlpc's libraries: <prefix>/lib beside <prefix>/bin.
std::string libraryDir() {
  std::string exe = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&libraryDir));
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(dir, "..", "lib");
  return std::string(dir);
}

int build(Compilation &c, const std::string &out) {
  mlir::MLIRContext context;
  auto module = compile(context, c, mlp::Stage::LLVM);
  if (!module)
    return 1;
  llvm::SmallString<128> object;
  if (llvm::sys::fs::createTemporaryFile("mlpc", "o", object)) {
    printError("cannot create a temporary file");
    return 1;
  }
  if (failed(mlp::emitObjectFile(*module, std::string(object))))
    return 1;
  std::string lib = libraryDir();
#ifdef MLP_SANITIZE_LINKER
  auto cxx = llvm::sys::findProgramByName(MLP_SANITIZE_LINKER);
#else
  auto cxx = llvm::sys::findProgramByName("c++");
#endif
  if (!cxx) {
    printError("no C++ linker ('c++') found on PATH");
    return 1;
  }
  std::vector<std::string> args = {*cxx,
                                   std::string(object),
                                   lib + "/libmlprt_main.a",
                                   lib + "/libmlprt.a",
                                   "-l:libz.a",  // gzip data files; static, so
                                                 // the binary needs no libz
                                   "-l:libxsmm.a",  // small GEMMs (kernels.cpp)
                                   "-l:libxsmmnoblas.a",
                                   "-ldl",
                                   "-lm",
                                   // drops the runtime's functions the
                                   // program never reaches
                                   "-Wl,--gc-sections",
#ifdef MLP_SANITIZE_LINK
                                   // the runtime was built with sanitizers
                                   MLP_SANITIZE_LINK,
#endif
                                   "-o",
                                   out};
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*cxx, argRefs, std::nullopt, {}, 0, 0,
                                     &error);
  llvm::sys::fs::remove(object);
  if (rc != 0) {
    printError("linking " + out + " failed" + (error.empty() ? "" : ": " + error));
    return 1;
  }
  return 0;
}

int emit(Compilation &c, const std::string &stage) {
  if (stage == "ast") {
    fputs(mlp::printAST(c.program).c_str(), stdout);
    return 0;
  }
  mlp::Stage s;
  if (stage == "mlp")
    s = mlp::Stage::Mlp;
  else if (stage == "linalg")
    s = mlp::Stage::Linalg;
  else if (stage == "llvm")
    s = mlp::Stage::LLVM;
  else
    return usageError("unknown stage '" + stage +
                      "' (expected ast, mlp, linalg or llvm)");
  mlir::MLIRContext context;
  auto module = compile(context, c, s);
  if (!module)
    return 1;
  if (s == mlp::Stage::LLVM)
    fputs(mlp::translateToLLVMIR(*module).c_str(), stdout);
  else
    module->print(llvm::outs());
  llvm::outs().flush();
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    return usageError("no command given");
  const std::string &command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    fputs(kUsage, stdout);
    return 0;
  }
  if (command == "--version") {
    puts("mlpc 0.1 (LLVM/MLIR 19)");
    return 0;
  }
  if (command == "repl") {
    if (args.size() >= 2 && (args[1] == "--help" || args[1] == "-h")) {
      fputs(mlp::kReplHelp, stdout);
      return 0;
    }
    return mlp::runRepl({args.begin() + 1, args.end()});
  }
  if (command != "run" && command != "build" && command != "check" &&
      command != "emit")
    return usageError("unknown command '" + command + "'");
  if (args.size() >= 2 && (args[1] == "--help" || args[1] == "-h")) {
    fputs(commandHelp(command), stdout);
    return 0;
  }
  if (args.size() < 2)
    return usageError("'" + command + "' needs a .mlp file");
  const std::string &file = args[1];

  std::string out, stage;
  if (command == "build" || command == "emit") {
    for (size_t i = 2; i < args.size(); ++i) {
      if ((args[i] == "-o" && command == "build") ||
          (args[i] == "--stage" && command == "emit")) {
        if (i + 1 >= args.size())
          return usageError(args[i] + " needs a value");
        (command == "build" ? out : stage) = args[++i];
      } else if (command == "emit" && args[i].rfind("--stage=", 0) == 0) {
        stage = args[i].substr(8);
      } else {
        return usageError("unexpected argument '" + args[i] + "'");
      }
    }
    if (command == "build" && out.empty())
      return usageError("build needs -o OUT");
    if (command == "emit" && stage.empty())
      return usageError("emit needs --stage ast|mlp|linalg|llvm");
  } else if (command == "check" && args.size() > 2) {
    return usageError("unexpected argument '" + args[2] + "'");
  }

  Compilation c;
  if (!frontEnd(file, c, !(command == "emit" && stage == "ast")))
    return 1;
  if (command == "check")
    return 0;
  if (command == "emit")
    return emit(c, stage);
  if (command == "build")
    return build(c, out);

  // run: the program sees its own name and the flags after FILE.
  mlir::MLIRContext context;
  auto module = compile(context, c, mlp::Stage::LLVM);
  if (!module)
    return 1;
  std::vector<std::string> programArgs = {file};
  programArgs.insert(programArgs.end(), args.begin() + 2, args.end());
  return mlp::runJit(*module, programArgs);
}
