#!/usr/bin/env bash
# Sets up mlpc and the reference (PyTorch on OpenBLAS, see bench/run.py),
# then runs every benchmark and prints the tables. Extra arguments go to
# bench/run.py (e.g. --only sgemm); bench/fit_vs_sklearn.py follows.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-references
# The OpenBLAS build PyTorch then uses (through libblas.so.3), and the
# /usr/bin/time that measures peak memory.
missing=()
for p in libopenblas0-pthread time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
/usr/bin/python3 bench/run.py "$@"
echo
# fit's estimators against scikit-learn (python3-sklearn, from --with-references).
exec /usr/bin/python3 bench/fit_vs_sklearn.py
