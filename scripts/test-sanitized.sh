#!/usr/bin/env bash
# Builds mlpc, its runtime and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (CMake option MLP_SANITIZE) into build-asan/,
# then runs the test suite on that build: every error either sanitizer finds
# fails its test. Programs `mlpc build` makes are linked with the sanitizers
# too. LLVM's own libraries are not instrumented, so ASan's container checks
# (which need both sides instrumented) are off, and so is the leak check of
# the compiler process (LLVM keeps its singletons until exit);
# tests/e2e/leaks.test checks built programs for leaks instead.
# Pass lit options after the script's name, e.g. --filter runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-references --packages-only >/dev/null
cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DMLP_SANITIZE=ON \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
ninja -C build-asan
export ASAN_OPTIONS=detect_leaks=0:detect_container_overflow=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
python3 /usr/lib/llvm-19/build/utils/lit/lit.py build-asan/tests -sv "$@"
