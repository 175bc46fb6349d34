/// \file memory.cpp
/// Where generated code gets and returns its buffers. The memref lowering is
/// told to call these (useGenericFunctions) instead of malloc and free, so a
/// tensor too large for memory is one clear error naming its size, not a
/// crash on a null pointer.
#include "runtime/internal.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/mman.h>

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

namespace {

// Generated code gets every buffer from these functions and gives it back
// to _mlir_memref_to_llvm_free. A training step allocates the same buffers
// as the step before (activations, gradients, a batch), so a freed buffer
// is kept, by size, for the next request of that size: in the steady state
// a step reuses the last step's buffers and calls neither malloc nor the
// kernel (glibc hands blocks of 128 KiB and more back to the kernel on
// free, and each reuse then page-faulted them in again).
//
// Each block starts with a 64-byte header, so the buffer after it stays on
// a cache line: a GEMV over a weight matrix 16 bytes off a line ran 1.7x
// slower than over an aligned copy. The header holds the block's size, 0
// for a block never kept (over-aligned, or too large), and the offset from
// the block's start to the buffer.
constexpr size_t kLine = 64;
// Blocks of kHugeFrom and more are whole 2 MiB pages, asked to be
// transparent huge pages (Linux's THP, on request: "madvise"). On 4 KiB
// pages, one sample through a dense layer missed the TLB at each page of
// its 800 KB of weights: the MLP's layers at batch 1 took 8.3 us a call
// against 6.6 us on huge pages. The rounding costs at most 1.5 MiB a block,
// paid by few blocks (weights, their gradients and moments, big batches).
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeFrom = size_t(512) << 10;
constexpr size_t kLargestKept = size_t(64) << 20;        // bigger ones go back at once
[[maybe_unused]] constexpr size_t kMostKeptPerThread = size_t(256) << 20; // beyond it, free at once (unused under ASan)

// AddressSanitizer finds a use after free only if the block is really freed.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLP_NO_BUFFER_REUSE 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MLP_NO_BUFFER_REUSE 1
#endif

struct Header {
  size_t size;   // the rounded size the block serves, 0 if never kept
  size_t offset; // from the block's start to the buffer
};

/// This thread's freed buffers by size. Buffers freed on another thread
/// than the one that allocated them just move to that thread's lists.
struct FreeBlocks {
  std::unordered_map<size_t, std::vector<void *>> bySize;
  size_t bytes = 0;
  ~FreeBlocks();
};
thread_local FreeBlocks t_free;
// Set once the thread's lists are gone (at its exit): a buffer freed after
// that, by a later destructor, goes straight back to malloc.
thread_local bool t_freeGone = false;

Header *headerOf(void *p) { return static_cast<Header *>(p) - 1; }

/// Hands a buffer's whole block back to malloc.
void release(void *p) { std::free(static_cast<char *>(p) - headerOf(p)->offset); }

FreeBlocks::~FreeBlocks() {
  t_freeGone = true;
  for (auto &entry : bySize)
    for (void *p : entry.second) release(p);
}

void *newBlock(size_t alignment, size_t size, size_t kept, size_t bytes) {
  // The header takes the first `alignment` bytes (at least its own size).
  size_t offset = std::max(alignment, sizeof(Header));
  size_t total = (offset + size + alignment - 1) / alignment * alignment;
  const bool huge = total >= kHugeFrom && alignment <= kHugePage;
  if (huge) total = (total + kHugePage - 1) / kHugePage * kHugePage;
  void *block = std::aligned_alloc(huge ? kHugePage : alignment, total);
  if (!block) mlp::rt::out_of_memory("a tensor", bytes);
  // Only advice: without THP the block stays on small pages.
  if (huge) madvise(block, total, MADV_HUGEPAGE);
  void *p = static_cast<char *>(block) + offset;
  *headerOf(p) = {kept, offset};
  return p;
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  // No machine has half the address space; the rounding below must not wrap.
  if (bytes > (SIZE_MAX >> 1)) mlp::rt::out_of_memory("a tensor", bytes);
  if (alignment <= kLine) {
    size_t size = std::max<size_t>(kLine, (bytes + kLine - 1) / kLine * kLine);
#ifndef MLP_NO_BUFFER_REUSE
    if (size <= kLargestKept && !t_freeGone) {
      auto found = t_free.bySize.find(size);
      if (found != t_free.bySize.end() && !found->second.empty()) {
        void *p = found->second.back();
        found->second.pop_back();
        t_free.bytes -= size;
        return p;
      }
    }
#endif
    return newBlock(kLine, size, size <= kLargestKept ? size : 0, bytes);
  }
  return newBlock(alignment, std::max<size_t>(bytes, 1), 0, bytes);
}

extern "C" void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  return _mlir_memref_to_llvm_aligned_alloc(kLine, bytes);
}

extern "C" void _mlir_memref_to_llvm_free(void *p) {
  if (!p) return;
#ifndef MLP_NO_BUFFER_REUSE
  size_t size = headerOf(p)->size;
  if (size != 0 && !t_freeGone && t_free.bytes + size <= kMostKeptPerThread) {
    t_free.bySize[size].push_back(p);
    t_free.bytes += size;
    return;
  }
#endif
  release(p);
}
