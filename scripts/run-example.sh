#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the flagship example:
# iris.mlp trains a classifier, prints test accuracy and a confusion matrix,
# and writes iris_loss.svg and iris.safetensors into the current directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec build/bin/mlpc run examples/iris.mlp "$@"
