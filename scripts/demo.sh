#!/usr/bin/env bash
# The main job on its embedded default: builds the compiler if needed,
# compiles the bundled TTT-Linear example (official form) ahead of time into
# a CPU artifact, and runs it with ttt-run on seeded random inputs
# (B=1, H=12, T=2048), printing time, tokens/s and peak memory.
#   scripts/demo.sh [GRAPH.mlir] [ttt-run options...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TTT_BUILD_DIR:-$ROOT/build}
"$ROOT/scripts/build.sh" >/dev/null
EXAMPLE=${1:-$ROOT/examples/ttt_linear_official.mlir}
shift || true
OUT=$BUILD/demo/$(basename "$EXAMPLE" .mlir)
echo "== ttt-compile $(basename "$EXAMPLE") -o $OUT"
"$BUILD/bin/ttt-compile" "$EXAMPLE" -o "$OUT"
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--random 0 --batch 1 --heads 12 --tokens 2048)
echo "== ttt-run $OUT.json ${ARGS[*]}"
"$BUILD/bin/ttt-run" "$OUT.json" "${ARGS[@]}"
