// The runtime's one thread pool: the kernels split their work into parts and
// run them here, the calling thread included. Parts are handed out in order
// to whichever thread is free, so a caller that needs bit-identical results
// gives each part its own output and combines them in part order.
#include "runtime/internal.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <sched.h>

namespace mlp::rt {
namespace {

// Set on the pool's workers and on a caller while it runs parts: a kernel
// called from inside a part runs serially instead of splitting again.
thread_local bool t_inside_part = false;

struct Pool {
  std::mutex mutex;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  // The current job; written under the lock before `generation` changes.
  const std::function<void(int)> *job = nullptr;
  int parts = 0;
  std::atomic<int> next{0};
  // Changed under the lock; read without it only to spin on.
  std::atomic<int> unfinished{0}; // parts not yet done
  std::atomic<int> busy{0};       // workers inside the current job
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> stopping{false};

  /// Spins while `pending()` holds, for at most about 100 microseconds.
  template <class F>
  static void spinWhile(F pending) {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
    for (int i = 0; pending(); ++i) {
      __builtin_ia32_pause();
      if (i % 64 == 63 && std::chrono::steady_clock::now() > until) return;
    }
  }

  /// Runs parts until none is left; the lock is not held.
  void runParts() {
    for (int i; (i = next.fetch_add(1)) < parts;) {
      (*job)(i);
      std::lock_guard<std::mutex> lock(mutex);
      if (--unfinished == 0) done.notify_all();
    }
  }

  void work() {
    t_inside_part = true;
    std::unique_lock<std::mutex> lock(mutex);
    uint64_t seen = generation;
    for (;;) {
      // Kernel calls come in quick succession (a training step makes
      // several): spin a while before sleeping, as waking a sleeping thread
      // costs more than a small matmul.
      lock.unlock();
      spinWhile([&] { return generation.load(std::memory_order_acquire) == seen && !stopping; });
      lock.lock();
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping) return;
      seen = generation;
      ++busy;
      lock.unlock();
      runParts();
      lock.lock();
      if (--busy == 0) done.notify_all();
    }
  }

  void resize(int threads) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (std::thread &t : workers) t.join();
    workers.clear();
    stopping = false;
    for (int i = 1; i < threads; ++i) workers.emplace_back([this] { work(); });
  }
};

// Never destroyed: worker threads must not be torn down by static
// destructors while the program exits.
Pool &pool() {
  static Pool *p = new Pool;
  return *p;
}

int g_threads = 1;

} // namespace

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

int thread_count() { return g_threads; }

bool inside_parallel_part() { return t_inside_part; }

void set_thread_count(int threads) {
  threads = std::max(1, threads);
  if (threads == g_threads) return;
  pool().resize(threads);
  g_threads = threads;
}

void parallel_parts(int parts, const std::function<void(int)> &part) {
  check_interrupt();
  // One thread, one part, or a part that splits again: run them in order here.
  if (g_threads == 1 || parts <= 1 || t_inside_part) {
    for (int i = 0; i < parts; ++i) part(i);
    return;
  }
  Pool &p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.job = &part;
    p.parts = parts;
    p.next = 0;
    p.unfinished = parts;
    ++p.generation;
  }
  p.wake.notify_all();
  t_inside_part = true;
  p.runParts();
  t_inside_part = false;
  // Wait for the parts and for every worker to leave the job, so none is
  // still reading `job` when the next one starts.
  Pool::spinWhile([&] { return p.unfinished != 0 || p.busy != 0; });
  std::unique_lock<std::mutex> lock(p.mutex);
  p.done.wait(lock, [&] { return p.unfinished == 0 && p.busy == 0; });
}

} // namespace mlp::rt
