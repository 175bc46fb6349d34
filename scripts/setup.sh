#!/usr/bin/env bash
# Installs what is missing (Debian packages), then configures and builds mlpc
# into build/. Safe to run again: it only does what is left to do.
# --with-references also installs what the test suite needs beyond the
# compiler: the reference libraries the comparison tests run against
# (Debian's python3-numpy, python3-torch and python3-pandas) and clang's
# libFuzzer runtime for the fuzz targets (libclang-rt-19-dev).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build ccache clang-19 g++ python3
          libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
          libantlr4-runtime-dev antlr4 libeigen3-dev libfmt-dev
          zlib1g-dev libzstd-dev nlohmann-json3-dev libedit-dev dataset-fashion-mnist
          libxsmm-dev  # small-GEMM kernels generated for the CPU (runtime/kernels.cpp)
          librsvg2-2)  # plots to .png (loaded when one is written; the tests write them)
if [ "${1:-}" = "--with-references" ]; then
  packages+=(python3-numpy python3-torch python3-pandas python3-sklearn libclang-rt-19-dev
             tmux)  # the REPL's terminal tests
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The TextMate grammar's check (tests/parser/tmgrammar.test) tokenizes the
# examples with VS Code's own tokenizer, from the npm registry.
if [ "${1:-}" = "--with-references" ] && [ ! -d lang/tests/node_modules/vscode-textmate ]; then
  if ! command -v npm >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
  fi
  (cd lang/tests && npm install --no-save --no-audit --no-fund vscode-textmate vscode-oniguruma >/dev/null 2>&1) \
    || echo "setup: npm install of vscode-textmate failed; tests/parser/tmgrammar.test will be skipped"
fi

# --packages-only (after --with-references, if given): stop here, build nothing.
[ "${2:-${1:-}}" = "--packages-only" ] && exit 0

if [ ! -f build/build.ninja ]; then
  CC=clang-19 CXX=clang++-19 cmake -G Ninja -B build -DCMAKE_BUILD_TYPE=Release \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py >/dev/null
fi
ninja -C build
