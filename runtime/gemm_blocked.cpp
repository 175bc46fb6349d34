// Large f32 matrix products (matmul's operands past libxsmm's small-GEMM
// size), blocked for the caches as in GotoBLAS and BLIS, with libxsmm's
// kernels on the blocks:
//   B is packed once into kBlockDepth x kBlockWidth blocks that every thread
//   reads (Eigen, split into a band per thread, packs all of B in each);
//   each thread packs its own kBlockRows x kBlockDepth blocks of A;
//   one libxsmm kernel then adds a block of A times a block of B into C.
// Packing also takes the transposes and the strides, and turns the
// power-of-two strides of 1024- or 2048-wide matrices, which map the rows
// of a block onto a few cache sets, into contiguous blocks.
// Measured on 2048^3 (1 thread): 110-134 GFLOP/s against Eigen's 75-112.
#include "runtime/kernels.h"

#include <cstring>
#include <xmmintrin.h>

namespace mlp::rt {

namespace {

// A block of B (256 x 64, 64 KiB) and of A (128 x 256, 128 KiB) stay in the
// L2 cache with the kBlockWidth x kChunkWidth block of C they update: the
// A block is read from it for each block of B, each block of B from L1/L2
// for each group of A's rows in the kernel.
constexpr int64_t kBlockDepth = 256, kBlockWidth = 64, kBlockRows = 128;
// Columns of C one pass over A's blocks updates: a chunk of B's blocks
// (512 KiB) and the chunk of C (256 KiB a block of rows) stay in L2 across
// the chunk's kernels.
constexpr int64_t kChunkBlocks = 8;

int64_t blocks(int64_t n, int64_t size) { return (n + size - 1) / size; }

/// The rows [i0, i0 + rows) and columns [k0, k0 + depth) of A into `out`
/// (rows x depth, leading dimension kBlockDepth).
void packA(const MatrixRef &a, int64_t i0, int64_t k0, int64_t rows, int64_t depth, float *out) {
  if (a.transposed)
    transposeInto(a.data + k0 * a.ld + i0, a.ld, out, kBlockDepth, depth, rows);
  else
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(out + r * kBlockDepth, a.data + (i0 + r) * a.ld + k0, size_t(depth) * sizeof(float));
}

/// The rows [k0, k0 + depth) and columns [j0, j0 + width) of B into `out`
/// (depth x width, leading dimension kBlockWidth).
void packB(const MatrixRef &b, int64_t k0, int64_t j0, int64_t depth, int64_t width, float *out) {
  if (b.transposed)
    transposeInto(b.data + j0 * b.ld + k0, b.ld, out, kBlockWidth, width, depth);
  else
    for (int64_t r = 0; r < depth; ++r)
      std::memcpy(out + r * kBlockWidth, b.data + (k0 + r) * b.ld + j0, size_t(width) * sizeof(float));
}

/// The kernels a product needs: a block's rows, width and depth are each
/// full, or the remainder in the last block (full when it divides), and the
/// first block of depth writes C (beta 0) where the others add to it.
struct Kernels {
  libxsmm_smmfunction fn[2][2][2][2] = {}; // [last rows][last width][last depth][adds]

  bool generate(int64_t m, int64_t n, int64_t k, int64_t ldc) {
    const int64_t rows[2] = {kBlockRows, (m - 1) % kBlockRows + 1};
    const int64_t width[2] = {kBlockWidth, (n - 1) % kBlockWidth + 1};
    const int64_t depth[2] = {kBlockDepth, (k - 1) % kBlockDepth + 1};
    for (int r = 0; r < 2; ++r)
      for (int w = 0; w < 2; ++w)
        for (int d = 0; d < 2; ++d)
          for (int add = 0; add < 2; ++add) {
            fn[r][w][d][add] = smallGemm(rows[r], width[w], depth[d], kBlockDepth, kBlockWidth, ldc,
                                         false, add ? 1.0f : 0.0f);
            if (!fn[r][w][d][add]) return false;
          }
    return true;
  }
};

} // namespace

bool blockedSgemm(const MatrixRef &a, const MatrixRef &b, float *c, int64_t ldc, int64_t m, int64_t n,
                  int64_t k) {
  Kernels kernels;
  if (!kernels.generate(m, n, k, ldc)) return false;
  const int64_t rowBlocks = blocks(m, kBlockRows), colBlocks = blocks(n, kBlockWidth),
                depthBlocks = blocks(k, kBlockDepth);
  // Kept from call to call: a program's products repeat their shapes.
  // (A thread_local is the running thread's own inside the lambdas below:
  // they reach the caller's through `packed`.)
  thread_local std::vector<float> packedB;
  packedB.resize(size_t(depthBlocks * colBlocks * kBlockDepth * kBlockWidth));
  float *packed = packedB.data();
  auto blockOfB = [&](int64_t kb, int64_t jb) {
    return packed + (kb * colBlocks + jb) * kBlockDepth * kBlockWidth;
  };
  const int threads = thread_count();
  // Every thread packs a share of B's blocks, then computes its share of C:
  // bands of whole rows of blocks where there are enough, else bands of
  // columns. Each element of C is summed by one thread in a fixed order,
  // so results do not depend on the thread count.
  const bool byRows = rowBlocks >= threads || rowBlocks >= colBlocks;
  const int parts = static_cast<int>(std::min<int64_t>(threads, byRows ? rowBlocks : colBlocks));
  parallel_parts(threads, [&](int p) {
    for (int64_t q = p; q < depthBlocks * colBlocks; q += threads) {
      int64_t kb = q / colBlocks, jb = q % colBlocks;
      packB(b, kb * kBlockDepth, jb * kBlockWidth, std::min(kBlockDepth, k - kb * kBlockDepth),
            std::min(kBlockWidth, n - jb * kBlockWidth), blockOfB(kb, jb));
    }
  });
  parallel_parts(parts, [&](int p) {
    int64_t extent = byRows ? rowBlocks : colBlocks;
    int64_t begin = extent * p / parts, end = extent * (p + 1) / parts;
    int64_t ib0 = byRows ? begin : 0, ib1 = byRows ? end : rowBlocks;
    int64_t jb0 = byRows ? 0 : begin, jb1 = byRows ? colBlocks : end;
    thread_local std::vector<float> packedA;
    packedA.resize(size_t(kBlockRows * kBlockDepth));
    for (int64_t chunk = jb0; chunk < jb1; chunk += kChunkBlocks)
      for (int64_t kb = 0; kb < depthBlocks; ++kb) {
        int64_t k0 = kb * kBlockDepth, depth = std::min(kBlockDepth, k - k0);
        for (int64_t ib = ib0; ib < ib1; ++ib) {
          int64_t i0 = ib * kBlockRows, rows = std::min(kBlockRows, m - i0);
          packA(a, i0, k0, rows, depth, packedA.data());
          for (int64_t jb = chunk; jb < std::min(jb1, chunk + kChunkBlocks); ++jb) {
            auto kernel = kernels.fn[ib == rowBlocks - 1][jb == colBlocks - 1][kb == depthBlocks - 1][kb > 0];
            kernel(blockOfB(kb, jb), packedA.data(), c + i0 * ldc + jb * kBlockWidth);
          }
        }
      }
  });
  return true;
}

} // namespace mlp::rt
