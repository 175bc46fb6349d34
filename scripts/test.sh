#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite:
# lit + FileCheck tests of the dialect, passes and lowering, end-to-end .mlp
# programs and pipelines, diagnostics, the runtime's unit tests, and the
# comparisons with PyTorch and NumPy (whose Debian packages setup installs),
# then the runtime's own tests again on a build with ASan and UBSan.
# Ends with one line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-references
log=$(mktemp)
status=0
python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv build/tests 2>&1 | tee "$log" || status=$?
# The runtime once more, built with ASan + UBSan, under the tests that drive
# it directly (the whole suite on such a build: scripts/test-sanitized.sh).
bash scripts/test-sanitized.sh --runtime 2>&1 | tee -a "$log" || status=$?
# lit's summary lines: "  Passed: 97 (100.00%)", "  Failed: 1 (...)", ...
count() {
  grep -oE "^ *($1) *: *[0-9]+" "$log" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}'
}
passed=$(count 'Passed|Expectedly Failed' || true)
failed=$(count 'Failed|Unexpectedly Passed|Unresolved|Timed Out' || true)
skipped=$(count 'Unsupported|Skipped' || true)  # not Excluded: the sanitized run's filter
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit $status
