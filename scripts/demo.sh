#!/usr/bin/env bash
# The main job on its embedded default: builds the compiler if needed, then
# compiles the bundled TTT-Linear example (official form) through the
# pipeline that exists and prints what it produced.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TTT_BUILD_DIR:-$ROOT/build}
"$ROOT/scripts/build.sh" >/dev/null
EXAMPLE=${1:-$ROOT/examples/ttt_linear_official.mlir}
PIPELINE=${TTT_PIPELINE:---ttt-to-linalg}
echo "== ttt-opt $PIPELINE $(basename "$EXAMPLE")"
"$BUILD/bin/ttt-opt" $PIPELINE "$EXAMPLE"
