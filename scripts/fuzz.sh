#!/usr/bin/env bash
# Fuzzes the runtime's parsers of untrusted input (.npy, .safetensors,
# artifact manifests) with libFuzzer + ASan/UBSan, each for SECONDS
# (default 60), seeded with the test inputs. Exits non-zero on a crash;
# the reproducer is left in build-fuzz/.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-60}
B=$ROOT/build-fuzz
"$ROOT/scripts/install-deps.sh"
cmake -G Ninja -S "$ROOT/runtime" -B "$B" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTTT_ENABLE_FUZZERS=ON >/dev/null
ninja -C "$B" ttt_fuzz_Npy ttt_fuzz_Safetensors ttt_fuzz_Manifest >/dev/null
mkdir -p "$B/corpus/npy" "$B/corpus/safetensors" "$B/corpus/manifest"
cp "$ROOT"/runtime/test/Inputs/*.npy "$B/corpus/npy/"
cp "$ROOT"/runtime/test/Inputs/*.safetensors "$B/corpus/safetensors/" 2>/dev/null || true
cp "$ROOT"/runtime/test/Inputs/*.json "$B/corpus/manifest/" 2>/dev/null || true
status=0
for t in Npy:npy Safetensors:safetensors Manifest:manifest; do
  name=${t%%:*} corpus=$B/corpus/${t##*:}
  echo "== fuzz $name for $SECS s"
  (cd "$B" && "./ttt_fuzz_$name" -max_total_time="$SECS" -rss_limit_mb=2048 "$corpus") \
    >"$B/fuzz-$name.log" 2>&1 || { echo "FAIL: $name (see $B/fuzz-$name.log)"; status=1; continue; }
  echo "PASS: $name, $(grep -oE 'Done [0-9]+ runs' "$B/fuzz-$name.log" | tail -1)"
done
exit $status
