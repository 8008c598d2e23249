#!/usr/bin/env bash
# ttt-run on the toy test artifact: good runs, streaming, JSON, errors.
# usage: ttt_run_test.sh TTT_RUN TOY_MANIFEST
set -u
RUN=$1 ART=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "PASS: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

# expect_error NAME NEEDLE CMD...: non-zero exit and "ttt-run: error:" + NEEDLE.
expect_error() {
  local name=$1 needle=$2; shift 2
  if "$@" >"$TMP/out" 2>"$TMP/err"; then bad "$name: exit 0"; return; fi
  if grep -q "ttt-run: error:.*$needle" "$TMP/err"; then ok "$name"
  else bad "$name: stderr was: $(cat "$TMP/err")"; fi
}

if "$RUN" --help | grep -q -- "--stream N"; then ok help; else bad help; fi

if "$RUN" "$ART" --random 1 --batch 2 --heads 3 --tokens 100 --quiet \
    --out-dir "$TMP" >"$TMP/out" 2>&1 && grep -q "tokens/s" "$TMP/out" &&
    [ -s "$TMP/o.npy" ] && [ -s "$TMP/S.npy" ]; then ok "random run"
else bad "random run: $(cat "$TMP/out")"; fi

# Streaming (odd pieces, inside mini-batches) gives the same files.
mkdir -p "$TMP/s"
if "$RUN" "$ART" --random 1 --batch 2 --heads 3 --tokens 100 --stream 7 \
    --threads 2 --quiet --out-dir "$TMP/s" >"$TMP/out" 2>&1 &&
    cmp -s "$TMP/o.npy" "$TMP/s/o.npy" && cmp -s "$TMP/S.npy" "$TMP/s/S.npy"
then ok "stream equals one prefill"; else bad "stream: $(cat "$TMP/out")"; fi

# Inputs from files: the outputs just written are f32 [2,3,100,3] arrays.
if "$RUN" "$ART" --input x="$TMP/o.npy" --random 2 --quiet --json \
    --repeat 3 >"$TMP/out" 2>&1 &&
    grep -qE '^\{"time_ms": [0-9.]+, "tokens_per_s": [0-9.]+, "peak_rss_mb": [0-9.]+, "tokens": 100, "chains": 6\}$' "$TMP/out"
then ok "json, inputs from .npy"; else bad "json: $(cat "$TMP/out")"; fi

expect_error "bad artifact" "not valid JSON" "$RUN" "$TMP/o.npy" --random 1 --tokens 4
expect_error "missing artifact" "cannot open" "$RUN" "$TMP/none.json" --random 1 --tokens 4
expect_error "wrong rank" "expected rank 3" \
  "$RUN" "$ART" --input eta="$TMP/o.npy" --random 1
expect_error "wrong token count" "has 100 tokens, but 50" \
  "$RUN" "$ART" --input x="$TMP/o.npy" --tokens 50 --random 1
expect_error "wrong chain dims" "chain dim 0 = 2, but it is 4" \
  "$RUN" "$ART" --batch 4 --input x="$TMP/o.npy" --random 1
if python3 -c 'import numpy; numpy.save("'"$TMP"'/x4.npy", numpy.zeros((2, 3, 100, 4), numpy.float32))' 2>/dev/null; then
  expect_error "wrong feature dim" "expected \[2, 3, 100, 3\]" \
    "$RUN" "$ART" --input x="$TMP/x4.npy" --random 1
fi
expect_error "unknown input" "unknown input \"nope\"" \
  "$RUN" "$ART" --input nope="$TMP/o.npy" --random 1
expect_error "missing input" "missing input" "$RUN" "$ART" --tokens 4
expect_error "bad npy" "$TMP/S.npy.bad" \
  bash -c "head -c 20 '$TMP/S.npy' > '$TMP/S.npy.bad'; exec '$RUN' '$ART' --input S0='$TMP/S.npy.bad' --random 1 --tokens 4"
expect_error "unwritable output" "cannot write output" \
  "$RUN" "$ART" --random 1 --tokens 4 --output o=/nonexistent/dir/o.npy
expect_error "unknown output" "unknown output" \
  "$RUN" "$ART" --random 1 --tokens 4 --output zz="$TMP/z.npy"
expect_error "bad option" "unknown option" "$RUN" "$ART" --frobnicate
expect_error "unknown device" "unknown device \"tpu\"" "$RUN" "$ART" --device tpu

# CUDA: the toy's cuda artifact (PTX test double) sits next to the cpu one.
CUDA_ART=$(dirname "$ART")/toy_cuda.json
NO_CUDA='no \(usable \)\?CUDA \(driver\|device\)'
mkdir -p "$TMP/g"
if "$RUN" "$CUDA_ART" --device cuda --random 1 --batch 2 --heads 3 \
    --tokens 100 --stream 7 --quiet --out-dir "$TMP/g" >"$TMP/out" 2>"$TMP/err"
then
  # A GPU: bitwise the cpu run's files; mismatched targets are errors.
  if cmp -s "$TMP/o.npy" "$TMP/g/o.npy" && cmp -s "$TMP/S.npy" "$TMP/g/S.npy"
  then ok "cuda run equals cpu run"; else bad "cuda run differs from cpu"; fi
  expect_error "cpu artifact on cuda" "compiled for target \"cpu\"" \
    "$RUN" "$ART" --random 1 --tokens 4 --device cuda
  expect_error "cuda artifact on cpu" "compiled for target \"cuda\"; run it with --device cuda" \
    "$RUN" "$CUDA_ART" --random 1 --tokens 4
else
  if grep -q "ttt-run: error:.*$NO_CUDA" "$TMP/err"; then ok "cuda: no device"
  else bad "cuda without a device: stderr was: $(cat "$TMP/err")"; fi
  expect_error "cpu artifact, no device" "$NO_CUDA" \
    "$RUN" "$ART" --random 1 --tokens 4 --device cuda
  expect_error "cuda artifact, no device" "toy_cuda.json: $NO_CUDA" \
    "$RUN" "$CUDA_ART" --random 1 --tokens 4
fi
expect_error "bad safetensors" "too short" \
  bash -c "printf 'abc' > '$TMP/w.safetensors'; exec '$RUN' '$ART' --input '$TMP/w.safetensors' --random 1 --tokens 4"

# .safetensors inputs (written with the standard library only).
python3 - "$TMP/w.st.safetensors" <<'PYEOF'
import json, struct, sys
n = 2 * 3 * 3
data = struct.pack("<%df" % n, *[0.01 * i for i in range(n)])
hdr = {"S0": {"dtype": "F32", "shape": [2, 3, 3], "data_offsets": [0, 4 * n]},
       "ln_w": {"dtype": "F32", "shape": [2, 3, 3], "data_offsets": [4 * n, 8 * n]},
       "unrelated.weight": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
h = json.dumps(hdr).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + data + data)
PYEOF
if "$RUN" "$ART" --input "$TMP/w.st.safetensors" --random 1 --tokens 20 --quiet \
    >"$TMP/out" 2>&1 &&
   "$RUN" "$ART" --input S0="$TMP/w.st.safetensors:S0" --random 1 --tokens 20 \
    --quiet >"$TMP/out" 2>&1
then ok "safetensors inputs"; else bad "safetensors: $(cat "$TMP/out")"; fi
expect_error "safetensors missing tensor" "no tensor \"nope\"" \
  "$RUN" "$ART" --input S0="$TMP/w.st.safetensors:nope" --random 1 --tokens 4

# A million tokens in pieces stays under 200 MB RSS.
if "$RUN" "$ART" --random 3 --tokens 1048576 --stream 65536 --quiet --json \
    >"$TMP/out" 2>&1 &&
    awk -F'"peak_rss_mb": ' '{split($2, a, ","); exit !(a[1] < 200)}' "$TMP/out"
then ok "1M tokens streamed, bounded RSS: $(cat "$TMP/out")"
else bad "1M tokens: $(cat "$TMP/out")"; fi

echo "ttt_run_test: $fails failed"
[ "$fails" = 0 ]
