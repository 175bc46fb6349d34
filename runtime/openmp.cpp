// The few libomp entry points that generated parallel loops call (an OpenMP
// worksharing loop, from scf-to-openmp and LLVM's OpenMPIRBuilder), run on
// the runtime's one thread pool: no libomp, and no second set of threads.
//
// The code they serve is fixed: each parallel region holds one statically
// scheduled loop and nothing after it. __kmpc_fork_call runs the region's
// outlined function once per team member, as a part of parallel_parts;
// __kmpc_for_static_init gives member t the t-th of `team` contiguous
// blocks of iterations; and the barrier that ends the loop has nothing to
// order before the region ends, so it returns at once (a pool thread may
// run several members one after the other, which a waiting barrier would
// hang). The team has a few members per thread: a thread that wakes late
// then finds work left instead of the caller doing it all.
#include "runtime/internal.h"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <type_traits>

using namespace mlp::rt;

namespace {

thread_local int32_t t_member = 0; // the team member this thread runs
thread_local int32_t t_team = 1;   // the size of its team

/// The outlined region: member and bound-thread ids, then its captures.
using Microtask = void (*)(int32_t *, int32_t *, ...);

// Calls into generated code, which UBSan's function check cannot read a
// signature in front of (see MLP_CALLS_JIT_CODE in codegen/Pipeline.h).
#if defined(__clang__)
#define MLP_CALLS_GENERATED_CODE [[clang::no_sanitize("function")]]
#else
#define MLP_CALLS_GENERATED_CODE
#endif

/// Runs the region for one member. The outlined function takes its
/// captures as plain pointer parameters, not as a variadic list: call it
/// through its own type.
MLP_CALLS_GENERATED_CODE void runMember(Microtask task, int32_t argc, void *const *args,
                                        int32_t member) {
  int32_t bound = 0;
  using P = int32_t *;
  using V = void *;
  switch (argc) {
  case 0: reinterpret_cast<void (*)(P, P)>(task)(&member, &bound); break;
  case 1: reinterpret_cast<void (*)(P, P, V)>(task)(&member, &bound, args[0]); break;
  case 2: reinterpret_cast<void (*)(P, P, V, V)>(task)(&member, &bound, args[0], args[1]); break;
  case 3:
    reinterpret_cast<void (*)(P, P, V, V, V)>(task)(&member, &bound, args[0], args[1], args[2]);
    break;
  default:
    reinterpret_cast<void (*)(P, P, V, V, V, V)>(task)(&member, &bound, args[0], args[1], args[2],
                                                       args[3]);
    break;
  }
}

/// Member `member`'s block of the iterations lower..upper (inclusive) by
/// `incr`: as libomp's static schedule without a chunk size, the first
/// (count % team) members one iteration more.
template <class T>
void staticBlock(int32_t *last, T *lower, T *upper, T *stride, T incr) {
  using S = std::make_signed_t<T>;
  int64_t count = S(incr) > 0 ? (S(*upper) - S(*lower)) / S(incr) + 1
                              : (S(*lower) - S(*upper)) / -S(incr) + 1;
  count = std::max<int64_t>(count, 0);
  int64_t team = t_team, member = t_member;
  int64_t base = count / team, extra = count % team;
  int64_t begin = member * base + std::min(member, extra);
  int64_t size = base + (member < extra ? 1 : 0);
  T first = *lower;
  *stride = T(count * S(incr));
  if (size == 0) {
    // No iterations: an empty range (upper one step before lower).
    *lower = T(S(first) + count * S(incr));
    *upper = T(S(*lower) - S(incr));
    if (last) *last = 0;
    return;
  }
  *lower = T(S(first) + begin * S(incr));
  *upper = T(S(*lower) + (size - 1) * S(incr));
  if (last) *last = begin + size == count;
}

} // namespace

extern "C" {

struct ident_t;

int32_t __kmpc_global_thread_num(ident_t *) { return t_member; }

void __kmpc_fork_call(ident_t *, int32_t argc, Microtask task, ...) {
  // OpenMPIRBuilder passes the captures as one struct pointer; allow a few.
  constexpr int kMaxArgs = 4;
  if (argc < 0 || argc > kMaxArgs)
    die("internal error: a parallel loop with " + std::to_string(argc) + " arguments", 1);
  void *args[kMaxArgs] = {};
  va_list list;
  va_start(list, task);
  for (int32_t i = 0; i < argc; ++i) args[i] = va_arg(list, void *);
  va_end(list);
  // Inside a kernel's part (or with one thread) the team is this thread.
  constexpr int kMembersPerThread = 4;
  int team = inside_parallel_part() || thread_count() == 1 ? 1 : thread_count() * kMembersPerThread;
  parallel_parts(team, [&](int part) {
    int32_t savedMember = t_member, savedTeam = t_team;
    t_member = part;
    t_team = team;
    runMember(task, argc, args, part);
    t_member = savedMember;
    t_team = savedTeam;
  });
}

void __kmpc_for_static_init_4(ident_t *, int32_t, int32_t, int32_t *last, int32_t *lower,
                              int32_t *upper, int32_t *stride, int32_t incr, int32_t) {
  staticBlock<int32_t>(last, lower, upper, stride, incr);
}
void __kmpc_for_static_init_4u(ident_t *, int32_t, int32_t, int32_t *last, uint32_t *lower,
                               uint32_t *upper, int32_t *stride, int32_t incr, int32_t) {
  staticBlock<uint32_t>(last, lower, upper, reinterpret_cast<uint32_t *>(stride), uint32_t(incr));
}
void __kmpc_for_static_init_8(ident_t *, int32_t, int32_t, int32_t *last, int64_t *lower,
                              int64_t *upper, int64_t *stride, int64_t incr, int64_t) {
  staticBlock<int64_t>(last, lower, upper, stride, incr);
}
void __kmpc_for_static_init_8u(ident_t *, int32_t, int32_t, int32_t *last, uint64_t *lower,
                               uint64_t *upper, int64_t *stride, int64_t incr, int64_t) {
  staticBlock<uint64_t>(last, lower, upper, reinterpret_cast<uint64_t *>(stride), uint64_t(incr));
}

void __kmpc_for_static_fini(ident_t *, int32_t) {}
void __kmpc_barrier(ident_t *, int32_t) {}

} // extern "C"
