// Large f32 matrix products (matmul's operands past libxsmm's small-GEMM
// size), blocked for the caches as in GotoBLAS and BLIS, with libxsmm's
// kernels on the blocks. For each panel of B (kBlockDepth rows by up to
// kPanelBlocks blocks of columns):
//   all threads pack it into kBlockDepth x kBlockWidth blocks, once (Eigen,
//   split into a band per thread, packs all of B in each thread);
//   the threads take groups of A's block rows in turn, pack each group
//   into kBlockRows x kBlockDepth blocks, and add each block of A times
//   each block of the panel into C with one libxsmm kernel. (Taken in turn
//   rather than split in fixed bands: a thread slowed by another process
//   on its core takes fewer: on 2 threads under such load, this was the
//   faster in 4 of 5 interleaved pairs at 1024^3 and at 2048^3.)
// Packing also takes the transposes and the strides, and turns the
// power-of-two strides of 1024- or 2048-wide matrices, which map the rows
// of a block onto a few cache sets, into contiguous blocks. The packed
// copies take at most 4 MiB for B and 2 MiB a thread for A, whatever the
// operands' sizes.
// Measured on 2048^3 (1 thread): 110-139 GFLOP/s against Eigen's 75-112;
// libxsmm's kernel alone, on blocks in cache, runs at 171. Packing takes
// about 4% of the time.
#include "runtime/kernels.h"

#include <atomic>
#include <cstring>

namespace mlp::rt {

namespace {

// A block of A (64 x 512, 128 KiB) stays in L2 while it is multiplied by
// each block of B (512 x 64, 128 KiB), which the kernel reads from L2 once
// for each group of A's rows. Each block of C is read and written once per
// 512 of depth: with blocks 256 deep (128 rows of A, 64 KiB of B, in L1),
// C's traffic cost 2048^3 on 1 thread about 9% (139 against 127 GFLOP/s,
// better in 5 of 6 interleaved pairs, and in 6 of 6 on 2 threads).
constexpr int64_t kBlockDepth = 512, kBlockWidth = 64, kBlockRows = 64;
// Blocks of B a pass over a group of A's blocks multiplies: the chunk of B
// (1 MiB) and the 64 x 512 blocks of C it updates stay in L2 across the
// pass. (Also tried on 2048^3: chunks of 256 to 2048 columns, 2 MiB pages
// and prefetching the next block of C; all were within the machine's
// noise.)
constexpr int64_t kChunkBlocks = 8;
// A panel of B: 2048 columns (4 MiB packed, read from L3). A group of A's
// blocks a thread packs at a time: 1024 rows (2 MiB).
constexpr int64_t kPanelBlocks = 32, kGroupBlocks = 16;

int64_t blocks(int64_t n, int64_t size) { return (n + size - 1) / size; }

/// A rows x cols window of an operand cut into blockRows x blockCols
/// blocks, each contiguous (leading dimension blockCols), in row-major order
/// of blocks; the last row and column of blocks may be partly used.
struct Blocked {
  float *data;
  int64_t rows, cols, blockRows, blockCols;
  int64_t rowBlocks() const { return blocks(rows, blockRows); }
  int64_t colBlocks() const { return blocks(cols, blockCols); }
  float *block(int64_t rb, int64_t cb) const { return data + (rb * colBlocks() + cb) * blockRows * blockCols; }

  /// Part p of `parts` of packing the window of x at row r0, column c0. A
  /// row-major x is read row by row, in order (a block at a time would read
  /// a few lines of each row, one page apart on wide matrices); a
  /// transposed one a block at a time, through the transposing copy.
  void pack(const MatrixRef &x, int64_t r0, int64_t c0, int p, int parts) const {
    if (x.transposed) {
      for (int64_t q = p; q < rowBlocks() * colBlocks(); q += parts) {
        int64_t rb = q / colBlocks(), cb = q % colBlocks();
        int64_t i = r0 + rb * blockRows, j = c0 + cb * blockCols;
        transposeInto(x.data + j * x.ld + i, x.ld, block(rb, cb), blockCols,
                      std::min(blockCols, c0 + cols - j), std::min(blockRows, r0 + rows - i));
      }
      return;
    }
    for (int64_t i = rows * p / parts; i < rows * (p + 1) / parts; ++i)
      for (int64_t cb = 0; cb < colBlocks(); ++cb)
        std::memcpy(block(i / blockRows, cb) + i % blockRows * blockCols,
                    x.data + (r0 + i) * x.ld + c0 + cb * blockCols,
                    size_t(std::min(blockCols, cols - cb * blockCols)) * sizeof(float));
  }
};

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
  const int threads = thread_count();
  // The threads share C by rows of blocks where there are enough, else by
  // columns of the panel. Each element of C is summed by one thread, over
  // B's blocks of depth in order, so results do not depend on the thread
  // count or on which thread took which rows.
  const bool byRows = rowBlocks >= threads || rowBlocks >= colBlocks;
  // Kept from call to call (a program's products repeat their shapes). A
  // thread_local is the running thread's own inside the lambdas below,
  // which reach the caller's panel through `panel`.
  thread_local std::vector<float> panelBuffer;
  panelBuffer.resize(size_t(kBlockDepth * std::min(colBlocks, kPanelBlocks) * kBlockWidth));
  float *panel = panelBuffer.data();
  for (int64_t jp = 0; jp < colBlocks; jp += kPanelBlocks) {
    const int64_t panelEnd = std::min(colBlocks, jp + kPanelBlocks);
    for (int64_t kb = 0; kb < depthBlocks; ++kb) {
      const int64_t k0 = kb * kBlockDepth, depth = std::min(kBlockDepth, k - k0);
      const Blocked B{panel, depth, std::min(n, panelEnd * kBlockWidth) - jp * kBlockWidth, kBlockDepth,
                      kBlockWidth};
      parallel_parts(threads, [&](int p) { B.pack(b, k0, jp * kBlockWidth, p, threads); });
      const int64_t extent = byRows ? rowBlocks : panelEnd - jp;
      const int parts = static_cast<int>(std::min<int64_t>(threads, extent));
      std::atomic<int64_t> nextRow{0};
      parallel_parts(parts, [&](int p) {
        thread_local std::vector<float> groupBuffer;
        groupBuffer.resize(size_t(kGroupBlocks * kBlockRows * kBlockDepth));
        // Block rows [g, gEnd) of A times the panel's blocks [jb0, jb1).
        auto multiply = [&](int64_t g, int64_t gEnd, int64_t jb0, int64_t jb1) {
          const Blocked A{groupBuffer.data(), std::min(m, gEnd * kBlockRows) - g * kBlockRows, depth,
                          kBlockRows, kBlockDepth};
          A.pack(a, g * kBlockRows, k0, 0, 1);
          for (int64_t chunk = jb0; chunk < jb1; chunk += kChunkBlocks)
            for (int64_t ib = g; ib < gEnd; ++ib)
              for (int64_t jb = chunk; jb < std::min(jb1, chunk + kChunkBlocks); ++jb) {
                auto kernel = kernels.fn[ib == rowBlocks - 1][jb == colBlocks - 1][kb == depthBlocks - 1][kb > 0];
                kernel(B.block(0, jb - jp), A.block(ib - g, 0), c + ib * kBlockRows * ldc + jb * kBlockWidth);
              }
        };
        if (byRows) {
          // Groups of block rows taken in turn, about four a thread: a
          // thread slowed by another process on its core takes fewer. (One
          // thread takes them whole: each chunk of B then serves more rows
          // from L2.)
          const int64_t size =
              threads == 1 ? kGroupBlocks : std::clamp<int64_t>(rowBlocks / (4 * threads), 1, kGroupBlocks);
          for (int64_t g; (g = nextRow.fetch_add(size, std::memory_order_relaxed)) < rowBlocks;)
            multiply(g, std::min(rowBlocks, g + size), jp, panelEnd);
        } else {
          const int64_t jb0 = jp + extent * p / parts, jb1 = jp + extent * (p + 1) / parts;
          for (int64_t g = 0; g < rowBlocks; g += kGroupBlocks)
            multiply(g, std::min(rowBlocks, g + kGroupBlocks), jb0, jb1);
        }
      });
    }
  }
  return true;
}

} // namespace mlp::rt
