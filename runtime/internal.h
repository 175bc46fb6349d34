/// \file internal.h
/// C++ helpers shared by the runtime's source files (and its unit tests).
/// Not part of the C ABI: generated code never sees these.
#ifndef MLP_RUNTIME_INTERNAL_H
#define MLP_RUNTIME_INTERNAL_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mlp::rt {

/* lifecycle.cpp */

/// The program name shown in `--help`: argv[0] without its directory.
const std::string &program_name();
/// argv[1..] as given to mlp_rt_init.
const std::vector<std::string> &program_args();
/// Flushes stdout, prints `error: <message>` to stderr, exits with `status`.
[[noreturn]] void die(std::string_view message, int status);
/// Makes this thread's f32/f64 arithmetic flush subnormal operands and
/// results to zero (the language's rule, lang/REFERENCE.md).
void flush_subnormals();

/* memory.cpp */

/// `error: out of memory: cannot allocate <what> of 40.0 GB (N bytes)`, exit 1.
[[noreturn]] void out_of_memory(const char *what, size_t bytes);

/* repl.cpp */

/// In `mlpc repl`, on the program's own thread: hands a fatal error's status
/// to the driver, which returns to the prompt (and never comes back here).
/// Otherwise it returns, and die() exits.
void fatal_hook(int status);
/// Stops the program with `error: interrupted` (status 130) once Ctrl-C
/// was pressed in `mlpc repl`: called where long work passes often (each
/// batch, each parallel kernel).
void check_interrupt();

/* parallel.cpp */

/// The cores this process may run on.
int available_cores();
/// The threads kernels use, the caller's included (1 until set).
int thread_count();
void set_thread_count(int threads);
/// A job's body, taken by reference for the length of the parallel_parts
/// call that runs it: unlike a std::function, which copies a lambda of more
/// than two captures to the heap, it never allocates (kernels run a job a
/// call, several times a training step).
class PartFn {
public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, PartFn>>>
  PartFn(const F &f) // NOLINT: converts any callable, as std::function does
      : object_(&f), call_([](const void *object, int part) { (*static_cast<const F *>(object))(part); }) {}
  void operator()(int part) const { call_(object_, part); }

private:
  const void *object_;
  void (*call_)(const void *, int);
};

/// Calls part(0) .. part(parts - 1) on the pool's threads, the calling one
/// included, and returns when all are done. Parts may run in any order and
/// on any thread: give each its own output. Called from inside a part, it
/// runs the parts serially.
void parallel_parts(int parts, PartFn part);
/// True on a pool thread, and on the caller while it runs parts.
bool inside_parallel_part();
/// The parts `n` items (samples, planes, rows) split into: one per thread,
/// at most n.
inline int rangeParts(int64_t n) { return static_cast<int>(std::min<int64_t>(n, thread_count())); }
/// Runs body(part, begin, end) on the thread pool for each of `parts`
/// contiguous ranges covering [0, n), in order of part.
template <class F>
void forEachRange(int64_t n, int parts, F &&body) {
  parallel_parts(parts, [&](int p) { body(p, n * p / parts, n * (p + 1) / parts); });
}

/* kernels.cpp */

/// For tests: fixes the one-row dense pair kernel's split of its first
/// layer (edge p's shift is shifts[p - 1]; see RowSplit) and whether its
/// parts hand rows over (without, each computes its neighbours' rows
/// itself), until called with no shifts.
void force_pair_split(std::vector<int64_t> shifts, bool handoff = true);

/* params.cpp */

/// Forgets every declared param (mlp_rt_init starts afresh).
void reset_params();

/* print.cpp */

/// The line being built by the current `print` statement.
std::string &line_buffer();

/* scalar_format.cpp */

/// Appends `v` formatted with `spec` (see mlp_runtime.h) to `out`. A spec that
/// is invalid for the type fails with `error: bad format spec '...' for <type>`.
void append_f32(std::string &out, float v, std::string_view spec);
void append_f64(std::string &out, double v, std::string_view spec);
/// `type_name` ("i64", "i32") only names the type in error messages.
void append_int(std::string &out, int64_t v, std::string_view spec, const char *type_name);
void append_bool(std::string &out, bool v, std::string_view spec);

/// Display width of UTF-8 text: one column per code point.
size_t text_width(std::string_view text);

/* tensor_format.cpp */

/// A strided view of a tensor's elements, read from an MLIR memref descriptor.
struct StridedView {
  const void *aligned = nullptr; ///< the descriptor's aligned pointer
  int64_t offset = 0;            ///< in elements
  int64_t rank = 0;
  const int64_t *sizes = nullptr;   ///< rank entries
  const int64_t *strides = nullptr; ///< rank entries, in elements
};

/// Reads (rank, descriptor) as passed for an unranked memref argument.
StridedView view_from_descriptor(int64_t rank, const void *descriptor);

enum class ElementType { F32, F64, I64, I32, Bool };

/// Formats a whole tensor the way `print` shows it. `column` is the column
/// the tensor starts at in its line, so continuation lines can line up.
std::string format_tensor(const StridedView &view, ElementType type, std::string_view spec,
                          size_t column = 0);

/* history.cpp */

/// Ends a progress bar line left open on the terminal (training stopped
/// early, or failed), so what follows (an error, a print) starts on a line of
/// its own. Does nothing when no bar is open.
void end_progress_line();

} // namespace mlp::rt

#endif // MLP_RUNTIME_INTERNAL_H
