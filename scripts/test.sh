#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test (lit
# suite, runtime unit tests) and prints one summary line.
#   scripts/test.sh            normal build in build/
#   TTT_SANITIZE=1 scripts/test.sh   ASan+UBSan build in build-asan/
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${TTT_SANITIZE:-0}" = 1 ]; then
  export TTT_BUILD_DIR=${TTT_BUILD_DIR:-$ROOT/build-asan}
  EXTRA=(-DTTT_ENABLE_SANITIZERS=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  export TTT_BUILD_DIR=${TTT_BUILD_DIR:-$ROOT/build}
  EXTRA=()
fi
BUILD=$TTT_BUILD_DIR
start=$(date +%s)
"$ROOT/scripts/build.sh" "${EXTRA[@]}" || { echo "test: build failed"; echo "0 passed, 1 failed"; exit 1; }

log=$BUILD/test-log.txt
passed=0; failed=0
ninja -C "$BUILD" check-ttt 2>&1 | tee "$log"
lit_rc=${PIPESTATUS[0]}
p=$(grep -E '^\s*Passed\s*:' "$log" | grep -oE '[0-9]+' | head -1); passed=$((passed + ${p:-0}))
f=$(grep -E '^\s*(Failed|Unresolved|Timed Out|Unexpectedly Passed)\s*:' "$log" | grep -oE ':\s*[0-9]+' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
failed=$((failed + ${f:-0}))
if [ "$lit_rc" != 0 ] && [ "${f:-0}" = 0 ]; then failed=$((failed + 1)); fi

if [ -f "$BUILD/runtime/CTestTestfile.cmake" ]; then
  (cd "$BUILD/runtime" && ctest --output-on-failure) 2>&1 | tee "$log.ctest"
  rt_rc=${PIPESTATUS[0]}
  tp=$(grep -oE '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log.ctest" | tail -1)
  if [ -n "$tp" ]; then
    tot=$(echo "$tp" | grep -oE '[0-9]+$'); tf=$(echo "$tp" | grep -oE '[0-9]+ tests failed' | grep -oE '^[0-9]+')
    passed=$((passed + tot - tf)); failed=$((failed + tf))
  elif [ "$rt_rc" != 0 ]; then failed=$((failed + 1)); fi
fi

# The runtime must build on its own, without LLVM/MLIR.
if cmake -G Ninja -S "$ROOT/runtime" -B "$BUILD/runtime-standalone" "${EXTRA[@]}" >/dev/null &&
   ninja -C "$BUILD/runtime-standalone" >/dev/null; then
  echo "PASS: runtime builds standalone (no LLVM/MLIR)"; passed=$((passed + 1))
else
  echo "FAIL: runtime does not build standalone"; failed=$((failed + 1))
fi

echo "test time: $(( $(date +%s) - start )) s"
echo "ttt: $passed passed, $failed failed"
[ "$failed" = 0 ]
