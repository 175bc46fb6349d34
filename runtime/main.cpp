/// \file main.cpp
/// Entry point of a standalone executable built by `mlpc build`: the compiled
/// program is `mlp_main`; the runtime wraps it with start-up and a final flush.
/// Kept out of the mlprt library so the JIT (`mlpc run`), which has its own
/// main, can link mlprt without a second one.

#include "runtime/mlp_runtime.h"

extern "C" void mlp_main(void);

int main(int argc, char **argv) {
  mlp_rt_init(argc, argv);
  mlp_main();
  mlp_rt_finish();
  return 0;
}
