/// \file repl.cpp
/// What `mlpc repl` needs of the runtime. Each input of a session is a module
/// of its own, so the values earlier inputs bound live here, in a store of
/// numbered slots the generated code writes and reads. A run-time error
/// returns to the prompt through the driver's hook instead of exiting, and
/// Ctrl-C asks the running input to stop at its next batch.

#include "runtime/mlp_runtime.h"
#include "runtime/pipeline.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace mlp::rt {
namespace {

/// One stored value: a tensor (its bytes, row-major), a runtime object, or a
/// string.
struct Stored {
  int64_t elemBytes = 0;
  std::vector<int64_t> sizes;
  std::vector<char> bytes;
  const void *object = nullptr;
  std::string text;
};

std::unordered_map<int64_t, Stored> &store() {
  static std::unordered_map<int64_t, Stored> slots;
  return slots;
}

Stored &slot(int64_t id, const char *function) {
  auto found = store().find(id);
  if (found == store().end()) internal_error(std::string(function) + ": slot " + std::to_string(id) + " is empty");
  return found->second;
}

void (*g_fatal_hook)(int) = nullptr;
const std::thread::id g_main_thread = std::this_thread::get_id();
volatile std::sig_atomic_t g_interrupt = 0;

} // namespace

void fatal_hook(int status) {
  // Only the thread that runs the program may leave it, and not from inside
  // a parallel part (the other threads still run theirs); otherwise die()
  // exits.
  if (g_fatal_hook && std::this_thread::get_id() == g_main_thread && !inside_parallel_part()) {
    g_interrupt = 0;
    g_fatal_hook(status);
  }
}

void check_interrupt() {
  if (g_interrupt && std::this_thread::get_id() == g_main_thread && !inside_parallel_part())
    die("interrupted", 130);
}

} // namespace mlp::rt

using namespace mlp::rt;

namespace {

void store_tensor(int64_t id, int64_t elemBytes, int64_t rank, void *descriptor) {
  StridedView v = view_from_descriptor(rank, descriptor);
  Stored s;
  s.elemBytes = elemBytes;
  s.sizes.assign(v.sizes, v.sizes + rank);
  int64_t count = 1;
  for (int64_t d : s.sizes) count *= d;
  s.bytes.resize(static_cast<size_t>(count * elemBytes));
  // Any strides: walk the elements in row-major order.
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  const char *base = static_cast<const char *>(v.aligned);
  for (int64_t i = 0; i < count; ++i) {
    int64_t at = v.offset;
    for (int64_t d = 0; d < rank; ++d) at += index[d] * v.strides[d];
    std::memcpy(&s.bytes[static_cast<size_t>(i * elemBytes)], base + at * elemBytes,
                static_cast<size_t>(elemBytes));
    for (int64_t d = rank - 1; d >= 0 && ++index[d] == s.sizes[d]; --d) index[d] = 0;
  }
  store()[id] = std::move(s);
}

void load_tensor(int64_t id, int64_t rank, void *descriptor) {
  Stored &s = slot(id, "mlp_rt_repl_load_tensor");
  StridedView v = view_from_descriptor(rank, descriptor);
  if (static_cast<size_t>(rank) != s.sizes.size() || !std::equal(s.sizes.begin(), s.sizes.end(), v.sizes))
    internal_error("mlp_rt_repl_load_tensor: the buffer is " + shape_text(v.sizes, rank) + ", the value " +
                   shape_text(s.sizes.data(), rank));
  // rt_fill's buffers are fresh and row-major.
  std::memcpy(static_cast<char *>(const_cast<void *>(v.aligned)) + v.offset * s.elemBytes, s.bytes.data(),
              s.bytes.size());
}

} // namespace

// One pair per element type: generated code declares each callee with its
// memref's element type.
#define MLP_REPL_TENSORS(suffix, bytes)                                                                     \
  extern "C" void mlp_rt_repl_store_tensor_##suffix(int64_t id, int64_t rank, void *descriptor) {          \
    store_tensor(id, bytes, rank, descriptor);                                                              \
  }                                                                                                         \
  extern "C" void mlp_rt_repl_load_tensor_##suffix(int64_t id, int64_t rank, void *descriptor) {           \
    load_tensor(id, rank, descriptor);                                                                      \
  }
MLP_REPL_TENSORS(f32, 4)
MLP_REPL_TENSORS(f64, 8)
MLP_REPL_TENSORS(i64, 8)
MLP_REPL_TENSORS(i32, 4)
MLP_REPL_TENSORS(i1, 1)
#undef MLP_REPL_TENSORS

extern "C" int64_t mlp_rt_repl_dim(int64_t id, int64_t axis) {
  Stored &s = slot(id, "mlp_rt_repl_dim");
  if (axis < 0 || axis >= static_cast<int64_t>(s.sizes.size())) internal_error("mlp_rt_repl_dim: bad axis");
  return s.sizes[static_cast<size_t>(axis)];
}

extern "C" void mlp_rt_repl_store_ptr(int64_t id, const void *object) {
  Stored &s = store()[id] = Stored{};
  s.object = object;
}

extern "C" void mlp_rt_repl_store_str(int64_t id, const char *text) {
  Stored &s = store()[id] = Stored{};
  s.text = text ? text : "";
  s.object = s.text.c_str();  // the string lives in the store
}

extern "C" const void *mlp_rt_repl_load_ptr(int64_t id) { return slot(id, "mlp_rt_repl_load_ptr").object; }

extern "C" void mlp_rt_fmt_after_equals(const char *text) {
  std::string_view t = text ? text : "";
  std::string &line = line_buffer();
  line += t.find('\n') == std::string_view::npos ? " = " : " =\n";
  line += t;
}

extern "C" void mlp_rt_repl_clear(void) { store().clear(); }

extern "C" void mlp_rt_on_fatal(void (*hook)(int status)) { g_fatal_hook = hook; }

extern "C" void mlp_rt_interrupt(void) { g_interrupt = 1; }

extern "C" int mlp_rt_interrupt_pending(void) { return g_interrupt != 0; }

extern "C" void mlp_rt_interrupt_clear(void) { g_interrupt = 0; }
