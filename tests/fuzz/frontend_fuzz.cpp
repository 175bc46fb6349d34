// libFuzzer target for the whole front end, as `mlpc check` runs it (see
// frontEnd() in tools/mlpc.cpp): the input bytes are a .mlp program, lexed,
// parsed, built into an AST and checked by Sema (names, types, shapes, the
// columns of the data files it names). Any input must be accepted or give
// one CompileError, never a crash, a hang, another exception or a sanitizer
// report (built with ASan + UBSan).
//
// Sema reads the data files a program names, relative to the current
// directory: run the fuzzer in a scratch directory holding small copies
// (tests/fuzz/frontend.test sets one up).
#include "frontend/Diagnostics.h"
#include "frontend/Parser.h"
#include "frontend/Sema.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Diagnostics print to `stderr` (the FILE *), once per rejected input:
  // send them to /dev/null. libFuzzer keeps its own copy of the original
  // stderr FILE * for its output, and the sanitizers write to fd 2, so
  // their reports still show.
  if (FILE *null = std::fopen("/dev/null", "w"))
    stderr = null;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string path = "fuzz.mlp";
  mlp::Program program;
  program.path = path;
  program.source.assign(reinterpret_cast<const char *>(data), size);
  mlp::Diagnostics diags(path, program.source);
  try {
    auto parsed = mlp::parseProgram(path, program.source, diags);
    program.stmts = std::move(parsed->stmts);
    mlp::Sema sema(program, diags);
    sema.check();
  } catch (const mlp::CompileError &) {
    // A rejected program: the expected outcome for most inputs. Any other
    // exception escapes and libFuzzer reports it as a crash.
  }
  return 0;
}
