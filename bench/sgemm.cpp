// sgemm through the runtime kernel that generated code calls for matmul:
//   mlp-bench-sgemm N THREADS  ->  prints "<GFLOP/s>" for C = A * B, all N x N,
// the best of several timed runs after a warm-up (as bench/run.py times
// PyTorch's torch.mm).
#include "runtime/mlp_runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

/// An identity-layout rank-2 memref descriptor: {allocated, aligned, offset, sizes, strides}.
struct Descriptor {
  int64_t words[7];
  Descriptor(float *data, int64_t rows, int64_t cols)
      : words{reinterpret_cast<intptr_t>(data), reinterpret_cast<intptr_t>(data), 0, rows, cols, cols, 1} {}
};

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s N THREADS\n", argv[0]);
    return 2;
  }
  int64_t n = std::atoll(argv[1]);
  std::string threads = argv[2];
  const char *flags[] = {"mlp-bench-sgemm", "--threads", threads.c_str()};
  mlp_rt_init(3, const_cast<char **>(flags));
  mlp_rt_params_parse();

  std::vector<float> a(n * n), b(n * n), c(n * n);
  for (int64_t i = 0; i < n * n; ++i) {
    a[i] = static_cast<float>(i % 7) * 0.25f - 0.5f;
    b[i] = static_cast<float>(i % 5) * 0.5f - 1.0f;
  }
  Descriptor A(a.data(), n, n), B(b.data(), n, n), C(c.data(), n, n);
  auto once = [&] { mlp_rt_matmul_f32(0, 2, A.words, 2, B.words, 2, C.words); };
  once();
  double best = 1e30;
  int runs = n <= 1024 ? 20 : 5;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    once();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("%.1f\n", 2.0 * n * n * n / best / 1e9);
  return 0;
}
