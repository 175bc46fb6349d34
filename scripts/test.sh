#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite:
# lit + FileCheck tests of the dialect, passes and lowering, end-to-end .mlp
# programs, diagnostics, and the runtime's unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log=$(mktemp)
status=0
python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv build/tests 2>&1 | tee "$log" || status=$?
passed=$(grep -oE '^ *Passed *: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
failed=$(grep -oE '^ *Failed *: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
skipped=$(grep -oE '^ *(Unsupported|Skipped) *: *[0-9]+' "$log" | grep -oE '[0-9]+$' \
          | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit $status
