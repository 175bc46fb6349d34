#!/usr/bin/env bash
# Builds with AddressSanitizer and UndefinedBehaviorSanitizer (CMake option
# MLP_SANITIZE) into build-asan/ and runs tests on that build: every error
# either sanitizer finds fails its test. Programs `mlpc build` makes there
# are linked with the sanitizers too.
#
#   bash scripts/test-sanitized.sh            everything: compiler, runtime, all tests
#   bash scripts/test-sanitized.sh --runtime  the runtime and the tests that drive it
#                                             directly (no compiler): what CI runs
#
# LLVM's own libraries are not instrumented, so ASan's container checks
# (which need both sides instrumented) are off, and so is the leak check of
# the compiler process (LLVM keeps its singletons until exit);
# tests/e2e/leaks.test checks built programs for leaks instead. Further
# arguments go to lit.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime_only=false
if [ "${1:-}" = "--runtime" ]; then
  runtime_only=true
  shift
fi
bash scripts/setup.sh --with-references --packages-only >/dev/null
if [ ! -f build-asan/build.ninja ]; then
  CC=clang-19 CXX=clang++-19 cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=Release \
    -DMLP_SANITIZE=ON -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py >/dev/null
fi
export ASAN_OPTIONS=detect_leaks=0:detect_container_overflow=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
lit=(python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv)
if $runtime_only; then
  ninja -C build-asan mlprt-tests mlprt-pipeline-tests mlprt-fit-driver
  # The tests that run only the runtime's drivers (no mlpc, no fuzzer).
  tests=$(cd tests && grep -rL --include='*.test' -e mlpc -e mlp-opt -e fuzz . | sed 's|^\./||')
  filter=$(echo "$tests" | sed 's/[.]/[.]/g' | paste -sd'|')
  "${lit[@]}" build-asan/tests --filter "^mlpc :: ($filter)\$" "$@"
else
  ninja -C build-asan
  "${lit[@]}" build-asan/tests "$@"
fi
