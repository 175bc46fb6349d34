#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the flagship example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec build/bin/mlpc run examples/custom_loss.mlp "$@"
