#!/usr/bin/env bash
# Configures and builds ttt-compiler into build/ (or $TTT_BUILD_DIR).
# Extra arguments go to cmake, e.g. -DTTT_ENABLE_SANITIZERS=ON.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TTT_BUILD_DIR:-$ROOT/build}
"$ROOT/scripts/install-deps.sh"
if [ ! -f "$BUILD/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DPython3_EXECUTABLE="$(command -v "${PYTHON:-python3}")" "$@"
fi
ninja -C "$BUILD"
