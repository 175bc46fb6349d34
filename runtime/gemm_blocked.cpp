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
// Measured on 2048^3 (1 thread): 110-134 GFLOP/s against Eigen's 75-112;
// libxsmm's kernel alone, on blocks in cache, runs at 171.
#include "runtime/kernels.h"

#include <cstring>

namespace mlp::rt {

namespace {

// A block of A (128 x 256, 128 KiB) stays in L2 while it is multiplied by
// each block of B (256 x 64, 64 KiB), which the kernel reads once for each
// group of A's rows.
constexpr int64_t kBlockDepth = 256, kBlockWidth = 64, kBlockRows = 128;
// Blocks of B a pass over A's blocks multiplies: the chunk of B (512 KiB)
// and the 128 x 512 block of C it updates (256 KiB) stay in L2 across the
// pass. (Tried on 2048^3: chunks of 256 to 2048 columns, blocks of A of 64
// to 256 rows and 128 to 512 deep, and A packed once for all chunks, were
// within the machine's noise of this.)
constexpr int64_t kChunkBlocks = 8;

int64_t blocks(int64_t n, int64_t size) { return (n + size - 1) / size; }

/// Rows [r0, r0 + rows) and columns [c0, c0 + cols) of x into `out`
/// (rows x cols, leading dimension ldo).
void packBlock(const MatrixRef &x, int64_t r0, int64_t c0, int64_t rows, int64_t cols, float *out,
               int64_t ldo) {
  if (x.transposed)
    transposeInto(x.data + c0 * x.ld + r0, x.ld, out, ldo, cols, rows);
  else
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(out + r * ldo, x.data + (r0 + r) * x.ld + c0, size_t(cols) * sizeof(float));
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
      packBlock(b, kb * kBlockDepth, jb * kBlockWidth, std::min(kBlockDepth, k - kb * kBlockDepth),
                std::min(kBlockWidth, n - jb * kBlockWidth), blockOfB(kb, jb), kBlockWidth);
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
          packBlock(a, i0, k0, rows, depth, packedA.data(), kBlockDepth);
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
