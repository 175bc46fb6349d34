// The runtime's one thread pool: the kernels split their work into parts and
// run them here, the calling thread included. The caller runs part 0 and the
// rest are handed out in order to whichever thread is free, so a caller that
// needs bit-identical results gives each part its own output and combines
// them in part order.
#include "runtime/internal.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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

/// Spins while `pending()` holds, for at most about 100 microseconds;
/// returns whether it still holds.
template <class F>
bool spinWhile(F pending) {
  auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
  for (int i = 0; pending(); ++i) {
    __builtin_ia32_pause();
    if (i % 64 == 63 && std::chrono::steady_clock::now() > until) return pending();
  }
  return false;
}

/// A job's ticket: its generation, its number of parts and the next part to
/// claim, in one word, so that claiming a part (one compare-exchange) also
/// checks that the job is still the one the thread saw. A thread that comes
/// late to a finished job cannot take a part of the next.
struct Ticket {
  uint64_t word;
  uint32_t generation() const { return static_cast<uint32_t>(word >> 32); }
  int parts() const { return static_cast<int>((word >> 16) & 0xffff); }
  int next() const { return static_cast<int>(word & 0xffff); }
  static Ticket make(uint32_t generation, int parts) {
    return {uint64_t(generation) << 32 | uint64_t(parts) << 16};
  }
};
constexpr int kMaxParts = 0xffff;
const auto kNoJob = [](int) {};

// The handoff is lock-free while the threads spin (kernel calls come in
// quick succession, a few per training step, and one handoff then costs a
// few cache-line transfers); the mutex is taken only to sleep and to wake a
// sleeper. Each side announces that it sleeps (sleepers, callerWaits) before
// it checks the state once more under the mutex, and the other side reads
// that announcement after it changed the state: sequentially consistent
// atomics make at least one of the two see the other.
struct Pool {
  // The job sits on the ticket's line, so that a worker that sees the
  // ticket has the job too: one line crosses cores, not a chain of them.
  // It needs no atomic: the caller writes it before the ticket that
  // announces it, a worker reads it only after claiming a part of that
  // ticket, and the next job waits for every part to finish.
  alignas(64) std::atomic<uint64_t> ticket{0};
  PartFn job{kNoJob};

  alignas(64) std::atomic<int> finished{0}; // parts done in the current job
  alignas(64) std::atomic<int> sleepers{0};
  std::atomic<bool> callerWaits{false};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  uint32_t generation = 0; // the caller's count of jobs

  /// Claims and runs parts of job `jobGeneration` until none is left.
  void runParts(uint32_t jobGeneration) {
    for (;;) {
      Ticket t{ticket.load(std::memory_order_acquire)};
      do {
        if (t.generation() != jobGeneration || t.next() >= t.parts()) return;
      } while (!ticket.compare_exchange_weak(t.word, t.word + 1, std::memory_order_acq_rel));
      job(t.next());
      if (finished.fetch_add(1) + 1 == t.parts() && callerWaits.load()) {
        std::lock_guard<std::mutex> lock(mutex);
        done.notify_all();
      }
    }
  }

  void work() {
    t_inside_part = true;
    flush_subnormals();
    uint32_t seen = Ticket{ticket.load()}.generation();
    auto sameJob = [&] { return Ticket{ticket.load(std::memory_order_acquire)}.generation() == seen; };
    for (;;) {
      if (spinWhile([&] { return sameJob() && !stopping; })) {
        std::unique_lock<std::mutex> lock(mutex);
        ++sleepers;
        wake.wait(lock, [&] { return stopping || !sameJob(); });
        --sleepers;
      }
      if (stopping) return;
      seen = Ticket{ticket.load(std::memory_order_acquire)}.generation();
      runParts(seen);
    }
  }

  /// Runs `parts` parts of `part` on the workers and the calling thread.
  void run(int parts, const PartFn &part) {
    finished.store(0, std::memory_order_relaxed);
    job = part;
    // The caller takes part 0 and the workers start at part 1, so that with
    // one part per thread each thread gets the same part every time: the
    // data a part reads stays in its core's cache from call to call.
    ticket.store(Ticket::make(++generation, parts).word + 1);
    if (sleepers.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex);
      wake.notify_all();
    }
    t_inside_part = true;
    part(0);
    // Where the other parts are done already, the caller returns without
    // reading the ticket (a worker's claim took its line away).
    const bool allDone = finished.fetch_add(1, std::memory_order_acq_rel) + 1 == parts;
    if (!allDone) runParts(generation);
    t_inside_part = false;
    if (allDone) return;
    if (!spinWhile([&] { return finished.load(std::memory_order_acquire) != parts; })) return;
    std::unique_lock<std::mutex> lock(mutex);
    callerWaits = true;
    done.wait(lock, [&] { return finished.load() == parts; });
    callerWaits = false;
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

void parallel_parts(int parts, PartFn part) {
  check_interrupt();
  // One thread, one part, or a part that splits again: run them in order here.
  if (g_threads == 1 || parts <= 1 || t_inside_part) {
    for (int i = 0; i < parts; ++i) part(i);
    return;
  }
  // Larger part counts run in rounds of kMaxParts.
  for (int first = 0; first < parts; first += kMaxParts) {
    int count = std::min(kMaxParts, parts - first);
    if (first == 0 && count == parts) pool().run(parts, part);
    else pool().run(count, [&](int i) { part(first + i); });
  }
}

} // namespace mlp::rt
