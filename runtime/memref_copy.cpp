/// \file memref_copy.cpp
/// `memrefCopy`: the one helper of MLIR's C runner utils that generated code
/// calls. MLIR lowers a copy between non-contiguous buffers (a column slice,
/// a concatenation along an inner axis) to this function; built programs do
/// not link MLIR's libmlir_c_runner_utils, so the runtime provides it.
#include "runtime/internal.h"

#include <cstring>
#include <vector>

namespace {

/// MLIR's C view of an unranked memref argument.
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// The ranked descriptor: {allocated, aligned, offset, sizes[rank], strides[rank]}.
struct Descriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t shapeAndStrides[1];  // sizes then strides, `rank` of each
};

} // namespace

extern "C" void memrefCopy(int64_t elemSize, UnrankedMemRef *srcArg,
                           UnrankedMemRef *dstArg) {
  int64_t rank = srcArg->rank;
  auto *src = static_cast<Descriptor *>(srcArg->descriptor);
  auto *dst = static_cast<Descriptor *>(dstArg->descriptor);
  const int64_t *sizes = src->shapeAndStrides;
  const int64_t *srcStrides = src->shapeAndStrides + rank;
  const int64_t *dstStrides = dst->shapeAndStrides + rank;
  char *from = src->aligned + src->offset * elemSize;
  char *to = dst->aligned + dst->offset * elemSize;
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] == 0)
      return;
  if (rank == 0) {
    memcpy(to, from, elemSize);
    return;
  }
  // Walk every index in row-major order like an odometer; the innermost
  // axis is copied element by element (or in one memcpy when contiguous).
  std::vector<int64_t> index(rank, 0);
  int64_t inner = sizes[rank - 1];
  bool contiguous = srcStrides[rank - 1] == 1 && dstStrides[rank - 1] == 1;
  while (true) {
    int64_t s = 0, t = 0;
    for (int64_t d = 0; d + 1 < rank; ++d) {
      s += index[d] * srcStrides[d];
      t += index[d] * dstStrides[d];
    }
    if (contiguous) {
      memcpy(to + t * elemSize, from + s * elemSize, inner * elemSize);
    } else {
      for (int64_t i = 0; i < inner; ++i)
        memcpy(to + (t + i * dstStrides[rank - 1]) * elemSize,
               from + (s + i * srcStrides[rank - 1]) * elemSize, elemSize);
    }
    int64_t d = rank - 2;
    while (d >= 0 && ++index[d] == sizes[d])
      index[d--] = 0;
    if (d < 0)
      return;
  }
}
