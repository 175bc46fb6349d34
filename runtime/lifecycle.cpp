/// \file lifecycle.cpp
/// Process-level entry points: start-up, fatal errors and the final flush.

#include <malloc.h>
#include "runtime/internal.h"
#include "runtime/mlp_runtime.h"

#include <cstdio>
#include <new>
#include <cstdlib>
#include <unistd.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace mlp::rt {
namespace {

std::string g_program_name = "program";
std::vector<std::string> g_args;

} // namespace

const std::string &program_name() { return g_program_name; }

const std::vector<std::string> &program_args() { return g_args; }

void die(std::string_view message, int status) {
  // Flush what the program printed so far, so the error comes after it even
  // when stdout and stderr go to the same terminal or file.
  end_progress_line();
  std::fflush(stdout);
  // "error:" in bold red on a terminal, as the compiler's diagnostics.
  static const bool color = isatty(fileno(stderr)) && !std::getenv("NO_COLOR");
  std::fprintf(stderr, "%serror:%s %.*s\n", color ? "\033[1;31m" : "", color ? "\033[0m" : "",
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  fatal_hook(status);
  std::exit(status);
}

void flush_subnormals() {
#if defined(__SSE__)
  // MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6).
  _mm_setcsr(_mm_getcsr() | 0x8040);
#endif
}

} // namespace mlp::rt

using namespace mlp::rt;

extern "C" void mlp_rt_init(int argc, char **argv) {
  g_program_name = "program";
  if (argc > 0 && argv && argv[0] && argv[0][0]) {
    std::string_view full = argv[0];
    size_t slash = full.find_last_of('/');
    g_program_name = std::string(slash == std::string_view::npos ? full : full.substr(slash + 1));
  }
  g_args.clear();
  for (int i = 1; argv && i < argc; ++i)
    g_args.emplace_back(argv[i] ? argv[i] : "");
  reset_params();
  line_buffer().clear();
  // A training step allocates the same large buffers (activations, their
  // gradients) every batch. glibc would mmap each and unmap it on free, so
  // every step pays page faults to zero fresh pages; keeping freed memory in
  // the heap lets the next step reuse it.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // Subnormal numbers are flushed to zero, as TensorFlow and JAX do on CPU:
  // on x86 each operation on one takes a microcode assist, about 100x the
  // time of a normal one. Training makes them: Adam's first moment decays by
  // 0.9 a step wherever the gradient is zero (a dead relu unit), and is
  // subnormal within a few hundred steps; the Fashion MLP ran 17% slower.
  // The pool's workers set the same mode (parallel.cpp).
  flush_subnormals();
  // Any other allocation that fails (a sort's scratch, a file's text) is an
  // error too, not std::bad_alloc terminating the program.
  std::set_new_handler([] { die("out of memory (the machine's memory, or this process's limit, ran out)", 1); });
}

extern "C" void mlp_rt_fail(const char *message) {
  die(message ? message : "unknown failure", 1);
}

extern "C" void mlp_rt_fail_index(const char *where, int64_t axis, int64_t index,
                                  int64_t size) {
  std::string message = std::string(where ? where : "") + ": index " +
                        std::to_string(index) + " is out of range for axis " +
                        std::to_string(axis) + " of size " + std::to_string(size);
  die(message.c_str(), 1);
}

extern "C" void mlp_rt_finish(void) {
  // A print statement always ends its line; write a stray partial line anyway
  // rather than silently drop output.
  end_progress_line();
  std::string &line = line_buffer();
  if (!line.empty()) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    line.clear();
  }
  std::fflush(stdout);
}
