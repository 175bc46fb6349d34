/// \file memory.cpp
/// Where generated code gets and returns its buffers. The memref lowering is
/// told to call these (useGenericFunctions) instead of malloc and free, so a
/// tensor too large for memory is one clear error naming its size, not a
/// crash on a null pointer.
#include "runtime/internal.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace mlp::rt {

[[noreturn]] void out_of_memory(const char *what, size_t bytes) {
  char size[32];
  double gb = static_cast<double>(bytes) / 1e9;
  if (gb >= 0.1) std::snprintf(size, sizeof size, "%.1f GB", gb);
  else std::snprintf(size, sizeof size, "%.1f MB", static_cast<double>(bytes) / 1e6);
  die(std::string("out of memory: cannot allocate ") + what + " of " + size + " (" + std::to_string(bytes) +
          " bytes)",
      1);
}

} // namespace mlp::rt

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  // aligned_alloc wants a multiple of the alignment.
  size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void *p = std::aligned_alloc(alignment, rounded);
  if (!p && bytes) mlp::rt::out_of_memory("a tensor", bytes);
  return p;
}

/// A buffer of 4 KiB or more starts on a cache line. malloc's blocks are
/// only 16-byte aligned, and then most 64-byte vector loads of a weight
/// matrix straddle two lines: a GEMV over such a matrix ran 1.7x slower than
/// over an aligned copy. Smaller buffers keep malloc, as aligned_alloc costs
/// 8x as much (about 110 ns against 14 ns an allocation), which a batch-1
/// forward pass, with a few small buffers per layer, would feel.
extern "C" void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  if (bytes >= 4096) return _mlir_memref_to_llvm_aligned_alloc(64, bytes);
  void *p = std::malloc(bytes);
  if (!p && bytes) mlp::rt::out_of_memory("a tensor", bytes);
  return p;
}

extern "C" void _mlir_memref_to_llvm_free(void *p) { std::free(p); }
